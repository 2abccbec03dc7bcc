/*
 * virtio-net (virtio 1.x, 5.1) over a tap: the guest's tx chains are written to the tap with
 * their header, frames read from the tap land straight in the guest's rx buffers.
 * All frame work runs on the device's I/O thread and never blocks it.
 */
#include <errno.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "devices/virtio/net.h"
#include "net/tap.h"
#include "util/log.h"

#define NET_HDR_LEN		TAP_VNET_HDR_LEN
#define NET_TX_MAX		(64 * KiB + NET_HDR_LEN)	/* longest tx chain we send */
#define NET_ETH_MAX		1518				/* an MTU 1500 frame, VLAN tag included */
#define NET_GSO_MAX		(65535 + 18)			/* an IP datagram of 64 KiB, Ethernet header included */
#define RX_IOV_MAX		1023	/* readv takes IOV_MAX (1024) segments, the spill byte's included */
#define RX_BUDGET		64	/* frames per wakeup, so tx and other devices get their turn */
#define TX_BUDGET		256
#define TAP_FLUSH_MAX		4096

_Static_assert(VIRTIO_NET_QUEUE_SIZE <= VIRTQ_MAX_SIZE, "queue size within the virtqueue limit");
_Static_assert(sizeof(struct virtio_net_config) == 10, "virtio_net_config is 10 bytes");

/* An rx chain taken off the ring and not used yet; its iovecs sit in rx_iov, in slot order. */
struct rx_slot {
	u16 head;
	u16 niov;
	u32 len;
};

struct virtio_net {
	struct virtio_device vdev;
	char name[32];
	struct tap tap;
	int tx_fd;			/* a dup of the tap fd, watched for EPOLLOUT while the tap is full */
	struct io_thread *io;
	u8 mac[6];
	u16 status;			/* VIRTIO_NET_S_*, read by vCPU threads */
	bool rx_watched, tx_watched;
	bool tap_dead;			/* the tap failed (deleted?): link down for good */
	/* Negotiated at activate. */
	bool mrg_rxbuf, guest_csum;
	u32 rx_need;			/* bytes of buffers that hold the largest frame */
	/* rx: chains taken off the ring, used oldest first. */
	struct rx_slot slots[VIRTIO_NET_QUEUE_SIZE];
	unsigned nslots, rx_niov;
	u64 rx_capacity;
	bool rx_pushed;
	struct iovec rx_iov[RX_IOV_MAX + 1];
	u8 rx_spill;			/* one byte past the buffers: a frame reaching it did not fit */
	struct virtq_chain pop_chain;
	/* tx: the chain in hand (kept while the tap is full). */
	bool tx_held, tx_pushed;
	struct virtq_chain tx_chain;
	struct virtio_net_hdr_v1 tx_hdr;
	struct iovec tx_iov[VIRTQ_MAX_SEGMENTS + 1];
	struct virtio_net_stats stats;
};

static void stat_add(u64 *counter, u64 n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static struct virtio_net *to_net(struct virtio_device *vdev)
{
	return container_of(vdev, struct virtio_net, vdev);
}

static struct virtqueue *queue(struct virtio_net *net, unsigned q)
{
	return &net->vdev.queues[q];
}

static bool has(struct virtio_net *net, unsigned bit)
{
	return virtio__has_feature(&net->vdev, bit);
}

/* ---- watching the tap ---- */

static void rx_event(void *opaque, u32 events);
static void tx_event(void *opaque, u32 events);

static void rx_watch(struct virtio_net *net, bool on)
{
	int ret;

	if (on && !net->rx_watched && !net->tap_dead) {
		ret = io_thread__add(net->io, net->tap.fd, EPOLLIN, rx_event, net);
		if (ret)
			pr_warn_once("%s: cannot watch tap %s: %s", net->name, net->tap.name, strerror(-ret));
		net->rx_watched = !ret;
	} else if (!on && net->rx_watched) {
		io_thread__remove(net->io, net->tap.fd);
		net->rx_watched = false;
	}
}

static void tx_watch(struct virtio_net *net, bool on)
{
	int ret;

	if (on && !net->tx_watched) {
		ret = io_thread__add(net->io, net->tx_fd, EPOLLOUT, tx_event, net);
		if (ret)
			pr_warn_once("%s: cannot watch tap %s: %s", net->name, net->tap.name, strerror(-ret));
		net->tx_watched = !ret;
	} else if (!on && net->tx_watched) {
		io_thread__remove(net->io, net->tx_fd);
		net->tx_watched = false;
	}
}

/* The tap failed for good (deleted under us): stop reading and tell the guest the link is down. */
static void tap_failed(struct virtio_net *net, int errnum)
{
	pr_warn("%s: tap %s failed: %s; link down", net->name, net->tap.name, strerror(errnum));
	net->tap_dead = true;
	rx_watch(net, false);
	__atomic_store_n(&net->status, 0, __ATOMIC_RELAXED);
	virtio__notify_config(&net->vdev);
}

/* The virtqueue has logged what was wrong, once; later kicks land here again, quietly. */
static void queue_broken(struct virtio_net *net, unsigned q)
{
	if (q == VIRTIO_NET_RXQ)
		rx_watch(net, false);
	virtio__set_needs_reset(&net->vdev);
}

/* ---- rx: tap -> guest ---- */

static bool rx_has_room(const struct virtio_net *net)
{
	return net->nslots < VIRTIO_NET_QUEUE_SIZE &&
	       net->rx_niov + VIRTQ_MAX_SEGMENTS <= RX_IOV_MAX;
}

/*
 * Whether the buffers in hand may take the next frame. Without MRG_RXBUF a frame goes in one
 * buffer; with it, gather enough for the largest frame, unless the guest cannot give more.
 */
static bool rx_ready(struct virtio_net *net)
{
	if (!net->nslots)
		return false;
	if (!net->mrg_rxbuf)
		return true;
	return net->rx_capacity >= net->rx_need || !rx_has_room(net) ||
	       net->nslots >= queue(net, VIRTIO_NET_RXQ)->size;
}

/* Takes one chain off the rx ring: 1 taken (a bad one is handed back), 0 ring empty, -EIO. */
static int rx_take(struct virtio_net *net)
{
	struct virtq_chain *c = &net->pop_chain;
	struct rx_slot *slot;
	int ret;

	ret = virtqueue__pop(queue(net, VIRTIO_NET_RXQ), c);
	if (ret <= 0)
		return ret;
	if (c->nout || c->in_len < NET_HDR_LEN) {
		pr_warn_once("%s: rx buffer without a writable %d-byte header (%u readable parts, %llu writable bytes); returned unused",
			     net->name, NET_HDR_LEN, c->nout, (unsigned long long)c->in_len);
		stat_add(&net->stats.rx_bad_buffers, 1);
		virtqueue__push(queue(net, VIRTIO_NET_RXQ), c->head, 0);
		net->rx_pushed = true;
		return 1;
	}
	slot = &net->slots[net->nslots++];
	slot->head = c->head;
	slot->niov = c->nin;
	slot->len = c->in_len;		/* the virtqueue caps a chain at 4 GiB */
	memcpy(&net->rx_iov[net->rx_niov], &c->iov[c->nout], c->nin * sizeof(struct iovec));
	net->rx_niov += c->nin;
	net->rx_capacity += slot->len;
	return 1;
}

/*
 * Takes buffers until a frame may be read: 1 ready, 0 the guest must post more (it kicks
 * then: notifications are on while we wait), -EIO the ring is malformed.
 */
static int rx_fill(struct virtio_net *net)
{
	struct virtqueue *vq = queue(net, VIRTIO_NET_RXQ);
	bool rechecked = false;
	int ret;

	while (!rx_ready(net)) {
		ret = rx_take(net);
		if (ret < 0)
			return ret;
		if (ret > 0)
			continue;
		if (rechecked)
			return 0;
		/* Ask for a kick, then look once more: the driver may have just posted. */
		virtqueue__set_notify(vq, true);
		rechecked = true;
	}
	return 1;
}

/* Forgets the first n slots (used or handed back) and slides the rest down. */
static void rx_consume(struct virtio_net *net, unsigned n)
{
	unsigned niov = 0;

	for (unsigned i = 0; i < n; i++) {
		niov += net->slots[i].niov;
		net->rx_capacity -= net->slots[i].len;
	}
	net->nslots -= n;
	net->rx_niov -= niov;
	memmove(net->slots, net->slots + n, net->nslots * sizeof(net->slots[0]));
	memmove(net->rx_iov, net->rx_iov + niov, net->rx_niov * sizeof(net->rx_iov[0]));
}

/* The tap only hands us what we enabled with TUNSETOFFLOAD; check anyway. */
static bool rx_hdr_ok(struct virtio_net *net, const struct virtio_net_hdr_v1 *hdr)
{
	if (hdr->gso_type & VIRTIO_NET_HDR_GSO_ECN)
		return false;
	switch (hdr->gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return has(net, VIRTIO_NET_F_GUEST_TSO4);
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return has(net, VIRTIO_NET_F_GUEST_TSO6);
	case VIRTIO_NET_HDR_GSO_UDP:
		return has(net, VIRTIO_NET_F_GUEST_UFO);
	default:
		return false;
	}
	return net->guest_csum || !(hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
}

/* A frame of len bytes (header included) is in the buffers: fix its header and hand them back. */
static void rx_deliver(struct virtio_net *net, size_t len)
{
	struct virtqueue *vq = queue(net, VIRTIO_NET_RXQ);
	struct virtio_net_hdr_v1 hdr;
	size_t left = len;
	unsigned used = 0;

	virtq__iov_copy(net->rx_iov, net->slots[0].niov, 0, &hdr, sizeof(hdr), false);
	if (!rx_hdr_ok(net, &hdr)) {
		pr_warn_once("%s: dropped a received frame with offloads the guest did not accept (gso %#x, flags %#x)",
			     net->name, hdr.gso_type, hdr.flags);
		stat_add(&net->stats.rx_dropped, 1);
		return;
	}
	for (; left; used++)
		left -= min_u64(net->slots[used].len, left);
	if (!net->guest_csum)
		hdr.flags = 0;	/* 5.1.6.4.1: no DATA_VALID either */
	hdr.num_buffers = used;
	virtq__iov_copy(net->rx_iov, net->slots[0].niov, 0, &hdr, sizeof(hdr), true);
	left = len;
	for (unsigned i = 0; i < used; i++) {
		u32 n = min_u64(net->slots[i].len, left);

		virtqueue__push(vq, net->slots[i].head, n);
		left -= n;
	}
	rx_consume(net, used);
	net->rx_pushed = true;
	stat_add(&net->stats.rx_frames, 1);
	stat_add(&net->stats.rx_bytes, len - NET_HDR_LEN);
}

/* The leading slots' iovecs that hold the largest frame (fewer segments for readv to import). */
static unsigned rx_span(const struct virtio_net *net, u64 *capacity)
{
	unsigned niov = 0;

	*capacity = 0;
	for (unsigned i = 0; i < net->nslots && *capacity < net->rx_need; i++) {
		niov += net->slots[i].niov;
		*capacity += net->slots[i].len;
	}
	return niov;
}

/*
 * Reads one frame into the buffers in hand, with the spill byte in place of the iovec after
 * them: 1 read (kept or dropped), 0 tap empty, -errno.
 */
static int rx_one(struct virtio_net *net)
{
	u64 capacity;
	unsigned niov = rx_span(net, &capacity);
	struct iovec saved = net->rx_iov[niov];
	ssize_t n;

	net->rx_iov[niov] = (struct iovec){ .iov_base = &net->rx_spill, .iov_len = 1 };
	n = readv(net->tap.fd, net->rx_iov, niov + 1);
	net->rx_iov[niov] = saved;
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return errno == EINTR ? 1 : -errno;
	}
	if (!n)
		return -EPIPE;		/* a stand-in socket whose peer closed */
	/* A frame that reached the spill byte did not fit; the tap dropped its tail. */
	if ((u64)n > capacity || n < NET_HDR_LEN) {
		pr_warn_once("%s: dropped a received frame of %zd bytes (the guest's buffers hold %llu)",
			     net->name, n, (unsigned long long)capacity);
		stat_add(&net->stats.rx_dropped, 1);
		return 1;
	}
	rx_deliver(net, n);
	return 1;
}

/* Moves frames from the tap to the guest until either runs dry or the budget is spent. */
static void rx_process(struct virtio_net *net)
{
	int ret;

	for (unsigned i = 0; i < RX_BUDGET; i++) {
		ret = rx_fill(net);
		if (ret == 0)
			rx_watch(net, false);	/* nothing to read into: wait for the guest's kick */
		else if (ret < 0)
			queue_broken(net, VIRTIO_NET_RXQ);
		if (ret <= 0)
			break;
		ret = rx_one(net);
		if (ret < 0)
			tap_failed(net, -ret);
		if (ret <= 0)
			break;
	}
	if (net->rx_pushed) {
		net->rx_pushed = false;
		virtio__notify_queue(&net->vdev, VIRTIO_NET_RXQ);
	}
}

static void rx_event(void *opaque, u32 events)
{
	rx_process(opaque);
}

/* The guest posted rx buffers: read again (the tap may have been waiting for them). */
static void rx_kick(struct virtio_net *net)
{
	if (net->tap_dead)
		return;
	rx_watch(net, true);
	rx_process(net);
}

/* ---- tx: guest -> tap ---- */

/* Whether the guest's header asks only for what it negotiated. */
static bool tx_hdr_ok(struct virtio_net *net, const struct virtio_net_hdr_v1 *hdr)
{
	if (hdr->flags & ~VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return false;	/* DATA_VALID is for received frames only */
	if ((hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !has(net, VIRTIO_NET_F_CSUM))
		return false;
	switch (hdr->gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return true;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return has(net, VIRTIO_NET_F_HOST_TSO4);
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return has(net, VIRTIO_NET_F_HOST_TSO6);
	default:
		return false;	/* UFO and ECN are never offered */
	}
}

/* Our checked copy of the header, then the frame from the chain (the header skipped). */
static unsigned tx_build_iov(struct virtio_net *net)
{
	const struct virtq_chain *c = &net->tx_chain;
	size_t skip = NET_HDR_LEN;
	unsigned n = 1;

	net->tx_iov[0] = (struct iovec){ .iov_base = &net->tx_hdr, .iov_len = NET_HDR_LEN };
	for (unsigned i = 0; i < c->nout; i++) {
		size_t len = c->iov[i].iov_len;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		net->tx_iov[n++] = (struct iovec){ .iov_base = (u8 *)c->iov[i].iov_base + skip,
						   .iov_len = len - skip };
		skip = 0;
	}
	return n;
}

static void tx_complete(struct virtio_net *net)
{
	virtqueue__push(queue(net, VIRTIO_NET_TXQ), net->tx_chain.head, 0);
	net->tx_held = false;
	net->tx_pushed = true;
}

static int tx_drop(struct virtio_net *net, const char *why)
{
	const struct virtq_chain *c = &net->tx_chain;

	pr_warn_once("%s: dropped a tx chain: %s (%llu readable, %llu writable bytes)", net->name,
		     why, (unsigned long long)c->out_len, (unsigned long long)c->in_len);
	stat_add(&net->stats.tx_dropped, 1);
	tx_complete(net);
	return 1;
}

/* Sends the chain in hand: 1 sent or dropped, -EAGAIN the tap is full (the chain is kept). */
static int tx_send(struct virtio_net *net)
{
	const struct virtq_chain *c = &net->tx_chain;
	ssize_t n;

	if (c->nin)
		return tx_drop(net, "writable descriptors in a tx chain");
	if (c->out_len < NET_HDR_LEN + 14)
		return tx_drop(net, "shorter than the header and an Ethernet header");
	if (c->out_len > NET_TX_MAX)
		return tx_drop(net, "longer than 64 KiB and the header");
	virtq_chain__read(c, 0, &net->tx_hdr, NET_HDR_LEN);
	if (!tx_hdr_ok(net, &net->tx_hdr))
		return tx_drop(net, "header asks for offloads that were not negotiated");
	net->tx_hdr.num_buffers = 0;
	n = writev(net->tap.fd, net->tx_iov, tx_build_iov(net));
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -EAGAIN;
	if (n < 0) {
		pr_warn_once("%s: tap %s refused a frame: %s", net->name, net->tap.name, strerror(errno));
		stat_add(&net->stats.tx_dropped, 1);
	} else {
		stat_add(&net->stats.tx_frames, 1);
		stat_add(&net->stats.tx_bytes, c->out_len - NET_HDR_LEN);
	}
	tx_complete(net);
	return 1;
}

/* 1 a chain went (or was dropped), 0 the ring is empty, -EAGAIN tap full, -EIO bad ring. */
static int tx_next(struct virtio_net *net)
{
	int ret;

	if (!net->tx_held) {
		ret = virtqueue__pop(queue(net, VIRTIO_NET_TXQ), &net->tx_chain);
		if (ret <= 0)
			return ret;
		net->tx_held = true;
	}
	return tx_send(net);
}

/*
 * Sends until the ring is empty with kicks off meanwhile. A full tap, or a spent budget, waits
 * for EPOLLOUT (which comes at once when the tap has room) so rx gets its turn.
 */
static void tx_process(struct virtio_net *net)
{
	struct virtqueue *vq = queue(net, VIRTIO_NET_TXQ);
	unsigned sent = 0;
	int ret;

	virtqueue__set_notify(vq, false);
	for (;;) {
		ret = tx_next(net);
		if (ret == 0) {
			virtqueue__set_notify(vq, true);
			ret = tx_next(net);	/* the driver may have posted before seeing it */
			if (ret == 0)
				break;
			virtqueue__set_notify(vq, false);
		}
		if (ret == -EAGAIN || (ret > 0 && ++sent >= TX_BUDGET)) {
			tx_watch(net, true);
			break;
		}
		if (ret < 0) {
			queue_broken(net, VIRTIO_NET_TXQ);
			break;
		}
	}
	if (net->tx_pushed) {
		net->tx_pushed = false;
		virtio__notify_queue(&net->vdev, VIRTIO_NET_TXQ);
	}
}

static void tx_event(void *opaque, u32 events)
{
	struct virtio_net *net = opaque;

	tx_watch(net, false);
	tx_process(net);
}

/* ---- virtio device ops ---- */

static void net_read_config(struct virtio_device *vdev, u32 offset, u8 *data, u32 len)
{
	struct virtio_net *net = to_net(vdev);
	struct virtio_net_config cfg = { .max_virtqueue_pairs = 1 };

	memcpy(cfg.mac, net->mac, sizeof(cfg.mac));
	cfg.status = __atomic_load_n(&net->status, __ATOMIC_RELAXED);
	if (offset < sizeof(cfg) && len <= sizeof(cfg) - offset)
		memcpy(data, (u8 *)&cfg + offset, len);
}

/* Every field is read-only for a VERSION_1 driver (the MAC needs CTRL_MAC_ADDR, not offered). */
static void net_write_config(struct virtio_device *vdev, u32 offset, const u8 *data, u32 len)
{
	pr_warn_once("%s: the driver wrote read-only config at %u (%u bytes); ignored",
		     to_net(vdev)->name, offset, len);
}

/* 5.1.3.1: offloads depend on checksumming; the 12-byte header needs VERSION_1. */
static bool net_features_ok(struct virtio_device *vdev, u64 features)
{
	u64 guest_gso = 1ULL << VIRTIO_NET_F_GUEST_TSO4 | 1ULL << VIRTIO_NET_F_GUEST_TSO6 |
			1ULL << VIRTIO_NET_F_GUEST_UFO;
	u64 host_gso = 1ULL << VIRTIO_NET_F_HOST_TSO4 | 1ULL << VIRTIO_NET_F_HOST_TSO6;

	if (!(features & 1ULL << VIRTIO_F_VERSION_1))
		return false;
	if ((features & guest_gso) && !(features & 1ULL << VIRTIO_NET_F_GUEST_CSUM))
		return false;
	if ((features & host_gso) && !(features & 1ULL << VIRTIO_NET_F_CSUM))
		return false;
	return true;
}

/* The TUN_F_* offloads that match what the guest accepted for received frames. */
static unsigned guest_offloads(struct virtio_net *net)
{
	unsigned flags = 0;

	if (!has(net, VIRTIO_NET_F_GUEST_CSUM))
		return 0;
	flags |= TUN_F_CSUM;
	if (has(net, VIRTIO_NET_F_GUEST_TSO4))
		flags |= TUN_F_TSO4;
	if (has(net, VIRTIO_NET_F_GUEST_TSO6))
		flags |= TUN_F_TSO6;
	if (has(net, VIRTIO_NET_F_GUEST_UFO))
		flags |= TUN_F_UFO;
	return flags & net->tap.offloads;
}

/* Frames queued before the driver was ready were meant for nobody (or an older driver). */
static void tap_flush(struct virtio_net *net)
{
	u8 buf[64];	/* a tap refuses reads shorter than its vnet header; the rest is cut off */

	for (unsigned i = 0; i < TAP_FLUSH_MAX; i++) {
		if (read(net->tap.fd, buf, sizeof(buf)) <= 0)
			break;
	}
}

/*
 * Runs on a vCPU thread with none of our handlers registered. The tap is watched from the
 * first rx kick on the I/O thread (the transport kicks each enabled queue at DRIVER_OK), so
 * the watch flags are only ever changed there.
 */
static int net_activate(struct virtio_device *vdev)
{
	struct virtio_net *net = to_net(vdev);
	unsigned offloads = guest_offloads(net);
	int ret;

	net->mrg_rxbuf = has(net, VIRTIO_NET_F_MRG_RXBUF);
	net->guest_csum = has(net, VIRTIO_NET_F_GUEST_CSUM);
	net->rx_need = NET_HDR_LEN + ((offloads & ~TUN_F_CSUM) ? NET_GSO_MAX : NET_ETH_MAX);
	ret = tap__set_offload(&net->tap, offloads);
	if (ret)
		pr_warn("%s: tap %s refused offloads %#x (%s); frames arrive fully checksummed",
			net->name, net->tap.name, offloads, strerror(-ret));
	tap_flush(net);
	ret = tap__set_carrier(&net->tap, true);
	if (ret)
		pr_debug("%s: TUNSETCARRIER: %s", net->name, strerror(-ret));
	return 0;
}

/* Off the I/O thread: each remove waits for that handler to finish, then nothing runs. */
static void unwatch_all(struct virtio_net *net)
{
	io_thread__remove(net->io, net->tap.fd);
	io_thread__remove(net->io, net->tx_fd);
	net->rx_watched = net->tx_watched = false;
}

static void net_reset(struct virtio_device *vdev)
{
	struct virtio_net *net = to_net(vdev);

	unwatch_all(net);
	net->nslots = net->rx_niov = 0;
	net->rx_capacity = 0;
	net->rx_pushed = net->tx_pushed = net->tx_held = false;
	net->mrg_rxbuf = net->guest_csum = false;
	if (tap__set_offload(&net->tap, 0))
		pr_debug("%s: cannot turn tap offloads off", net->name);
	tap__set_carrier(&net->tap, false);
}

static void net_queue_notify(struct virtio_device *vdev, unsigned q)
{
	struct virtio_net *net = to_net(vdev);

	if (q == VIRTIO_NET_RXQ)
		rx_kick(net);
	else if (q == VIRTIO_NET_TXQ && !net->tx_watched)
		tx_process(net);	/* while tx waits for EPOLLOUT, that handler drains */
}

static const struct virtio_device_ops net_ops = {
	.read_config = net_read_config,
	.write_config = net_write_config,
	.features_ok = net_features_ok,
	.activate = net_activate,
	.reset = net_reset,
	.queue_notify = net_queue_notify,
};

/* ---- creation ---- */

/* Offloads follow the tap: offered only when it can take the matching TUN_F_* bits. */
static u64 offered_features(const struct tap *tap)
{
	u64 f = 1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_NET_F_STATUS |
		1ULL << VIRTIO_NET_F_MRG_RXBUF;

	if (!(tap->offloads & TUN_F_CSUM))
		return f;
	f |= 1ULL << VIRTIO_NET_F_CSUM | 1ULL << VIRTIO_NET_F_GUEST_CSUM;
	if (tap->offloads & TUN_F_TSO4)
		f |= 1ULL << VIRTIO_NET_F_HOST_TSO4 | 1ULL << VIRTIO_NET_F_GUEST_TSO4;
	if (tap->offloads & TUN_F_TSO6)
		f |= 1ULL << VIRTIO_NET_F_HOST_TSO6 | 1ULL << VIRTIO_NET_F_GUEST_TSO6;
	if (tap->offloads & TUN_F_UFO)
		f |= 1ULL << VIRTIO_NET_F_GUEST_UFO;
	return f;
}

static void init_device(struct virtio_net *net, const struct guest_memory *mem)
{
	struct virtio_device *vdev = &net->vdev;

	snprintf(net->name, sizeof(net->name), "virtio-net(%s)", net->tap.name);
	vdev->name = net->name;
	vdev->device_id = VIRTIO_ID_NET;
	vdev->pci_class = 0x020000;		/* network controller, Ethernet */
	vdev->ops = &net_ops;
	vdev->device_features = offered_features(&net->tap);
	vdev->config_size = sizeof(struct virtio_net_config);
	vdev->nqueues = 2;
	for (unsigned q = 0; q < vdev->nqueues; q++) {
		vdev->queue_max_size[q] = VIRTIO_NET_QUEUE_SIZE;
		/* Usable without a transport (tests); plugging in initializes them again. */
		virtqueue__init(&vdev->queues[q], mem);
	}
	net->status = VIRTIO_NET_S_LINK_UP;
}

int virtio_net__create_on_tap(struct virtio_net **out, struct tap *tap, const u8 mac[6],
			      const struct guest_memory *mem, struct io_thread *io,
			      char *err, size_t errlen)
{
	struct virtio_net *net;
	int ret;

	*out = NULL;
	net = calloc(1, sizeof(*net));
	if (!net) {
		ret = set_err(err, errlen, ENOMEM, "virtio-net(%s): out of memory", tap->name);
		goto close_tap;
	}
	net->tx_fd = dup(tap->fd);
	if (net->tx_fd < 0) {
		ret = set_err(err, errlen, errno, "virtio-net(%s): dup: %s", tap->name, strerror(errno));
		goto free_net;
	}
	net->tap = *tap;
	net->io = io;
	memcpy(net->mac, mac, sizeof(net->mac));
	init_device(net, mem);
	tap__set_carrier(&net->tap, false);	/* on when the driver is ready */
	*out = net;
	return 0;
free_net:
	free(net);
close_tap:
	tap__close(tap);
	return ret;
}

int virtio_net__create(struct virtio_net **out, const struct net_option *opt,
		       const struct guest_memory *mem, struct io_thread *io,
		       char *err, size_t errlen)
{
	struct tap tap;
	u8 mac[6];
	int ret;

	*out = NULL;
	ret = tap__open(&tap, opt->tap, err, errlen);
	if (ret)
		return ret;
	if (tap__is_up(&tap) == 0)
		pr_warn("tap %s is down on the host: bring it up (ip link set %s up) or the guest's frames go nowhere",
			tap.name, tap.name);
	if (opt->mac_set)
		memcpy(mac, opt->mac, sizeof(mac));
	else
		net_option__default_mac(opt->tap, mac);
	return virtio_net__create_on_tap(out, &tap, mac, mem, io, err, errlen);
}

struct virtio_device *virtio_net__device(struct virtio_net *net)
{
	return &net->vdev;
}

void virtio_net__stats(const struct virtio_net *net, struct virtio_net_stats *out)
{
	const u64 *src = (const u64 *)&net->stats;
	u64 *dst = (u64 *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(u64); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void virtio_net__destroy(struct virtio_net *net)
{
	if (!net)
		return;
	unwatch_all(net);
	close(net->tx_fd);
	tap__close(&net->tap);
	/* The queues' virtqueue__exit belongs to the transport, which has let go by now. */
	free(net);
}
