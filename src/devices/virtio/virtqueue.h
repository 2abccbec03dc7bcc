/*
 * Split virtqueues (virtio 1.x, 2.7) read straight out of guest memory. Every ring address,
 * descriptor address and length comes from the guest and is checked before use; a malformed
 * ring breaks the queue (the device then asks for a reset) instead of harming the VMM.
 */
#ifndef NV_DEVICES_VIRTIO_VIRTQUEUE_H
#define NV_DEVICES_VIRTIO_VIRTQUEUE_H

#include <pthread.h>
#include <sys/uio.h>

#include "kvm/memory.h"
#include "util/util.h"

#define VIRTQ_MAX_SIZE		1024	/* largest queue size a device may offer */
#define VIRTQ_MAX_SEGMENTS	256	/* longest chain accepted, indirect tables included */

/* Descriptor flags (2.7.5) and ring flags (2.7.6, 2.7.8). */
#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY	1

struct virtqueue {
	/* Set by the driver through the transport. */
	u16 size;			/* entries, a power of two <= the device's maximum */
	bool enabled;
	u64 desc_addr, avail_addr, used_addr;
	u16 msix_vector;
	/* Device state. */
	const struct guest_memory *mem;
	bool event_idx;			/* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;			/* VIRTIO_F_INDIRECT_DESC negotiated */
	bool broken;			/* a malformed ring was seen; nothing more is popped */
	u16 last_avail;			/* next avail entry to take */
	u16 used_idx;			/* next used entry to fill */
	u16 signalled_used;		/* used_idx when the driver was last interrupted */
	bool signalled_used_valid;
	pthread_mutex_t lock;		/* pop/push from several threads (I/O completions) */
};

/*
 * One request: a descriptor chain as host iovecs, the device-readable (out) segments first,
 * then the device-writable (in) ones. The pointers stay valid while the VM runs.
 */
struct virtq_chain {
	u16 head;			/* what goes back in the used ring */
	unsigned nout, nin;
	u64 out_len, in_len;		/* total bytes of each kind */
	struct iovec iov[VIRTQ_MAX_SEGMENTS];	/* iov[0..nout) out, iov[nout..nout+nin) in */
};

/* Zeroes the state; the queue stays unusable until virtqueue__enable. */
void virtqueue__init(struct virtqueue *vq, const struct guest_memory *mem);
void virtqueue__exit(struct virtqueue *vq);
/*
 * Checks the driver's size and ring addresses (alignment, inside guest RAM) and starts from
 * index 0. -EINVAL (queue left disabled) if they are bad.
 */
int virtqueue__enable(struct virtqueue *vq, bool event_idx, bool indirect) __must_check;
/* Back to the state after init (device reset). */
void virtqueue__reset(struct virtqueue *vq);

/*
 * Takes the next available chain. Returns 1 with *chain filled, 0 when the ring is empty,
 * -EIO when the chain or ring is malformed (loops, addresses outside RAM, out-of-range
 * indexes, too many segments, a readable descriptor after a writable one, lengths that
 * overflow): the queue is then broken and every later call returns -EIO.
 */
int virtqueue__pop(struct virtqueue *vq, struct virtq_chain *chain) __must_check;
/* Hands a chain back with written bytes put in its writable part. */
void virtqueue__push(struct virtqueue *vq, u16 head, u32 written);
/*
 * Whether the driver wants an interrupt for what was pushed since the last call that
 * returned true (honours NO_INTERRUPT and used_event).
 */
bool virtqueue__should_notify(struct virtqueue *vq);
/* Tell the driver whether to kick us (NO_NOTIFY / avail_event) while we are draining. */
void virtqueue__set_notify(struct virtqueue *vq, bool enable);

/*
 * Copy out of the chain's readable part, or into its writable part, starting offset bytes in.
 * Return the bytes copied (short when the part is shorter).
 */
size_t virtq_chain__read(const struct virtq_chain *chain, u64 offset, void *buf, size_t len);
size_t virtq_chain__write(const struct virtq_chain *chain, u64 offset, const void *buf, size_t len);
/*
 * Copies between buf and the byte range [offset, offset+len) of n iovecs: into them if to_iov,
 * out of them otherwise. Returns the bytes copied (less than len if the iovecs end first).
 */
size_t virtq__iov_copy(const struct iovec *iov, unsigned n, u64 offset, void *buf, size_t len,
		       bool to_iov);

#endif
