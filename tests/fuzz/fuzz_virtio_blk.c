/*
 * Fuzz target: virtio-blk requests from a hostile driver. The input chooses the device
 * (read-write or read-only image), the features and the queue size, then fills guest RAM
 * (rings at a fixed compact layout, headers, ranges, buffers). The driver kicks once; the
 * device's I/O thread is pumped on this thread until every popped request is completed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "devices/virtio/blk.h"
#include "devices/virtio/virtio.h"
#include "fuzz_common.h"

#define RAM_SIZE	(64 * KiB)
#define IMG_SIZE	(64 * KiB)
#define WAIT_MS		5000	/* a request not completed by then is a hang */

#define F_FLUSH		9
#define F_DISCARD	13
#define F_WRITE_ZEROES	14

static u8 ram[RAM_SIZE] __attribute__((aligned(4096)));
static struct guest_memory mem;
static struct io_thread io;
static struct virtio_blk *blk[2];	/* read-write, read-only */

/* Each device on its own image (a read-write one holds an exclusive lock). */
static struct virtio_blk *create(const char *opts)
{
	struct virtio_blk *b;
	struct disk_option opt;
	char img[64], arg[128], err[256];
	int fd;

	snprintf(img, sizeof(img), "/tmp/nv-fuzz-blk-%d-XXXXXX", (int)getpid());
	fd = mkstemp(img);
	if (fd < 0 || ftruncate(fd, IMG_SIZE) < 0)
		abort();
	close(fd);
	snprintf(arg, sizeof(arg), "%s%s", img, opts);
	if (disk_option__parse(arg, &opt, err, sizeof(err)) ||
	    virtio_blk__create(&b, &opt, &mem, &io, err, sizeof(err))) {
		fprintf(stderr, "fuzz_virtio_blk: %s\n", err);
		abort();
	}
	unlink(img);	/* the device holds it open */
	return b;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	fuzz_quiet();
	guest_memory__init_from(&mem, ram, RAM_SIZE);
	if (io_thread__init(&io, "fuzz-blk", err, sizeof(err)))
		abort();
	blk[0] = create("");
	blk[1] = create(",ro,id=fuzz-disk");
	return 0;
}

/* Rings at 0: the descriptor table, the avail ring, the used ring; buffers after them. */
static bool start(struct virtio_device *vdev, u8 flags, u16 qsize)
{
	struct virtqueue *vq = &vdev->queues[0];
	u64 avail = 16ULL * qsize;

	vdev->driver_features = 1ULL << VIRTIO_F_VERSION_1;
	if (flags & 2)
		vdev->driver_features |= 1ULL << F_FLUSH;
	if (flags & 4)
		vdev->driver_features |= 1ULL << F_DISCARD | 1ULL << F_WRITE_ZEROES;
	vdev->driver_features &= vdev->device_features | 1ULL << VIRTIO_F_VERSION_1;
	vq->size = qsize;
	vq->desc_addr = 0;
	vq->avail_addr = avail;
	vq->used_addr = ALIGN_UP(avail + 6 + 2ULL * qsize, 4);
	if (virtqueue__enable(vq, flags & 8, flags & 16))
		abort();
	return vdev->ops->activate(vdev) == 0;
}

/* Until every request the device took is back in the used ring (or the ring broke). */
static void complete_all(struct virtio_device *vdev)
{
	struct virtqueue *vq = &vdev->queues[0];

	for (int waited = 0; vq->used_idx != vq->last_avail; waited += 10) {
		if (waited > WAIT_MS) {
			fprintf(stderr, "fuzz_virtio_blk: requests never completed\n");
			abort();
		}
		fuzz_io_pump(&io, 10);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	u8 flags = fuzz_u8(&in);
	u16 qsize = (u16)(4u << (fuzz_u8(&in) % 4));	/* 4 to 32 */
	struct virtio_device *vdev = virtio_blk__device(blk[flags & 1]);

	memset(ram, 0, sizeof(ram));
	fuzz_bytes(&in, ram, min_u64(in.left, RAM_SIZE));
	if (start(vdev, flags, qsize)) {
		pthread_mutex_lock(&io.lock);
		vdev->ops->queue_notify(vdev, 0);
		pthread_mutex_unlock(&io.lock);
		complete_all(vdev);
		/* A second kick with nothing new must find nothing (or the same broken ring). */
		pthread_mutex_lock(&io.lock);
		vdev->ops->queue_notify(vdev, 0);
		pthread_mutex_unlock(&io.lock);
		complete_all(vdev);
	}
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "requests completed: %u\n", vdev->queues[0].used_idx);
	vdev->ops->reset(vdev);
	virtqueue__reset(&vdev->queues[0]);
	return 0;
}
