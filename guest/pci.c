/*
 * Test guest: PCI configuration space on bus 0 through ports 0xcf8/0xcfc (ring 3, the TSS
 * I/O bitmap allows it), BAR sizing, and BAR assignment where the firmware left none.
 */
#include "virtio.h"

#define PCI_ADDR_PORT	0xcf8
#define PCI_DATA_PORT	0xcfc
#define PCI_BAR0	0x10
#define PCI_HEADER_TYPE	0x0e
#define PCI_CMD_IO	0x0001
/* The memory window nestvisor's firmware role hands out (src/boot/layout.h). */
#define PCI_WINDOW_START 0xc0000000ULL
#define PCI_WINDOW_END	0xfc000000ULL
#define LOW_4G		(1ULL << 32)

int pci_reassign;
static u64 window_next;		/* 0: not computed yet */

static void select_reg(const struct pci_dev *d, u8 off)
{
	outl(PCI_ADDR_PORT, 0x80000000u | (u32)d->bus << 16 | (u32)d->dev << 11 |
	     (u32)d->fn << 8 | (off & 0xfc));
}

u32 pci__read32(const struct pci_dev *d, u8 off)
{
	select_reg(d, off);
	return inl(PCI_DATA_PORT);
}

u16 pci__read16(const struct pci_dev *d, u8 off)
{
	select_reg(d, off);
	return inw(PCI_DATA_PORT + (off & 2));
}

u8 pci__read8(const struct pci_dev *d, u8 off)
{
	select_reg(d, off);
	return inb(PCI_DATA_PORT + (off & 3));
}

void pci__write32(const struct pci_dev *d, u8 off, u32 v)
{
	select_reg(d, off);
	outl(PCI_DATA_PORT, v);
}

void pci__write16(const struct pci_dev *d, u8 off, u16 v)
{
	select_reg(d, off);
	outw(PCI_DATA_PORT + (off & 2), v);
}

int pci__scan(int (*fn)(struct pci_dev *d, void *arg), void *arg)
{
	struct pci_dev d;
	unsigned dev, f, nfn;
	int r;

	for (dev = 0; dev < 32; dev++) {
		for (f = 0, nfn = 1; f < nfn; f++) {
			d = (struct pci_dev){ .bus = 0, .dev = (u8)dev, .fn = (u8)f };
			d.vendor = pci__read16(&d, 0);
			if (d.vendor == 0xffff || d.vendor == 0)
				continue;
			d.device = pci__read16(&d, 2);
			if (f == 0 && (pci__read8(&d, PCI_HEADER_TYPE) & 0x80))
				nfn = 8;
			r = fn(&d, arg);
			if (r)
				return r;
		}
	}
	return 0;
}

/*
 * Sizes BAR i (decode must be off): the bits that stay 0 after writing all ones. Returns
 * the number of BAR slots it uses (2 for a 64-bit BAR), 0 for an I/O BAR or none.
 */
static unsigned size_bar(struct pci_dev *d, unsigned i)
{
	u8 off = PCI_BAR0 + 4 * i;
	u32 lo = pci__read32(d, off), hi = 0, mlo, mhi = 0xffffffff;
	int is64 = (lo & 0x7) == 0x4 && i + 1 < PCI_NBARS;
	u64 mask;

	if (lo & 1)
		return 1;
	pci__write32(d, off, 0xffffffff);
	mlo = pci__read32(d, off);
	pci__write32(d, off, lo);
	if (is64) {
		hi = pci__read32(d, off + 4);
		pci__write32(d, off + 4, 0xffffffff);
		mhi = pci__read32(d, off + 4);
		pci__write32(d, off + 4, hi);
	}
	mask = (u64)mhi << 32 | (mlo & ~0xfu);
	d->bar[i] = ((u64)hi << 32 | (lo & ~0xfu));
	d->bar_size[i] = (mlo & ~0xfu) ? ~mask + 1 : 0;
	d->bar64[i] = (u8)is64;
	return is64 ? 2 : 1;
}

static void size_bars(struct pci_dev *d)
{
	u16 cmd = pci__read16(d, PCI_CMD);
	unsigned i;

	pci__write16(d, PCI_CMD, cmd & ~(PCI_CMD_MEM | PCI_CMD_IO));
	for (i = 0; i < PCI_NBARS;)
		i += size_bar(d, i);
	pci__write16(d, PCI_CMD, cmd);
}

/* Raises window_next past every memory BAR in the window that another function decodes. */
static int note_window_use(struct pci_dev *d, void *arg)
{
	u64 end;
	unsigned i;

	size_bars(d);
	for (i = 0; i < PCI_NBARS; i++) {
		end = d->bar[i] + d->bar_size[i];
		if (d->bar_size[i] && d->bar[i] >= PCI_WINDOW_START && d->bar[i] < PCI_WINDOW_END &&
		    end > window_next)
			window_next = end;
	}
	return 0;
}

static u64 window_alloc(u64 size)
{
	u64 base;

	if (!window_next) {
		window_next = PCI_WINDOW_START;
		pci__scan(note_window_use, NULL);
	}
	base = (window_next + size - 1) & ~(size - 1);
	if (base + size > PCI_WINDOW_END || base + size < base)
		return 0;
	window_next = base + size;
	return base;
}

static int assign_bar(struct pci_dev *d, unsigned i)
{
	u64 base = window_alloc(d->bar_size[i]);
	u8 off = PCI_BAR0 + 4 * i;

	if (!base)
		return -1;
	pci__write32(d, off, (u32)base | (pci__read32(d, off) & 0xf));
	if (d->bar64[i])
		pci__write32(d, off + 4, 0);
	d->bar[i] = base;
	return 0;
}

int pci__setup_bars(struct pci_dev *d, char *why, size_t whylen)
{
	u16 cmd = pci__read16(d, PCI_CMD);
	unsigned i;

	pci__write16(d, PCI_CMD, cmd & ~(PCI_CMD_MEM | PCI_CMD_IO));
	for (i = 0; i < PCI_NBARS;)
		i += size_bar(d, i);
	for (i = 0; i < PCI_NBARS; i++) {
		if (!d->bar_size[i] || (d->bar[i] && !pci_reassign))
			continue;
		if (assign_bar(d, i)) {
			snprintf(why, whylen, "no room for BAR%u (%#llx bytes) in the PCI window",
				 i, (unsigned long long)d->bar_size[i]);
			pci__write16(d, PCI_CMD, cmd);
			return -1;
		}
	}
	pci__write16(d, PCI_CMD, cmd | PCI_CMD_MEM | PCI_CMD_MASTER);
	for (i = 0; i < PCI_NBARS; i++) {
		if (d->bar_size[i] && d->bar[i] + d->bar_size[i] > LOW_4G &&
		    paging__map_mmio(d->bar[i], d->bar_size[i])) {
			snprintf(why, whylen, "cannot map BAR%u at %#llx", i,
				 (unsigned long long)d->bar[i]);
			return -1;
		}
	}
	return 0;
}
