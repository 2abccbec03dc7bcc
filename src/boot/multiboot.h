/*
 * Multiboot v1 (the GNU Multiboot Specification 0.6.96): the header a kernel carries in its
 * first 8 KiB and the information structure the loader hands it in %ebx.
 */
#ifndef NV_BOOT_MULTIBOOT_H
#define NV_BOOT_MULTIBOOT_H

#include "util/util.h"

#define MULTIBOOT_HEADER_MAGIC		0x1badb002
#define MULTIBOOT_BOOTLOADER_MAGIC	0x2badb002
#define MULTIBOOT_SEARCH		8192

/* Header flags: bits 0-15 are requirements, 16-31 optional features. */
#define MULTIBOOT_PAGE_ALIGN		(1u << 0)	/* modules page-aligned: we always do */
#define MULTIBOOT_MEMORY_INFO		(1u << 1)	/* mem_* fields: we always give them */
#define MULTIBOOT_VIDEO_MODE		(1u << 2)	/* tolerated: no video info is given */
#define MULTIBOOT_AOUT_KLUDGE		(1u << 16)	/* load addresses in the header */
#define MULTIBOOT_SUPPORTED_REQUIRED	(MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | \
					 MULTIBOOT_VIDEO_MODE)

/* Info flags */
#define MULTIBOOT_INFO_MEMORY		(1u << 0)
#define MULTIBOOT_INFO_CMDLINE		(1u << 2)
#define MULTIBOOT_INFO_MODS		(1u << 3)
#define MULTIBOOT_INFO_MEM_MAP		(1u << 6)
#define MULTIBOOT_INFO_BOOT_LOADER_NAME	(1u << 9)

struct multiboot_header {
	u32 magic;
	u32 flags;
	u32 checksum;		/* magic + flags + checksum == 0 */
	u32 header_addr;	/* the rest only with MULTIBOOT_AOUT_KLUDGE */
	u32 load_addr;
	u32 load_end_addr;	/* 0: load to the end of the file */
	u32 bss_end_addr;	/* 0: no bss */
	u32 entry_addr;
};

struct multiboot_info {
	u32 flags;
	u32 mem_lower;		/* KiB from 0 */
	u32 mem_upper;		/* KiB from 1 MiB up to the first hole */
	u32 boot_device;
	u32 cmdline;
	u32 mods_count;
	u32 mods_addr;
	u32 syms[4];
	u32 mmap_length;	/* bytes */
	u32 mmap_addr;
	u32 drives_length;
	u32 drives_addr;
	u32 config_table;
	u32 boot_loader_name;
	u32 apm_table;
	u8 vbe_and_framebuffer[116 - 72];
};

struct multiboot_mod {
	u32 mod_start;
	u32 mod_end;		/* exclusive */
	u32 string;
	u32 reserved;
};

/* size counts the bytes after itself, so a walker steps by size + 4. */
struct multiboot_mmap_entry {
	u32 size;
	u64 addr;
	u64 len;
	u32 type;
} __packed;

_Static_assert(sizeof(struct multiboot_header) == 32, "multiboot header with a.out fields");
_Static_assert(offsetof(struct multiboot_info, mmap_length) == 44, "mmap_length");
_Static_assert(offsetof(struct multiboot_info, boot_loader_name) == 64, "boot_loader_name");
_Static_assert(sizeof(struct multiboot_info) == 116, "multiboot_info");
_Static_assert(sizeof(struct multiboot_mmap_entry) == 24, "mmap entry");

/* Where the pieces go inside the BOOT_INFO_ADDR page. */
#define MB_MODS_OFFSET		0x080
#define MB_MMAP_OFFSET		0x100
#define MB_LOADER_NAME_OFFSET	0x300
#define MB_MOD_STRING_OFFSET	0x320

#endif
