/*
 * virtio-net (virtio 1.x, 5.1) backed by a Linux tap device: one rx and one tx queue, frames
 * moved between guest buffers and the tap on the device's I/O thread.
 */
#ifndef NV_DEVICES_VIRTIO_NET_H
#define NV_DEVICES_VIRTIO_NET_H

#include <stddef.h>

#include "devices/io_thread.h"
#include "devices/virtio/virtio.h"
#include "kvm/memory.h"
#include "util/util.h"

/* What --net tap=NAME[,mac=MAC] asked for. */
struct net_option {
	char tap[16];		/* interface name, IFNAMSIZ including the NUL */
	u8 mac[6];
	bool mac_set;		/* false: the device derives one from the tap name */
};

/*
 * Parses "tap=NAME[,mac=MAC]". Returns 0, or -EINVAL with one line in err for a missing or
 * too long tap name, a bad MAC (not six hex pairs, or multicast) or an unknown key.
 */
int net_option__parse(const char *arg, struct net_option *opt, char *err, size_t errlen) __must_check;

struct virtio_net;

/*
 * Opens the tap named in opt and builds the device; I/O runs on io (which the caller owns
 * and must outlive the device). Returns 0 or -errno with one line in err.
 */
int virtio_net__create(struct virtio_net **out, const struct net_option *opt,
		       const struct guest_memory *mem, struct io_thread *io,
		       char *err, size_t errlen) __must_check;
/* The generic device to plug into a transport. */
struct virtio_device *virtio_net__device(struct virtio_net *net);
/* Stops watching the tap, closes it and frees the device (after the transport is gone). */
void virtio_net__destroy(struct virtio_net *net);

#endif
