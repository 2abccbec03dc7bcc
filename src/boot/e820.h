/* The guest's physical memory map (e820), shared by every boot protocol's memory table. */
#ifndef NV_BOOT_E820_H
#define NV_BOOT_E820_H

#include "kvm/memory.h"
#include "util/util.h"

#define E820_RAM	1
#define E820_RESERVED	2
#define E820_MAX_ENTRIES 8

struct e820_entry {
	u64 addr;
	u64 size;
	u32 type;
};

/* Fills tab with the map of mem, sorted by address; returns the number of entries (<= max). */
unsigned e820__build(const struct guest_memory *mem, struct e820_entry *tab, unsigned max);
const char *e820__type_name(u32 type);

#endif
