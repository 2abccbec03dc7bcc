/*
 * PVH boot: ELF segments at their physical addresses, struct hvm_start_info (with the initrd
 * as the only module and the e820 map as memmap) in the info page, 32-bit protected-mode entry.
 */
#include <errno.h>
#include <string.h>

#include "boot/elf.h"
#include "boot/layout.h"
#include "boot/loader.h"
#include "boot/pvh.h"

_Static_assert(PVH_MODLIST_OFFSET >= sizeof(struct hvm_start_info), "modlist after start_info");
_Static_assert(PVH_MEMMAP_OFFSET >= PVH_MODLIST_OFFSET + sizeof(struct hvm_modlist_entry),
	       "memmap after modlist");
_Static_assert(PVH_MEMMAP_OFFSET + E820_MAX_ENTRIES * sizeof(struct hvm_memmap_table_entry) <=
	       4096, "PVH start info fits its page");

static int write_start_info(struct boot_ctx *ctx)
{
	u8 *page = guest_memory__ptr(ctx->mem, BOOT_INFO_ADDR, 4096);
	struct hvm_start_info si = {
		.magic = XEN_HVM_START_MAGIC,
		.version = 1,
		.cmdline_paddr = BOOT_CMDLINE_ADDR,
		.rsdp_paddr = ctx->rsdp_addr,
		.memmap_paddr = BOOT_INFO_ADDR + PVH_MEMMAP_OFFSET,
		.memmap_entries = ctx->ne820,
	};

	if (!page)
		return boot_err(ctx, ENOMEM, "no guest RAM for the PVH start info");
	memset(page, 0, 4096);
	if (ctx->req->initrd) {
		struct hvm_modlist_entry mod = {
			.paddr = ctx->initrd_addr,
			.size = ctx->req->initrd_size,
		};

		si.nr_modules = 1;
		si.modlist_paddr = BOOT_INFO_ADDR + PVH_MODLIST_OFFSET;
		memcpy(page + PVH_MODLIST_OFFSET, &mod, sizeof(mod));
	}
	for (unsigned i = 0; i < ctx->ne820; i++) {
		struct hvm_memmap_table_entry e = {
			.addr = ctx->e820[i].addr,
			.size = ctx->e820[i].size,
			.type = ctx->e820[i].type,
		};

		memcpy(page + PVH_MEMMAP_OFFSET + i * sizeof(e), &e, sizeof(e));
	}
	memcpy(page, &si, sizeof(si));
	return 0;
}

int pvh__load(struct boot_ctx *ctx, const struct elf_file *elf, u64 entry_addr,
	      struct boot_entry *entry)
{
	int ret;

	ret = elf__load(ctx, elf);
	if (ret)
		return ret;
	if (!elf__paddr_loaded(elf, entry_addr, 1))
		return boot_err(ctx, EINVAL, "PVH entry point 0x%llx is not inside a loaded segment",
				(unsigned long long)entry_addr);
	ret = boot_load_cmdline(ctx, BOOT_CMDLINE_MAX - 1);
	if (!ret)
		ret = boot_load_initrd(ctx, ctx->low_end);
	if (!ret)
		ret = write_start_info(ctx);
	if (ret)
		return ret;
	entry->protocol = BOOT_PVH;
	entry->mode = ENTRY_PROTECTED32;
	entry->rip = entry_addr;
	entry->ebx = (u32)BOOT_INFO_ADDR;
	return 0;
}
