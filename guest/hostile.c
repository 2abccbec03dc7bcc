/*
 * Test guest: hostile=KIND[,n=N], ring-3 attacks on the VMM: MMIO and port I/O floods, PCI
 * configuration abuse, interrupt storms, malformed ACPI power requests (docs/testguest.md).
 * Each prints what it did and "hostile: KIND: survived"; the VMM must still be there.
 */
#include "guest.h"
#include "virtio.h"

#define LAPIC_BASE	0xfee00000ULL
#define IOAPIC_BASE	0xfec00000ULL
#define WIN_START	0xc0000000ULL
#define WIN_END		0xfc000000ULL
#define LOW_4G		(1ULL << 32)
#define MAX_BARS	24

static u64 seed = 0x2545f4914f6cdd1dULL;
static u64 count_n;		/* n=: 0 means the mode's default */

static u64 rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static u64 n_or(u64 dflt)
{
	return count_n ? count_n : dflt;
}

/* One access of width 1, 2, 4 or 8 bytes; a read's value is dropped. */
static void mmio_poke(u64 addr, unsigned width, int write, u64 v)
{
	volatile void *p = phys(addr);

	if (width == 1 && write)
		*(volatile u8 *)p = (u8)v;
	else if (width == 1)
		(void)*(volatile u8 *)p;
	else if (width == 2 && write)
		*(volatile u16 *)p = (u16)v;
	else if (width == 2)
		(void)*(volatile u16 *)p;
	else if (width == 4 && write)
		*(volatile u32 *)p = (u32)v;
	else if (width == 4)
		(void)*(volatile u32 *)p;
	else if (write)
		*(volatile u64 *)p = v;
	else
		(void)*(volatile u64 *)p;
}

/* ---- MMIO --------------------------------------------------------------------------- */

struct bars {
	u64 addr[MAX_BARS], size[MAX_BARS];
	unsigned n;
};

/* The virtio functions' memory BARs, assigned and decoding as the driver would have them. */
static int collect_bars(struct pci_dev *d, void *arg)
{
	struct bars *b = arg;
	char why[96];

	if (d->vendor != 0x1af4 || pci__setup_bars(d, why, sizeof(why)))
		return 0;
	for (unsigned i = 0; i < PCI_NBARS && b->n < MAX_BARS; i++) {
		if (!d->bar[i] || d->bar[i] + d->bar_size[i] > LOW_4G)
			continue;
		b->addr[b->n] = d->bar[i];
		b->size[b->n++] = d->bar_size[i];
	}
	return 0;
}

static int in_bar(const struct bars *b, u64 a)
{
	for (unsigned i = 0; i < b->n; i++)
		if (a + 8 > b->addr[i] && a < b->addr[i] + b->size[i])
			return 1;
	return 0;
}

/* Below 4 GiB, not RAM, not a BAR, not the LAPIC or IOAPIC (the irq mode's targets). */
static u64 unassigned(const struct bars *b, int in_window)
{
	static const u64 outside[][2] = {
		{ WIN_END, IOAPIC_BASE }, { 0xfed00000ULL, LAPIC_BASE }, { 0xfef00000ULL, LOW_4G - 8 },
		{ 0x80000000ULL, WIN_START },
	};
	u64 a;

	for (;;) {
		if (in_window) {
			a = WIN_START + rnd() % (WIN_END - WIN_START - 8);
		} else {
			const u64 *r = outside[rnd() % ARRAY_SIZE(outside)];

			a = r[0] + rnd() % (r[1] - r[0]);
		}
		if (!in_bar(b, a) && !bootinfo__is_ram(bootinfo, a, 8))
			return a;
	}
}

static int mode_mmio(void)
{
	static const unsigned widths[] = { 1, 2, 4, 8 };
	struct bars b = { .n = 0 };
	u64 n = n_or(3000), i, a;

	pci__scan(collect_bars, &b);
	printf("hostile: mmio: %u virtio BARs, %llu accesses to each of: BARs, window, outside\n",
	       b.n, (unsigned long long)n);
	for (i = 0; b.n && i < n; i++) {
		unsigned k = rnd() % b.n;

		/* Up to 64 bytes past the BAR's end too. */
		a = b.addr[k] + rnd() % (b.size[k] + 64);
		mmio_poke(a & ~7ULL, widths[i & 3], (i >> 2) & 1, rnd());
	}
	for (i = 0; i < n; i++)
		mmio_poke(unassigned(&b, 1), widths[i & 3], (i >> 2) & 1, rnd());
	for (i = 0; i < n; i++)
		mmio_poke(unassigned(&b, 0), widths[i & 3], (i >> 2) & 1, rnd());
	return 0;
}

/* ---- port I/O ------------------------------------------------------------------------ */

/* Ports not written: debug-exit, COM1 (our output), resets, PCI config, ACPI sleep/reset. */
static int reserved_port(u32 p, const struct acpi_power_regs *r)
{
	return (p >= DEBUG_EXIT_PORT && p < DEBUG_EXIT_PORT + 4) || (p >= 0x3f8 && p <= 0x3ff) ||
	       p == 0x60 || p == 0x64 || p == 0x92 || (p >= 0xcf8 && p <= 0xcff) ||
	       (r->pm1a_cnt && p >= r->pm1a_cnt && p < r->pm1a_cnt + 2u) ||
	       (r->pm1b_cnt && p >= r->pm1b_cnt && p < r->pm1b_cnt + 2u) ||
	       (r->reset_port && p == r->reset_port);
}

static int writable(u32 port, unsigned width, const struct acpi_power_regs *r)
{
	for (unsigned i = 0; i < width; i++)
		if (reserved_port(port + i, r))
			return 0;
	return 1;
}

static void port_access(u16 port, unsigned width, int write, u32 v)
{
	if (width == 1 && write)
		outb(port, (u8)v);
	else if (width == 1)
		(void)inb(port);
	else if (width == 2 && write)
		outw(port, (u16)v);
	else if (width == 2)
		(void)inw(port);
	else if (write)
		outl(port, v);
	else
		(void)inl(port);
}

static int mode_pio(void)
{
	struct acpi_power_regs r;
	u64 n = n_or(0x10000), writes = 0, reads = 0;

	acpi__power_regs(acpi__find_rsdp(bootinfo), &r);
	for (u32 port = 0; port < n && port <= 0xffff; port++) {
		for (unsigned width = 1; width <= 4; width <<= 1) {
			/* The TSS bitmap ends at 0xffff: ring 3 cannot reach past it. */
			if (port + width > 0x10000)
				continue;
			port_access((u16)port, width, 0, 0);
			reads++;
			if (!writable(port, width, &r))
				continue;
			port_access((u16)port, width, 1, (port & 1) ? ~0u : (u32)rnd());
			writes++;
		}
	}
	printf("hostile: pio: %llu reads, %llu writes over ports 0-%#llx (widths 1, 2, 4)\n",
	       (unsigned long long)reads, (unsigned long long)writes,
	       (unsigned long long)((n > 0x10000 ? 0x10000 : n) - 1));
	return 0;
}

/* ---- PCI configuration space ---------------------------------------------------------- */

/* Any bus, device and function, including ones pci__scan never visits. */
static u32 cfg_read(u32 bus, u32 dev, u32 fn, u32 off)
{
	struct pci_dev d = {.bus = (u8)bus, .dev = (u8)dev, .fn = (u8)fn};

	return pci__read32(&d, (u8)off);
}

static void cfg_write(u32 bus, u32 dev, u32 fn, u32 off, u32 v)
{
	struct pci_dev d = {.bus = (u8)bus, .dev = (u8)dev, .fn = (u8)fn};

	pci__write32(&d, (u8)off, v);
}

#define SAVE_MAX 32
static u32 saved[SAVE_MAX][64];
static u8 saved_at[SAVE_MAX][2];	/* dev, fn */
static unsigned nsaved;

static void save_bus0(void)
{
	for (u32 dev = 0; dev < 32; dev++)
		for (u32 fn = 0; fn < 8 && nsaved < SAVE_MAX; fn++) {
			if ((cfg_read(0, dev, fn, 0) & 0xffff) == 0xffff)
				continue;
			for (u32 r = 0; r < 64; r++)
				saved[nsaved][r] = cfg_read(0, dev, fn, r * 4);
			saved_at[nsaved][0] = (u8)dev;
			saved_at[nsaved++][1] = (u8)fn;
		}
}

/* Decode off, the header back (BARs included), then the command register last. */
static void restore_bus0(void)
{
	for (unsigned i = 0; i < nsaved; i++) {
		u32 dev = saved_at[i][0], fn = saved_at[i][1];

		cfg_write(0, dev, fn, 0x04, 0);
		for (u32 r = 2; r < 64; r++)
			cfg_write(0, dev, fn, r * 4, saved[i][r]);
		cfg_write(0, dev, fn, 0x04, saved[i][1] & 0xffff);
	}
}

/* Every register of every function: all ones, read back, a random value, read back. */
static u64 abuse_registers(void)
{
	u64 n = 0;

	for (u32 dev = 0; dev < 32; dev++)
		for (u32 fn = 0; fn < 8; fn++) {
			int present = (cfg_read(0, dev, fn, 0) & 0xffff) != 0xffff;

			for (u32 r = 0; r < (present ? 64u : 4u); r++) {
				cfg_write(0, dev, fn, r * 4, ~0u);
				(void)cfg_read(0, dev, fn, r * 4);
				cfg_write(0, dev, fn, r * 4, (u32)rnd());
				(void)cfg_read(0, dev, fn, r * 4);
				n += 4;
			}
		}
	return n;
}

static u8 ram_target[1 << 16] __attribute__((aligned(1 << 16)));

/*
 * Each virtio function's BAR 0 moved onto our own RAM (decode on), then every one onto the
 * same window address. RAM must stay RAM; the overlaps must not take the VMM down.
 */
static int overlap_bars(void)
{
	u64 ram = (u64)(uintptr_t)ram_target;
	int intact = 1;

	memset(ram_target, 0x5a, sizeof(ram_target));
	for (unsigned i = 0; i < nsaved; i++) {
		u32 dev = saved_at[i][0], fn = saved_at[i][1];

		if ((saved[i][0] & 0xffff) != 0x1af4)
			continue;
		cfg_write(0, dev, fn, 0x04, 0);
		cfg_write(0, dev, fn, 0x10, (u32)ram);
		cfg_write(0, dev, fn, 0x14, 0);
		cfg_write(0, dev, fn, 0x04, PCI_CMD_MEM | PCI_CMD_MASTER);
		mmio_poke(ram, 4, 0, 0);
		cfg_write(0, dev, fn, 0x10, (u32)WIN_START);	/* all on one address */
		mmio_poke(WIN_START, 4, 1, rnd());
		mmio_poke(WIN_START + 0x14, 1, 1, 0);		/* a device_status reset, maybe */
	}
	for (unsigned i = 0; i < sizeof(ram_target); i++)
		intact &= ram_target[i] == 0x5a;
	return intact;
}

/* Buses beyond 0, and addresses with the reserved and extended-register bits set. */
static u64 other_buses(void)
{
	static const u32 buses[] = { 1, 2, 128, 255 };
	u64 n = 0;

	for (unsigned b = 0; b < ARRAY_SIZE(buses); b++)
		for (u32 dev = 0; dev < 32; dev++) {
			if ((cfg_read(buses[b], dev, 0, 0) & 0xffff) != 0xffff)
				printf("hostile: pci: bus %u dev %u answers\n", buses[b], dev);
			cfg_write(buses[b], dev, 0, 0x04, ~0u);
			cfg_write(buses[b], dev, 0, 0x10, ~0u);
			n += 3;
		}
	for (u32 i = 0; i < 64; i++) {
		outl(0xcf8, 0x80000000u | ((u32)rnd() & 0x7f000003u));
		outl(0xcfc, ~0u);
		outl(0xcf8, (u32)rnd() & 0x7fffffffu);	/* enable bit clear */
		outl(0xcfc, (u32)rnd());
		(void)inl(0xcfc + (i & 3));
		n += 3;
	}
	return n;
}

static int mode_pci(void)
{
	u64 n;
	int intact;

	save_bus0();
	n = abuse_registers();
	intact = overlap_bars();
	n += other_buses();
	restore_bus0();
	printf("hostile: pci: %u functions, %llu config accesses, BARs over RAM and each other; "
	       "RAM under a BAR %s\n", nsaved, (unsigned long long)n, intact ? "intact" : "CHANGED");
	return intact ? 0 : -1;
}

/* ---- interrupt storms ------------------------------------------------------------------ */

static void lapic_write(u32 reg, u32 v)
{
	mmio_write32(LAPIC_BASE + reg, v);
}

static void ioapic_write(u32 index, u32 v)
{
	mmio_write32(IOAPIC_BASE, index);
	mmio_write32(IOAPIC_BASE + 0x10, v);
}

/*
 * Interrupts stay off in the guest (RFLAGS.IF = 0): the host raises and holds them pending,
 * which is the work a storm makes it do. Fixed-mode vectors only: an NMI, INIT or SIPI would
 * stop or restart the APs' trampoline.
 */
static int mode_irq(void)
{
	u64 n = n_or(20000), i;

	lapic_write(0xf0, 0x1ff);				/* SVR: enabled, spurious 0xff */
	for (i = 0; i < n; i++) {
		u32 vec = 0x20 + (u32)(i % 0xe0);

		lapic_write(0x310, 0);
		lapic_write(0x300, (i & 1 ? 3u : 1u) << 18 | vec);	/* others / self */
	}
	lapic_write(0x3e0, 0xb);				/* divide by 1 */
	lapic_write(0x320, 1u << 17 | 0x40);			/* periodic, vector 0x40 */
	lapic_write(0x380, 1);					/* the shortest period */
	outb(0x43, 0x34);					/* PIT ch0, lo/hi, rate generator */
	outb(0x40, 1);
	outb(0x40, 0);						/* divisor 1: 1.19 MHz */
	outb(0x21, 0xfe);					/* PIC: IRQ0 unmasked */
	ioapic_write(0x10 + 2 * 2, 0x41);			/* IOAPIC pin 2 (PIT), unmasked */
	tsc__delay_us(n_or(20000) * 25);
	lapic_write(0x320, 1u << 16);				/* masked */
	lapic_write(0x380, 0);
	outb(0x43, 0x30);					/* ch0 mode 0: one shot, then quiet */
	outb(0x40, 0xff);
	outb(0x40, 0xff);
	outb(0x21, 0xff);
	ioapic_write(0x10 + 2 * 2, 1u << 16);
	printf("hostile: irq: %llu IPIs (self and all-but-self), LAPIC timer and PIT at their "
	       "fastest for %llu ms\n", (unsigned long long)n, (unsigned long long)(n * 25 / 1000));
	return 0;
}

/* ---- malformed ACPI power requests ---------------------------------------------------- */

static u64 bad_sleeps(const struct acpi_power_regs *r)
{
	u64 n = 0;
	u16 keep;

	if (!r->pm1a_cnt)
		return 0;
	keep = inw(r->pm1a_cnt) & 1;
	for (u32 typ = 0; typ < 8; typ++) {
		if (r->have_s5 && typ == (r->s5_typ & 7))
			continue;
		outw(r->pm1a_cnt, keep | typ << 10 | 1 << 13);		/* SLP_EN, wrong type */
		outb(r->pm1a_cnt + 1, (u8)(typ << 2 | 1 << 5));		/* the high byte alone */
		outw(r->pm1a_cnt, keep | typ << 10);			/* the type, no SLP_EN */
		n += 3;
	}
	/* S5's type written, SLP_EN in a later write that changes the type again. */
	if (r->have_s5) {
		outw(r->pm1a_cnt, keep | (r->s5_typ & 7) << 10);
		outb(r->pm1a_cnt + 1, (u8)(((r->s5_typ + 1) & 7) << 2 | 1 << 5));
		n += 2;
	}
	outw(r->pm1a_cnt, keep);
	return n;
}

static u64 bad_resets(const struct acpi_power_regs *r)
{
	u64 n = 0;

	for (u32 v = 0; r->reset_port && v < 0x100; v++) {
		if (v == r->reset_value)
			continue;
		outb(r->reset_port, (u8)v);
		n++;
	}
	if (r->reset_port && r->reset_value != 0) {
		outw(r->reset_port, (u16)(r->reset_value << 8));	/* value in the wrong byte */
		n++;
	}
	/* 0xcf9 without RST_CPU (bit 2), and i8042 commands short of the reset pulses. */
	for (u32 v = 0; v < 0x100; v++) {
		if (!(v & 4)) {
			outb(0xcf9, (u8)v);
			n++;
		}
		if (v != 0xd1 && v < 0xf0) {
			outb(0x64, (u8)v);
			(void)inb(0x60);
			n++;
		}
	}
	return n;
}

static int mode_acpi(void)
{
	struct acpi_power_regs r;
	u64 n;

	acpi__power_regs(acpi__find_rsdp(bootinfo), &r);
	if (r.pm1a_evt) {
		outl(r.pm1a_evt, ~0u);		/* clear every status bit, enable every event */
		outl(r.pm1a_evt, 0);
	}
	n = bad_sleeps(&r) + bad_resets(&r);
	printf("hostile: acpi: PM1a_CNT %#x (S5 type %u%s), RESET_REG %#x (value %#x): %llu bad "
	       "requests\n", r.pm1a_cnt, r.s5_typ, r.have_s5 ? "" : ", none found", r.reset_port,
	       r.reset_value, (unsigned long long)n);
	return 0;
}

/* ---- the word ------------------------------------------------------------------------ */

static const struct {
	const char *name;
	int (*fn)(void);
} modes[] = {
	{ "mmio", mode_mmio }, { "pio", mode_pio }, { "pci", mode_pci }, { "irq", mode_irq },
	{ "acpi", mode_acpi },
};

/* KIND or KIND,n=N (N 1..10^7). */
int hostile__run(const char *arg, int run)
{
	size_t len = 0;
	u64 n = 0;

	while (arg[len] && arg[len] != ',')
		len++;
	if (arg[len] && (strncmp(arg + len, ",n=", 3) || parse_u64(arg + len + 3, &n) || !n ||
			 n > 10000000))
		return -1;
	for (unsigned i = 0; i < ARRAY_SIZE(modes); i++) {
		if (strlen(modes[i].name) != len || strncmp(arg, modes[i].name, len))
			continue;
		if (!run)
			return 0;
		count_n = n;
		if (modes[i].fn())
			return printf("hostile: %s: FAIL\n", modes[i].name), -1;
		printf("hostile: %s: survived\n", modes[i].name);
		return 0;
	}
	return -1;
}
