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

/* Feature bits (5.1.3) this device may offer. */
#define VIRTIO_NET_F_CSUM		0
#define VIRTIO_NET_F_GUEST_CSUM		1
#define VIRTIO_NET_F_MAC		5
#define VIRTIO_NET_F_GUEST_TSO4		7
#define VIRTIO_NET_F_GUEST_TSO6		8
#define VIRTIO_NET_F_GUEST_ECN		9
#define VIRTIO_NET_F_GUEST_UFO		10
#define VIRTIO_NET_F_HOST_TSO4		11
#define VIRTIO_NET_F_HOST_TSO6		12
#define VIRTIO_NET_F_HOST_ECN		13
#define VIRTIO_NET_F_HOST_UFO		14
#define VIRTIO_NET_F_MRG_RXBUF		15
#define VIRTIO_NET_F_STATUS		16

#define VIRTIO_NET_S_LINK_UP		1

/* The header in front of every frame (5.1.6), little-endian; num_buffers is rx-only. */
struct virtio_net_hdr_v1 {
	u8 flags;
	u8 gso_type;
	u16 hdr_len;
	u16 gso_size;
	u16 csum_start;
	u16 csum_offset;
	u16 num_buffers;
} __packed;
_Static_assert(sizeof(struct virtio_net_hdr_v1) == 12, "virtio_net_hdr_v1 is 12 bytes");

#define VIRTIO_NET_HDR_F_NEEDS_CSUM	1
#define VIRTIO_NET_HDR_F_DATA_VALID	2
#define VIRTIO_NET_HDR_GSO_NONE		0
#define VIRTIO_NET_HDR_GSO_TCPV4	1
#define VIRTIO_NET_HDR_GSO_UDP		3
#define VIRTIO_NET_HDR_GSO_TCPV6	4
#define VIRTIO_NET_HDR_GSO_ECN		0x80

/* Config space (5.1.4): what read_config serves. */
struct virtio_net_config {
	u8 mac[6];
	u16 status;
	u16 max_virtqueue_pairs;
} __packed;

#define VIRTIO_NET_RXQ			0
#define VIRTIO_NET_TXQ			1
#define VIRTIO_NET_QUEUE_SIZE		256

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
/* The MAC used when none is given: 02:xx:xx:xx:xx:xx, a hash of the tap name (stable). */
void net_option__default_mac(const char *tap, u8 mac[6]);

struct virtio_net;
struct tap;

/* Counters, read by tests and for metrics; updated on the I/O thread only. */
struct virtio_net_stats {
	u64 tx_frames, tx_bytes;	/* handed to the tap */
	u64 tx_dropped;			/* malformed chains, headers we did not offer, tap errors */
	u64 rx_frames, rx_bytes;	/* put in guest buffers */
	u64 rx_dropped;			/* larger than the buffers, or a header the guest did not ask for */
	u64 rx_bad_buffers;		/* rx chains without a writable header: handed back unused */
};

/*
 * Opens the tap named in opt and builds the device; I/O runs on io (which the caller owns
 * and must outlive the device). Returns 0 or -errno with one line in err.
 */
int virtio_net__create(struct virtio_net **out, const struct net_option *opt,
		       const struct guest_memory *mem, struct io_thread *io,
		       char *err, size_t errlen) __must_check;
/*
 * The same over an already opened tap (tests pass a socketpair end through tap__from_fd).
 * The device takes *tap over, and closes it on failure too.
 */
int virtio_net__create_on_tap(struct virtio_net **out, struct tap *tap, const u8 mac[6],
			      const struct guest_memory *mem, struct io_thread *io,
			      char *err, size_t errlen) __must_check;
/* The generic device to plug into a transport. */
struct virtio_device *virtio_net__device(struct virtio_net *net);
/* A snapshot of the counters. */
void virtio_net__stats(const struct virtio_net *net, struct virtio_net_stats *out);
/* Stops watching the tap, closes it and frees the device (after the transport is gone). NULL is a no-op. */
void virtio_net__destroy(struct virtio_net *net);

#endif
