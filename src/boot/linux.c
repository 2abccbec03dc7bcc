/*
 * The Linux 64-bit boot protocol, shared part: completing struct boot_params (the zero page),
 * and loading an uncompressed ELF vmlinux, whose boot_params we build from scratch.
 */
#include <errno.h>
#include <string.h>

#include "boot/bootparam.h"
#include "boot/elf.h"
#include "boot/layout.h"
#include "boot/loader.h"

/* The vmlinux has no setup header to copy; this is the newest protocol we fill fields for. */
#define VMLINUX_PROTOCOL	0x020c
#define VMLINUX_ALIGNMENT	0x1000000

static void fill_e820(const struct boot_ctx *ctx, struct boot_params *bp)
{
	unsigned n = ctx->ne820 < LINUX_E820_MAX_ZEROPAGE ? ctx->ne820 : LINUX_E820_MAX_ZEROPAGE;

	/* cppcheck-suppress knownConditionTrueFalse ; n comes from the e820 map built at run time */
	for (unsigned i = 0; i < n; i++) {
		bp->e820_table[i].addr = ctx->e820[i].addr;
		bp->e820_table[i].size = ctx->e820[i].size;
		bp->e820_table[i].type = ctx->e820[i].type;
	}
	bp->e820_entries = (u8)n;
}

int linux__finish_boot_params(struct boot_ctx *ctx, struct boot_params *bp, u64 cmdline_max,
			      u64 initrd_limit)
{
	u64 initrd_size = ctx->req->initrd ? ctx->req->initrd_size : 0;
	int ret;

	ret = boot_load_cmdline(ctx, cmdline_max);
	if (!ret)
		ret = boot_load_initrd(ctx, initrd_limit);
	if (ret)
		return ret;
	bp->hdr.type_of_loader = LINUX_LOADER_UNDEFINED;
	bp->hdr.cmd_line_ptr = (u32)BOOT_CMDLINE_ADDR;
	bp->ext_cmd_line_ptr = (u32)(BOOT_CMDLINE_ADDR >> 32);
	bp->hdr.ramdisk_image = (u32)ctx->initrd_addr;
	bp->ext_ramdisk_image = (u32)(ctx->initrd_addr >> 32);
	bp->hdr.ramdisk_size = (u32)initrd_size;
	bp->ext_ramdisk_size = (u32)(initrd_size >> 32);
	bp->acpi_rsdp_addr = ctx->rsdp_addr;
	bp->sentinel = 0;
	fill_e820(ctx, bp);
	if (guest_memory__write(ctx->mem, BOOT_ZERO_PAGE_ADDR, bp, sizeof(*bp)))
		return boot_err(ctx, ENOMEM, "no guest RAM for boot_params at 0x%llx",
				BOOT_ZERO_PAGE_ADDR);
	return 0;
}

int linux_elf__load(struct boot_ctx *ctx, const struct elf_file *elf, struct boot_entry *entry)
{
	struct boot_params bp;
	int ret;

	ret = elf__load(ctx, elf);
	if (ret)
		return ret;
	/* vmlinux's e_entry is the physical address of startup_64. */
	if (!elf__paddr_loaded(elf, elf->entry, 1))
		return boot_err(ctx, EINVAL,
				"vmlinux entry point 0x%llx is not inside a loaded segment",
				(unsigned long long)elf->entry);
	memset(&bp, 0, sizeof(bp));
	bp.hdr.boot_flag = LINUX_BOOT_FLAG;
	bp.hdr.header = LINUX_HDRS_MAGIC;
	bp.hdr.version = VMLINUX_PROTOCOL;
	bp.hdr.kernel_alignment = VMLINUX_ALIGNMENT;
	bp.hdr.cmdline_size = BOOT_CMDLINE_MAX - 1;
	bp.hdr.initrd_addr_max = (u32)(ctx->low_end - 1);
	ret = linux__finish_boot_params(ctx, &bp, BOOT_CMDLINE_MAX - 1, ctx->low_end);
	if (ret)
		return ret;
	entry->protocol = BOOT_LINUX_ELF;
	entry->mode = ENTRY_LONG64;
	entry->rip = elf->entry;
	entry->rsi = BOOT_ZERO_PAGE_ADDR;
	return 0;
}
