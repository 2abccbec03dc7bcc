/* virtio-rng (virtio 1.x, 5.4): one queue whose writable buffers are filled from getrandom(). */
#ifndef NV_DEVICES_VIRTIO_RNG_H
#define NV_DEVICES_VIRTIO_RNG_H

#include <stddef.h>

#include "devices/io_thread.h"
#include "devices/virtio/virtio.h"
#include "kvm/memory.h"
#include "util/util.h"

struct virtio_rng;

/* Builds the device; requests are served on io's thread. Returns 0 or -errno with err set. */
int virtio_rng__create(struct virtio_rng **out, const struct guest_memory *mem,
		       struct io_thread *io, char *err, size_t errlen) __must_check;
/* The generic device to plug into a transport. */
struct virtio_device *virtio_rng__device(struct virtio_rng *rng);
/* Frees the device (after the transport has let go of it). NULL is a no-op. */
void virtio_rng__destroy(struct virtio_rng *rng);

#endif
