/* Unit tests for PCI mechanism #1: host bridge, absent functions, BAR sizing, capabilities. */
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

static const struct pci_device_ops fake_ops = {
	.config_write = fake_config_write,
	.config_read = fake_config_read,
};

static struct bus bus;
static struct pci_bus pci;

static void setup(void)
{
	bus__init(&bus, "pio");
	if (pci__init(&pci, &bus))
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
	struct fake_pci f;

	setup();
	pci_device__init(&f.pdev, "big", 0x1af4, 0x1041, 0x020000, NULL);
	CHECK_EQ(pci_device__set_bar(&f.pdev, 0, PCI_BAR_MEM64, 8 * GiB, true), 0);
	CHECK_EQ(pci__register(&pci, &f.pdev, -1), 0);
	CHECK_EQ(f.pdev.devfn, 1 << 3);
	cfg_write(1, PCI_BAR(0), 0xffffffff, 4);
	cfg_write(1, PCI_BAR(1), 0xffffffff, 4);
	CHECK_EQ(cfg_read(1, PCI_BAR(0), 4), 0x0000000c);
	CHECK_EQ(cfg_read(1, PCI_BAR(1), 4), 0xfffffffe);
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
	RUN(test_status_and_capabilities);
	RUN(test_register_slots);
	RUN(test_hostile);
	return tap_done();
}
