/*
 * Split virtqueues (virtio 1.x, 2.7) over untrusted guest memory: descriptors are copied out
 * once before use, every index and length is checked, and the first malformed thing breaks
 * the queue for good (until the device is reset).
 */
#include <errno.h>
#include <string.h>

#include "devices/virtio/virtqueue.h"
#include "util/log.h"

#define DESC_SIZE	16

/* Ring layouts (2.7.5, 2.7.6, 2.7.8); the trailing event fields are counted in. */
#define AVAIL_FLAGS	0
#define AVAIL_IDX	2
#define AVAIL_RING	4
#define USED_FLAGS	0
#define USED_IDX	2
#define USED_RING	4
#define USED_ELEM_SIZE	8

struct vdesc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

/* Where a chain walk is: the table it reads (main ring or an indirect table) and totals. */
struct walk {
	const u8 *table;
	u32 entries;
	bool in_indirect;
	unsigned main_count;		/* descriptors taken from the main ring */
};

static u64 avail_bytes(u16 size)
{
	return AVAIL_RING + 2ULL * size + 2;
}

static u64 used_bytes(u16 size)
{
	return USED_RING + (u64)USED_ELEM_SIZE * size + 2;
}

static u16 *avail_field(const struct virtqueue *vq, u64 off)
{
	return guest_memory__ptr(vq->mem, vq->avail_addr + off, 2);
}

static u8 *used_ring(const struct virtqueue *vq)
{
	return guest_memory__ptr(vq->mem, vq->used_addr, used_bytes(vq->size));
}

static u16 load16(const u16 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void store16(u16 *p, u16 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/* The driver's used_event and the device's avail_event sit right after each ring. */
static u16 *used_event(const struct virtqueue *vq)
{
	return avail_field(vq, AVAIL_RING + 2ULL * vq->size);
}

static u16 *avail_event(const struct virtqueue *vq)
{
	return (u16 *)(used_ring(vq) + USED_RING + (u64)USED_ELEM_SIZE * vq->size);
}

void virtqueue__init(struct virtqueue *vq, const struct guest_memory *mem)
{
	memset(vq, 0, sizeof(*vq));
	vq->mem = mem;
	pthread_mutex_init(&vq->lock, NULL);
}

void virtqueue__exit(struct virtqueue *vq)
{
	pthread_mutex_destroy(&vq->lock);
}

static bool rings_ok(const struct virtqueue *vq)
{
	u16 n = vq->size;

	if (!n || n > VIRTQ_MAX_SIZE || (n & (n - 1)))
		return false;
	if ((vq->desc_addr & 15) || (vq->avail_addr & 1) || (vq->used_addr & 3))
		return false;
	return guest_memory__ptr(vq->mem, vq->desc_addr, (u64)DESC_SIZE * n) &&
	       guest_memory__ptr(vq->mem, vq->avail_addr, avail_bytes(n)) &&
	       guest_memory__ptr(vq->mem, vq->used_addr, used_bytes(n));
}

int virtqueue__enable(struct virtqueue *vq, bool event_idx, bool indirect)
{
	int ret = 0;

	pthread_mutex_lock(&vq->lock);
	if (!vq->mem || !rings_ok(vq)) {
		vq->enabled = false;
		ret = -EINVAL;
	} else {
		vq->event_idx = event_idx;
		vq->indirect = indirect;
		vq->broken = false;
		vq->last_avail = vq->used_idx = vq->signalled_used = 0;
		vq->signalled_used_valid = false;
		vq->enabled = true;
	}
	pthread_mutex_unlock(&vq->lock);
	return ret;
}

void virtqueue__reset(struct virtqueue *vq)
{
	pthread_mutex_lock(&vq->lock);
	vq->size = 0;
	vq->enabled = false;
	vq->desc_addr = vq->avail_addr = vq->used_addr = 0;
	vq->msix_vector = 0;
	vq->event_idx = vq->indirect = vq->broken = false;
	vq->last_avail = vq->used_idx = vq->signalled_used = 0;
	vq->signalled_used_valid = false;
	pthread_mutex_unlock(&vq->lock);
}

#define WARN_LIMIT	20	/* a driver breaking and resetting in a loop must not flood the log */

static bool may_warn(void)
{
	static unsigned warned;
	unsigned n = __atomic_fetch_add(&warned, 1, __ATOMIC_RELAXED);

	if (n == WARN_LIMIT)
		pr_warn("virtqueue: %d broken rings reported; not reporting more", WARN_LIMIT);
	return n < WARN_LIMIT;
}

/* Marks the queue broken; the caller returns -EIO. One line per queue, not per request. */
static int broken(struct virtqueue *vq, const char *why)
{
	if (!vq->broken && may_warn())
		pr_warn("virtqueue at %#llx: %s; queue stopped until reset",
			(unsigned long long)vq->desc_addr, why);
	vq->broken = true;
	return -EIO;
}

/* Copies descriptor i out of table; the barrier keeps the compiler on the copy. */
static void read_desc(const u8 *table, u32 i, struct vdesc *d)
{
	memcpy(d, table + (u64)i * DESC_SIZE, DESC_SIZE);
	__asm__ __volatile__("" ::: "memory");
}

/* Switches the walk to the indirect table desc d points at. */
static int enter_indirect(struct virtqueue *vq, struct walk *w, const struct vdesc *d)
{
	if (!vq->indirect)
		return broken(vq, "indirect descriptor without VIRTIO_F_INDIRECT_DESC");
	if (w->in_indirect)
		return broken(vq, "nested indirect descriptor");
	if (d->flags & VIRTQ_DESC_F_NEXT)
		return broken(vq, "indirect descriptor with NEXT set");
	if (!d->len || d->len % DESC_SIZE)
		return broken(vq, "indirect table length not a multiple of 16");
	w->table = guest_memory__ptr(vq->mem, d->addr, d->len);
	if (!w->table)
		return broken(vq, "indirect table outside guest RAM");
	w->entries = d->len / DESC_SIZE;
	w->in_indirect = true;
	return 0;
}

/* Appends one buffer descriptor to the chain, keeping out before in and totals in 32 bits. */
static int add_buffer(struct virtqueue *vq, struct virtq_chain *c, const struct vdesc *d)
{
	bool writable = d->flags & VIRTQ_DESC_F_WRITE;
	u64 *total = writable ? &c->in_len : &c->out_len;
	struct iovec *iov;
	void *host;

	if (!writable && c->nin)
		return broken(vq, "readable descriptor after a writable one");
	if (c->nout + c->nin >= VIRTQ_MAX_SEGMENTS)
		return broken(vq, "descriptor chain too long (or a loop)");
	if (*total + d->len > UINT32_MAX)
		return broken(vq, "descriptor chain longer than 4 GiB");
	host = guest_memory__ptr(vq->mem, d->addr, d->len);
	if (!host)
		return broken(vq, "descriptor buffer outside guest RAM");
	iov = &c->iov[c->nout + c->nin];
	iov->iov_base = host;
	iov->iov_len = d->len;
	*total += d->len;
	if (writable)
		c->nin++;
	else
		c->nout++;
	return 0;
}

/* Follows the chain from head through at most one indirect table. */
static int walk_chain(struct virtqueue *vq, u16 head, struct virtq_chain *c)
{
	struct walk w = { .entries = vq->size };
	struct vdesc d;
	u32 i = head, steps = 0;
	int ret;

	w.table = guest_memory__ptr(vq->mem, vq->desc_addr, (u64)DESC_SIZE * vq->size);
	for (;;) {
		if (i >= w.entries)
			return broken(vq, "descriptor index out of range");
		if (++steps > w.entries || (!w.in_indirect && ++w.main_count > vq->size))
			return broken(vq, "descriptor chain loops");
		read_desc(w.table, i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			ret = enter_indirect(vq, &w, &d);
			i = steps = 0;
		} else {
			ret = add_buffer(vq, c, &d);
			if (!(d.flags & VIRTQ_DESC_F_NEXT))
				return ret;
			i = d.next;
		}
		if (ret)
			return ret;
	}
}

static int pop_locked(struct virtqueue *vq, struct virtq_chain *chain)
{
	u16 *idx_p = avail_field(vq, AVAIL_IDX), avail_idx, head;
	int ret;

	/* Acquire: the ring entry and descriptors are read after the index that published them. */
	avail_idx = __atomic_load_n(idx_p, __ATOMIC_ACQUIRE);
	if ((u16)(avail_idx - vq->last_avail) > vq->size)
		return broken(vq, "avail index ran more than the queue size ahead");
	if (avail_idx == vq->last_avail)
		return 0;
	head = load16(avail_field(vq, AVAIL_RING + 2ULL * (vq->last_avail & (vq->size - 1))));
	if (head >= vq->size)
		return broken(vq, "avail ring entry out of range");
	chain->head = head;
	chain->nout = chain->nin = 0;
	chain->out_len = chain->in_len = 0;
	ret = walk_chain(vq, head, chain);
	if (ret)
		return ret;
	vq->last_avail++;
	/* Ask for a kick when the driver makes the next entry available (as QEMU does). */
	if (vq->event_idx)
		store16(avail_event(vq), vq->last_avail);
	return 1;
}

int virtqueue__pop(struct virtqueue *vq, struct virtq_chain *chain)
{
	int ret;

	pthread_mutex_lock(&vq->lock);
	if (vq->broken)
		ret = -EIO;
	else if (!vq->enabled)
		ret = 0;
	else
		ret = pop_locked(vq, chain);
	pthread_mutex_unlock(&vq->lock);
	return ret;
}

void virtqueue__push(struct virtqueue *vq, u16 head, u32 written)
{
	u8 *used, *elem;
	u32 id = head;

	pthread_mutex_lock(&vq->lock);
	if (!vq->enabled || head >= vq->size) {
		pthread_mutex_unlock(&vq->lock);
		return;
	}
	used = used_ring(vq);
	elem = used + USED_RING + (u64)USED_ELEM_SIZE * (vq->used_idx & (vq->size - 1));
	memcpy(elem, &id, 4);
	memcpy(elem + 4, &written, 4);
	vq->used_idx++;
	/* Release: the element is visible before the index that publishes it. */
	__atomic_store_n((u16 *)(used + USED_IDX), vq->used_idx, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&vq->lock);
}

/* 2.7.10: interrupt when new_idx passed event since old (the same test as Linux's). */
static bool need_event(u16 event, u16 new_idx, u16 old)
{
	return (u16)(new_idx - event - 1) < (u16)(new_idx - old);
}

static bool should_notify_locked(struct virtqueue *vq)
{
	u16 old = vq->signalled_used, new_idx = vq->used_idx;
	bool valid = vq->signalled_used_valid;

	if (valid && old == new_idx)
		return false;
	/* The used idx store must be visible before we read the driver's suppression state. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->signalled_used = new_idx;
	vq->signalled_used_valid = true;
	if (!vq->event_idx)
		return !(load16(avail_field(vq, AVAIL_FLAGS)) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	return !valid || need_event(load16(used_event(vq)), new_idx, old);
}

bool virtqueue__should_notify(struct virtqueue *vq)
{
	bool ret = false;

	pthread_mutex_lock(&vq->lock);
	if (vq->enabled)
		ret = should_notify_locked(vq);
	pthread_mutex_unlock(&vq->lock);
	return ret;
}

void virtqueue__set_notify(struct virtqueue *vq, bool enable)
{
	u16 *flags;

	pthread_mutex_lock(&vq->lock);
	if (!vq->enabled) {
		pthread_mutex_unlock(&vq->lock);
		return;
	}
	if (vq->event_idx) {
		/* Disabling is left to the avail_event we already wrote (it lags behind). */
		if (enable)
			store16(avail_event(vq), vq->last_avail);
	} else {
		flags = (u16 *)(used_ring(vq) + USED_FLAGS);
		store16(flags, enable ? 0 : VIRTQ_USED_F_NO_NOTIFY);
	}
	/* The caller re-checks the ring next: that read must not pass this store. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&vq->lock);
}

size_t virtq__iov_copy(const struct iovec *iov, unsigned n, u64 offset, void *buf, size_t len,
		       bool to_iov)
{
	size_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		size_t chunk;

		if (offset >= iov[i].iov_len) {
			offset -= iov[i].iov_len;
			continue;
		}
		chunk = min_u64(iov[i].iov_len - offset, len - done);
		if (to_iov)
			memcpy((u8 *)iov[i].iov_base + offset, (u8 *)buf + done, chunk);
		else
			memcpy((u8 *)buf + done, (u8 *)iov[i].iov_base + offset, chunk);
		done += chunk;
		offset = 0;
	}
	return done;
}

size_t virtq_chain__read(const struct virtq_chain *chain, u64 offset, void *buf, size_t len)
{
	return virtq__iov_copy(chain->iov, chain->nout, offset, buf, len, false);
}

size_t virtq_chain__write(const struct virtq_chain *chain, u64 offset, const void *buf, size_t len)
{
	return virtq__iov_copy(chain->iov + chain->nout, chain->nin, offset, (void *)buf, len, true);
}
