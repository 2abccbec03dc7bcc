/*
 * virtio-blk (virtio 1.x, 5.2): a block device backed by a raw image file, with requests
 * popped on the device's io_thread and served asynchronously by src/block/disk.c.
 */
#ifndef NV_DEVICES_VIRTIO_BLK_H
#define NV_DEVICES_VIRTIO_BLK_H

#include <stddef.h>

#include "util/util.h"

struct guest_memory;
struct io_thread;
struct virtio_device;

#define DISK_ID_MAX 20 /* virtio-blk GET_ID answers at most 20 bytes */

/* One --disk option: "PATH[,ro][,id=ID][,direct=on|off]". */
struct disk_option {
	char path[4096];
	char id[DISK_ID_MAX + 1];
	bool readonly;
	bool direct; /* O_DIRECT: bypass the host page cache */
};

/*
 * Parses arg into *opt (zeroed first). Returns 0, or -EINVAL with one line in err naming the
 * problem (unknown key, empty path, id longer than 20 bytes, bad value).
 */
int disk_option__parse(const char *arg, struct disk_option *opt, char *err,
		       size_t errlen) __must_check;

struct virtio_blk;

/*
 * Opens the image described by opt (locks it, sizes it) and builds the device; completions
 * are handled on io. The caller plugs virtio_blk__device() into a transport, and calls
 * virtio_blk__destroy() after the transport has let go of it.
 */
/*
 * Opens and closes every image as its device would, and refuses one given twice, so that a
 * bad --disk is refused before the VM is created.
 */
int disk_options__check(const struct disk_option *opts, unsigned n, char *err,
			size_t errlen) __must_check;
int virtio_blk__create(struct virtio_blk **out, const struct disk_option *opt,
		       const struct guest_memory *mem, struct io_thread *io, char *err,
		       size_t errlen) __must_check;
struct virtio_device *virtio_blk__device(struct virtio_blk *blk);
/* Cancels or waits for in-flight I/O, closes the image, frees blk. NULL is a no-op. */
void virtio_blk__destroy(struct virtio_blk *blk);

#endif
