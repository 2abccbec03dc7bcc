/*
 * Tap back-end tests: each scenario runs in a forked child inside a fresh network namespace,
 * so it needs root and /dev/net/tun and SKIPs with the reason when the machine lacks them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices/io_thread.h"
#include "devices/virtio/net.h"
#include "net/tap.h"
#include "tap.h"

#define TEST_ETHERTYPE	0x88b5		/* IEEE "local experimental" */
#define FRAME_LEN	64
#define CHILD_SKIP	77

static int skip_pipe = -1;

/* In the child: SKIP, hand the reason to the parent, and leave. */
static void child_skip(const char *reason)
{
	if (write(skip_pipe, reason, strlen(reason)) < 0)
		_exit(1);
	_exit(CHILD_SKIP);
}

static void run_in_netns(void (*fn)(void))
{
	static char reason[200];
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0) {
		CHECK(!"pipe");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		skip_pipe = fds[1];
		if (unshare(CLONE_NEWNET) < 0)
			child_skip(errno == EPERM ? "unshare(CLONE_NEWNET) needs root (CAP_SYS_ADMIN)" :
				   "unshare(CLONE_NEWNET) failed");
		if (access("/dev/net/tun", R_OK | W_OK) < 0)
			child_skip("no usable /dev/net/tun");
		fn();
		fflush(stdout);
		_exit(tap_failures_in_test > 100 ? 100 : tap_failures_in_test);
	}
	close(fds[1]);
	n = read(fds[0], reason, sizeof(reason) - 1);
	close(fds[0]);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == CHILD_SKIP) {
		reason[n > 0 ? n : 0] = 0;
		SKIP(reason);
		return;
	}
	CHECK(pid > 0 && WIFEXITED(status));
	tap_failures_in_test += pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static void open_or_skip(struct tap *tap, const char *name)
{
	char err[256];
	int ret = tap__open(tap, name, err, sizeof(err));

	if (ret == -EPERM || ret == -EACCES || ret == -ENOENT)
		child_skip("no permission or no tun driver to create a tap");
	if (ret)
		printf("#   tap__open: %s\n", err);
	CHECK_EQ(ret, 0);
	if (ret)
		_exit(tap_failures_in_test);
}

static int set_up(const char *name)
{
	struct ifreq ifr;
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ret = ioctl(sock, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (!ret)
		ret = ioctl(sock, SIOCSIFFLAGS, &ifr);
	close(sock);
	return ret;
}

static int packet_socket(const char *name)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(TEST_ETHERTYPE) };
	int sock = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(TEST_ETHERTYPE));

	sll.sll_ifindex = if_nametoindex(name);
	if (sock < 0 || bind(sock, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -1;
	return sock;
}

static void make_frame(u8 *f, u8 tag)
{
	memset(f, 0xff, 6);				/* broadcast */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	f[12] = TEST_ETHERTYPE >> 8;
	f[13] = TEST_ETHERTYPE & 0xff;
	for (int i = 14; i < FRAME_LEN; i++)
		f[i] = tag + i;
}

static bool wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 3000) == 1;
}

/* Reads frames from the tap until ours shows up (the kernel may send IPv6 chatter too). */
static ssize_t read_test_frame(int fd, u8 *buf, size_t len)
{
	for (int tries = 0; tries < 50 && wait_readable(fd); tries++) {
		ssize_t n = read(fd, buf, len);

		if (n >= TAP_VNET_HDR_LEN + 14 && buf[TAP_VNET_HDR_LEN + 12] == (TEST_ETHERTYPE >> 8) &&
		    buf[TAP_VNET_HDR_LEN + 13] == (TEST_ETHERTYPE & 0xff))
			return n;
	}
	return -1;
}

static void exchange_frames(void)
{
	u8 frame[FRAME_LEN], buf[TAP_VNET_HDR_LEN + 2048], hdr[TAP_VNET_HDR_LEN] = { 0 };
	struct iovec iov[2] = { { hdr, sizeof(hdr) }, { frame, sizeof(frame) } };
	struct tap tap;
	int sock;

	open_or_skip(&tap, "nvtest0");
	CHECK_STR(tap.name, "nvtest0");
	CHECK(tap.offloads & TUN_F_CSUM);
	CHECK_EQ(set_up("nvtest0"), 0);
	CHECK_EQ(tap__is_up(&tap), 1);
	sock = packet_socket("nvtest0");
	CHECK(sock >= 0);

	/* tap -> interface: the 12-byte header is taken off. */
	make_frame(frame, 1);
	CHECK_EQ(writev(tap.fd, iov, 2), TAP_VNET_HDR_LEN + FRAME_LEN);
	CHECK(wait_readable(sock));
	CHECK_EQ(recv(sock, buf, sizeof(buf), MSG_DONTWAIT), FRAME_LEN);
	CHECK(!memcmp(buf, frame, FRAME_LEN));

	/* interface -> tap: a header (no offloads: all zero) comes first. */
	make_frame(frame, 7);
	CHECK_EQ(send(sock, frame, FRAME_LEN, 0), FRAME_LEN);
	CHECK_EQ(read_test_frame(tap.fd, buf, sizeof(buf)), TAP_VNET_HDR_LEN + FRAME_LEN);
	CHECK(!memcmp(buf, hdr, TAP_VNET_HDR_LEN));
	CHECK(!memcmp(buf + TAP_VNET_HDR_LEN, frame, FRAME_LEN));

	/* Nothing left: the fd is nonblocking. */
	while (read(tap.fd, buf, sizeof(buf)) > 0)
		;
	CHECK_EQ(errno, EAGAIN);
	close(sock);
	tap__close(&tap);
}

static void test_frame_exchange(void)
{
	run_in_netns(exchange_frames);
}

static void offloads_and_carrier(void)
{
	struct tap tap;

	open_or_skip(&tap, "nvtest1");
	CHECK_EQ(tap__set_offload(&tap, tap.offloads), 0);
	CHECK_EQ(tap__set_offload(&tap, TUN_F_CSUM), 0);
	CHECK_EQ(tap__set_offload(&tap, 0), 0);
	CHECK_EQ(tap__set_offload(&tap, 0x8000), -EINVAL);	/* never accepted */
	CHECK_EQ(tap__set_carrier(&tap, false), 0);
	CHECK_EQ(tap__set_carrier(&tap, true), 0);
	CHECK_EQ(tap__is_up(&tap), 0);				/* nobody set it up */
	tap__close(&tap);
}

static void test_offloads_and_carrier(void)
{
	run_in_netns(offloads_and_carrier);
}

static void busy_and_wrong_kind(void)
{
	struct tap tap, other;
	char err[256];

	open_or_skip(&tap, "nvtest2");
	CHECK_EQ(tap__open(&other, "nvtest2", err, sizeof(err)), -EBUSY);
	CHECK(strstr(err, "nvtest2") && strstr(err, "busy"));
	CHECK_EQ(tap__open(&other, "lo", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "not a single-queue tap"));
	CHECK_EQ(other.fd, -1);
	tap__close(&tap);
}

static void test_busy_and_wrong_kind(void)
{
	run_in_netns(busy_and_wrong_kind);
}

/* Needs nothing: names are checked before /dev/net/tun is opened. */
static void test_bad_names(void)
{
	struct tap tap;
	char err[256];

	CHECK_EQ(tap__open(&tap, "", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "1 to 15 characters"));
	CHECK_EQ(tap__open(&tap, "a-name-too-long-for-linux", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "a-name-too-long-for-linux"));
	CHECK_EQ(tap.fd, -1);
}

/* A daemon's tap, passed as "/dev/fd/N": duplicated and checked, never reopened. */
static void passed_fd(void)
{
	struct tap daemon, tap;
	char err[256], path[32];
	int fds[2];

	open_or_skip(&daemon, "nvtest3");
	snprintf(path, sizeof(path), "/dev/fd/%d", daemon.fd);
	CHECK_EQ(tap__open(&tap, path, err, sizeof(err)), 0);
	CHECK(tap.fd >= 0 && tap.fd != daemon.fd && tap.is_tap);
	CHECK_STR(tap.name, "nvtest3");
	CHECK(fcntl(tap.fd, F_GETFD) & FD_CLOEXEC);
	CHECK(fcntl(tap.fd, F_GETFL) & O_NONBLOCK);
	CHECK(tap.offloads & TUN_F_CSUM);
	tap__close(&tap);
	tap__close(&daemon);
	/* Closed now: refused with one line, and nothing is opened instead. */
	CHECK_EQ(tap__open(&tap, path, err, sizeof(err)), -EBADF);
	CHECK(strstr(err, path) && strstr(err, "not an open descriptor"));
	CHECK_EQ(tap.fd, -1);
	CHECK_EQ(pipe(fds), 0);
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	CHECK(tap__open(&tap, path, err, sizeof(err)) < 0);
	CHECK(strstr(err, path) && strstr(err, "not an attached tun/tap descriptor"));
	CHECK_EQ(tap.fd, -1);
	close(fds[0]);
	close(fds[1]);
}

static void test_passed_fd(void)
{
	run_in_netns(passed_fd);
}

/* An unattached /dev/net/tun descriptor is no tap either (TUNGETIFF: EBADFD). */
static void unattached(void)
{
	struct tap tap;
	char err[256], path[32];
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	CHECK(fd >= 0);
	snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	CHECK_EQ(tap__open(&tap, path, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "not an attached tun/tap descriptor"));
	close(fd);
}

static void test_unattached(void)
{
	run_in_netns(unattached);
}

static void test_from_fd(void)
{
	int fds[2];
	struct tap tap;

	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
	tap__from_fd(&tap, fds[0], TUN_F_CSUM);
	CHECK_EQ(tap__set_offload(&tap, TUN_F_CSUM), 0);
	CHECK_EQ(tap__set_offload(&tap, TUN_F_TSO4), -EINVAL);
	CHECK_EQ(tap__set_carrier(&tap, true), 0);
	CHECK_EQ(tap__is_up(&tap), 1);
	tap__close(&tap);
	CHECK_EQ(tap.fd, -1);
	close(fds[1]);
}

/* ---- the virtio-net device over a real tap: the host kernel answers an ARP request ---- */

#define RAM_SIZE	(1 * MiB)
#define QSIZE		8
#define RX_RING		0x1000
#define TX_RING		0x2000
#define RX_BUFS		0x10000
#define TX_BUF		0x30000
#define BIT(n)		(1ULL << (n))

static u8 ram[RAM_SIZE] __attribute__((aligned(4096)));
static const u8 guest_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

/* No transport here: interrupts and resets have nowhere to go. */
__attribute__((weak)) void virtio__notify_queue(struct virtio_device *vdev, unsigned q) {}
__attribute__((weak)) void virtio__notify_config(struct virtio_device *vdev) {}
__attribute__((weak)) void virtio__set_needs_reset(struct virtio_device *vdev) {}

static void put(u64 gpa, const void *p, size_t n)
{
	memcpy(ram + gpa, p, n);
}

static u16 get16(u64 gpa)
{
	return __atomic_load_n((u16 *)(ram + gpa), __ATOMIC_ACQUIRE);
}

/* One single-descriptor chain per slot i; published by bumping the avail index. */
static void offer(u64 ring, u16 i, u64 gpa, u32 len, bool write)
{
	u16 flags = write ? 2 : 0, idx = get16(ring + 0x100 + 2) + 1;

	put(ring + 16ULL * i, &gpa, 8);
	put(ring + 16ULL * i + 8, &len, 4);
	put(ring + 16ULL * i + 12, &flags, 2);
	put(ring + 0x100 + 4 + 2 * (i % QSIZE), &i, 2);
	__atomic_store_n((u16 *)(ram + ring + 0x100 + 2), idx, __ATOMIC_RELEASE);
}

static void ring_setup(struct virtqueue *vq, u64 ring)
{
	vq->size = QSIZE;
	vq->desc_addr = ring;
	vq->avail_addr = ring + 0x100;
	vq->used_addr = ring + 0x200;
	if (virtqueue__enable(vq, false, false))
		abort();
}

static int set_addr(const char *name, unsigned long req, const char *ip)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sin->sin_addr);
	ret = ioctl(sock, req, &ifr);
	close(sock);
	return ret;
}

/* Who has 10.0.0.1? Tell 10.0.0.2 (our guest MAC), after an all-zero virtio-net header. */
static size_t arp_request(u8 *p)
{
	static const u8 arp[] = { 0, 1, 8, 0, 6, 4, 0, 1 };

	memset(p, 0, 12 + 42);
	p += 12;
	memset(p, 0xff, 6);
	memcpy(p + 6, guest_mac, 6);
	p[12] = 0x08;
	p[13] = 0x06;
	memcpy(p + 14, arp, sizeof(arp));
	memcpy(p + 22, guest_mac, 6);
	memcpy(p + 28, "\x0a\x00\x00\x02", 4);
	memcpy(p + 38, "\x0a\x00\x00\x01", 4);
	return 12 + 42;
}

/* Looks through the used rx buffers for an ARP reply to our MAC, within 3 s. */
static bool got_arp_reply(void)
{
	u16 seen = 0;

	for (int t = 0; t < 3000; t++) {
		for (; seen != get16(RX_RING + 0x200 + 2); seen++) {
			u32 id;
			const u8 *f;

			memcpy(&id, ram + RX_RING + 0x200 + 4 + 8 * (seen % QSIZE), 4);
			f = ram + RX_BUFS + 2048ULL * id + 12;
			if (id < QSIZE && !memcmp(f, guest_mac, 6) && f[12] == 8 && f[13] == 6 &&
			    f[21] == 2)
				return true;
		}
		usleep(1000);
	}
	return false;
}

static void kick(struct io_thread *io, struct virtio_device *vdev, unsigned q)
{
	pthread_mutex_lock(&io->lock);
	vdev->ops->queue_notify(vdev, q);
	pthread_mutex_unlock(&io->lock);
}

static void device_arp(void)
{
	u64 want = BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_MRG_RXBUF) | BIT(VIRTIO_NET_F_CSUM) |
		   BIT(VIRTIO_NET_F_GUEST_CSUM) | BIT(VIRTIO_NET_F_GUEST_TSO4);
	struct guest_memory mem;
	struct virtio_device *vdev;
	struct virtio_net *net;
	struct io_thread io;
	struct tap tap;
	char err[256];

	open_or_skip(&tap, "nvnet0");
	CHECK_EQ(set_addr("nvnet0", SIOCSIFADDR, "10.0.0.1"), 0);
	CHECK_EQ(set_addr("nvnet0", SIOCSIFNETMASK, "255.255.255.0"), 0);
	CHECK_EQ(set_up("nvnet0"), 0);
	guest_memory__init_from(&mem, ram, sizeof(ram));
	CHECK_EQ(io_thread__init(&io, "net-tap-test", err, sizeof(err)), 0);
	CHECK_EQ(virtio_net__create_on_tap(&net, &tap, guest_mac, &mem, &io, err, sizeof(err)), 0);
	vdev = virtio_net__device(net);
	vdev->driver_features = want & (vdev->device_features | BIT(VIRTIO_F_VERSION_1));
	CHECK_EQ(vdev->driver_features, want);	/* the tap took the offloads */
	CHECK(vdev->ops->features_ok(vdev, vdev->driver_features));
	ring_setup(&vdev->queues[VIRTIO_NET_RXQ], RX_RING);
	ring_setup(&vdev->queues[VIRTIO_NET_TXQ], TX_RING);
	CHECK_EQ(vdev->ops->activate(vdev), 0);
	CHECK_EQ(io_thread__start(&io, err, sizeof(err)), 0);
	for (u16 i = 0; i < QSIZE; i++)
		offer(RX_RING, i, RX_BUFS + 2048ULL * i, 2048, true);
	kick(&io, vdev, VIRTIO_NET_RXQ);
	offer(TX_RING, 0, TX_BUF, arp_request(ram + TX_BUF), false);
	kick(&io, vdev, VIRTIO_NET_TXQ);
	CHECK(got_arp_reply());
	virtio_net__destroy(net);
	io_thread__exit(&io);
}

static void test_device_over_tap(void)
{
	run_in_netns(device_arp);
}

int main(void)
{
	RUN(test_bad_names);
	RUN(test_from_fd);
	RUN(test_passed_fd);
	RUN(test_unattached);
	RUN(test_frame_exchange);
	RUN(test_offloads_and_carrier);
	RUN(test_busy_and_wrong_kind);
	RUN(test_device_over_tap);
	return tap_done();
}
