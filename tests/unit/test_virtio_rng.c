/* Unit tests for virtio-rng: requests come back full of random bytes; bad rings are refused. */
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/rng.h"
#include "tap.h"
#include "util/log.h"

#define MEM_SIZE	(1 * MiB)
#define QSIZE		16
#define DESC		0x1000
#define AVAIL		0x2000
#define USED		0x3000
#define BUF		0x10000

static u8 ram[MEM_SIZE];
static struct guest_memory mem;
static struct virtio_rng *rng;
static struct virtio_device *vdev;
static u16 avail_idx;

static void setup(void)
{
	struct virtqueue *vq;
	char err[128];

	memset(ram, 0, sizeof(ram));
	guest_memory__init_from(&mem, ram, sizeof(ram));
	if (virtio_rng__create(&rng, &mem, NULL, err, sizeof(err)))
		abort();
	vdev = virtio_rng__device(rng);
	vq = &vdev->queues[0];
	virtqueue__init(vq, &mem);
	vq->size = QSIZE;
	vq->desc_addr = DESC;
	vq->avail_addr = AVAIL;
	vq->used_addr = USED;
	avail_idx = 0;
	if (virtqueue__enable(vq, false, false))
		abort();
}

static void teardown(void)
{
	virtqueue__exit(&vdev->queues[0]);
	virtio_rng__destroy(rng);
}

static void offer(u16 head, u64 addr, u32 len, u16 flags)
{
	u8 *d = ram + DESC + 16 * head;
	u16 next = 0;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
	memcpy(ram + AVAIL + 4 + 2 * (avail_idx % QSIZE), &head, 2);
	avail_idx++;
	memcpy(ram + AVAIL + 2, &avail_idx, 2);
}

static u32 used_len(unsigned i)
{
	u32 v;

	memcpy(&v, ram + USED + 4 + 8 * i + 4, 4);
	return v;
}

static void test_identity(void)
{
	setup();
	CHECK_EQ(vdev->device_id, VIRTIO_ID_RNG);
	CHECK_EQ(vdev->nqueues, 1);
	CHECK(vdev->queue_max_size[0] > 0);
	CHECK_EQ(vdev->config_size, 0);
	teardown();
}

static void test_fills_buffers(void)
{
	static const u8 zero[4096];
	u16 used_idx;

	setup();
	offer(0, BUF, 4096, VIRTQ_DESC_F_WRITE);
	offer(1, BUF + 0x2000, 16, VIRTQ_DESC_F_WRITE);
	vdev->ops->queue_notify(vdev, 0);
	memcpy(&used_idx, ram + USED + 2, 2);
	CHECK_EQ(used_idx, 2);
	CHECK_EQ(used_len(0), 4096);
	CHECK_EQ(used_len(1), 16);
	CHECK(memcmp(ram + BUF, zero, 4096) != 0);
	CHECK(memcmp(ram + BUF + 0x2000, zero, 16) != 0);
	/* A readable-only request gets nothing written. */
	offer(2, BUF + 0x3000, 16, 0);
	vdev->ops->queue_notify(vdev, 0);
	CHECK_EQ(used_len(2), 0);
	CHECK(!memcmp(ram + BUF + 0x3000, zero, 16));
	teardown();
}

/* Large requests are capped so one driver cannot keep the thread busy for long. */
static void test_cap(void)
{
	setup();
	offer(0, BUF, 512 * KiB, VIRTQ_DESC_F_WRITE);
	vdev->ops->queue_notify(vdev, 0);
	CHECK_EQ(used_len(0), 64 * KiB);
	teardown();
}

static void test_broken_ring(void)
{
	setup();
	offer(0, MEM_SIZE - 8, 64, VIRTQ_DESC_F_WRITE);	/* past the end of RAM */
	vdev->ops->queue_notify(vdev, 0);
	CHECK(vdev->queues[0].broken);
	teardown();
}

int main(void)
{
	log_level = getenv("VERBOSE") ? LOG_DEBUG : LOG_ERR;
	RUN(test_identity);
	RUN(test_fills_buffers);
	RUN(test_cap);
	RUN(test_broken_ring);
	return tap_done();
}
