/*
 * Unit tests for split virtqueues over fake guest memory: good chains, indirect tables,
 * notification suppression (flags and EVENT_IDX), and every malformed ring we refuse.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/virtqueue.h"
#include "tap.h"
#include "util/log.h"

#define MEM_SIZE	(1 * MiB)
#define QSIZE		16
#define DESC_ADDR	0x1000
#define AVAIL_ADDR	0x2000
#define USED_ADDR	0x3000
#define TABLE_ADDR	0x4000		/* indirect tables */
#define DATA_ADDR	0x10000		/* buffers */

static u8 ram[MEM_SIZE] __attribute__((aligned(4096)));
static struct guest_memory mem;
static struct virtqueue vq;
static struct virtq_chain chain;
static u16 avail_idx;

static void put16(u64 gpa, u16 v)
{
	memcpy(ram + gpa, &v, 2);
}

static u16 get16(u64 gpa)
{
	u16 v;

	memcpy(&v, ram + gpa, 2);
	return v;
}

static u32 get32(u64 gpa)
{
	u32 v;

	memcpy(&v, ram + gpa, 4);
	return v;
}

static void put_desc(u64 table, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	u8 *d = ram + table + 16ULL * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* The driver side: put head in the avail ring and publish it. */
static void offer(u16 head)
{
	put16(AVAIL_ADDR + 4 + 2 * (avail_idx % QSIZE), head);
	avail_idx++;
	put16(AVAIL_ADDR + 2, avail_idx);
}

static void setup_ex(bool event_idx, bool indirect)
{
	memset(ram, 0, sizeof(ram));
	guest_memory__init_from(&mem, ram, sizeof(ram));
	virtqueue__init(&vq, &mem);
	vq.size = QSIZE;
	vq.desc_addr = DESC_ADDR;
	vq.avail_addr = AVAIL_ADDR;
	vq.used_addr = USED_ADDR;
	avail_idx = 0;
	if (virtqueue__enable(&vq, event_idx, indirect))
		abort();
}

static void setup(void)
{
	setup_ex(false, false);
}

static void teardown(void)
{
	virtqueue__exit(&vq);
}

static void test_empty(void)
{
	setup();
	CHECK_EQ(virtqueue__pop(&vq, &chain), 0);
	teardown();
}

static void test_good_chain(void)
{
	u8 buf[8];

	setup();
	memcpy(ram + DATA_ADDR, "hello", 5);
	memcpy(ram + DATA_ADDR + 0x100, "world", 5);
	put_desc(DESC_ADDR, 3, DATA_ADDR, 5, VIRTQ_DESC_F_NEXT, 7);
	put_desc(DESC_ADDR, 7, DATA_ADDR + 0x100, 5, VIRTQ_DESC_F_NEXT, 1);
	put_desc(DESC_ADDR, 1, DATA_ADDR + 0x200, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	put_desc(DESC_ADDR, 2, DATA_ADDR + 0x300, 4, VIRTQ_DESC_F_WRITE, 0);
	offer(3);
	CHECK_EQ(virtqueue__pop(&vq, &chain), 1);
	CHECK_EQ(chain.head, 3);
	CHECK_EQ(chain.nout, 2);
	CHECK_EQ(chain.nin, 2);
	CHECK_EQ(chain.out_len, 10);
	CHECK_EQ(chain.in_len, 20);
	CHECK(chain.iov[0].iov_base == ram + DATA_ADDR);
	CHECK(chain.iov[3].iov_base == ram + DATA_ADDR + 0x300);
	CHECK_EQ(virtq_chain__read(&chain, 3, buf, 4), 4);
	CHECK(!memcmp(buf, "lowo", 4));
	CHECK_EQ(virtq_chain__read(&chain, 8, buf, 8), 2);	/* short: only 10 bytes */
	CHECK_EQ(virtq_chain__write(&chain, 14, "abcd", 4), 4);	/* straddles both in buffers */
	CHECK(!memcmp(ram + DATA_ADDR + 0x200 + 14, "ab", 2));
	CHECK(!memcmp(ram + DATA_ADDR + 0x300, "cd", 2));
	CHECK_EQ(virtq_chain__write(&chain, 19, "xyz", 3), 1);
	CHECK_EQ(virtqueue__pop(&vq, &chain), 0);
	virtqueue__push(&vq, 3, 18);
	CHECK_EQ(get16(USED_ADDR + 2), 1);
	CHECK_EQ(get32(USED_ADDR + 4), 3);
	CHECK_EQ(get32(USED_ADDR + 8), 18);
	teardown();
}

/* The rings wrap around the 16-bit indexes and the queue size. */
static void test_wrap(void)
{
	setup();
	put_desc(DESC_ADDR, 0, DATA_ADDR, 1, 0, 0);
	for (unsigned i = 0; i < 70000; i++) {
		offer(0);
		if (virtqueue__pop(&vq, &chain) != 1)
			break;
		virtqueue__push(&vq, chain.head, 0);
	}
	CHECK_EQ(get16(USED_ADDR + 2), (u16)70000);
	CHECK_EQ(virtqueue__pop(&vq, &chain), 0);
	teardown();
}

static void test_indirect(void)
{
	setup_ex(false, true);
	put_desc(TABLE_ADDR, 0, DATA_ADDR, 8, VIRTQ_DESC_F_NEXT, 2);
	put_desc(TABLE_ADDR, 2, DATA_ADDR + 8, 8, VIRTQ_DESC_F_NEXT, 1);
	put_desc(TABLE_ADDR, 1, DATA_ADDR + 16, 100, VIRTQ_DESC_F_WRITE, 0);
	/* A direct descriptor first, then the table (allowed: only INDIRECT|NEXT is not). */
	put_desc(DESC_ADDR, 5, DATA_ADDR + 0x400, 4, VIRTQ_DESC_F_NEXT, 6);
	put_desc(DESC_ADDR, 6, TABLE_ADDR, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(5);
	CHECK_EQ(virtqueue__pop(&vq, &chain), 1);
	CHECK_EQ(chain.head, 5);
	CHECK_EQ(chain.nout, 3);
	CHECK_EQ(chain.nin, 1);
	CHECK_EQ(chain.out_len, 20);
	CHECK_EQ(chain.in_len, 100);
	CHECK(chain.iov[1].iov_base == ram + DATA_ADDR);
	CHECK(chain.iov[3].iov_base == ram + DATA_ADDR + 16);
	teardown();
}

/* An indirect table may hold up to VIRTQ_MAX_SEGMENTS descriptors, not one more. */
static void test_long_indirect(void)
{
	for (unsigned n = VIRTQ_MAX_SEGMENTS; n <= VIRTQ_MAX_SEGMENTS + 1; n++) {
		setup_ex(false, true);
		for (unsigned i = 0; i < n; i++)
			put_desc(TABLE_ADDR, i, DATA_ADDR, 1, i + 1 < n ? VIRTQ_DESC_F_NEXT : 0, i + 1);
		put_desc(DESC_ADDR, 0, TABLE_ADDR, 16 * n, VIRTQ_DESC_F_INDIRECT, 0);
		offer(0);
		CHECK_EQ(virtqueue__pop(&vq, &chain), n == VIRTQ_MAX_SEGMENTS ? 1 : -EIO);
		teardown();
	}
}

static void test_notify_flags(void)
{
	setup();
	put_desc(DESC_ADDR, 0, DATA_ADDR, 1, 0, 0);
	(void)virtqueue__should_notify(&vq);		/* nothing pushed yet: either answer is fine */
	offer(0);
	CHECK_EQ(virtqueue__pop(&vq, &chain), 1);
	virtqueue__push(&vq, 0, 0);
	CHECK(virtqueue__should_notify(&vq));
	CHECK(!virtqueue__should_notify(&vq));		/* nothing new since */
	put16(AVAIL_ADDR, VIRTQ_AVAIL_F_NO_INTERRUPT);
	offer(0);
	CHECK_EQ(virtqueue__pop(&vq, &chain), 1);
	virtqueue__push(&vq, 0, 0);
	CHECK(!virtqueue__should_notify(&vq));
	virtqueue__set_notify(&vq, false);
	CHECK_EQ(get16(USED_ADDR), VIRTQ_USED_F_NO_NOTIFY);
	virtqueue__set_notify(&vq, true);
	CHECK_EQ(get16(USED_ADDR), 0);
	teardown();
}

static void pop_push(void)
{
	offer(0);
	if (virtqueue__pop(&vq, &chain) == 1)
		virtqueue__push(&vq, chain.head, 0);
}

static void test_event_idx(void)
{
	u64 used_event = AVAIL_ADDR + 4 + 2 * QSIZE;
	u64 avail_event = USED_ADDR + 4 + 8 * QSIZE;

	setup_ex(true, false);
	put_desc(DESC_ADDR, 0, DATA_ADDR, 1, 0, 0);
	put16(AVAIL_ADDR, VIRTQ_AVAIL_F_NO_INTERRUPT);	/* ignored with EVENT_IDX */
	pop_push();
	CHECK_EQ(get16(avail_event), 1);		/* kick me for entry 1 */
	CHECK(virtqueue__should_notify(&vq));		/* the first one always */
	put16(used_event, 3);				/* interrupt once used idx passes 3 */
	pop_push();					/* used idx 2 */
	CHECK(!virtqueue__should_notify(&vq));
	pop_push();					/* 3 */
	CHECK(!virtqueue__should_notify(&vq));
	pop_push();					/* 4: entry 3 was used */
	CHECK(virtqueue__should_notify(&vq));
	put16(used_event, 5);
	pop_push();
	pop_push();					/* 5 and 6 in one batch */
	CHECK(virtqueue__should_notify(&vq));
	put16(used_event, 100);
	pop_push();
	CHECK(!virtqueue__should_notify(&vq));
	CHECK_EQ(get16(avail_event), 7);
	virtqueue__set_notify(&vq, false);
	CHECK_EQ(get16(USED_ADDR), 0);			/* no flag with EVENT_IDX */
	virtqueue__set_notify(&vq, true);
	CHECK_EQ(get16(avail_event), 7);
	teardown();
}

static void test_enable_checks(void)
{
	static const struct {
		u16 size;
		u64 desc, avail, used;
	} bad[] = {
		{ 0, DESC_ADDR, AVAIL_ADDR, USED_ADDR },
		{ 12, DESC_ADDR, AVAIL_ADDR, USED_ADDR },		/* not a power of two */
		{ 2048, DESC_ADDR, AVAIL_ADDR, USED_ADDR },		/* > VIRTQ_MAX_SIZE */
		{ QSIZE, DESC_ADDR + 8, AVAIL_ADDR, USED_ADDR },	/* desc align 16 */
		{ QSIZE, DESC_ADDR, AVAIL_ADDR + 1, USED_ADDR },	/* avail align 2 */
		{ QSIZE, DESC_ADDR, AVAIL_ADDR, USED_ADDR + 2 },	/* used align 4 */
		{ QSIZE, MEM_SIZE - 16 * 8, AVAIL_ADDR, USED_ADDR },	/* desc past RAM */
		{ QSIZE, DESC_ADDR, MEM_SIZE - 36, USED_ADDR },		/* avail: 38 bytes */
		{ QSIZE, DESC_ADDR, AVAIL_ADDR, MEM_SIZE - 132 },	/* used: 134 bytes */
		{ QSIZE, 0xfffffffffffffff0ULL, AVAIL_ADDR, USED_ADDR },
		{ QSIZE, 1ULL << 40, AVAIL_ADDR, USED_ADDR },
	};

	setup();
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		virtqueue__reset(&vq);
		vq.size = bad[i].size;
		vq.desc_addr = bad[i].desc;
		vq.avail_addr = bad[i].avail;
		vq.used_addr = bad[i].used;
		CHECK_EQ(virtqueue__enable(&vq, false, false), -EINVAL);
		CHECK(!vq.enabled);
		CHECK_EQ(virtqueue__pop(&vq, &chain), 0);
		virtqueue__push(&vq, 0, 0);			/* ignored on a disabled queue */
		CHECK(!virtqueue__should_notify(&vq));
	}
	/* Rings ending exactly at the end of RAM are fine. */
	virtqueue__reset(&vq);
	vq.size = QSIZE;
	vq.desc_addr = MEM_SIZE - 16 * QSIZE;
	vq.avail_addr = MEM_SIZE - 16 * QSIZE - 40;
	vq.used_addr = MEM_SIZE - 16 * QSIZE - 40 - 136;
	CHECK_EQ(virtqueue__enable(&vq, true, true), 0);
	teardown();
}

/* Sets up one malformed request and checks the queue breaks and stays broken. */
static void expect_broken(const char *what)
{
	int ret = virtqueue__pop(&vq, &chain);

	if (ret != -EIO)
		printf("#   %s: pop returned %d\n", what, ret);
	CHECK_EQ(ret, -EIO);
	CHECK(vq.broken);
	CHECK_EQ(virtqueue__pop(&vq, &chain), -EIO);
	teardown();
}

static void test_malformed_direct(void)
{
	setup();
	offer(QSIZE);					/* head out of range */
	expect_broken("head");

	setup();
	put_desc(DESC_ADDR, 0, DATA_ADDR, 1, VIRTQ_DESC_F_NEXT, QSIZE);
	offer(0);
	expect_broken("next out of range");

	setup();
	put_desc(DESC_ADDR, 0, DATA_ADDR, 1, VIRTQ_DESC_F_NEXT, 1);
	put_desc(DESC_ADDR, 1, DATA_ADDR, 1, VIRTQ_DESC_F_NEXT, 0);
	offer(0);
	expect_broken("loop");

	setup();
	put_desc(DESC_ADDR, 0, DATA_ADDR, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	put_desc(DESC_ADDR, 1, DATA_ADDR, 1, 0, 0);
	offer(0);
	expect_broken("readable after writable");

	setup();
	put_desc(DESC_ADDR, 0, MEM_SIZE - 4, 8, 0, 0);
	offer(0);
	expect_broken("buffer past RAM");

	setup();
	put_desc(DESC_ADDR, 0, 0xfffffffffffffff8ULL, 16, 0, 0);
	offer(0);
	expect_broken("buffer wrapping the address space");

	setup();
	put_desc(DESC_ADDR, 0, DATA_ADDR, 1, 0, 0);
	avail_idx = QSIZE + 1;				/* more than a ring's worth ahead */
	put16(AVAIL_ADDR + 2, avail_idx);
	expect_broken("avail idx ahead");
}

static void test_malformed_indirect(void)
{
	setup();					/* INDIRECT_DESC not negotiated */
	put_desc(DESC_ADDR, 0, TABLE_ADDR, 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(TABLE_ADDR, 0, DATA_ADDR, 1, 0, 0);
	offer(0);
	expect_broken("indirect not negotiated");

	setup_ex(false, true);
	put_desc(DESC_ADDR, 0, TABLE_ADDR, 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(TABLE_ADDR, 0, TABLE_ADDR + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("nested indirect");

	setup_ex(false, true);
	put_desc(DESC_ADDR, 0, TABLE_ADDR, 24, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("table length 24");

	setup_ex(false, true);
	put_desc(DESC_ADDR, 0, TABLE_ADDR, 0, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("table length 0");

	setup_ex(false, true);
	put_desc(DESC_ADDR, 0, MEM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("table past RAM");

	setup_ex(false, true);
	put_desc(DESC_ADDR, 0, TABLE_ADDR, 32, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	put_desc(DESC_ADDR, 1, DATA_ADDR, 1, 0, 0);
	offer(0);
	expect_broken("INDIRECT with NEXT");

	setup_ex(false, true);
	put_desc(DESC_ADDR, 0, TABLE_ADDR, 32, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(TABLE_ADDR, 0, DATA_ADDR, 1, VIRTQ_DESC_F_NEXT, 1);
	put_desc(TABLE_ADDR, 1, DATA_ADDR, 1, VIRTQ_DESC_F_NEXT, 0);
	offer(0);
	expect_broken("loop in table");

	setup_ex(false, true);
	put_desc(DESC_ADDR, 0, TABLE_ADDR, 32, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(TABLE_ADDR, 0, DATA_ADDR, 1, VIRTQ_DESC_F_NEXT, 2);
	offer(0);
	expect_broken("next out of the table");
}

/* Totals over 4 GiB cannot be described in a used element: refused. Needs 2 GiB of RAM mapped. */
static void test_length_overflow(void)
{
	struct guest_memory big;
	char err[128];

	if (guest_memory__init(&big, 2 * GiB + MiB, err, sizeof(err))) {
		SKIP("cannot map 2 GiB of address space");
		return;
	}
	virtqueue__init(&vq, &big);
	vq.size = QSIZE;
	vq.desc_addr = 2 * GiB;
	vq.avail_addr = 2 * GiB + 0x1000;
	vq.used_addr = 2 * GiB + 0x2000;
	CHECK_EQ(virtqueue__enable(&vq, false, false), 0);
	for (unsigned i = 0; i < 2; i++) {
		u8 *d = big.host + 2 * GiB + 16 * i;
		u64 addr = 0;
		u32 len = 0x80000000u;
		u16 flags = i ? 0 : VIRTQ_DESC_F_NEXT, next = 1;

		memcpy(d, &addr, 8);
		memcpy(d + 8, &len, 4);
		memcpy(d + 12, &flags, 2);
		memcpy(d + 14, &next, 2);
	}
	memset(big.host + 2 * GiB + 0x1004, 0, 2);	/* ring[0] = 0 */
	big.host[2 * GiB + 0x1002] = 1;			/* avail idx = 1 */
	CHECK_EQ(virtqueue__pop(&vq, &chain), -EIO);
	CHECK(vq.broken);
	virtqueue__exit(&vq);
	guest_memory__exit(&big);
}

static void test_reset_recovers(void)
{
	setup();
	offer(QSIZE);
	CHECK_EQ(virtqueue__pop(&vq, &chain), -EIO);
	virtqueue__reset(&vq);
	CHECK(!vq.broken);
	CHECK(!vq.enabled);
	vq.size = QSIZE;
	vq.desc_addr = DESC_ADDR;
	vq.avail_addr = AVAIL_ADDR;
	vq.used_addr = USED_ADDR;
	memset(ram + AVAIL_ADDR, 0, 0x1000);
	avail_idx = 0;
	CHECK_EQ(virtqueue__enable(&vq, false, false), 0);
	put_desc(DESC_ADDR, 0, DATA_ADDR, 1, 0, 0);
	offer(0);
	CHECK_EQ(virtqueue__pop(&vq, &chain), 1);
	teardown();
}

/* Random rings must never crash or hand out memory outside RAM. */
static void test_random_rings(void)
{
	u64 s = 0x9e3779b97f4a7c15ULL;

	for (unsigned round = 0; round < 2000; round++) {
		setup_ex(round & 1, round & 2);
		for (unsigned i = 0; i < 16 * QSIZE + 2 * 4 + 2 * QSIZE; i += 8) {
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			memcpy(ram + DESC_ADDR + i, &s, 8);
			if (i < 0x400)
				memcpy(ram + TABLE_ADDR + i, &s, 8);
		}
		/* Keep some addresses and lengths plausible so chains get walked further. */
		for (unsigned i = 0; i < QSIZE; i++) {
			u32 len = (s >> i) & 0x7ff;

			if (i & 1)
				memcpy(ram + DESC_ADDR + 16 * i, &(u64){ DATA_ADDR + 64 * i }, 8);
			if (i & 2)
				memcpy(ram + DESC_ADDR + 16 * i + 8, &len, 4);
		}
		memcpy(ram + AVAIL_ADDR, &s, 8);
		if (round & 4) {
			put16(AVAIL_ADDR + 2, 1 + (s & 3));
			for (unsigned k = 0; k < 4; k++)
				put16(AVAIL_ADDR + 4 + 2 * k, (s >> (5 * k)) & 31);
		}
		for (int k = 0; k < 4; k++) {
			int ret = virtqueue__pop(&vq, &chain);

			if (ret != 1)
				break;
			for (unsigned j = 0; j < chain.nout + chain.nin; j++) {
				u8 *b = chain.iov[j].iov_base;

				CHECK(!chain.iov[j].iov_len ||
				      (b >= ram && b + chain.iov[j].iov_len <= ram + MEM_SIZE));
			}
			virtqueue__push(&vq, chain.head, chain.in_len);
		}
		teardown();
	}
}

int main(void)
{
	log_level = getenv("VERBOSE") ? LOG_DEBUG : LOG_ERR;	/* broken rings warn on purpose */
	RUN(test_empty);
	RUN(test_good_chain);
	RUN(test_wrap);
	RUN(test_indirect);
	RUN(test_long_indirect);
	RUN(test_notify_flags);
	RUN(test_event_idx);
	RUN(test_enable_checks);
	RUN(test_malformed_direct);
	RUN(test_malformed_indirect);
	RUN(test_length_overflow);
	RUN(test_reset_recovers);
	RUN(test_random_rings);
	return tap_done();
}
