/*
 * virtio-net unit tests: the driver side is played by this file over rings in fake guest
 * memory, and a SOCK_SEQPACKET socketpair stands in for the tap (frames keep their bounds).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "devices/io_thread.h"
#include "devices/virtio/net.h"
#include "net/tap.h"
#include "tap.h"

#define RAM_SIZE	(2 * MiB)
#define QSIZE		16
#define RX_RING		0x1000
#define TX_RING		0x2000
#define BUF_BASE	0x10000
#define HDR		12
#define BIT(n)		(1ULL << (n))

static u8 ram[RAM_SIZE] __attribute__((aligned(4096)));

/* Until the transport lands, these stand in for it; they count what the device asked for. */
static unsigned notified[2], config_changes, resets_asked;

__attribute__((weak)) void virtio__notify_queue(struct virtio_device *vdev, unsigned q)
{
	__atomic_fetch_add(&notified[q & 1], 1, __ATOMIC_RELAXED);
}

__attribute__((weak)) void virtio__notify_config(struct virtio_device *vdev)
{
	config_changes++;
}

__attribute__((weak)) void virtio__set_needs_reset(struct virtio_device *vdev)
{
	resets_asked++;
}

/* The driver's view of one queue: desc table, avail ring and used ring at base. */
struct drvq {
	u64 desc, avail, used;
	u16 avail_idx, used_seen, next_desc;
};

struct seg {
	u64 gpa;
	u32 len;
	bool write;
};

#define RD(gpa, len)	{ (gpa), (len), false }	/* device-readable */
#define WR(gpa, len)	{ (gpa), (len), true }	/* device-writable */

struct fixture {
	struct guest_memory mem;
	struct io_thread io;
	struct virtio_net *net;
	struct virtio_device *vdev;
	int peer;			/* the host side of the stand-in tap */
	struct drvq rx, tx;
	u64 next_buf;
};

static u16 get16(u64 gpa)
{
	return __atomic_load_n((u16 *)(ram + gpa), __ATOMIC_ACQUIRE);
}

static void put16(u64 gpa, u16 v)
{
	__atomic_store_n((u16 *)(ram + gpa), v, __ATOMIC_RELEASE);
}

static u32 get32(u64 gpa)
{
	u32 v;

	memcpy(&v, ram + gpa, 4);
	return v;
}

static u64 alloc_buf(struct fixture *f, u32 len)
{
	u64 gpa = f->next_buf;

	f->next_buf = ALIGN_UP(gpa + len, 64);
	return gpa;
}

static void put_desc(struct drvq *q, u16 i, const struct seg *s, bool next)
{
	u8 *d = ram + q->desc + 16ULL * i;
	u16 flags = (s->write ? 2 : 0) | (next ? 1 : 0), nx = (i + 1) % QSIZE;

	memcpy(d, &s->gpa, 8);
	memcpy(d + 8, &s->len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &nx, 2);
}

/* Writes a chain of n segments into free descriptors and makes it available; returns its head. */
static u16 offer(struct drvq *q, const struct seg *segs, unsigned n)
{
	u16 head = q->next_desc;

	for (unsigned i = 0; i < n; i++) {
		put_desc(q, q->next_desc, &segs[i], i + 1 < n);
		q->next_desc = (q->next_desc + 1) % QSIZE;
	}
	put16(q->avail + 4 + 2 * (q->avail_idx % QSIZE), head);
	q->avail_idx++;
	put16(q->avail + 2, q->avail_idx);
	return head;
}

/* Takes the next used element, if any. */
static bool take_used(struct drvq *q, u16 *id, u32 *len)
{
	u64 elem;

	if (get16(q->used + 2) == q->used_seen)
		return false;
	elem = q->used + 4 + 8ULL * (q->used_seen % QSIZE);
	*id = get32(elem);
	*len = get32(elem + 4);
	q->used_seen++;
	return true;
}

static void ring_init(struct drvq *q, struct virtqueue *vq, u64 base)
{
	*q = (struct drvq){ .desc = base, .avail = base + 0x100, .used = base + 0x200 };
	vq->size = QSIZE;
	vq->desc_addr = q->desc;
	vq->avail_addr = q->avail;
	vq->used_addr = q->used;
	if (virtqueue__enable(vq, false, false))
		abort();
}

/* What the transport does up to DRIVER_OK; false if the device refused the features. */
static bool start_device(struct fixture *f, u64 features)
{
	struct virtio_device *vdev = f->vdev;

	vdev->driver_features = features & (vdev->device_features | BIT(VIRTIO_F_VERSION_1));
	if (!vdev->ops->features_ok(vdev, vdev->driver_features))
		return false;
	ring_init(&f->rx, &vdev->queues[VIRTIO_NET_RXQ], RX_RING);
	ring_init(&f->tx, &vdev->queues[VIRTIO_NET_TXQ], TX_RING);
	return vdev->ops->activate(vdev) == 0;
}

static void setup_ex(struct fixture *f, unsigned offloads, u64 features, bool started)
{
	static const u8 mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	char err[256];
	struct tap tap;
	int fds[2];

	memset(ram, 0, sizeof(ram));
	memset(f, 0, sizeof(*f));
	memset(notified, 0, sizeof(notified));
	config_changes = resets_asked = 0;
	guest_memory__init_from(&f->mem, ram, sizeof(ram));
	f->next_buf = BUF_BASE;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, fds) ||
	    io_thread__init(&f->io, "net-test", err, sizeof(err)))
		abort();
	tap__from_fd(&tap, fds[0], offloads);
	f->peer = fds[1];
	if (virtio_net__create_on_tap(&f->net, &tap, mac, &f->mem, &f->io, err, sizeof(err))) {
		printf("# %s\n", err);
		abort();
	}
	f->vdev = virtio_net__device(f->net);
	if (started && !start_device(f, features))
		abort();
}

static void setup(struct fixture *f, u64 features)
{
	setup_ex(f, 0, features | BIT(VIRTIO_F_VERSION_1), true);
}

static void teardown(struct fixture *f)
{
	virtio_net__destroy(f->net);		/* before its I/O thread, which it uses */
	io_thread__exit(&f->io);
	close(f->peer);
}

/* A kick as the transport delivers it: on the worker thread, here under its handler lock. */
static void kick(struct fixture *f, unsigned q)
{
	pthread_mutex_lock(&f->io.lock);
	f->vdev->ops->queue_notify(f->vdev, q);
	pthread_mutex_unlock(&f->io.lock);
}

static struct virtio_net_stats stats(struct fixture *f)
{
	struct virtio_net_stats s;

	virtio_net__stats(f->net, &s);
	return s;
}

static void fill(u8 *p, size_t len, u8 seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (u8)(seed + i * 7);
}

/* The peer reads one frame (header included) within a second. */
static ssize_t peer_recv(struct fixture *f, u8 *buf, size_t len)
{
	struct pollfd p = { .fd = f->peer, .events = POLLIN };

	if (poll(&p, 1, 1000) != 1)
		return -1;
	return recv(f->peer, buf, len, 0);
}

static bool peer_idle(struct fixture *f)
{
	u8 b;

	return recv(f->peer, &b, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

/* The peer sends a frame of len bytes after a header (flags, gso). */
static void peer_send(struct fixture *f, size_t len, u8 seed, u8 flags, u8 gso)
{
	static u8 buf[HDR + 70000];

	memset(buf, 0, HDR);
	buf[0] = flags;
	buf[1] = gso;
	fill(buf + HDR, len, seed);
	if (send(f->peer, buf, HDR + len, 0) != (ssize_t)(HDR + len))
		abort();
}

/* Polls a used ring until it holds want entries past those seen (the I/O thread fills it). */
static bool wait_used(struct drvq *q, u16 want)
{
	for (int i = 0; i < 2000; i++) {
		if ((u16)(get16(q->used + 2) - q->used_seen) >= want)
			return true;
		usleep(1000);
	}
	return false;
}

/* ---- option parsing and identity ---- */

static void test_option_parse(void)
{
	struct net_option opt;
	char err[256];

	CHECK_EQ(net_option__parse("tap=tap0", &opt, err, sizeof(err)), 0);
	CHECK_STR(opt.tap, "tap0");
	CHECK(!opt.mac_set);
	CHECK_EQ(net_option__parse("tap=vm-tap.7,mac=02:AB:cd:00:10:ff", &opt, err, sizeof(err)), 0);
	CHECK_STR(opt.tap, "vm-tap.7");
	CHECK(opt.mac_set);
	CHECK(!memcmp(opt.mac, "\x02\xab\xcd\x00\x10\xff", 6));
	CHECK_EQ(net_option__parse("mac=52:54:00:12:34:56,tap=t", &opt, err, sizeof(err)), 0);
	CHECK_STR(opt.tap, "t");
	CHECK_EQ(opt.mac[0], 0x52);
}

static void expect_parse_error(const char *arg, const char *words)
{
	struct net_option opt;
	char err[256] = "";

	CHECK_EQ(net_option__parse(arg, &opt, err, sizeof(err)), -EINVAL);
	if (!strstr(err, words))
		printf("#   '%s' -> '%s' (wanted '%s')\n", arg, err, words);
	CHECK(strstr(err, words));
	CHECK(!strchr(err, '\n'));
	CHECK(!opt.tap[0] && !opt.mac_set);
}

static void test_option_errors(void)
{
	expect_parse_error("", "tap=NAME is missing");
	expect_parse_error("mac=02:00:00:00:00:01", "tap=NAME is missing");
	expect_parse_error("tap=", "needs an interface name");
	expect_parse_error("tap=sixteen-chars-xy", "longer than 15 characters");
	expect_parse_error("tap=a/b", "not a valid interface name");
	expect_parse_error("tap=a:b", "not a valid interface name");
	expect_parse_error("tap=..", "not a valid interface name");
	expect_parse_error("tap=t,mac=02:00:00:00:00", "six hex pairs");
	expect_parse_error("tap=t,mac=02:00:00:00:00:0g", "six hex pairs");
	expect_parse_error("tap=t,mac=02-00-00-00-00-01", "six hex pairs");
	expect_parse_error("tap=t,mac=02:00:00:00:00:011", "six hex pairs");
	expect_parse_error("tap=t,mac=01:00:5e:00:00:01", "multicast");
	expect_parse_error("tap=t,mac=ff:ff:ff:ff:ff:ff", "multicast");
	expect_parse_error("tap=t,mac=00:00:00:00:00:00", "not a usable address");
	expect_parse_error("tap=t,queues=2", "unknown key 'queues'");
	expect_parse_error("tap=t,vhost", "not key=value");
	expect_parse_error("tap=a,tap=b", "given twice");
}

static void test_default_mac(void)
{
	u8 a[6], b[6], c[6];

	net_option__default_mac("tap0", a);
	net_option__default_mac("tap0", b);
	net_option__default_mac("tap1", c);
	CHECK(!memcmp(a, b, 6));
	CHECK(memcmp(a, c, 6));
	CHECK_EQ(a[0], 0x02);		/* locally administered, unicast */
	CHECK_EQ(c[0], 0x02);
}

static void test_features_follow_tap(void)
{
	struct fixture f;
	u64 feat;

	setup_ex(&f, 0, 0, false);
	feat = f.vdev->device_features;
	CHECK(feat & BIT(VIRTIO_NET_F_MAC));
	CHECK(feat & BIT(VIRTIO_NET_F_STATUS));
	CHECK(feat & BIT(VIRTIO_NET_F_MRG_RXBUF));
	CHECK(!(feat & (BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_CSUM) |
			BIT(VIRTIO_NET_F_HOST_TSO4) | BIT(VIRTIO_NET_F_GUEST_TSO4))));
	CHECK_EQ(f.vdev->device_id, VIRTIO_ID_NET);
	CHECK_EQ(f.vdev->nqueues, 2);
	CHECK_EQ(f.vdev->queue_max_size[0], VIRTIO_NET_QUEUE_SIZE);
	CHECK_EQ(f.vdev->config_size, 10);
	teardown(&f);

	setup_ex(&f, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6, 0, false);
	feat = f.vdev->device_features;
	CHECK(feat & BIT(VIRTIO_NET_F_CSUM) && feat & BIT(VIRTIO_NET_F_GUEST_CSUM));
	CHECK(feat & BIT(VIRTIO_NET_F_HOST_TSO4) && feat & BIT(VIRTIO_NET_F_GUEST_TSO4));
	CHECK(feat & BIT(VIRTIO_NET_F_HOST_TSO6) && feat & BIT(VIRTIO_NET_F_GUEST_TSO6));
	CHECK(!(feat & BIT(VIRTIO_NET_F_GUEST_UFO)));
	/* Offloads need checksums; the 12-byte header needs VERSION_1. */
	CHECK(!f.vdev->ops->features_ok(f.vdev, BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_GUEST_TSO4)));
	CHECK(!f.vdev->ops->features_ok(f.vdev, BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_HOST_TSO6)));
	CHECK(!f.vdev->ops->features_ok(f.vdev, BIT(VIRTIO_NET_F_MAC)));
	CHECK(f.vdev->ops->features_ok(f.vdev, BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_GUEST_CSUM) |
				       BIT(VIRTIO_NET_F_GUEST_TSO4)));
	teardown(&f);
}

static void test_config_space(void)
{
	struct fixture f;
	u8 cfg[10], b[2];

	setup_ex(&f, 0, 0, false);
	f.vdev->ops->read_config(f.vdev, 0, cfg, sizeof(cfg));
	CHECK(!memcmp(cfg, "\x02\x11\x22\x33\x44\x55", 6));
	CHECK_EQ(cfg[6] | cfg[7] << 8, VIRTIO_NET_S_LINK_UP);
	CHECK_EQ(cfg[8] | cfg[9] << 8, 1);
	f.vdev->ops->read_config(f.vdev, 6, b, 2);
	CHECK_EQ(b[0], VIRTIO_NET_S_LINK_UP);
	f.vdev->ops->write_config(f.vdev, 0, (const u8 *)"\x02\0\0\0\0\0", 6);
	f.vdev->ops->read_config(f.vdev, 0, cfg, 6);
	CHECK_EQ(cfg[1], 0x11);		/* read-only */
	teardown(&f);
}

/* ---- tx ---- */

static void test_tx_frames(void)
{
	u8 frame[60], got[200];
	struct fixture f;
	u64 h, d;
	u16 id;
	u32 len;

	setup(&f, 0);
	fill(frame, sizeof(frame), 3);
	/* Header and frame in separate descriptors, in one, and the header split in two. */
	h = alloc_buf(&f, HDR);
	d = alloc_buf(&f, 64 + HDR + sizeof(frame));
	memcpy(ram + d, frame, sizeof(frame));
	memcpy(ram + d + 64 + HDR, frame, sizeof(frame));
	offer(&f.tx, (struct seg[]){ RD(h, HDR), RD(d, sizeof(frame)) }, 2);
	offer(&f.tx, (struct seg[]){ RD(d + 64, HDR + sizeof(frame)) }, 1);
	offer(&f.tx, (struct seg[]){ RD(d + 64, 5), RD(d + 64 + 5, 7 + sizeof(frame)) }, 2);
	kick(&f, VIRTIO_NET_TXQ);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(peer_recv(&f, got, sizeof(got)), HDR + sizeof(frame));
		CHECK(!memcmp(got + HDR, frame, sizeof(frame)));
		CHECK(take_used(&f.tx, &id, &len));
		CHECK_EQ(len, 0);
	}
	CHECK_EQ(id, 3);
	CHECK(peer_idle(&f));
	CHECK_EQ(stats(&f).tx_frames, 3);
	CHECK_EQ(stats(&f).tx_bytes, 3 * sizeof(frame));
	CHECK_EQ(notified[VIRTIO_NET_TXQ], 1);
	teardown(&f);
}

static void test_tx_malformed(void)
{
	struct fixture f;
	u8 got[200];
	u64 big, hdr;
	u16 id;
	u32 len;

	setup(&f, 0);
	big = alloc_buf(&f, 64 * KiB + HDR + 1);
	hdr = alloc_buf(&f, HDR + 60);
	offer(&f.tx, (struct seg[]){ RD(big, 8) }, 1);				/* short */
	offer(&f.tx, (struct seg[]){ RD(big, 64 * KiB + HDR + 1) }, 1);		/* long */
	offer(&f.tx, (struct seg[]){ RD(hdr, HDR + 60), WR(big, 10) }, 2);	/* writable */
	ram[hdr + 1] = VIRTIO_NET_HDR_GSO_TCPV4;		/* HOST_TSO4 not negotiated */
	offer(&f.tx, (struct seg[]){ RD(hdr, HDR + 60) }, 1);
	kick(&f, VIRTIO_NET_TXQ);
	CHECK(peer_idle(&f));
	for (int i = 0; i < 4; i++) {
		CHECK(take_used(&f.tx, &id, &len));
		CHECK_EQ(len, 0);
	}
	CHECK_EQ(stats(&f).tx_dropped, 4);
	CHECK_EQ(stats(&f).tx_frames, 0);
	/* The device carries on. */
	ram[hdr + 1] = 0;
	offer(&f.tx, (struct seg[]){ RD(hdr, HDR + 60) }, 1);
	kick(&f, VIRTIO_NET_TXQ);
	CHECK_EQ(peer_recv(&f, got, sizeof(got)), HDR + 60);
	CHECK_EQ(stats(&f).tx_frames, 1);
	CHECK_EQ(resets_asked, 0);
	teardown(&f);
}

static void test_tx_offload_header_passes(void)
{
	struct fixture f;
	u8 got[200];
	u64 buf;

	setup_ex(&f, TUN_F_CSUM | TUN_F_TSO4, BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_CSUM) |
		 BIT(VIRTIO_NET_F_HOST_TSO4), true);
	buf = alloc_buf(&f, HDR + 100);
	ram[buf] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	ram[buf + 1] = VIRTIO_NET_HDR_GSO_TCPV4;
	ram[buf + 4] = 0x40;		/* gso_size */
	ram[buf + 10] = 0x33;		/* num_buffers: zeroed on the way out */
	offer(&f.tx, (struct seg[]){ RD(buf, HDR + 100) }, 1);
	kick(&f, VIRTIO_NET_TXQ);
	CHECK_EQ(peer_recv(&f, got, sizeof(got)), HDR + 100);
	CHECK_EQ(got[0], VIRTIO_NET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(got[1], VIRTIO_NET_HDR_GSO_TCPV4);
	CHECK_EQ(got[4], 0x40);
	CHECK_EQ(got[10], 0);
	teardown(&f);
}

/* The stand-in tap fills up: chains wait for EPOLLOUT on the I/O thread, in order. */
static void test_tx_backpressure(void)
{
	enum { N = 14, LEN = 30000 };
	static u8 got[HDR + LEN + 10];
	struct fixture f;
	char err[128];
	int received = 0;
	u64 buf[N];

	setup(&f, 0);
	for (int i = 0; i < N; i++) {
		buf[i] = alloc_buf(&f, HDR + LEN);
		fill(ram + buf[i] + HDR, LEN, (u8)i);
		offer(&f.tx, (struct seg[]){ RD(buf[i], HDR + LEN) }, 1);
	}
	kick(&f, VIRTIO_NET_TXQ);
	CHECK((u16)(get16(f.tx.used + 2)) < N);		/* some had to wait */
	CHECK_EQ(io_thread__start(&f.io, err, sizeof(err)), 0);
	while (received < N && peer_recv(&f, got, sizeof(got)) == HDR + LEN) {
		CHECK_EQ(got[HDR], (u8)received);
		received++;
	}
	CHECK_EQ(received, N);
	CHECK(wait_used(&f.tx, N));
	CHECK_EQ(stats(&f).tx_frames, N);
	teardown(&f);
}

/* ---- rx ---- */

static void check_rx_hdr(u64 gpa, u8 flags, u16 num_buffers)
{
	CHECK_EQ(ram[gpa], flags);
	CHECK_EQ(ram[gpa + 1], 0);
	CHECK_EQ(get16(gpa + 10), num_buffers);
}

static void test_rx_frames(void)
{
	u8 frame[100];
	struct fixture f;
	u64 b0, b1;
	u16 id;
	u32 len;

	setup(&f, 0);
	b0 = alloc_buf(&f, 1526);
	b1 = alloc_buf(&f, 1526);
	memset(ram + b0, 0xee, 1526);
	offer(&f.rx, (struct seg[]){ WR(b0, 1526) }, 1);
	offer(&f.rx, (struct seg[]){ WR(b1, HDR), WR(b1 + HDR, 1514) }, 2);
	peer_send(&f, sizeof(frame), 9, VIRTIO_NET_HDR_F_DATA_VALID, 0);
	peer_send(&f, 60, 1, 0, 0);
	kick(&f, VIRTIO_NET_RXQ);
	fill(frame, sizeof(frame), 9);
	CHECK(take_used(&f.rx, &id, &len));
	CHECK_EQ(id, 0);
	CHECK_EQ(len, HDR + sizeof(frame));
	check_rx_hdr(b0, 0, 1);		/* DATA_VALID cleared: GUEST_CSUM not negotiated */
	CHECK(!memcmp(ram + b0 + HDR, frame, sizeof(frame)));
	CHECK_EQ(ram[b0 + HDR + sizeof(frame)], 0xee);
	CHECK(take_used(&f.rx, &id, &len));
	CHECK_EQ(id, 1);
	CHECK_EQ(len, HDR + 60);
	check_rx_hdr(b1, 0, 1);
	CHECK(!take_used(&f.rx, &id, &len));
	CHECK_EQ(stats(&f).rx_frames, 2);
	CHECK_EQ(stats(&f).rx_bytes, sizeof(frame) + 60);
	CHECK_EQ(notified[VIRTIO_NET_RXQ], 1);
	teardown(&f);
}

static void test_rx_mergeable(void)
{
	u8 frame[1200];
	struct fixture f;
	u64 b[8];
	u16 id;
	u32 len;

	setup(&f, BIT(VIRTIO_NET_F_MRG_RXBUF));
	for (int i = 0; i < 8; i++)
		b[i] = alloc_buf(&f, 512);
	for (int i = 0; i < 4; i++)
		offer(&f.rx, (struct seg[]){ WR(b[i], 512) }, 1);
	peer_send(&f, sizeof(frame), 5, 0, 0);
	peer_send(&f, 1000, 6, 0, 0);
	kick(&f, VIRTIO_NET_RXQ);
	/* 1212 bytes: 512 + 512 + 188, num_buffers 3 in the first buffer. */
	for (int i = 0; i < 3; i++) {
		CHECK(take_used(&f.rx, &id, &len));
		CHECK_EQ(id, i);
		CHECK_EQ(len, i < 2 ? 512 : 188);
	}
	check_rx_hdr(b[0], 0, 3);
	fill(frame, sizeof(frame), 5);
	CHECK(!memcmp(ram + b[0] + HDR, frame, 500));
	CHECK(!memcmp(ram + b[1], frame + 500, 512));
	CHECK(!memcmp(ram + b[2], frame + 1012, 188));
	/* One 512-byte buffer left, less than a full frame: the device waits for more. */
	CHECK(!take_used(&f.rx, &id, &len));
	for (int i = 4; i < 8; i++)
		offer(&f.rx, (struct seg[]){ WR(b[i], 512) }, 1);
	kick(&f, VIRTIO_NET_RXQ);
	CHECK(take_used(&f.rx, &id, &len));
	CHECK_EQ(id, 3);
	CHECK_EQ(len, 512);
	CHECK(take_used(&f.rx, &id, &len));
	CHECK_EQ(id, 4);
	CHECK_EQ(len, 1012 - 512);
	check_rx_hdr(b[3], 0, 2);
	CHECK_EQ(stats(&f).rx_frames, 2);
	teardown(&f);
}

static void test_rx_too_big_dropped(void)
{
	struct fixture f;
	u64 b;
	u16 id;
	u32 len;

	setup(&f, 0);
	b = alloc_buf(&f, 100);
	offer(&f.rx, (struct seg[]){ WR(b, 100) }, 1);
	peer_send(&f, 500, 1, 0, 0);
	peer_send(&f, 50, 2, 0, 0);
	kick(&f, VIRTIO_NET_RXQ);
	CHECK(take_used(&f.rx, &id, &len));	/* the big one dropped, the buffer reused */
	CHECK_EQ(len, HDR + 50);
	CHECK_EQ(ram[b + HDR], 2);
	CHECK_EQ(stats(&f).rx_dropped, 1);
	CHECK_EQ(stats(&f).rx_frames, 1);
	teardown(&f);
}

static void test_rx_bad_buffers(void)
{
	struct fixture f;
	u64 b;
	u16 id;
	u32 len;

	setup(&f, 0);
	b = alloc_buf(&f, 2048);
	offer(&f.rx, (struct seg[]){ RD(b, 1526) }, 1);			/* readable */
	offer(&f.rx, (struct seg[]){ WR(b, 8) }, 1);				/* no room for a header */
	offer(&f.rx, (struct seg[]){ RD(b, 16), WR(b + 16, 1526) }, 2);	/* mixed */
	offer(&f.rx, (struct seg[]){ WR(b, 1526) }, 1);
	peer_send(&f, 60, 1, 0, 0);
	kick(&f, VIRTIO_NET_RXQ);
	for (int i = 0; i < 3; i++) {
		CHECK(take_used(&f.rx, &id, &len));
		CHECK_EQ(len, 0);
	}
	CHECK(take_used(&f.rx, &id, &len));
	CHECK_EQ(len, HDR + 60);
	CHECK_EQ(stats(&f).rx_bad_buffers, 3);
	CHECK_EQ(resets_asked, 0);
	teardown(&f);
}

static void test_rx_offload_header_checked(void)
{
	struct fixture f;
	u64 b;
	u16 id;
	u32 len;

	setup_ex(&f, TUN_F_CSUM | TUN_F_TSO4, BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_GUEST_CSUM),
		 true);
	b = alloc_buf(&f, 1526);
	offer(&f.rx, (struct seg[]){ WR(b, 1526) }, 1);
	peer_send(&f, 60, 1, 0, VIRTIO_NET_HDR_GSO_TCPV4);	/* GUEST_TSO4 not negotiated */
	peer_send(&f, 60, 2, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0);
	kick(&f, VIRTIO_NET_RXQ);
	CHECK(take_used(&f.rx, &id, &len));
	CHECK_EQ(len, HDR + 60);
	check_rx_hdr(b, VIRTIO_NET_HDR_F_NEEDS_CSUM, 1);
	CHECK_EQ(stats(&f).rx_dropped, 1);
	teardown(&f);
}

static u64 thread_cpu_ns(pthread_t t)
{
	struct timespec ts;
	clockid_t cid;

	if (pthread_getcpuclockid(t, &cid) || clock_gettime(cid, &ts))
		return 0;
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * The I/O thread watches the tap while the guest has buffers; a frame that finds none must
 * not make it spin (it waits for the kick), and a kick delivers it.
 */
static void test_rx_waits_without_spinning(void)
{
	struct fixture f;
	char err[128];
	u64 b, before;
	u16 id;
	u32 len;

	setup(&f, 0);
	CHECK_EQ(io_thread__start(&f.io, err, sizeof(err)), 0);
	b = alloc_buf(&f, 1526);
	offer(&f.rx, (struct seg[]){ WR(b, 1526) }, 1);
	kick(&f, VIRTIO_NET_RXQ);
	peer_send(&f, 60, 4, 0, 0);
	peer_send(&f, 70, 5, 0, 0);
	CHECK(wait_used(&f.rx, 1));		/* the first, from the tap watch */
	CHECK(take_used(&f.rx, &id, &len));
	CHECK_EQ(len, HDR + 60);
	usleep(20000);
	before = thread_cpu_ns(f.io.thread);
	usleep(200000);
	CHECK(thread_cpu_ns(f.io.thread) - before < 20000000ULL);	/* < 10% of a core */
	CHECK(!take_used(&f.rx, &id, &len));
	offer(&f.rx, (struct seg[]){ WR(b, 1526) }, 1);
	kick(&f, VIRTIO_NET_RXQ);
	CHECK(take_used(&f.rx, &id, &len));
	CHECK_EQ(len, HDR + 70);
	CHECK_EQ(stats(&f).rx_frames, 2);
	teardown(&f);
}

/* ---- lifecycle and failures ---- */

static void test_malformed_ring_needs_reset(void)
{
	struct fixture f;

	setup(&f, 0);
	put16(f.rx.avail + 2, QSIZE + 5);	/* avail index far ahead of the ring */
	kick(&f, VIRTIO_NET_RXQ);
	CHECK_EQ(resets_asked, 1);
	CHECK(f.vdev->queues[VIRTIO_NET_RXQ].broken);
	put16(f.tx.avail + 2, QSIZE + 5);
	kick(&f, VIRTIO_NET_TXQ);
	CHECK_EQ(resets_asked, 2);
	teardown(&f);
}

static void test_reset_forgets_buffers(void)
{
	struct fixture f;
	u64 b;
	u16 id;
	u32 len;

	setup(&f, BIT(VIRTIO_NET_F_MRG_RXBUF));
	b = alloc_buf(&f, 512);
	offer(&f.rx, (struct seg[]){ WR(b, 512) }, 1);
	kick(&f, VIRTIO_NET_RXQ);		/* taken, not enough for a frame: held */
	f.vdev->ops->reset(f.vdev);
	for (unsigned q = 0; q < 2; q++)
		virtqueue__reset(&f.vdev->queues[q]);
	memset(ram, 0, BUF_BASE);
	CHECK(start_device(&f, BIT(VIRTIO_F_VERSION_1)));	/* no MRG_RXBUF this time */
	offer(&f.rx, (struct seg[]){ WR(b, 512) }, 1);
	peer_send(&f, 60, 3, 0, 0);
	kick(&f, VIRTIO_NET_RXQ);
	CHECK(take_used(&f.rx, &id, &len));
	CHECK_EQ(id, 0);
	CHECK_EQ(len, HDR + 60);
	teardown(&f);
}

static void test_tap_gone_link_down(void)
{
	struct fixture f;
	u8 cfg[10];
	u64 b;

	setup(&f, 0);
	b = alloc_buf(&f, 1526);
	offer(&f.rx, (struct seg[]){ WR(b, 1526) }, 1);
	close(f.peer);
	kick(&f, VIRTIO_NET_RXQ);
	f.vdev->ops->read_config(f.vdev, 0, cfg, sizeof(cfg));
	CHECK_EQ(cfg[6], 0);
	CHECK_EQ(config_changes, 1);
	kick(&f, VIRTIO_NET_RXQ);		/* quietly nothing */
	CHECK_EQ(config_changes, 1);
	f.peer = dup(0);			/* for teardown */
	teardown(&f);
}

int main(void)
{
	RUN(test_option_parse);
	RUN(test_option_errors);
	RUN(test_default_mac);
	RUN(test_features_follow_tap);
	RUN(test_config_space);
	RUN(test_tx_frames);
	RUN(test_tx_malformed);
	RUN(test_tx_offload_header_passes);
	RUN(test_tx_backpressure);
	RUN(test_rx_frames);
	RUN(test_rx_mergeable);
	RUN(test_rx_too_big_dropped);
	RUN(test_rx_bad_buffers);
	RUN(test_rx_offload_header_checked);
	RUN(test_rx_waits_without_spinning);
	RUN(test_malformed_ring_needs_reset);
	RUN(test_reset_forgets_buffers);
	RUN(test_tap_gone_link_down);
	return tap_done();
}
