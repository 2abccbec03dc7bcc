/*
 * Fuzz target: split virtqueues over fake guest memory. The input is a hostile driver's
 * whole view: queue size, ring addresses, features, then the bytes of guest RAM (descriptor
 * table, rings, indirect tables, the driver's indexes). Every chain popped must lie in RAM.
 */
#include <errno.h>

#include "devices/virtio/virtqueue.h"
#include "fuzz_common.h"

#define RAM_SIZE	(64 * KiB)
#define MAX_POPS	64

static u8 ram[RAM_SIZE] __attribute__((aligned(4096)));
static u8 scratch[RAM_SIZE];

/* Header of the input, then RAM's contents. */
struct vq_setup {
	u8 flags;		/* bit 0 EVENT_IDX, 1 INDIRECT, 2 toggle notifications, 3 push bogus */
	u8 size_log;		/* queue size 1 << (size_log % 12): 2048 and up are refused */
	u16 desc, avail, used;	/* ring addresses (any alignment, possibly past RAM) */
};

static bool in_ram(const void *p, size_t len)
{
	const u8 *b = p;

	return b >= ram && b <= ram + RAM_SIZE && len <= (size_t)(ram + RAM_SIZE - b);
}

/* What every popped chain must satisfy, whatever the driver wrote. */
static void check_chain(const struct virtq_chain *c, u16 size)
{
	u64 out = 0, in = 0;

	if (c->head >= size || c->nout + c->nin > VIRTQ_MAX_SEGMENTS)
		abort();
	for (unsigned i = 0; i < c->nout + c->nin; i++) {
		if (!in_ram(c->iov[i].iov_base, c->iov[i].iov_len))
			abort();
		*(i < c->nout ? &out : &in) += c->iov[i].iov_len;
	}
	if (out != c->out_len || in != c->in_len || out > UINT32_MAX || in > UINT32_MAX)
		abort();
}

/* A device's use of the chain: read it all, write it all (and past the end: cut short). */
static u32 use_chain(const struct virtq_chain *c)
{
	size_t rd = min_u64(c->out_len + 16, sizeof(scratch));
	size_t wr = min_u64(c->in_len + 16, sizeof(scratch));

	if (virtq_chain__read(c, 0, scratch, rd) != min_u64(c->out_len, rd))
		abort();
	if (virtq_chain__write(c, 1, scratch, wr) != min_u64(c->in_len ? c->in_len - 1 : 0, wr))
		abort();
	return (u32)c->in_len;
}

static void run(struct virtqueue *vq, const struct vq_setup *s)
{
	static struct virtq_chain chain;
	int ret;

	for (int i = 0; i < MAX_POPS; i++) {
		if (s->flags & 4)
			virtqueue__set_notify(vq, i & 1);
		ret = virtqueue__pop(vq, &chain);
		if (ret < 0 && !vq->broken)
			abort();
		if (ret <= 0)
			break;
		check_chain(&chain, vq->size);
		virtqueue__push(vq, chain.head, use_chain(&chain));
		if (s->flags & 8)
			virtqueue__push(vq, 0xffff, 1);
		(void)virtqueue__should_notify(vq);
	}
	/* A broken queue stays broken, and pops nothing. */
	if (vq->broken && virtqueue__pop(vq, &chain) != -EIO)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	struct guest_memory mem;
	struct virtqueue vq;
	struct vq_setup s;

	fuzz_quiet();
	s.flags = fuzz_u8(&in);
	s.size_log = fuzz_u8(&in);
	s.desc = fuzz_u16(&in);
	s.avail = fuzz_u16(&in);
	s.used = fuzz_u16(&in);
	memset(ram, 0, sizeof(ram));
	fuzz_bytes(&in, ram, min_u64(in.left, RAM_SIZE));
	guest_memory__init_from(&mem, ram, RAM_SIZE);
	virtqueue__init(&vq, &mem);
	vq.size = (u16)(1u << (s.size_log % 12));
	vq.desc_addr = s.desc;
	vq.avail_addr = s.avail;
	vq.used_addr = s.used;
	if (virtqueue__enable(&vq, s.flags & 1, s.flags & 2) == 0)
		run(&vq, &s);
	else if (vq.enabled)
		abort();
	virtqueue__reset(&vq);
	virtqueue__exit(&vq);
	return 0;
}
