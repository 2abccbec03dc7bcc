/*
 * virtio-rng: the driver offers writable buffers on queue 0 and gets them back full of bytes
 * from the host's getrandom(). All work happens on the device's I/O thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "devices/virtio/rng.h"
#include "util/log.h"

#define RNG_QUEUE_SIZE		256
#define RNG_MAX_PER_REQUEST	(64 * KiB)	/* keeps one request from hogging the thread */
#define PCI_CLASS_OTHER		0xff0000

struct virtio_rng {
	struct virtio_device vdev;
	struct virtq_chain chain;	/* only the I/O thread uses it */
};

static int fill(void *buf, size_t len)
{
	u8 *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

/* Fills the chain's writable part (up to the per-request cap); returns the bytes written. */
static u32 serve(struct virtq_chain *chain)
{
	u64 left = RNG_MAX_PER_REQUEST, written = 0;

	for (unsigned i = chain->nout; i < chain->nout + chain->nin && left; i++) {
		size_t len = min_u64(chain->iov[i].iov_len, left);

		if (fill(chain->iov[i].iov_base, len)) {
			pr_warn_once("virtio-rng: getrandom: %s", strerror(errno));
			break;
		}
		written += len;
		left -= len;
	}
	return written;
}

/* Serves every available request; negative when the ring is malformed. */
static int drain(struct virtio_rng *rng, struct virtqueue *vq)
{
	int ret;

	while ((ret = virtqueue__pop(vq, &rng->chain)) == 1)
		virtqueue__push(vq, rng->chain.head, serve(&rng->chain));
	return ret;
}

/* Kicks are off while draining; once they are back on, the ring is checked again. */
static void rng_queue_notify(struct virtio_device *vdev, unsigned q)
{
	struct virtio_rng *rng = container_of(vdev, struct virtio_rng, vdev);
	struct virtqueue *vq = &vdev->queues[0];
	int ret;

	if (q != 0)
		return;
	virtqueue__set_notify(vq, false);
	ret = drain(rng, vq);
	virtqueue__set_notify(vq, true);
	if (!ret)
		ret = drain(rng, vq);
	virtio__notify_queue(vdev, 0);
	if (ret < 0)
		virtio__set_needs_reset(vdev);
}

static int rng_activate(struct virtio_device *vdev)
{
	return 0;
}

static void rng_reset(struct virtio_device *vdev)
{
	/* Requests are served synchronously: nothing is in flight. */
}

static const struct virtio_device_ops rng_ops = {
	.activate = rng_activate,
	.reset = rng_reset,
	.queue_notify = rng_queue_notify,
};

int virtio_rng__create(struct virtio_rng **out, const struct guest_memory *mem,
		       struct io_thread *io, char *err, size_t errlen)
{
	struct virtio_rng *rng = calloc(1, sizeof(*rng));

	*out = NULL;
	if (!rng)
		return set_err(err, errlen, ENOMEM, "virtio-rng: out of memory");
	rng->vdev = (struct virtio_device){
		.name = "virtio-rng",
		.device_id = VIRTIO_ID_RNG,
		.pci_class = PCI_CLASS_OTHER,
		.ops = &rng_ops,
		.nqueues = 1,
		.queue_max_size = { RNG_QUEUE_SIZE },
	};
	*out = rng;
	return 0;
}

struct virtio_device *virtio_rng__device(struct virtio_rng *rng)
{
	return &rng->vdev;
}

void virtio_rng__destroy(struct virtio_rng *rng)
{
	free(rng);
}
