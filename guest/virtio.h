/*
 * Test guest: PCI on bus 0 through 0xcf8/0xcfc, and a minimal modern virtio-pci driver
 * (virtio 1.x: split rings polled from ring 3, no interrupts) for the blk, net and rng words.
 */
#ifndef TG_VIRTIO_H
#define TG_VIRTIO_H

#include "guest.h"

/* pci.c */
#define PCI_NBARS		6
#define PCI_CMD			0x04
#define PCI_CMD_MEM		0x0002
#define PCI_CMD_MASTER		0x0004
#define PCI_STATUS		0x06
#define PCI_STATUS_CAPS		0x0010
#define PCI_CAP_PTR		0x34
#define PCI_SUBSYS_ID		0x2e

struct pci_dev {
	u8 bus, dev, fn;
	u16 vendor, device;
	u64 bar[PCI_NBARS];	/* memory BAR addresses, 0 for none or I/O */
	u64 bar_size[PCI_NBARS];
	u8 bar64[PCI_NBARS];
};

u32 pci__read32(const struct pci_dev *d, u8 off);
u16 pci__read16(const struct pci_dev *d, u8 off);
u8 pci__read8(const struct pci_dev *d, u8 off);
void pci__write32(const struct pci_dev *d, u8 off, u32 v);
void pci__write16(const struct pci_dev *d, u8 off, u16 v);
/* Calls fn for every function on bus 0 until it returns non-zero; returns that value. */
int pci__scan(int (*fn)(struct pci_dev *d, void *arg), void *arg);
/* Sizes the memory BARs, assigns unassigned ones, maps them, enables decode and DMA. */
int pci__setup_bars(struct pci_dev *d, char *why, size_t whylen);
extern int pci_reassign;	/* pcireassign: treat the virtio BARs as unassigned */

/* paging.c: identity-map MMIO above 4 GiB (below is mapped by tables.S) */
int paging__map_mmio(u64 phys, u64 len);

/* Virtio status bits, feature bits and device types (virtio 1.x, 2.1, 6, 5). */
#define VIRTIO_ACKNOWLEDGE	0x01
#define VIRTIO_DRIVER		0x02
#define VIRTIO_DRIVER_OK	0x04
#define VIRTIO_FEATURES_OK	0x08
#define VIRTIO_NEEDS_RESET	0x40
#define VIRTIO_FAILED		0x80
#define VIRTIO_F_EVENT_IDX	29
#define VIRTIO_F_VERSION_1	32
#define VIRTIO_ID_NET		1
#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_RNG		4

#define VQ_DESC_F_NEXT		1
#define VQ_DESC_F_WRITE		2
#define VQ_AVAIL_F_NO_INTERRUPT	1
#define VQ_USED_F_NO_NOTIFY	1
#define VQ_MAX			256	/* our largest queue */
#define VDEV_MAX_QUEUES		2	/* net: receiveq1, transmitq1 */

struct vq_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct vq_avail {
	u16 flags;
	u16 idx;
	u16 ring[];
};

struct vq_used_elem {
	u32 id;
	u32 len;
};

struct vq_used {
	u16 flags;
	u16 idx;
	struct vq_used_elem ring[];
};

/* One buffer of a request: device-readable, or device-writable when write is set. */
struct vbuf {
	void *addr;
	u32 len;
	int write;
};

struct virtq {
	u16 index;		/* queue number on the device */
	u16 size;		/* 0: not set up */
	struct vq_desc *desc;
	struct vq_avail *avail;
	struct vq_used *used;
	u64 notify;		/* address of this queue's notify register */
	u16 free_head, nfree;
	u16 avail_idx;		/* next avail entry we fill */
	u16 last_used;		/* next used entry we read */
	u16 chain_len[VQ_MAX];	/* descriptors in the chain at this head, 0 when free */
	u32 bogus_used;		/* used entries naming a head that was not in flight */
};

struct vdev {
	const char *name;	/* "blk", "net", "rng" */
	struct pci_dev pci;
	u64 common, notify_base, isr, devcfg;
	u32 notify_mult;
	u64 offered, features;
	u16 num_queues;
	struct virtq vq[VDEV_MAX_QUEUES];
	int ready;		/* DRIVER_OK set by us */
};

/* virtio.c: transport */
int virtio__open(struct vdev *v, unsigned type, unsigned index, char *why, size_t whylen);
void virtio__reset(struct vdev *v);
u8 virtio__status(const struct vdev *v);
void virtio__set_status(struct vdev *v, u8 s);
/* Reset, ACK, DRIVER, features (VERSION_1 | wanted & offered), FEATURES_OK. */
int virtio__negotiate(struct vdev *v, u64 wanted, char *why, size_t whylen);
/* Queue q: size min(device, max), rings from the DMA arena; desc/used may be overridden. */
int virtio__setup_queue(struct vdev *v, unsigned q, u16 max, char *why, size_t whylen);
int virtio__enable_queue(struct vdev *v, unsigned q);
/* negotiate + set up and enable nq queues + DRIVER_OK; prints one line on failure. */
int virtio__start(struct vdev *v, u64 wanted, unsigned nq, u16 qmax);
u32 virtio__cfg32(const struct vdev *v, u32 off);
u16 virtio__cfg16(const struct vdev *v, u32 off);
u8 virtio__cfg8(const struct vdev *v, u32 off);
u64 virtio__cfg64(const struct vdev *v, u32 off);
void *dma__alloc(u64 size, u64 align);
#define VIRTIO_COMMON_QDESC	0x20
#define VIRTIO_COMMON_QAVAIL	0x28
#define VIRTIO_COMMON_QUSED	0x30
void virtio__write_common64(struct vdev *v, u32 off, u64 val);
void virtio__select_queue(struct vdev *v, unsigned q);

/* virtq.c: the driver side of a split ring */
void virtq__init_rings(struct virtq *vq);
/* Adds a chain; returns its head, or -1 when there are not enough free descriptors. */
int virtq__add(struct virtq *vq, const struct vbuf *bufs, unsigned n);
void virtq__publish(struct virtq *vq, u16 head);
void virtq__kick(struct virtq *vq);
/* The next used entry: its head (chain freed) and length, or -1 when there is none. */
int virtq__get_used(struct virtq *vq, u32 *len);
/* Polls until head comes back (others are dropped) or timeout_us passes: 0 or -1. */
int virtq__wait(struct virtq *vq, int head, u32 *len, u64 timeout_us);
int virtq__submit_wait(struct virtq *vq, const struct vbuf *bufs, unsigned n, u32 *len,
		       u64 timeout_us);

/* vblkbench.c: "MODE,qd=N,secs=N" (defaults qd 1, secs 5); mode is an index in modes */
struct bench_args {
	int mode;
	u64 qd, secs;
};
int bench__parse(const char *spec, const char *const *modes, unsigned nmodes,
		 struct bench_args *a);

/* vblk.c, vnet.c, vrng.c, vevil.c: the command words (docs/testguest.md) */
extern unsigned blk_index, net_index;
int vrng__run(void);
int vblk__info(void);
int vblk__read(u64 sector);
int vblk__write(u64 sector, u8 byte);
int vblk__flush(void);
int vblk__id(void);
int vblk__ro(void);
int vblk__bench(const char *spec, int run);
/* For vevil.c: the opened blk device and one synchronous read of sector 0. */
struct vdev *vblk__device(void);
int vblk__start(void);
int vblk__good_read(u64 timeout_us, u8 *status);
int vblk__build_read(struct vbuf *bufs, u64 sector);
int vnet__info(void);
int vnet__send(u64 n);
int vnet__echo(void);
int vnet__recv(u64 n);
int vnet__bench(const char *spec, int run);
int vevil__run(const char *kind, int run);

#endif
