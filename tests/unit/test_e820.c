/* The e820 map for guests below and above the PCI hole. */
#include <stdlib.h>

#include "boot/e820.h"
#include "boot/layout.h"
#include "tap.h"

/* e820 only reads the region table, so large guests need no backing memory. */
static void fake_memory(struct guest_memory *mem, u64 size)
{
	u64 low = size < GUEST_PCI_HOLE_START ? size : GUEST_PCI_HOLE_START;

	memset(mem, 0, sizeof(*mem));
	mem->size = size;
	mem->nregions = 1;
	mem->regions[0] = (struct guest_region){ .gpa = 0, .size = low };
	if (size > low) {
		mem->regions[1] = (struct guest_region){ .gpa = GUEST_HIGH_RAM_START,
							 .size = size - low };
		mem->nregions = 2;
	}
}

static void test_small_guest(void)
{
	struct guest_memory mem;
	struct e820_entry t[E820_MAX_ENTRIES];
	unsigned n;

	fake_memory(&mem, 256 * MiB);
	n = e820__build(&mem, t, E820_MAX_ENTRIES);
	CHECK_EQ(n, 3);
	CHECK_EQ(t[0].addr, 0);
	CHECK_EQ(t[0].size, BOOT_EBDA_START);
	CHECK_EQ(t[0].type, E820_RAM);
	CHECK_EQ(t[1].addr, BOOT_EBDA_START);
	CHECK_EQ(t[1].size, BOOT_HIGH_START - BOOT_EBDA_START);
	CHECK_EQ(t[1].type, E820_RESERVED);
	CHECK_EQ(t[2].addr, BOOT_HIGH_START);
	CHECK_EQ(t[2].size, 255 * MiB);
	CHECK_EQ(t[2].type, E820_RAM);
}

static void test_guest_above_pci_hole(void)
{
	struct guest_memory mem;
	struct e820_entry t[E820_MAX_ENTRIES];
	unsigned n;

	fake_memory(&mem, 5 * GiB);
	n = e820__build(&mem, t, E820_MAX_ENTRIES);
	CHECK_EQ(n, 4);
	CHECK_EQ(t[2].addr, BOOT_HIGH_START);
	CHECK_EQ(t[2].addr + t[2].size, GUEST_PCI_HOLE_START);
	CHECK_EQ(t[3].addr, 4 * GiB);
	CHECK_EQ(t[3].size, 2 * GiB);
	CHECK_EQ(t[3].type, E820_RAM);
	/* Sorted and disjoint, and the hole (MMIO: IOAPIC, LAPIC) is never RAM. */
	for (unsigned i = 1; i < n; i++)
		CHECK(t[i].addr >= t[i - 1].addr + t[i - 1].size);
	for (unsigned i = 0; i < n; i++)
		CHECK(!(t[i].addr <= IOAPIC_ADDR && IOAPIC_ADDR < t[i].addr + t[i].size));
}

static void test_exactly_at_hole(void)
{
	struct guest_memory mem;
	struct e820_entry t[E820_MAX_ENTRIES];

	fake_memory(&mem, GUEST_PCI_HOLE_START);
	CHECK_EQ(e820__build(&mem, t, E820_MAX_ENTRIES), 3);
}

static void test_tiny_guest_and_limits(void)
{
	struct guest_memory mem;
	struct e820_entry t[E820_MAX_ENTRIES];
	unsigned n;

	/* Below 1 MiB: low RAM is clipped and no high entry appears. */
	fake_memory(&mem, 512 * KiB);
	n = e820__build(&mem, t, E820_MAX_ENTRIES);
	CHECK_EQ(n, 2);
	CHECK_EQ(t[0].size, 512 * KiB);
	CHECK_EQ(t[1].type, E820_RESERVED);
	/* The caller's table size is respected. */
	fake_memory(&mem, 5 * GiB);
	CHECK_EQ(e820__build(&mem, t, 2), 2);
	CHECK_EQ(e820__build(&mem, t, 0), 0);
	CHECK_STR(e820__type_name(E820_RAM), "usable");
	CHECK_STR(e820__type_name(E820_RESERVED), "reserved");
	CHECK_STR(e820__type_name(99), "unknown");
}

int main(void)
{
	RUN(test_small_guest);
	RUN(test_guest_above_pci_hole);
	RUN(test_exactly_at_hole);
	RUN(test_tiny_guest_and_limits);
	return tap_done();
}
