/*
 * The PVH boot ABI (Xen's hvm/start_info.h, as Linux and other kernels use it outside Xen):
 * an ELF note gives a 32-bit entry point; the loader passes struct hvm_start_info in %ebx.
 */
#ifndef NV_BOOT_PVH_H
#define NV_BOOT_PVH_H

#include "util/util.h"

#define XEN_ELFNOTE_PHYS32_ENTRY	18
#define XEN_HVM_START_MAGIC		0x336ec578

struct hvm_start_info {
	u32 magic;
	u32 version;		/* 1: memmap_* fields present */
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;	/* array of struct hvm_modlist_entry */
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr;	/* array of struct hvm_memmap_table_entry */
	u32 memmap_entries;
	u32 reserved;
};

struct hvm_modlist_entry {
	u64 paddr;
	u64 size;
	u64 cmdline_paddr;
	u64 reserved;
};

struct hvm_memmap_table_entry {
	u64 addr;
	u64 size;
	u32 type;		/* the e820 types */
	u32 reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info v1 is 56 bytes");
_Static_assert(offsetof(struct hvm_start_info, rsdp_paddr) == 32, "rsdp_paddr");
_Static_assert(offsetof(struct hvm_start_info, memmap_entries) == 48, "memmap_entries");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry");

/* Where the pieces go inside the BOOT_INFO_ADDR page. */
#define PVH_MODLIST_OFFSET	0x40
#define PVH_MEMMAP_OFFSET	0x80

#endif
