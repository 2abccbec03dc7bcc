/*
 * Test guest: the modern virtio-pci transport (virtio 1.x, 4.1): finds a device on bus 0,
 * reads its vendor capabilities, negotiates features and sets up split rings, all from
 * ring 3 through the BARs and the guest's identity map. No interrupts: the rings are polled.
 */
#include "virtio.h"

#define VIRTIO_VENDOR		0x1af4
#define PCI_CAP_VENDOR		0x09
#define CAP_COMMON		1
#define CAP_NOTIFY		2
#define CAP_ISR			3
#define CAP_DEVICE		4
#define MAX_CAPS		48	/* a bound on a looping capability list */
#define RESET_POLLS		1000000

/* struct virtio_pci_common_cfg (4.1.4.3) */
#define COMMON_DFSELECT		0x00
#define COMMON_DF		0x04
#define COMMON_GFSELECT		0x08
#define COMMON_GF		0x0c
#define COMMON_MSIX		0x10
#define COMMON_NUMQ		0x12
#define COMMON_STATUS		0x14
#define COMMON_CFGGEN		0x15
#define COMMON_QSELECT		0x16
#define COMMON_QSIZE		0x18
#define COMMON_QMSIX		0x1a
#define COMMON_QENABLE		0x1c
#define COMMON_QNOFF		0x1e
#define NO_VECTOR		0xffff

#define DMA_ARENA_SIZE		(8ULL << 20)

static u8 dma_arena[DMA_ARENA_SIZE] __attribute__((aligned(4096)));
static u64 dma_used;

/* Guest RAM for rings and buffers: the guest's identity map makes its address physical. */
void *dma__alloc(u64 size, u64 align)
{
	u64 at = (dma_used + align - 1) & ~(align - 1);

	if (at + size > DMA_ARENA_SIZE)
		guest__fail(EXIT_WORKLOAD, "virtio: DMA arena exhausted (%llu bytes asked)",
			    (unsigned long long)size);
	dma_used = at + size;
	memset(dma_arena + at, 0, size);
	return dma_arena + at;
}

static u8 rd8(u64 a) { return *(volatile u8 *)phys(a); }
static u16 rd16(u64 a) { return *(volatile u16 *)phys(a); }
static void wr8(u64 a, u8 v) { *(volatile u8 *)phys(a) = v; }
static void wr16(u64 a, u16 v) { *(volatile u16 *)phys(a) = v; }

struct find {
	unsigned type, index;
	struct pci_dev *out;
};

static int device_type(struct pci_dev *d)
{
	if (d->device >= 0x1040 && d->device <= 0x107f)
		return d->device - 0x1040;
	if (d->device >= 0x1000 && d->device <= 0x103f)	/* transitional: subsystem ID */
		return pci__read16(d, PCI_SUBSYS_ID);
	return -1;
}

static int match(struct pci_dev *d, void *arg)
{
	struct find *f = arg;

	if (d->vendor != VIRTIO_VENDOR || device_type(d) != (int)f->type)
		return 0;
	if (f->index) {
		f->index--;
		return 0;
	}
	*f->out = *d;
	return 1;
}

static void take_cap(struct vdev *v, u8 off, u64 addr)
{
	switch (pci__read8(&v->pci, off + 3)) {
	case CAP_COMMON:
		v->common = v->common ? v->common : addr;
		break;
	case CAP_NOTIFY:
		if (!v->notify_base) {
			v->notify_base = addr;
			v->notify_mult = pci__read32(&v->pci, off + 16);
		}
		break;
	case CAP_ISR:
		v->isr = v->isr ? v->isr : addr;
		break;
	case CAP_DEVICE:
		v->devcfg = v->devcfg ? v->devcfg : addr;
		break;
	}
}

/* The first capability of each type whose BAR range is real (4.1.4: the first one wins). */
static int read_caps(struct vdev *v, char *why, size_t whylen)
{
	struct pci_dev *d = &v->pci;
	u8 off, bar;
	u32 offset, length;
	unsigned n;

	if (!(pci__read16(d, PCI_STATUS) & PCI_STATUS_CAPS))
		return snprintf(why, whylen, "no PCI capability list"), -1;
	off = pci__read8(d, PCI_CAP_PTR) & 0xfc;
	for (n = 0; off && n < MAX_CAPS; n++, off = pci__read8(d, off + 1) & 0xfc) {
		if (pci__read8(d, off) != PCI_CAP_VENDOR)
			continue;
		bar = pci__read8(d, off + 4);
		offset = pci__read32(d, off + 8);
		length = pci__read32(d, off + 12);
		if (bar >= PCI_NBARS || !d->bar_size[bar] ||
		    (u64)offset + length > d->bar_size[bar])
			continue;
		take_cap(v, off, d->bar[bar] + offset);
	}
	if (!v->common || !v->notify_base || !v->isr)
		return snprintf(why, whylen, "missing a COMMON, NOTIFY or ISR capability"), -1;
	return 0;
}

int virtio__open(struct vdev *v, unsigned type, unsigned index, char *why, size_t whylen)
{
	struct find f = { type, index, &v->pci };
	const char *name = v->name;

	memset(v, 0, sizeof(*v));
	v->name = name;
	if (!pci__scan(match, &f))
		return snprintf(why, whylen, "no virtio device of type %u (index %u) on PCI bus 0",
				type, index), -1;
	if (pci__setup_bars(&v->pci, why, whylen) || read_caps(v, why, whylen)) {
		v->common = 0;	/* not opened: the next word tries again */
		return -1;
	}
	printf("virtio: %s at %02x:%02x.%x id %04x:%04x common %#llx notify %#llx mult %u "
	       "device %#llx\n", v->name, v->pci.bus, v->pci.dev, v->pci.fn, v->pci.vendor,
	       v->pci.device, (unsigned long long)v->common, (unsigned long long)v->notify_base,
	       v->notify_mult, (unsigned long long)v->devcfg);
	return 0;
}

u8 virtio__status(const struct vdev *v)
{
	return rd8(v->common + COMMON_STATUS);
}

void virtio__set_status(struct vdev *v, u8 s)
{
	wr8(v->common + COMMON_STATUS, s);
}

/* Writing 0 resets; the device is reset once it reads back 0 (4.1.4.3.2). */
void virtio__reset(struct vdev *v)
{
	unsigned i;

	wr8(v->common + COMMON_STATUS, 0);
	for (i = 0; i < RESET_POLLS && rd8(v->common + COMMON_STATUS); i++)
		cpu_relax();
	v->ready = 0;
}

static u64 read_features(struct vdev *v)
{
	u64 f;

	mmio_write32(v->common + COMMON_DFSELECT, 0);
	f = mmio_read32(v->common + COMMON_DF);
	mmio_write32(v->common + COMMON_DFSELECT, 1);
	return f | (u64)mmio_read32(v->common + COMMON_DF) << 32;
}

int virtio__negotiate(struct vdev *v, u64 wanted, char *why, size_t whylen)
{
	virtio__reset(v);
	virtio__set_status(v, VIRTIO_ACKNOWLEDGE);
	virtio__set_status(v, VIRTIO_ACKNOWLEDGE | VIRTIO_DRIVER);
	v->offered = read_features(v);
	if (!(v->offered & (1ULL << VIRTIO_F_VERSION_1)))
		return snprintf(why, whylen, "device does not offer VIRTIO_F_VERSION_1"), -1;
	v->features = v->offered & (wanted | 1ULL << VIRTIO_F_VERSION_1);
	mmio_write32(v->common + COMMON_GFSELECT, 0);
	mmio_write32(v->common + COMMON_GF, (u32)v->features);
	mmio_write32(v->common + COMMON_GFSELECT, 1);
	mmio_write32(v->common + COMMON_GF, (u32)(v->features >> 32));
	virtio__set_status(v, VIRTIO_ACKNOWLEDGE | VIRTIO_DRIVER | VIRTIO_FEATURES_OK);
	if (!(virtio__status(v) & VIRTIO_FEATURES_OK))
		return snprintf(why, whylen, "device refused features %#llx (FEATURES_OK clear)",
				(unsigned long long)v->features), -1;
	v->num_queues = rd16(v->common + COMMON_NUMQ);
	wr16(v->common + COMMON_MSIX, NO_VECTOR);
	return 0;
}

void virtio__select_queue(struct vdev *v, unsigned q)
{
	wr16(v->common + COMMON_QSELECT, (u16)q);
}

void virtio__write_common64(struct vdev *v, u32 off, u64 val)
{
	mmio_write32(v->common + off, (u32)val);
	mmio_write32(v->common + off + 4, (u32)(val >> 32));
}

static u16 pow2_floor(u16 n)
{
	u16 p = 1;

	while ((u32)p * 2 <= n)
		p *= 2;
	return p;
}

int virtio__setup_queue(struct vdev *v, unsigned q, u16 max, char *why, size_t whylen)
{
	struct virtq *vq = &v->vq[q];
	u16 size;

	virtio__select_queue(v, q);
	size = rd16(v->common + COMMON_QSIZE);
	if (!size || q >= VDEV_MAX_QUEUES)
		return snprintf(why, whylen, "queue %u is not available", q), -1;
	size = pow2_floor(size < max ? size : max);
	if (!vq->desc) {	/* room for the largest queue, kept across resets */
		vq->desc = dma__alloc(sizeof(struct vq_desc) * VQ_MAX, 4096);
		vq->avail = dma__alloc(6 + 2 * VQ_MAX, 4096);
		vq->used = dma__alloc(6 + sizeof(struct vq_used_elem) * VQ_MAX, 4096);
	}
	vq->index = (u16)q;
	vq->size = size;
	virtq__init_rings(vq);
	wr16(v->common + COMMON_QSIZE, size);
	virtio__write_common64(v, VIRTIO_COMMON_QDESC, (u64)(uintptr_t)vq->desc);
	virtio__write_common64(v, VIRTIO_COMMON_QAVAIL, (u64)(uintptr_t)vq->avail);
	virtio__write_common64(v, VIRTIO_COMMON_QUSED, (u64)(uintptr_t)vq->used);
	wr16(v->common + COMMON_QMSIX, NO_VECTOR);
	vq->notify = v->notify_base + (u64)rd16(v->common + COMMON_QNOFF) * v->notify_mult;
	return 0;
}

int virtio__enable_queue(struct vdev *v, unsigned q)
{
	virtio__select_queue(v, q);
	wr16(v->common + COMMON_QENABLE, 1);
	return rd16(v->common + COMMON_QENABLE) == 1 ? 0 : -1;
}

int virtio__start(struct vdev *v, u64 wanted, unsigned nq, u16 qmax)
{
	char why[160];
	unsigned q;

	if (virtio__negotiate(v, wanted, why, sizeof(why)))
		goto fail;
	for (q = 0; q < nq; q++) {
		if (virtio__setup_queue(v, q, qmax, why, sizeof(why)))
			goto fail;
		if (virtio__enable_queue(v, q)) {
			snprintf(why, sizeof(why), "queue %u did not enable", q);
			goto fail;
		}
	}
	virtio__set_status(v, virtio__status(v) | VIRTIO_DRIVER_OK);
	if (virtio__status(v) & (VIRTIO_NEEDS_RESET | VIRTIO_FAILED)) {
		snprintf(why, sizeof(why), "status %#x after DRIVER_OK", virtio__status(v));
		goto fail;
	}
	v->ready = 1;
	return 0;
fail:
	virtio__set_status(v, virtio__status(v) | VIRTIO_FAILED);
	printf("%s: init failed: %s\n", v->name, why);
	return -1;
}

/* Device config reads, retried until the generation is stable (4.1.4.3.1, 2.5.1). */
#define CFG_READ(type, expr)                                                        \
	do {                                                                        \
		type val;                                                           \
		u8 gen;                                                             \
		unsigned i = 0;                                                     \
		do {                                                                \
			gen = rd8(v->common + COMMON_CFGGEN);                       \
			val = (expr);                                               \
		} while (gen != rd8(v->common + COMMON_CFGGEN) && ++i < 100);       \
		return val;                                                         \
	} while (0)

u8 virtio__cfg8(const struct vdev *v, u32 off) { CFG_READ(u8, rd8(v->devcfg + off)); }
u16 virtio__cfg16(const struct vdev *v, u32 off) { CFG_READ(u16, rd16(v->devcfg + off)); }
u32 virtio__cfg32(const struct vdev *v, u32 off) { CFG_READ(u32, mmio_read32(v->devcfg + off)); }

u64 virtio__cfg64(const struct vdev *v, u32 off)
{
	CFG_READ(u64, mmio_read32(v->devcfg + off) |
		      (u64)mmio_read32(v->devcfg + off + 4) << 32);
}
