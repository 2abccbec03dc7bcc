/*
 * The e820 map: conventional memory below the EBDA, the EBDA/BIOS area reserved (it holds the
 * MP and ACPI tables), then RAM from 1 MiB to the PCI hole and RAM relocated above 4 GiB.
 */
#include "boot/e820.h"
#include "boot/layout.h"

static unsigned add(struct e820_entry *tab, unsigned n, unsigned max, u64 start, u64 end,
		    u32 type)
{
	if (end <= start || n >= max)
		return n;
	tab[n] = (struct e820_entry){ .addr = start, .size = end - start, .type = type };
	return n + 1;
}

unsigned e820__build(const struct guest_memory *mem, struct e820_entry *tab, unsigned max)
{
	u64 low_end = guest_memory__low_end(mem);
	unsigned n = 0;

	n = add(tab, n, max, 0, min_u64(low_end, BOOT_EBDA_START), E820_RAM);
	/* Reserved even where RAM backs it: the tables live there and the kernel must keep them. */
	n = add(tab, n, max, BOOT_EBDA_START, BOOT_HIGH_START, E820_RESERVED);
	n = add(tab, n, max, BOOT_HIGH_START, low_end, E820_RAM);
	for (unsigned i = 1; i < mem->nregions; i++)
		n = add(tab, n, max, mem->regions[i].gpa,
			mem->regions[i].gpa + mem->regions[i].size, E820_RAM);
	return n;
}

const char *e820__type_name(u32 type)
{
	switch (type) {
	case E820_RAM:
		return "usable";
	case E820_RESERVED:
		return "reserved";
	default:
		return "unknown";
	}
}
