/*
 * Test guest: the virtio-net words (virtio 1.x, 5.1): MAC and link status, sending test
 * frames, echoing one frame, receiving frames into a checksum, and the tx benchmark.
 * Receive buffers are single 2 KiB descriptors; every frame carries the 12-byte header.
 */
#include "virtio.h"

#define NET_F_MAC		5
#define NET_F_STATUS		16
#define NET_WANTED		(1ULL << NET_F_MAC | 1ULL << NET_F_STATUS)
#define NET_S_LINK_UP		1
#define NET_HDR			12	/* struct virtio_net_hdr with num_buffers (VERSION_1) */
#define BUF_BYTES		2048
#define ETH_HDR			14
#define ETH_MAX			1514
#define ETHERTYPE_TEST		0x88b5
#define TEST_PAYLOAD		100
#define NET_WAIT_US		30000000ULL
#define RXQ			0
#define TXQ			1

unsigned net_index;
static struct vdev net = { .name = "net" };
static u8 mac[6];
static u8 *rxbufs, *txbufs;
static u8 tx_free[VQ_MAX];		/* stack of free tx buffer slots */
static unsigned ntx_free;
static u8 tx_slot_of[VQ_MAX];		/* tx head -> buffer slot */
static u8 rx_slot_of[VQ_MAX];		/* rx head -> buffer slot */
static u64 tx_done;			/* frames the device has returned */

static int rx_post(u16 slot)
{
	struct vbuf b = { rxbufs + (u64)slot * BUF_BYTES, BUF_BYTES, 1 };
	int head = virtq__add(&net.vq[RXQ], &b, 1);

	if (head < 0)
		return -1;
	rx_slot_of[head] = (u8)slot;
	virtq__publish(&net.vq[RXQ], (u16)head);
	return 0;
}

static int net_start(void)
{
	char why[160];
	u16 i;

	if (net.ready)
		return 0;
	if (!net.common && virtio__open(&net, VIRTIO_ID_NET, net_index, why, sizeof(why)))
		return printf("net: %s\n", why), -1;
	if (virtio__start(&net, NET_WANTED, 2, VQ_MAX))
		return -1;
	if (!rxbufs) {
		rxbufs = dma__alloc((u64)VQ_MAX * BUF_BYTES, 4096);
		txbufs = dma__alloc((u64)VQ_MAX * BUF_BYTES, 4096);
	}
	for (i = 0; i < 6; i++)
		mac[i] = net.features & (1ULL << NET_F_MAC) ? virtio__cfg8(&net, i) : (u8)(i ? i : 2);
	for (i = 0; i < net.vq[RXQ].size; i++)
		rx_post(i);
	virtq__kick(&net.vq[RXQ]);
	for (ntx_free = 0; ntx_free < net.vq[TXQ].size; ntx_free++)
		tx_free[ntx_free] = (u8)ntx_free;
	tx_done = 0;
	return 0;
}

static void reclaim_tx(void)
{
	u32 len;
	int h;

	while ((h = virtq__get_used(&net.vq[TXQ], &len)) >= 0) {
		tx_free[ntx_free++] = tx_slot_of[h];
		tx_done++;
	}
}

/* Queues frame (len bytes, header added) without a kick; waits for a free slot if need be. */
static int tx_queue(const u8 *frame, u32 len)
{
	u64 start = rdtsc();
	struct vbuf b;
	u8 slot, *p;
	int head;

	for (reclaim_tx(); !ntx_free; reclaim_tx()) {
		virtq__kick(&net.vq[TXQ]);
		if (rdtsc() - start > tsc__cycles_from_us(NET_WAIT_US))
			return printf("net: transmit queue stuck\n"), -1;
	}
	slot = tx_free[--ntx_free];
	p = txbufs + (u64)slot * BUF_BYTES;
	memset(p, 0, NET_HDR);
	if (frame)
		memcpy(p + NET_HDR, frame, len);
	b = (struct vbuf){ p, NET_HDR + len, 0 };
	head = virtq__add(&net.vq[TXQ], &b, 1);
	if (head < 0)
		return printf("net: no free transmit descriptor\n"), -1;
	tx_slot_of[head] = slot;
	virtq__publish(&net.vq[TXQ], (u16)head);
	return 0;
}

/* Kicks and waits until the device has returned every frame queued so far. */
static int tx_drain(void)
{
	u64 start = rdtsc();

	virtq__kick(&net.vq[TXQ]);
	for (reclaim_tx(); ntx_free < net.vq[TXQ].size; reclaim_tx())
		if (rdtsc() - start > tsc__cycles_from_us(NET_WAIT_US))
			return printf("net: %u frames not returned by the device\n",
				      net.vq[TXQ].size - ntx_free), -1;
	return 0;
}

/* The next received frame: its buffer slot, *frame and *len; -1 after timeout_us. */
static int rx_next(u8 **frame, u32 *len, u64 timeout_us)
{
	u64 start = rdtsc();
	u32 ulen;
	int h;

	for (;;) {
		h = virtq__get_used(&net.vq[RXQ], &ulen);
		if (h >= 0)
			break;
		if (rdtsc() - start > tsc__cycles_from_us(timeout_us))
			return -1;
		cpu_relax();
	}
	h = rx_slot_of[h];
	if (ulen < NET_HDR + ETH_HDR || ulen > BUF_BYTES) {
		printf("net: received buffer with length %u\n", ulen);
		ulen = NET_HDR + ETH_HDR;
	}
	*frame = rxbufs + (u64)h * BUF_BYTES + NET_HDR;
	*len = ulen - NET_HDR;
	return h;
}

static void rx_recycle(int slot)
{
	rx_post((u16)slot);
	virtq__kick(&net.vq[RXQ]);
}

/* Like rx_next, but only frames of our test ethertype; others are counted and dropped. */
static int rx_test_frame(u8 **frame, u32 *len, u64 timeout_us, unsigned *skipped)
{
	int slot;

	for (;;) {
		slot = rx_next(frame, len, timeout_us);
		if (slot < 0 || ((*frame)[12] << 8 | (*frame)[13]) == ETHERTYPE_TEST)
			return slot;
		(*skipped)++;
		rx_recycle(slot);
	}
}

static void mac_string(char *out, const u8 *m)
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

int vnet__info(void)
{
	char m[18];
	int up = 1;

	if (net_start())
		return -1;
	if (net.features & (1ULL << NET_F_STATUS))
		up = virtio__cfg16(&net, 6) & NET_S_LINK_UP;
	mac_string(m, mac);
	printf("net: mac %s link %s features %#llx queues %u/%u\n", m, up ? "up" : "down",
	       (unsigned long long)net.features, net.vq[RXQ].size, net.vq[TXQ].size);
	return 0;
}

/* Test frame seq: broadcast, our MAC, 0x88b5, "NVTG", seq (big-endian), (seq + i) & 0xff. */
static void test_frame(u8 *f, u32 seq)
{
	u32 i;

	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = ETHERTYPE_TEST >> 8;
	f[13] = ETHERTYPE_TEST & 0xff;
	memcpy(f + ETH_HDR, "NVTG", 4);
	for (i = 0; i < 4; i++)
		f[ETH_HDR + 4 + i] = (u8)(seq >> (24 - 8 * i));
	for (i = 8; i < TEST_PAYLOAD; i++)
		f[ETH_HDR + i] = (u8)(seq + i);
}

int vnet__send(u64 n)
{
	u8 f[ETH_HDR + TEST_PAYLOAD];
	u64 i;

	if (net_start())
		return -1;
	for (i = 0; i < n; i++) {
		test_frame(f, (u32)i);
		if (tx_queue(f, sizeof(f)))
			return -1;
		if ((i & 31) == 31)
			virtq__kick(&net.vq[TXQ]);
	}
	if (tx_drain())
		return -1;
	printf("net: sent %llu frames of %u bytes\n", (unsigned long long)n, (u32)sizeof(f));
	return 0;
}

int vnet__echo(void)
{
	u8 f[ETH_MAX], *rx;
	unsigned skipped = 0;
	u32 len;
	int slot;

	if (net_start())
		return -1;
	printf("net: echo ready\n");
	slot = rx_test_frame(&rx, &len, NET_WAIT_US, &skipped);
	if (slot < 0)
		return printf("net: echo: no frame within %llu s (%u others skipped)\n",
			      NET_WAIT_US / 1000000, skipped), -1;
	len = len < ETH_MAX ? len : ETH_MAX;
	memcpy(f, rx + 6, 6);		/* dst <- src */
	memcpy(f + 6, rx, 6);		/* src <- dst */
	memcpy(f + 12, rx + 12, len - 12);
	rx_recycle(slot);
	if (tx_queue(f, len) || tx_drain())
		return -1;
	printf("net: echoed %u bytes (%u others skipped)\n", len, skipped);
	return 0;
}

int vnet__recv(u64 n)
{
	unsigned skipped = 0;
	u64 i, bytes = 0;
	u32 crc = 0, len;
	u8 *rx;
	int slot;

	if (net_start())
		return -1;
	printf("net: recv ready\n");
	for (i = 0; i < n; i++) {
		slot = rx_test_frame(&rx, &len, NET_WAIT_US, &skipped);
		if (slot < 0)
			return printf("net: recv: %llu of %llu frames, then %llu s without one\n",
				      (unsigned long long)i, (unsigned long long)n,
				      NET_WAIT_US / 1000000), -1;
		crc = crc32(crc, rx, len);
		bytes += len;
		rx_recycle(slot);
	}
	printf("net: recv %llu frames %llu bytes crc32 %#010x (%u others skipped)\n",
	       (unsigned long long)n, (unsigned long long)bytes, crc, skipped);
	return 0;
}

static const char *const net_modes[] = { "tx" };

/* Keeps the transmit ring full of 1514-byte frames until the deadline. */
int vnet__bench(const char *spec, int run)
{
	static const u8 dst[6] = { 0x02, 0, 0, 0, 0, 0x01 };	/* nobody's: dropped early */
	struct bench_args a;
	u8 f[ETH_MAX];
	u64 t0, end, done0, frames, ns;
	int queued;

	if (bench__parse(spec, net_modes, ARRAY_SIZE(net_modes), &a) || a.qd != 1)
		return -1;
	if (!run)
		return 0;
	if (net_start())
		return -1;
	memset(f, 0x5a, sizeof(f));
	memcpy(f, dst, 6);
	memcpy(f + 6, mac, 6);
	f[12] = ETHERTYPE_TEST >> 8;
	f[13] = ETHERTYPE_TEST & 0xff;
	done0 = tx_done;
	t0 = rdtsc();
	end = t0 + tsc__cycles_from_us(a.secs * 1000000);
	while (rdtsc() < end) {
		for (queued = 0; ntx_free; queued++)
			if (tx_queue(f, sizeof(f)))
				return -1;
		if (queued)
			virtq__kick(&net.vq[TXQ]);
		reclaim_tx();
	}
	ns = tsc__ns(rdtsc() - t0);
	frames = tx_done - done0;
	if (tx_drain())
		return -1;
	printf("RESULT netbench-tx secs=%llu frames=%llu bytes=%llu ns=%llu fps=%llu mbps=%llu\n",
	       (unsigned long long)a.secs, (unsigned long long)frames,
	       (unsigned long long)(frames * ETH_MAX), (unsigned long long)ns,
	       (unsigned long long)(ns ? frames * 1000000000ULL / ns : 0),
	       (unsigned long long)(ns ? frames * ETH_MAX * 1000 / ns : 0));
	return 0;
}
