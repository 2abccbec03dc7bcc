/*
 * The Linux x86 boot protocol structures (Documentation/arch/x86/boot.rst and zero-page.rst),
 * written from the documented offsets; the asserts below pin every field we use.
 */
#ifndef NV_BOOT_BOOTPARAM_H
#define NV_BOOT_BOOTPARAM_H

#include "util/util.h"

#define LINUX_BOOT_FLAG		0xaa55
#define LINUX_HDRS_MAGIC	0x53726448	/* "HdrS" */
#define LINUX_SETUP_HDR_OFFSET	0x1f1
#define LINUX_MIN_PROTOCOL	0x020c		/* 2.12: xloadflags, so a 64-bit entry is declared */
#define LINUX_LOADER_UNDEFINED	0xff		/* type_of_loader for boot loaders without an ID */
#define LINUX_LOADED_HIGH	0x01		/* loadflags: protected-mode code at 1 MiB */
#define LINUX_XLF_KERNEL_64	0x0001		/* xloadflags: has the 64-bit entry at +0x200 */
#define LINUX_E820_MAX_ZEROPAGE	128
#define LINUX_ENTRY64_OFFSET	0x200

struct setup_header {
	u8 setup_sects;			/* 0x1f1 */
	u16 root_flags;
	u32 syssize;			/* in 16-byte paragraphs */
	u16 ram_size;
	u16 vid_mode;
	u16 root_dev;
	u16 boot_flag;			/* 0x1fe */
	u16 jump;			/* 0x200 */
	u32 header;			/* 0x202 */
	u16 version;			/* 0x206 */
	u32 realmode_swtch;
	u16 start_sys_seg;
	u16 kernel_version;
	u8 type_of_loader;		/* 0x210 */
	u8 loadflags;
	u16 setup_move_size;
	u32 code32_start;
	u32 ramdisk_image;		/* 0x218 */
	u32 ramdisk_size;
	u32 bootsect_kludge;
	u16 heap_end_ptr;
	u8 ext_loader_ver;
	u8 ext_loader_type;
	u32 cmd_line_ptr;		/* 0x228 */
	u32 initrd_addr_max;		/* highest address the initrd's last byte may have */
	u32 kernel_alignment;		/* 0x230 */
	u8 relocatable_kernel;
	u8 min_alignment;
	u16 xloadflags;			/* 0x236 */
	u32 cmdline_size;		/* 0x238: longest command line, without the NUL */
	u32 hardware_subarch;
	u64 hardware_subarch_data;
	u32 payload_offset;
	u32 payload_length;
	u64 setup_data;
	u64 pref_address;		/* 0x258 */
	u32 init_size;			/* 0x260 */
	u32 handover_offset;
	u32 kernel_info_offset;		/* 0x268 */
} __packed;

struct boot_e820_entry {
	u64 addr;
	u64 size;
	u32 type;
} __packed;

struct boot_params {
	u8 screen_info[0x40];		/* 0x000 */
	u8 apm_bios_info[0x14];		/* 0x040 */
	u8 _pad2[4];
	u64 tboot_addr;			/* 0x058 */
	u8 ist_info[0x10];		/* 0x060 */
	u64 acpi_rsdp_addr;		/* 0x070 */
	u8 _pad3[8];
	u8 hd0_info[16];		/* 0x080 */
	u8 hd1_info[16];
	u8 sys_desc_table[16];		/* 0x0a0 */
	u8 olpc_ofw_header[16];
	u32 ext_ramdisk_image;		/* 0x0c0 */
	u32 ext_ramdisk_size;
	u32 ext_cmd_line_ptr;
	u8 _pad4[112];
	u32 cc_blob_address;		/* 0x13c */
	u8 edid_info[0x80];		/* 0x140 */
	u8 efi_info[0x20];		/* 0x1c0 */
	u32 alt_mem_k;			/* 0x1e0 */
	u32 scratch;
	u8 e820_entries;		/* 0x1e8 */
	u8 eddbuf_entries;
	u8 edd_mbr_sig_buf_entries;
	u8 kbd_status;
	u8 secure_boot;
	u8 _pad5[2];
	u8 sentinel;			/* 0x1ef: must stay 0 or the kernel clears fields */
	u8 _pad6[1];
	struct setup_header hdr;	/* 0x1f1 */
	u8 _pad7[0x290 - 0x1f1 - sizeof(struct setup_header)];
	u32 edd_mbr_sig_buffer[16];	/* 0x290 */
	struct boot_e820_entry e820_table[LINUX_E820_MAX_ZEROPAGE];	/* 0x2d0 */
	u8 _pad8[48];			/* 0xcd0 */
	u8 eddbuf[6 * 82];		/* 0xd00 */
	u8 _pad9[276];			/* 0xeec */
} __packed;

_Static_assert(sizeof(struct boot_e820_entry) == 20, "e820 entry is 20 bytes");
_Static_assert(sizeof(struct boot_params) == 4096, "boot_params is one page");
_Static_assert(offsetof(struct boot_params, acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr");
_Static_assert(offsetof(struct boot_params, ext_ramdisk_image) == 0x0c0, "ext_ramdisk_image");
_Static_assert(offsetof(struct boot_params, cc_blob_address) == 0x13c, "cc_blob_address");
_Static_assert(offsetof(struct boot_params, e820_entries) == 0x1e8, "e820_entries");
_Static_assert(offsetof(struct boot_params, sentinel) == 0x1ef, "sentinel");
_Static_assert(offsetof(struct boot_params, hdr) == 0x1f1, "setup header");
_Static_assert(offsetof(struct boot_params, hdr.boot_flag) == 0x1fe, "boot_flag");
_Static_assert(offsetof(struct boot_params, hdr.header) == 0x202, "header");
_Static_assert(offsetof(struct boot_params, hdr.type_of_loader) == 0x210, "type_of_loader");
_Static_assert(offsetof(struct boot_params, hdr.ramdisk_image) == 0x218, "ramdisk_image");
_Static_assert(offsetof(struct boot_params, hdr.cmd_line_ptr) == 0x228, "cmd_line_ptr");
_Static_assert(offsetof(struct boot_params, hdr.kernel_alignment) == 0x230, "kernel_alignment");
_Static_assert(offsetof(struct boot_params, hdr.xloadflags) == 0x236, "xloadflags");
_Static_assert(offsetof(struct boot_params, hdr.cmdline_size) == 0x238, "cmdline_size");
_Static_assert(offsetof(struct boot_params, hdr.pref_address) == 0x258, "pref_address");
_Static_assert(offsetof(struct boot_params, hdr.init_size) == 0x260, "init_size");
_Static_assert(offsetof(struct boot_params, hdr.kernel_info_offset) == 0x268, "kernel_info");
_Static_assert(offsetof(struct boot_params, edd_mbr_sig_buffer) == 0x290, "edd_mbr_sig_buffer");
_Static_assert(offsetof(struct boot_params, e820_table) == 0x2d0, "e820_table");
_Static_assert(offsetof(struct boot_params, eddbuf) == 0xd00, "eddbuf");

#endif
