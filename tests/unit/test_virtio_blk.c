/*
 * Unit tests for virtio-blk: rings built in fake guest memory, a temporary image, a real I/O
 * thread for completions; the transport is played by the test (features, queue setup, kicks).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "devices/io_thread.h"
#include "devices/virtio/blk.h"
#include "devices/virtio/virtio.h"
#include "kvm/memory.h"
#include "tap.h"

#define MEM_SIZE (8 << 20)
#define DESC_GPA 0x0000
#define AVAIL_GPA 0x4000
#define USED_GPA 0x5000
#define BUF_GPA 0x10000
#define QSIZE 256
#define IMG_SECTORS 2048 /* 1 MiB */

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WRITE_ZEROES 13
#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2
#define F_RO 5
#define F_FLUSH 9
#define F_DISCARD 13
#define F_WRITE_ZEROES 14

/* The transport's side, recorded. Weak: the real ones win if the transport gets linked in. */
static int notifies, resets_asked;
__attribute__((weak)) void virtio__notify_queue(struct virtio_device *vdev, unsigned q)
{
	__atomic_add_fetch(&notifies, 1, __ATOMIC_SEQ_CST);
}
__attribute__((weak)) void virtio__set_needs_reset(struct virtio_device *vdev)
{
	__atomic_add_fetch(&resets_asked, 1, __ATOMIC_SEQ_CST);
}

static u8 *gmem;
static struct guest_memory mem;
static struct io_thread io;
static char img[64];
static const char *img_dir = "/tmp"; /* /dev/shm: the in-memory back-end */
static struct virtio_blk *blk;
static struct virtio_device *vdev;
static u16 desc_next, avail_idx, used_seen;
static u64 buf_next;
static u32 last_len;

struct seg {
	u64 gpa;
	u32 len;
	bool write;
};

static void *gp(u64 gpa)
{
	return gmem + gpa;
}

static u64 galloc(u32 len)
{
	u64 gpa;

	if (buf_next + len > MEM_SIZE)
		buf_next = BUF_GPA;
	gpa = buf_next;
	buf_next = ALIGN_UP(buf_next + len, 16);
	return gpa;
}

static void make_image(void)
{
	int fd;

	snprintf(img, sizeof(img), "%s/nv-blk-XXXXXX", img_dir);
	fd = mkstemp(img);
	if (fd < 0 || ftruncate(fd, IMG_SECTORS * 512ULL) < 0)
		abort();
	close(fd);
}

static void file_io(bool write, u64 off, void *buf, size_t len)
{
	int fd = open(img, O_RDWR);

	if (fd < 0 ||
	    (write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off)) != (ssize_t)len)
		abort();
	close(fd);
}

/* Plays the driver's part of the handshake for queue 0. */
static void enable_queue(u16 size, u64 features)
{
	struct virtqueue *vq = &vdev->queues[0];

	memset(gp(DESC_GPA), 0, USED_GPA + 0x1000 - DESC_GPA);
	vdev->driver_features = features;
	vq->size = size;
	vq->desc_addr = DESC_GPA;
	vq->avail_addr = AVAIL_GPA;
	vq->used_addr = USED_GPA;
	CHECK_EQ(virtqueue__enable(vq, false, false), 0);
	CHECK_EQ(vdev->ops->activate(vdev), 0);
	desc_next = avail_idx = used_seen = 0;
	buf_next = BUF_GPA;
}

static int setup(const char *opts, bool make)
{
	struct disk_option opt;
	char arg[256], err[256] = "";

	if (make)
		make_image();
	snprintf(arg, sizeof(arg), "%s%s", img, opts);
	CHECK_EQ(disk_option__parse(arg, &opt, err, sizeof(err)), 0);
	if (virtio_blk__create(&blk, &opt, &mem, &io, err, sizeof(err))) {
		printf("#   virtio_blk__create: %s\n", err);
		CHECK(0);
		return -1;
	}
	vdev = virtio_blk__device(blk);
	enable_queue(QSIZE, vdev->device_features | (1ULL << VIRTIO_F_VERSION_1));
	notifies = resets_asked = 0;
	return 0;
}

static void teardown(void)
{
	/* The transport's part: reset stops completions before the queues go away. */
	vdev->ops->reset(vdev);
	virtqueue__exit(&vdev->queues[0]);
	virtio_blk__destroy(blk);
	blk = NULL;
	unlink(img);
}

/* Writes a chain into the descriptor table and makes it available (not kicked). */
static void post(const struct seg *segs, unsigned n)
{
	u16 size = vdev->queues[0].size;
	u16 head = desc_next % size;
	u8 *desc = gp(DESC_GPA);

	for (unsigned i = 0; i < n; i++) {
		u16 idx = (desc_next + i) % size, next = (desc_next + i + 1) % size;
		u16 flags = (segs[i].write ? 2 : 0) | (i + 1 < n ? 1 : 0);

		memcpy(desc + 16 * idx, &segs[i].gpa, 8);
		memcpy(desc + 16 * idx + 8, &segs[i].len, 4);
		memcpy(desc + 16 * idx + 12, &flags, 2);
		memcpy(desc + 16 * idx + 14, &next, 2);
	}
	desc_next += n;
	memcpy((u8 *)gp(AVAIL_GPA) + 4 + 2 * (avail_idx % size), &head, 2);
	avail_idx++;
	__atomic_store_n((u16 *)gp(AVAIL_GPA + 2), avail_idx, __ATOMIC_RELEASE);
}

static u16 used_idx(void)
{
	return __atomic_load_n((u16 *)gp(USED_GPA + 2), __ATOMIC_ACQUIRE);
}

/* Kicks, then waits (up to 5 s) for the used ring to reach avail_idx. */
static bool kick_and_wait(void)
{
	struct timespec ts = {0, 1000000};

	vdev->ops->queue_notify(vdev, 0);
	for (int i = 0; i < 5000 && used_idx() != avail_idx; i++)
		nanosleep(&ts, NULL);
	if (used_idx() != avail_idx)
		return false;
	u16 size = vdev->queues[0].size;
	memcpy(&last_len, (u8 *)gp(USED_GPA) + 4 + 8 * ((avail_idx - 1) % size) + 4, 4);
	used_seen = avail_idx;
	return true;
}

static u64 header(u32 type, u64 sector)
{
	u64 gpa = galloc(16);
	u32 zero = 0;

	memcpy(gp(gpa), &type, 4);
	memcpy(gp(gpa + 4), &zero, 4);
	memcpy(gp(gpa + 8), &sector, 8);
	return gpa;
}

static u64 status_byte(void)
{
	u64 gpa = galloc(1);

	*(u8 *)gp(gpa) = 0xee;
	return gpa;
}

/* header, optional data, status: the layout Linux uses. Returns the status (0xee: none). */
static u8 request(u32 type, u64 sector, u64 data, u32 len, bool data_write)
{
	u64 st = status_byte();
	struct seg segs[3] = {{header(type, sector), 16, false}};
	unsigned n = 1;

	if (len)
		segs[n++] = (struct seg){data, len, data_write};
	segs[n++] = (struct seg){st, 1, true};
	post(segs, n);
	if (!kick_and_wait())
		return 0xdd;
	return *(u8 *)gp(st);
}

static bool all_bytes(const u8 *p, size_t len, u8 v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void test_config(void)
{
	u64 cap;
	u32 v32;
	u16 v16;
	u8 v8;

	if (setup("", true))
		return;
	CHECK_EQ(vdev->device_id, VIRTIO_ID_BLOCK);
	CHECK_EQ(vdev->config_size, 60);
	CHECK(vdev->device_features & (1ULL << F_FLUSH));
	CHECK(vdev->device_features & (1ULL << F_DISCARD));
	CHECK(vdev->device_features & (1ULL << F_WRITE_ZEROES));
	CHECK(!(vdev->device_features & (1ULL << F_RO)));
	vdev->ops->read_config(vdev, 0, (u8 *)&cap, 8);
	CHECK_EQ(cap, IMG_SECTORS);
	vdev->ops->read_config(vdev, 12, (u8 *)&v32, 4);
	CHECK(v32 >= 1 && v32 <= VIRTQ_MAX_SEGMENTS - 2);
	vdev->ops->read_config(vdev, 20, (u8 *)&v32, 4);
	CHECK_EQ(v32, 512);
	vdev->ops->read_config(vdev, 34, (u8 *)&v16, 2);
	CHECK_EQ(v16, 1);
	vdev->ops->read_config(vdev, 40, (u8 *)&v32, 4);
	CHECK(v32 >= 1);
	vdev->ops->read_config(vdev, 52, (u8 *)&v32, 4);
	CHECK(v32 >= 1);
	vdev->ops->read_config(vdev, 56, &v8, 1);
	CHECK_EQ(v8, 1);
	teardown();
}

static void test_write_read(void)
{
	static u8 file[4096];
	u64 data;

	if (setup("", true))
		return;
	data = galloc(4096);
	for (int i = 0; i < 4096; i++)
		((u8 *)gp(data))[i] = (u8)(i ^ 0x5a);
	CHECK_EQ(request(T_OUT, 8, data, 4096, false), S_OK);
	CHECK_EQ(last_len, 1);
	file_io(false, 8 * 512, file, sizeof(file));
	CHECK(!memcmp(file, gp(data), 4096));
	u64 back = galloc(4096);
	CHECK_EQ(request(T_IN, 8, back, 4096, true), S_OK);
	CHECK_EQ(last_len, 4097);
	CHECK(!memcmp(gp(back), file, 4096));
	/* The last sector is reachable. */
	CHECK_EQ(request(T_IN, IMG_SECTORS - 1, back, 512, true), S_OK);
	CHECK(__atomic_load_n(&notifies, __ATOMIC_SEQ_CST) >= 1);
	teardown();
}

/* No framing assumptions (2.6.4): a header split in two, data and status in one descriptor. */
static void test_odd_layout(void)
{
	static u8 pattern[1024];
	u64 h, buf;

	if (setup("", true))
		return;
	memset(pattern, 0x77, sizeof(pattern));
	file_io(true, 2 * 512, pattern, sizeof(pattern));
	h = header(T_IN, 2);
	buf = galloc(1024 + 1);
	struct seg segs[4] = {
	    {h, 5, false}, {h + 5, 11, false}, {buf, 300, true}, {buf + 300, 725, true}};
	post(segs, 4);
	CHECK(kick_and_wait());
	CHECK_EQ(*(u8 *)gp(buf + 1024), S_OK);
	CHECK(all_bytes(gp(buf), 1024, 0x77));
	CHECK_EQ(last_len, 1025);
	teardown();
}

static void test_flush_and_id(void)
{
	u64 id;

	if (setup(",id=disk-0", true))
		return;
	CHECK_EQ(request(T_FLUSH, 0, 0, 0, false), S_OK);
	id = galloc(20);
	memset(gp(id), 0xff, 20);
	CHECK_EQ(request(T_GET_ID, 0, id, 20, true), S_OK);
	CHECK(!memcmp(gp(id), "disk-0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20));
	CHECK_EQ(last_len, 21);
	CHECK_EQ(request(99, 0, 0, 0, false), S_UNSUPP);
	teardown();
}

static u64 ranges(unsigned n, u64 sector, u32 nsect, u32 flags)
{
	u64 gpa = galloc(16 * n);

	for (unsigned i = 0; i < n; i++) {
		u64 s = sector + (u64)i * nsect * 2;

		memcpy(gp(gpa + 16 * i), &s, 8);
		memcpy(gp(gpa + 16 * i + 8), &nsect, 4);
		memcpy(gp(gpa + 16 * i + 12), &flags, 4);
	}
	return gpa;
}

static void test_discard_and_zeroes(void)
{
	static u8 ones[65536], back[65536];

	if (setup("", true))
		return;
	memset(ones, 1, sizeof(ones));
	file_io(true, 0, ones, sizeof(ones));
	/* Two segments of 8 sectors: sectors 0-7 and 16-23. */
	CHECK_EQ(request(T_DISCARD, 0, ranges(2, 0, 8, 0), 32, false), S_OK);
	CHECK_EQ(request(T_WRITE_ZEROES, 0, ranges(1, 32, 8, 0), 16, false), S_OK);
	CHECK_EQ(request(T_WRITE_ZEROES, 0, ranges(1, 48, 8, 1), 16, false), S_OK);
	file_io(false, 0, back, sizeof(back));
	CHECK(all_bytes(back, 4096, 0) && all_bytes(back + 4096, 4096, 1));
	CHECK(all_bytes(back + 8192, 4096, 0) && all_bytes(back + 12288, 4096, 1));
	CHECK(all_bytes(back + 16384, 4096, 0) && all_bytes(back + 20480, 4096, 1));
	CHECK(all_bytes(back + 24576, 4096, 0) && all_bytes(back + 28672, 32768, 1));
	/* Unmap on a discard and unknown flags are unsupported; bad ranges are errors. */
	CHECK_EQ(request(T_DISCARD, 0, ranges(1, 64, 8, 1), 16, false), S_UNSUPP);
	CHECK_EQ(request(T_WRITE_ZEROES, 0, ranges(1, 64, 8, 2), 16, false), S_UNSUPP);
	CHECK_EQ(request(T_DISCARD, 0, ranges(17, 64, 1, 0), 17 * 16, false), S_IOERR);
	CHECK_EQ(request(T_DISCARD, 0, ranges(1, 64, 8, 0), 15, false), S_IOERR);
	CHECK_EQ(request(T_DISCARD, 0, 0, 0, false), S_IOERR);
	CHECK_EQ(request(T_WRITE_ZEROES, 0, ranges(1, IMG_SECTORS - 4, 8, 0), 16, false), S_IOERR);
	CHECK_EQ(request(T_DISCARD, 0, ranges(1, UINT64_MAX - 2, 8, 0), 16, false), S_IOERR);
	CHECK_EQ(request(T_WRITE_ZEROES, 0, ranges(1, 0, 0xffffffff, 0), 16, false), S_IOERR);
	file_io(false, 64 * 512, back, 8 * 512);
	CHECK(all_bytes(back, 8 * 512, 1));
	/* A driver that did not negotiate discard gets UNSUPP. */
	enable_queue(QSIZE, vdev->device_features & ~(1ULL << F_DISCARD));
	CHECK_EQ(request(T_DISCARD, 0, ranges(1, 64, 8, 0), 16, false), S_UNSUPP);
	teardown();
}

static void test_bad_requests(void)
{
	u64 buf, st;

	if (setup("", true))
		return;
	buf = galloc(2048);
	CHECK_EQ(request(T_IN, IMG_SECTORS, buf, 512, true), S_IOERR);
	CHECK_EQ(request(T_IN, IMG_SECTORS - 1, buf, 1024, true), S_IOERR);
	CHECK_EQ(request(T_OUT, UINT64_MAX, buf, 512, false), S_IOERR);
	CHECK_EQ(request(T_OUT, UINT64_MAX / 512 + 1, buf, 1024, false), S_IOERR);
	CHECK_EQ(request(T_IN, 0, buf, 100, true), S_IOERR);
	CHECK_EQ(request(T_OUT, 0, buf, 513, false), S_IOERR);
	/* A header shorter than 16 bytes. */
	st = status_byte();
	struct seg shorthdr[2] = {{header(T_IN, 0), 8, false}, {st, 1, true}};
	post(shorthdr, 2);
	CHECK(kick_and_wait());
	CHECK_EQ(*(u8 *)gp(st), S_IOERR);
	/* No writable byte for the status: handed back untouched. */
	struct seg nostatus[2] = {{header(T_OUT, 0), 16, false}, {buf, 512, false}};
	post(nostatus, 2);
	CHECK(kick_and_wait());
	CHECK_EQ(last_len, 0);
	/* The queue still works and no reset was asked for. */
	CHECK_EQ(request(T_IN, 0, buf, 512, true), S_OK);
	CHECK_EQ(resets_asked, 0);
	teardown();
}

static void test_readonly(void)
{
	static u8 back[512];
	u64 buf;

	make_image();
	memset(back, 0x3c, sizeof(back));
	file_io(true, 0, back, sizeof(back));
	if (setup(",ro", false))
		return;
	CHECK(vdev->device_features & (1ULL << F_RO));
	CHECK(!(vdev->device_features & (1ULL << F_DISCARD)));
	buf = galloc(512);
	memset(gp(buf), 0x99, 512);
	CHECK_EQ(request(T_OUT, 0, buf, 512, false), S_IOERR);
	CHECK_EQ(request(T_WRITE_ZEROES, 0, ranges(1, 0, 1, 0), 16, false), S_IOERR);
	CHECK_EQ(request(T_DISCARD, 0, ranges(1, 0, 1, 0), 16, false), S_IOERR);
	CHECK_EQ(request(T_FLUSH, 0, 0, 0, false), S_OK);
	CHECK_EQ(request(T_IN, 0, buf, 512, true), S_OK);
	CHECK(all_bytes(gp(buf), 512, 0x3c));
	file_io(false, 0, back, sizeof(back));
	CHECK(all_bytes(back, 512, 0x3c));
	teardown();
}

static void test_broken_ring(void)
{
	u64 st;

	if (setup("", true))
		return;
	st = status_byte();
	struct seg outside[2] = {{MEM_SIZE - 8, 16, false}, {st, 1, true}};
	post(outside, 2);
	vdev->ops->queue_notify(vdev, 0);
	CHECK_EQ(resets_asked, 1);
	CHECK_EQ(used_idx(), 0);
	CHECK_EQ(*(u8 *)gp(st), 0xee);
	teardown();
}

/* Many requests, one kick: all served, in one submission, with few interrupts. */
static void test_batch(void)
{
	static u8 back[4096];
	u64 st[64], data;
	int n;

	if (setup("", true))
		return;
	for (int i = 0; i < 64; i++) {
		data = galloc(4096);
		memset(gp(data), i, 4096);
		st[i] = status_byte();
		post((struct seg[3]){{header(T_OUT, i * 8ULL), 16, false},
				     {data, 4096, false},
				     {st[i], 1, true}},
		     3);
	}
	CHECK(kick_and_wait());
	for (int i = 0; i < 64; i++)
		CHECK_EQ(*(u8 *)gp(st[i]), S_OK);
	n = __atomic_load_n(&notifies, __ATOMIC_SEQ_CST);
	CHECK(n >= 1 && n <= 64);
	file_io(false, 63 * 4096, back, sizeof(back));
	CHECK(all_bytes(back, sizeof(back), 63));
	teardown();
}

/* A small ring kept full: the device stops at the ring size and resumes on completions. */
static void test_full_ring(void)
{
	if (setup("", true))
		return;
	enable_queue(4, vdev->device_features);
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < 2; i++) {
			struct seg segs[2] = {{header(T_FLUSH, 0), 16, false},
					      {status_byte(), 1, true}};

			post(segs, 2);
		}
		CHECK(kick_and_wait());
	}
	CHECK_EQ(used_idx(), 16);
	teardown();
}

/* After reset returns nothing in flight may touch guest memory or the ring. */
static void test_reset_in_flight(void)
{
	struct timespec ts = {0, 50000000};
	u16 after;

	if (setup("", true))
		return;
	for (int i = 0; i < 100; i++) {
		struct seg segs[3] = {{header(i % 2 ? T_OUT : T_IN, (i % 128) * 16ULL), 16, false},
				      {galloc(8192), 8192, i % 2 == 0},
				      {status_byte(), 1, true}};
		post(segs, 3);
	}
	vdev->ops->queue_notify(vdev, 0);
	vdev->ops->reset(vdev);
	after = used_idx();
	printf("# %u of 100 requests completed before the reset\n", after);
	nanosleep(&ts, NULL);
	CHECK_EQ(used_idx(), after);
	CHECK(after <= 100);
	virtqueue__reset(&vdev->queues[0]);
	/* The device works again after the driver sets it up anew. */
	enable_queue(QSIZE, vdev->device_features);
	CHECK_EQ(request(T_FLUSH, 0, 0, 0, false), S_OK);
	teardown();
}

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Sectors a hostile driver likes: the start, around the end, and far beyond. */
static u64 rnd_sector(void)
{
	static const u64 picks[] = {0,
				    1,
				    IMG_SECTORS - 1,
				    IMG_SECTORS,
				    IMG_SECTORS + 1,
				    UINT64_MAX,
				    UINT64_MAX / 512,
				    1ULL << 55};

	return rnd() % 2 ? rnd() % IMG_SECTORS : picks[rnd() % ARRAY_SIZE(picks)];
}

static void post_random_chain(void)
{
	static const u32 types[] = {T_IN, T_OUT, T_FLUSH, T_GET_ID, T_DISCARD, T_WRITE_ZEROES, 7};
	struct seg segs[4];
	unsigned n = 1 + rnd() % 4;
	u64 h = galloc(16), sector = rnd_sector();
	u32 type = types[rnd() % ARRAY_SIZE(types)];

	memcpy(gp(h), &type, 4);
	memcpy(gp(h + 8), &sector, 8);
	segs[0] = (struct seg){h, rnd() % 4 ? 16 : rnd() % 32, false};
	for (unsigned i = 1; i < n; i++) {
		u32 len = rnd() % 3 ? 512 * (rnd() % 5) : rnd() % 3000;
		u64 gpa = galloc(len);

		for (u32 j = 0; j + 16 <= len && type >= T_DISCARD; j += 16)
			memcpy(gp(gpa + j), &(u64[2]){rnd_sector(), rnd() % 3 ? rnd() % 64 : rnd()},
			       16);
		/* Mostly well-formed: readable parts first. Sometimes not: the ring breaks. */
		segs[i] =
		    (struct seg){gpa, len, i == n - 1 || (rnd() % 50 ? i > n / 2 : rnd() % 2)};
	}
	post(segs, n);
}

/* Random requests from a fixed seed: nothing crashes, the image keeps its size. */
static void test_hostile(void)
{
	struct timespec ts = {0, 1000000};
	struct stat st;
	int breaks = 0;

	if (setup("", true))
		return;
	for (int round = 0; round < 300; round++) {
		int before = __atomic_load_n(&resets_asked, __ATOMIC_SEQ_CST);

		for (int i = 0; i < 8; i++)
			post_random_chain();
		vdev->ops->queue_notify(vdev, 0);
		for (int i = 0; i < 5000 && used_idx() != avail_idx &&
				__atomic_load_n(&resets_asked, __ATOMIC_SEQ_CST) == before;
		     i++)
			nanosleep(&ts, NULL);
		if (__atomic_load_n(&resets_asked, __ATOMIC_SEQ_CST) != before) {
			/* What a driver does after DEVICE_NEEDS_RESET. */
			breaks++;
			vdev->ops->reset(vdev);
			virtqueue__reset(&vdev->queues[0]);
			enable_queue(QSIZE, vdev->device_features);
			continue;
		}
		CHECK_EQ(used_idx(), avail_idx);
	}
	printf("# %d ring breaks in 300 rounds\n", breaks);
	CHECK(stat(img, &st) == 0 && st.st_size == IMG_SECTORS * 512LL);
	CHECK_EQ(request(T_FLUSH, 0, 0, 0, false), S_OK);
	teardown();
}

/* Large requests (a worker's, on tmpfs) and small ones (inline) in one batch. */
static void test_large_and_small(void)
{
	static u8 file[512 * 1024];
	u64 big = galloc(sizeof(file)), small = galloc(4096), st[2];

	if (setup("", true))
		return;
	memset(gp(big), 0x3c, sizeof(file));
	memset(gp(small), 0x4d, 4096);
	st[0] = status_byte();
	st[1] = status_byte();
	post((struct seg[3]){{header(T_OUT, 0), 16, false}, {big, sizeof(file), false},
			     {st[0], 1, true}}, 3);
	post((struct seg[3]){{header(T_OUT, sizeof(file) / 512), 16, false}, {small, 4096, false},
			     {st[1], 1, true}}, 3);
	CHECK(kick_and_wait());
	CHECK(*(u8 *)gp(st[0]) == S_OK && *(u8 *)gp(st[1]) == S_OK);
	file_io(false, 0, file, sizeof(file));
	CHECK(all_bytes(file, sizeof(file), 0x3c));
	file_io(false, sizeof(file), file, 4096);
	CHECK(all_bytes(file, 4096, 0x4d));
	memset(gp(big), 0, sizeof(file));
	CHECK_EQ(request(T_IN, 0, big, sizeof(file), true), S_OK);
	CHECK(all_bytes(gp(big), sizeof(file), 0x3c));
	teardown();
}

/* The same device on an image in memory (tmpfs), where requests are served two ways. */
static void run_memory(void)
{
	if (access("/dev/shm", W_OK)) {
		SKIP("no writable /dev/shm (tmpfs) here");
		return;
	}
	printf("# image in memory (/dev/shm)\n");
	img_dir = "/dev/shm";
	RUN(test_large_and_small);
	RUN(test_write_read);
	RUN(test_batch);
	RUN(test_full_ring);
	RUN(test_reset_in_flight);
	img_dir = "/tmp";
}

static void test_create_errors(void)
{
	struct disk_option opt;
	struct virtio_blk *b1 = NULL, *b2 = NULL;
	char err[256] = "";

	CHECK_EQ(disk_option__parse("/nonexistent.img", &opt, err, sizeof(err)), 0);
	CHECK(virtio_blk__create(&b1, &opt, &mem, &io, err, sizeof(err)) < 0);
	CHECK(strstr(err, "/nonexistent.img"));
	make_image();
	CHECK_EQ(disk_option__parse(img, &opt, err, sizeof(err)), 0);
	CHECK_EQ(virtio_blk__create(&b1, &opt, &mem, &io, err, sizeof(err)), 0);
	CHECK_EQ(virtio_blk__create(&b2, &opt, &mem, &io, err, sizeof(err)), -EBUSY);
	CHECK(strstr(err, "is in use by another process"));
	virtio_blk__destroy(b1);
	unlink(img);
}

static void parse_fails(const char *arg, const char *msg)
{
	struct disk_option opt;
	char err[256] = "";

	CHECK_EQ(disk_option__parse(arg, &opt, err, sizeof(err)), -EINVAL);
	if (!strstr(err, msg))
		printf("#   '%s': got \"%s\", wanted \"%s\"\n", arg, err, msg);
	CHECK(strstr(err, msg) && !strchr(err, '\n'));
}

static void test_option_parse(void)
{
	struct disk_option opt;
	char err[256], longp[5000];

	CHECK_EQ(disk_option__parse("/a/b.img", &opt, err, sizeof(err)), 0);
	CHECK_STR(opt.path, "/a/b.img");
	CHECK(!opt.readonly && !opt.direct && !opt.id[0]);
	CHECK_EQ(disk_option__parse("x.img,ro,id=12345678901234567890,direct=on", &opt, err,
				    sizeof(err)),
		 0);
	CHECK_STR(opt.path, "x.img");
	CHECK(opt.readonly && opt.direct);
	CHECK_STR(opt.id, "12345678901234567890");
	CHECK_EQ(disk_option__parse("x.img,direct=off", &opt, err, sizeof(err)), 0);
	CHECK(!opt.direct);
	parse_fails("", "empty path");
	parse_fails(",ro", "empty path");
	parse_fails("x.img,rw", "unknown option 'rw'");
	parse_fails("x.img,cache=none", "unknown option 'cache'");
	parse_fails("x.img,id=123456789012345678901", "longer than 20 bytes");
	parse_fails("x.img,id=", "needs a value");
	parse_fails("x.img,id=a\tb", "printable");
	parse_fails("x.img,direct=yes", "must be on or off");
	parse_fails("x.img,,ro", "empty option");
	parse_fails("x.img,ro,", "empty option");
	parse_fails("x.img,ro,ro", "given twice");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = 0;
	CHECK(disk_option__parse(longp, &opt, err, sizeof(err)) < 0);
}

int main(void)
{
	char err[256];

	gmem = aligned_alloc(4096, MEM_SIZE);
	if (!gmem)
		return 1;
	memset(gmem, 0, MEM_SIZE);
	guest_memory__init_from(&mem, gmem, MEM_SIZE);
	if (io_thread__init(&io, "blk-test-io", err, sizeof(err)) ||
	    io_thread__start(&io, err, sizeof(err))) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	RUN(test_option_parse);
	RUN(test_config);
	RUN(test_write_read);
	RUN(test_odd_layout);
	RUN(test_flush_and_id);
	RUN(test_discard_and_zeroes);
	RUN(test_bad_requests);
	RUN(test_readonly);
	RUN(test_broken_ring);
	RUN(test_batch);
	RUN(test_full_ring);
	RUN(test_reset_in_flight);
	RUN(test_create_errors);
	RUN(test_hostile);
	run_memory();
	io_thread__exit(&io);
	free(gmem);
	return tap_done();
}
