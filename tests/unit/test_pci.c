/*
 * Unit tests for PCI mechanism #1 (host bridge, absent functions, BAR sizing, capabilities)
 * and the memory window (BAR placement, accesses decoded to the BAR that holds them).
 */
#include <errno.h>
#include <stdlib.h>

#include "boot/layout.h"
#include "device_fakes.h"
#include "devices/pci.h"
#include "tap.h"

struct fake_pci {
	struct pci_device pdev;
	unsigned writes, reads;
	u32 last_offset, last_len;
	unsigned bar_accesses;
	unsigned last_bar;
	u64 last_bar_offset;
	u32 last_bar_len;
	bool last_bar_write;
	u8 last_bar_data[8];
};

static void fake_config_write(struct pci_device *dev, u32 offset, u32 len)
{
	struct fake_pci *f = container_of(dev, struct fake_pci, pdev);

	f->writes++;
	f->last_offset = offset;
	f->last_len = len;
}

static void fake_config_read(struct pci_device *dev, u32 offset, u32 len)
{
	struct fake_pci *f = container_of(dev, struct fake_pci, pdev);

	f->reads++;
	dev->config[0x44] = f->reads;	/* a "live" register */
}

/* Records the access; reads return the low byte of the offset in every byte. */
static void fake_bar_access(struct pci_device *dev, unsigned bar, u64 offset, u8 *data, u32 len,
			    bool is_write)
{
	struct fake_pci *f = container_of(dev, struct fake_pci, pdev);

	f->bar_accesses++;
	f->last_bar = bar;
	f->last_bar_offset = offset;
	f->last_bar_len = len;
	f->last_bar_write = is_write;
	if (is_write)
		memcpy(f->last_bar_data, data, len);
	else
		memset(data, (u8)offset, len);
}

static const struct pci_device_ops fake_ops = {
	.config_write = fake_config_write,
	.config_read = fake_config_read,
	.bar_access = fake_bar_access,
};

static struct bus bus, mmio;
static struct pci_bus pci;

static void setup(void)
{
	bus__init(&bus, "pio");
	bus__init(&mmio, "mmio");
	if (pci__init(&pci, &bus, &mmio))
		abort();
}

static void teardown(void)
{
	pci__exit(&pci);
}

static u32 cfg_addr(unsigned bus_nr, unsigned slot, unsigned fn, unsigned reg)
{
	return 0x80000000u | bus_nr << 16 | slot << 11 | fn << 8 | (reg & 0xfc);
}

/* Like Linux's pci_conf1_read(): address, then the data port at reg & 3. */
static u32 cfg_read(unsigned slot, unsigned reg, u32 len)
{
	pio_out(&bus, PCI_CONFIG_ADDR_PORT, cfg_addr(0, slot, 0, reg), 4);
	return pio_in(&bus, PCI_CONFIG_DATA_PORT + (reg & 3), len);
}

static void cfg_write(unsigned slot, unsigned reg, u32 val, u32 len)
{
	pio_out(&bus, PCI_CONFIG_ADDR_PORT, cfg_addr(0, slot, 0, reg), 4);
	pio_out(&bus, PCI_CONFIG_DATA_PORT + (reg & 3), val, len);
}

static void test_host_bridge(void)
{
	setup();
	CHECK_EQ(cfg_read(0, PCI_VENDOR_ID, 4), 0x00081b36);
	CHECK_EQ(cfg_read(0, PCI_CLASS_PROG - 1, 4), 0x06000000);
	CHECK_EQ(cfg_read(0, 0x0a, 2), 0x0600);		/* what pci_sanity_check looks for */
	CHECK_EQ(cfg_read(0, PCI_HEADER_TYPE, 1), 0);
	for (unsigned bar = 0; bar < 6; bar++) {
		cfg_write(0, PCI_BAR(bar), 0xffffffff, 4);
		CHECK_EQ(cfg_read(0, PCI_BAR(bar), 4), 0);	/* no BARs */
	}
	cfg_write(0, PCI_VENDOR_ID, 0x12345678, 4);		/* read-only */
	CHECK_EQ(cfg_read(0, PCI_VENDOR_ID, 4), 0x00081b36);
	teardown();
}

static void test_byte_and_word_reads(void)
{
	setup();
	pio_out(&bus, PCI_CONFIG_ADDR_PORT, cfg_addr(0, 0, 0, 0), 4);
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_DATA_PORT, 1), 0x36);
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_DATA_PORT + 1, 1), 0x1b);
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_DATA_PORT + 2, 1), 0x08);
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_DATA_PORT + 3, 1), 0x00);
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_DATA_PORT, 2), 0x1b36);
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_DATA_PORT + 2, 2), 0x0008);
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_DATA_PORT + 1, 2), 0x081b);
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_DATA_PORT + 2, 4), 0xffffffff);	/* past 0xcff: unclaimed */
	teardown();
}

static void test_absent(void)
{
	setup();
	CHECK_EQ(cfg_read(5, 0, 4), 0xffffffff);
	CHECK_EQ(cfg_read(5, 0, 2), 0xffff);
	pio_out(&bus, PCI_CONFIG_ADDR_PORT, cfg_addr(0, 0, 1, 0), 4);	/* function 1 */
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_DATA_PORT, 4), 0xffffffff);
	pio_out(&bus, PCI_CONFIG_ADDR_PORT, cfg_addr(1, 0, 0, 0), 4);	/* bus 1 */
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_DATA_PORT, 4), 0xffffffff);
	pio_out(&bus, PCI_CONFIG_ADDR_PORT, 0, 4);			/* enable bit clear */
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_DATA_PORT, 4), 0xffffffff);
	pio_out(&bus, PCI_CONFIG_ADDR_PORT, cfg_addr(0, 0, 0, 0) | 0x01000000, 4);	/* register 0x100 */
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_DATA_PORT, 4), 0xffffffff);
	pio_out(&bus, PCI_CONFIG_DATA_PORT, 0, 4);			/* and writes go nowhere */
	CHECK_EQ(cfg_read(0, 0, 4), 0x00081b36);
	teardown();
}

static void test_address_register(void)
{
	setup();
	/* Linux's pci_check_type1(). */
	pio_out(&bus, 0xcfb, 0x01, 1);
	pio_out(&bus, PCI_CONFIG_ADDR_PORT, 0x80000000, 4);
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_ADDR_PORT, 4), 0x80000000);
	pio_out(&bus, PCI_CONFIG_ADDR_PORT, 0xffffffff, 4);
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_ADDR_PORT, 4), 0x8ffffffc);
	pio_out(&bus, PCI_CONFIG_ADDR_PORT, 0x12, 1);			/* not a dword: not the latch */
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_ADDR_PORT, 4), 0x8ffffffc);
	CHECK_EQ(pio_in(&bus, PCI_CONFIG_ADDR_PORT, 2), 0xffff);
	teardown();
}

static void test_bar_sizing(void)
{
	struct fake_pci f;

	setup();
	memset(&f, 0, sizeof(f));
	pci_device__init(&f.pdev, "fake", 0x1af4, 0x1041, 0x010000, &fake_ops);
	CHECK_EQ(pci_device__set_bar(&f.pdev, 0, PCI_BAR_MEM32, 4096, false), 0);
	CHECK_EQ(pci_device__set_bar(&f.pdev, 1, PCI_BAR_IO, 32, false), 0);
	CHECK_EQ(pci_device__set_bar(&f.pdev, 2, PCI_BAR_MEM64, 16384, true), 0);
	CHECK_EQ(pci_device__set_bar(&f.pdev, 3, PCI_BAR_MEM32, 4096, false), -EINVAL);	/* upper half */
	CHECK_EQ(pci_device__set_bar(&f.pdev, 5, PCI_BAR_MEM64, 4096, false), -EINVAL);
	CHECK_EQ(pci_device__set_bar(&f.pdev, 4, PCI_BAR_MEM32, 3000, false), -EINVAL);
	CHECK_EQ(pci_device__set_bar(&f.pdev, 0, PCI_BAR_MEM32, 4096, false), -EINVAL);	/* taken */
	CHECK_EQ(pci__register(&pci, &f.pdev, 3), 0);
	CHECK_EQ(f.pdev.devfn, 3 << 3);
	for (unsigned bar = 0; bar < 6; bar++)
		cfg_write(3, PCI_BAR(bar), 0xffffffff, 4);
	CHECK_EQ(cfg_read(3, PCI_BAR(0), 4), 0xfffff000);
	CHECK_EQ(cfg_read(3, PCI_BAR(1), 4), 0xffffffe1);
	CHECK_EQ(cfg_read(3, PCI_BAR(2), 4), 0xffffc00c);
	CHECK_EQ(cfg_read(3, PCI_BAR(3), 4), 0xffffffff);
	CHECK_EQ(cfg_read(3, PCI_BAR(4), 4), 0);
	CHECK_EQ(cfg_read(3, PCI_BAR(5), 4), 0);
	CHECK_EQ(f.writes, 6);
	CHECK_EQ(f.last_offset, PCI_BAR(5));
	CHECK_EQ(f.last_len, 4);
	/* Program them, then enable decoding. */
	cfg_write(3, PCI_BAR(0), 0xe0001234, 4);
	cfg_write(3, PCI_BAR(1), 0xc040, 4);
	cfg_write(3, PCI_BAR(2), 0, 4);
	cfg_write(3, PCI_BAR(3), 0x1, 4);
	CHECK_EQ(pci_device__bar_address(&f.pdev, 0), 0xe0001000);
	CHECK_EQ(pci_device__bar_address(&f.pdev, 1), 0xc040);
	CHECK_EQ(pci_device__bar_address(&f.pdev, 2), 0x100000000ULL);
	CHECK_EQ(pci_device__bar_address(&f.pdev, 3), 0);
	CHECK(pci_device__bar_enabled(&f.pdev, 0));	/* placed and decoding, as firmware leaves it */
	CHECK(!pci_device__bar_enabled(&f.pdev, 1));	/* I/O BARs are not placed */
	cfg_write(3, PCI_COMMAND, 0x0000, 2);
	CHECK(!pci_device__bar_enabled(&f.pdev, 0));
	cfg_write(3, PCI_COMMAND, 0x0003, 2);
	CHECK(pci_device__bar_enabled(&f.pdev, 0));
	CHECK(pci_device__bar_enabled(&f.pdev, 1));
	CHECK(!pci_device__bar_enabled(&f.pdev, 4));
	CHECK_EQ(cfg_read(3, PCI_COMMAND, 2), 0x0003);
	teardown();
}

static void test_large_bar64(void)
{
	struct fake_pci f, g;

	setup();
	pci_device__init(&f.pdev, "big", 0x1af4, 0x1041, 0x020000, NULL);
	CHECK_EQ(pci_device__set_bar(&f.pdev, 0, PCI_BAR_MEM64, 8 * GiB, true), 0);
	CHECK_EQ(pci__register(&pci, &f.pdev, -1), -ENOSPC);	/* larger than the window */
	CHECK_EQ(pci_device__bar_address(&f.pdev, 0), 0);
	pci_device__init(&g.pdev, "half", 0x1af4, 0x1041, 0x020000, NULL);
	CHECK_EQ(pci_device__set_bar(&g.pdev, 0, PCI_BAR_MEM64, 512 * MiB, true), 0);
	CHECK_EQ(pci__register(&pci, &g.pdev, -1), 0);
	CHECK_EQ(g.pdev.devfn, 1 << 3);
	CHECK_EQ(pci_device__bar_address(&g.pdev, 0), 0xc0000000);	/* the one 512 MiB-aligned place */
	cfg_write(1, PCI_BAR(0), 0xffffffff, 4);
	cfg_write(1, PCI_BAR(1), 0xffffffff, 4);
	CHECK_EQ(cfg_read(1, PCI_BAR(0), 4), 0xe000000c);	/* size bits */
	CHECK_EQ(cfg_read(1, PCI_BAR(1), 4), 0xffffffff);
	teardown();
}

/* Firmware-like placement: naturally aligned, inside the window, clear of each other. */
static void test_bar_placement(void)
{
	static struct fake_pci devs[4];
	static const u64 sizes[4] = { 16 * KiB, 1 * MiB, 4 * KiB, 64 * MiB };
	u64 lo[8], hi[8];
	unsigned n = 0;

	setup();
	for (unsigned i = 0; i < 4; i++) {
		pci_device__init(&devs[i].pdev, "fake", 0x1af4, 0x1041, 0x010000, &fake_ops);
		CHECK_EQ(pci_device__set_bar(&devs[i].pdev, 0, PCI_BAR_MEM32, sizes[i], false), 0);
		CHECK_EQ(pci_device__set_bar(&devs[i].pdev, 4, PCI_BAR_MEM64, sizes[3 - i], false), 0);
		CHECK_EQ(pci__register(&pci, &devs[i].pdev, -1), 0);
		CHECK(cfg_read(i + 1, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY);
		for (unsigned b = 0; b < 6; b += 4) {
			u64 a = pci_device__bar_address(&devs[i].pdev, b), sz = devs[i].pdev.bar_size[b];

			CHECK(a >= PCI_MMIO_START && a + sz <= PCI_MMIO_END);
			CHECK_EQ(a & (sz - 1), 0);
			lo[n] = a;
			hi[n++] = a + sz;
		}
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++)
			CHECK(hi[i] <= lo[j] || hi[j] <= lo[i]);
	/* Unregistering frees its space for the next device. */
	pci__unregister(&pci, &devs[3].pdev);
	CHECK_EQ(pci__register(&pci, &devs[3].pdev, -1), 0);
	teardown();
}

static void test_window_full(void)
{
	static struct fake_pci devs[4], mixed;

	setup();
	for (unsigned i = 0; i < 4; i++) {
		pci_device__init(&devs[i].pdev, "fake", 0x1af4, 0x1041, 0x010000, &fake_ops);
		CHECK_EQ(pci_device__set_bar(&devs[i].pdev, 0, PCI_BAR_MEM32, 256 * MiB, false), 0);
		/* 960 MiB hold three 256 MiB BARs */
		CHECK_EQ(pci__register(&pci, &devs[i].pdev, -1), i < 3 ? 0 : -ENOSPC);
	}
	CHECK_EQ(pci_device__bar_address(&devs[2].pdev, 0), 0xe0000000);
	/* The big BAR goes first, fails, and leaves the small one unplaced too. */
	pci_device__init(&mixed.pdev, "fake", 0x1af4, 0x1041, 0x010000, &fake_ops);
	CHECK_EQ(pci_device__set_bar(&mixed.pdev, 0, PCI_BAR_MEM32, 4 * KiB, false), 0);
	CHECK_EQ(pci_device__set_bar(&mixed.pdev, 2, PCI_BAR_MEM32, 256 * MiB, false), 0);
	CHECK_EQ(pci__register(&pci, &mixed.pdev, -1), -ENOSPC);
	CHECK_EQ(pci_device__bar_address(&mixed.pdev, 0), 0);
	CHECK_EQ(pci_device__bar_address(&mixed.pdev, 2), 0);
	teardown();
}

static u64 mmio_read(u64 addr, u32 len)
{
	u64 v = 0;

	bus__access(&mmio, addr, (u8 *)&v, len, false);
	return v;
}

static void test_window_access(void)
{
	struct fake_pci f;
	u64 base, v = 0x1122334455667788ULL;

	setup();
	memset(&f, 0, sizeof(f));
	pci_device__init(&f.pdev, "fake", 0x1af4, 0x1041, 0x010000, &fake_ops);
	CHECK_EQ(pci_device__set_bar(&f.pdev, 4, PCI_BAR_MEM64, 16 * KiB, false), 0);
	CHECK_EQ(pci__register(&pci, &f.pdev, 2), 0);
	base = pci_device__bar_address(&f.pdev, 4);
	CHECK_EQ(mmio_read(base + 0x123, 1), 0x23);
	CHECK_EQ(f.last_bar, 4);
	CHECK_EQ(f.last_bar_offset, 0x123);
	bus__access(&mmio, base + 0x3ff8, (u8 *)&v, 8, true);
	CHECK(f.last_bar_write);
	CHECK_EQ(f.last_bar_len, 8);
	CHECK(!memcmp(f.last_bar_data, &v, 8));
	f.bar_accesses = 0;
	CHECK_EQ(mmio_read(base + 0x3ffe, 4), 0xffffffff);	/* straddles the end */
	CHECK_EQ(mmio_read(base + 0x4000, 1), 0xff);
	CHECK_EQ(f.bar_accesses, 0);
	/* The guest moves the BAR: the old place goes dead, the new one answers. */
	cfg_write(2, PCI_BAR(4), 0xd0000000, 4);
	CHECK_EQ(mmio_read(base + 0x10, 1), 0xff);
	CHECK_EQ(mmio_read(0xd0000010, 1), 0x10);
	/* Decoding off: nothing answers. */
	cfg_write(2, PCI_COMMAND, 0, 2);
	CHECK_EQ(mmio_read(0xd0000010, 1), 0xff);
	cfg_write(2, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	CHECK_EQ(mmio_read(0xd0000010, 1), 0x10);
	/* Moved above 4 GiB or outside the window: unreachable through it, and no harm. */
	cfg_write(2, PCI_BAR(5), 1, 4);
	CHECK_EQ(mmio_read(0xd0000010, 1), 0xff);
	CHECK_EQ(f.bar_accesses, 2);
	teardown();
}

static void test_status_and_capabilities(void)
{
	struct fake_pci f;
	const u8 cap_a[] = { 0x09, 0xaa, 16, 1, 2, 3 };
	const u8 cap_b[] = { 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

	setup();
	memset(&f, 0, sizeof(f));
	pci_device__init(&f.pdev, "fake", 0x1af4, 0x1041, 0x010000, &fake_ops);
	CHECK_EQ(pci_device__add_capability(&f.pdev, cap_a, sizeof(cap_a)), 0x40);
	CHECK_EQ(pci_device__add_capability(&f.pdev, cap_b, sizeof(cap_b)), 0x48);
	CHECK_EQ(pci__register(&pci, &f.pdev, 7), 0);
	CHECK_EQ(cfg_read(7, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, PCI_STATUS_CAP_LIST);
	CHECK_EQ(cfg_read(7, PCI_CAPABILITY_LIST, 1), 0x40);
	CHECK_EQ(cfg_read(7, 0x40, 2), 0x4809);
	CHECK_EQ(cfg_read(7, 0x48, 2), 0x0011);		/* the end of the list */
	CHECK_EQ(cfg_read(7, 0x42, 1), 16);
	CHECK_EQ(cfg_read(7, 0x44, 1), f.reads);	/* config_read refreshed it */
	/* Status error bits: write 1 to clear; writing 0 leaves them. */
	f.pdev.config[PCI_STATUS + 1] |= 0x80;
	cfg_write(7, PCI_STATUS, 0x0000, 2);
	CHECK_EQ(cfg_read(7, PCI_STATUS, 2) & 0x8000, 0x8000);
	cfg_write(7, PCI_STATUS, 0x8010, 2);
	CHECK_EQ(cfg_read(7, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	cfg_write(7, PCI_INTERRUPT_LINE, 0x0b, 1);
	CHECK_EQ(cfg_read(7, PCI_INTERRUPT_LINE, 1), 0x0b);
	CHECK_EQ(pci_device__add_capability(&f.pdev, cap_b, 1), -EINVAL);
	while (pci_device__add_capability(&f.pdev, cap_b, sizeof(cap_b)) > 0)
		;
	CHECK(f.pdev.cap_end <= PCI_CONFIG_SIZE);
	teardown();
}

static void test_register_slots(void)
{
	static struct fake_pci devs[PCI_NR_SLOTS];

	setup();
	CHECK_EQ(pci__register(&pci, &devs[0].pdev, 0), -EBUSY);	/* the host bridge */
	CHECK_EQ(pci__register(&pci, &devs[0].pdev, 32), -EINVAL);
	for (unsigned i = 1; i < PCI_NR_SLOTS; i++) {
		pci_device__init(&devs[i].pdev, "fake", 0x1af4, 0x1000 + i, 0xff0000, NULL);
		CHECK_EQ(pci__register(&pci, &devs[i].pdev, -1), 0);
	}
	CHECK_EQ(pci__register(&pci, &devs[0].pdev, -1), -ENOSPC);
	CHECK_EQ(cfg_read(31, PCI_DEVICE_ID, 2), 0x1000 + 31);
	pci__unregister(&pci, &devs[9].pdev);
	CHECK_EQ(cfg_read(9, 0, 4), 0xffffffff);
	CHECK_EQ(pci__register(&pci, &devs[9].pdev, -1), 0);
	CHECK_EQ(devs[9].pdev.devfn, 9 << 3);
	teardown();
}

static void test_hostile(void)
{
	struct fake_pci f;
	u64 state = 0xbb67ae8584caa73bULL;
	unsigned bad = 0;

	setup();
	memset(&f, 0, sizeof(f));
	pci_device__init(&f.pdev, "fake", 0x1af4, 0x1041, 0x010000, &fake_ops);
	if (pci_device__set_bar(&f.pdev, 0, PCI_BAR_MEM64, 1 << 20, false) ||
	    pci_device__set_bar(&f.pdev, 2, PCI_BAR_IO, 64, false) || pci__register(&pci, &f.pdev, 1))
		abort();
	for (int i = 0; i < 300000; i++) {
		u8 data[8];

		xorshift64(&state);
		memcpy(data, &state, sizeof(data));
		/* Mostly aim the address at our two devices so the data port has work. */
		if ((state >> 8) % 4 == 0) {
			u32 a = cfg_addr(0, (state >> 12) & 1, 0, state >> 20) | ((state >> 40) % 16 == 0 ? (u32)state : 0);

			pio_out(&bus, PCI_CONFIG_ADDR_PORT, a, 4);
			continue;
		}
		bus__access(&bus, 0xcf4 + (state >> 32) % 16, data, random_width(state), (state >> 16) & 1);
		if (pci_config__read16(&f.pdev, 0) != 0x1af4 || pci_config__read16(&pci.host_bridge, 0) != 0x1b36)
			bad++;
		if ((pci_device__bar_address(&f.pdev, 0) & 0xfffff) || (f.pdev.config[PCI_BAR(2)] & 3) != 1)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK(f.writes > 0);
	teardown();
}

int main(void)
{
	RUN(test_host_bridge);
	RUN(test_byte_and_word_reads);
	RUN(test_absent);
	RUN(test_address_register);
	RUN(test_bar_sizing);
	RUN(test_large_bar64);
	RUN(test_bar_placement);
	RUN(test_window_full);
	RUN(test_window_access);
	RUN(test_status_and_capabilities);
	RUN(test_register_slots);
	RUN(test_hostile);
	return tap_done();
}
