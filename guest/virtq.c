/*
 * Test guest: the driver side of a split virtqueue (virtio 1.x, 2.7): a free list of
 * descriptors, publishing chains in the available ring, polling the used ring. Used
 * entries are checked, so a device that returns a head twice or a bogus one is caught.
 */
#include "virtio.h"

/* x86 keeps stores in order and loads in order; the device only needs the compiler held. */
static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }
/* Our avail idx store must be visible before we read the device's NO_NOTIFY flag. */
static inline void mb(void) { __asm__ volatile("mfence" ::: "memory"); }

void virtq__init_rings(struct virtq *vq)
{
	u16 i;

	memset(vq->desc, 0, sizeof(struct vq_desc) * vq->size);
	memset(vq->avail, 0, 6 + 2 * vq->size);
	memset(vq->used, 0, 6 + sizeof(struct vq_used_elem) * vq->size);
	for (i = 0; i < vq->size; i++) {
		vq->desc[i].next = (u16)(i + 1);
		vq->chain_len[i] = 0;
	}
	vq->free_head = 0;
	vq->nfree = vq->size;
	vq->avail_idx = 0;
	vq->last_used = 0;
	vq->bogus_used = 0;
	/* We poll: ask the device not to interrupt (2.7.7). */
	vq->avail->flags = VQ_AVAIL_F_NO_INTERRUPT;
}

int virtq__add(struct virtq *vq, const struct vbuf *bufs, unsigned n)
{
	u16 head = vq->free_head, d = head, last = head;
	unsigned i;

	if (!n || n > vq->nfree)
		return -1;
	for (i = 0; i < n; i++) {
		vq->desc[d].addr = (u64)(uintptr_t)bufs[i].addr;
		vq->desc[d].len = bufs[i].len;
		vq->desc[d].flags = (u16)((bufs[i].write ? VQ_DESC_F_WRITE : 0) |
					  (i + 1 < n ? VQ_DESC_F_NEXT : 0));
		last = d;
		d = vq->desc[d].next;
	}
	vq->free_head = vq->desc[last].next;
	vq->nfree -= (u16)n;
	vq->chain_len[head] = (u16)n;
	return head;
}

/* Makes the chain at head visible to the device (it still needs a kick). */
void virtq__publish(struct virtq *vq, u16 head)
{
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	barrier();
	vq->avail_idx++;
	*(volatile u16 *)&vq->avail->idx = vq->avail_idx;
}

void virtq__kick(struct virtq *vq)
{
	mb();
	if (!(*(volatile u16 *)&vq->used->flags & VQ_USED_F_NO_NOTIFY))
		*(volatile u16 *)phys(vq->notify) = vq->index;
}

/* Returns the chain at head to the free list; its last descriptor links to the old head. */
static void free_chain(struct virtq *vq, u16 head)
{
	u16 d = head, n = vq->chain_len[head];

	while (--n)
		d = vq->desc[d].next;
	vq->desc[d].next = vq->free_head;
	vq->free_head = head;
	vq->nfree += vq->chain_len[head];
	vq->chain_len[head] = 0;
}

int virtq__get_used(struct virtq *vq, u32 *len)
{
	struct vq_used_elem e;

	for (;;) {
		if (*(volatile u16 *)&vq->used->idx == vq->last_used)
			return -1;
		barrier();
		e = *(volatile struct vq_used_elem *)&vq->used->ring[vq->last_used & (vq->size - 1)];
		vq->last_used++;
		if (e.id < vq->size && vq->chain_len[e.id]) {
			free_chain(vq, (u16)e.id);
			*len = e.len;
			return (int)e.id;
		}
		if (!vq->bogus_used++)
			printf("virtq: queue %u: used entry names head %u, which is not in flight\n",
			       vq->index, e.id);
	}
}

int virtq__wait(struct virtq *vq, int head, u32 *len, u64 timeout_us)
{
	u64 start = rdtsc(), limit = tsc__cycles_from_us(timeout_us);
	int h;

	for (;;) {
		h = virtq__get_used(vq, len);
		if (h == head)
			return 0;
		if (h < 0) {
			if (rdtsc() - start > limit)
				return -1;
			cpu_relax();
		}
	}
}

int virtq__submit_wait(struct virtq *vq, const struct vbuf *bufs, unsigned n, u32 *len,
		       u64 timeout_us)
{
	int head = virtq__add(vq, bufs, n);

	if (head < 0)
		return -1;
	virtq__publish(vq, (u16)head);
	virtq__kick(vq);
	return virtq__wait(vq, head, len, timeout_us);
}
