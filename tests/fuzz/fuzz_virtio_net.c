/*
 * Fuzz target: virtio-net tx and rx from a hostile driver and a hostile network. The input
 * chooses features and queue size, the frames (with their virtio-net headers) that arrive
 * on the "tap" (a SOCK_SEQPACKET socketpair, as in the unit tests), then fills guest RAM
 * (rx ring at 0, tx ring at 0x200, buffers after). Both queues are kicked and the device's
 * I/O thread is pumped on this thread until it goes quiet.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "devices/virtio/net.h"
#include "fuzz_common.h"
#include "net/tap.h"

#define RAM_SIZE	(64 * KiB)
#define TX_RING		0x200
#define MAX_FRAMES	4
#define MAX_FRAME	(9 * KiB)	/* a jumbo frame and its header */
#define MAX_ROUNDS	64

static u8 ram[RAM_SIZE] __attribute__((aligned(4096)));
static struct guest_memory mem;
static struct io_thread io;
static struct virtio_net *net;
static struct virtio_device *vdev;
static int dev_fd, peer;
static u8 frames[MAX_FRAMES][MAX_FRAME], sink[128 * KiB];
static size_t frame_len[MAX_FRAMES];
static unsigned nframes;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const u8 mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	char err[256];
	struct tap tap;
	int fds[2];

	fuzz_quiet();
	guest_memory__init_from(&mem, ram, RAM_SIZE);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, fds) ||
	    io_thread__init(&io, "fuzz-net", err, sizeof(err)))
		abort();
	tap__from_fd(&tap, fds[0], TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_UFO);
	dev_fd = fds[0];
	peer = fds[1];
	if (virtio_net__create_on_tap(&net, &tap, mac, &mem, &io, err, sizeof(err))) {
		fprintf(stderr, "fuzz_virtio_net: %s\n", err);
		abort();
	}
	vdev = virtio_net__device(net);
	return 0;
}

static void ring_at(struct virtqueue *vq, u64 base, u16 qsize, bool event_idx)
{
	vq->size = qsize;
	vq->desc_addr = base;
	vq->avail_addr = base + 16ULL * qsize;
	vq->used_addr = ALIGN_UP(vq->avail_addr + 6 + 2ULL * qsize, 4);
	if (virtqueue__enable(vq, event_idx, true))
		abort();
}

/* The feature bits come from the input, limited to what the device offers. */
static bool start(u32 features, u16 qsize, bool event_idx)
{
	vdev->driver_features = (features & vdev->device_features) | 1ULL << VIRTIO_F_VERSION_1;
	if (!vdev->ops->features_ok(vdev, vdev->driver_features))
		return false;
	ring_at(&vdev->queues[VIRTIO_NET_RXQ], 0, qsize, event_idx);
	ring_at(&vdev->queues[VIRTIO_NET_TXQ], TX_RING, qsize, event_idx);
	return vdev->ops->activate(vdev) == 0;
}

/* What the guest sent: nothing longer than 64 KiB and a header reaches the network. */
static void drain_peer(void)
{
	ssize_t n;

	while ((n = recv(peer, sink, sizeof(sink), MSG_DONTWAIT)) > 0) {
		if ((size_t)n > 64 * KiB + 12 || n < 12 + 14)
			abort();
	}
}

static void read_frames(struct fuzz_in *in)
{
	nframes = fuzz_u8(in) % (MAX_FRAMES + 1);
	for (unsigned i = 0; i < nframes; i++) {
		frame_len[i] = fuzz_u16(in) % MAX_FRAME;
		fuzz_bytes(in, frames[i], frame_len[i]);
	}
}

/* After activate, which flushes what arrived while the driver was not ready. */
static void send_frames(void)
{
	for (unsigned i = 0; i < nframes; i++) {
		if (send(peer, frames[i], frame_len[i], MSG_DONTWAIT) < 0 && errno != EAGAIN)
			abort();
	}
}

static void kick(unsigned q)
{
	pthread_mutex_lock(&io.lock);
	vdev->ops->queue_notify(vdev, q);
	pthread_mutex_unlock(&io.lock);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	u32 features = fuzz_u32(&in);
	u8 flags = fuzz_u8(&in);
	u16 qsize = (u16)(2u << (flags % 4));	/* 2 to 16 */

	read_frames(&in);
	memset(ram, 0, sizeof(ram));
	fuzz_bytes(&in, ram, min_u64(in.left, RAM_SIZE));
	if (start(features, qsize, flags & 4)) {
		send_frames();
		kick(VIRTIO_NET_TXQ);
		kick(VIRTIO_NET_RXQ);
		for (int i = 0; i < MAX_ROUNDS && fuzz_io_pump(&io, 0) > 0; i++)
			drain_peer();
	}
	drain_peer();
	if (getenv("FUZZ_VERBOSE")) {
		struct virtio_net_stats st;

		virtio_net__stats(net, &st);
		fprintf(stderr, "tx %llu frames (%llu dropped), rx %llu frames (%llu dropped, %llu bad buffers)\n",
			(unsigned long long)st.tx_frames, (unsigned long long)st.tx_dropped,
			(unsigned long long)st.rx_frames, (unsigned long long)st.rx_dropped,
			(unsigned long long)st.rx_bad_buffers);
	}
	vdev->ops->reset(vdev);
	virtqueue__reset(&vdev->queues[VIRTIO_NET_RXQ]);
	virtqueue__reset(&vdev->queues[VIRTIO_NET_TXQ]);
	/* Frames the guest never took must not reach the next input. */
	while (recv(dev_fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
	return 0;
}
