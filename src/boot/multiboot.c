/*
 * Multiboot v1: finds the header in the first 8 KiB, loads the image (ELF segments by physical
 * address, or the a.out kludge's addresses), and writes the multiboot information page.
 */
#include <errno.h>
#include <string.h>

#include "boot/elf.h"
#include "boot/layout.h"
#include "boot/loader.h"
#include "boot/multiboot.h"
#include "util/log.h"

#define INFO_PAGE_SIZE	4096

_Static_assert(MB_MODS_OFFSET >= sizeof(struct multiboot_info), "mods after the info");
_Static_assert(MB_MMAP_OFFSET + E820_MAX_ENTRIES * sizeof(struct multiboot_mmap_entry) <=
	       MB_LOADER_NAME_OFFSET, "mmap before the loader name");

static const char loader_name[] = "nestvisor";
static const char module_string[] = "initrd";

static u32 le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

int multiboot__find(struct boot_ctx *ctx, struct multiboot_header *hdr, u64 *offset)
{
	const u8 *buf = ctx->req->kernel;
	u64 limit = min_u64(ctx->req->kernel_size, MULTIBOOT_SEARCH);
	u64 bad = limit;

	for (u64 off = 0; off + 12 <= limit; off += 4) {
		u32 magic = le32(buf + off), flags = le32(buf + off + 4);
		u64 need = (flags & MULTIBOOT_AOUT_KLUDGE) ? sizeof(*hdr) : 12;

		if (magic != MULTIBOOT_HEADER_MAGIC)
			continue;
		/* cppcheck-suppress knownConditionTrueFalse ; flags and the checksum come from the image */
		if ((u32)(magic + flags + le32(buf + off + 8)) != 0) {
			bad = min_u64(bad, off);
			continue;
		}
		if (off + need > limit)
			return boot_err(ctx, EINVAL,
					"multiboot header at offset 0x%llx is cut off (it must lie within the first 8 KiB)",
					(unsigned long long)off);
		memset(hdr, 0, sizeof(*hdr));
		memcpy(hdr, buf + off, need);
		*offset = off;
		return 1;
	}
	if (bad < limit)
		return boot_err(ctx, EINVAL,
				"multiboot header at offset 0x%llx has a bad checksum (magic + flags + checksum must be 0)",
				(unsigned long long)bad);
	return 0;
}

/* The a.out kludge: the file holds [load_addr, load_end_addr) starting at header - delta. */
static int aout_layout(struct boot_ctx *ctx, const struct multiboot_header *h, u64 hdr_off,
		       u64 *file_off, u64 *load_len, u64 *mem_end)
{
	u64 delta = (u64)h->header_addr - h->load_addr;

	if (h->load_addr > h->header_addr || delta > hdr_off)
		return boot_err(ctx, EINVAL,
				"multiboot a.out kludge: load_addr 0x%x and header_addr 0x%x put the image before the start of the file",
				h->load_addr, h->header_addr);
	*file_off = hdr_off - delta;
	*load_len = ctx->req->kernel_size - *file_off;
	if (h->load_end_addr) {
		if (h->load_end_addr < h->load_addr ||
		    (u64)h->load_end_addr - h->load_addr > *load_len)
			return boot_err(ctx, EINVAL,
					"multiboot a.out kludge: load_end_addr 0x%x lies outside the file",
					h->load_end_addr);
		*load_len = (u64)h->load_end_addr - h->load_addr;
	}
	*mem_end = h->load_addr + *load_len;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < *mem_end)
			return boot_err(ctx, EINVAL,
					"multiboot a.out kludge: bss_end_addr 0x%x is below the loaded image's end 0x%llx",
					h->bss_end_addr, (unsigned long long)*mem_end);
		*mem_end = h->bss_end_addr;
	}
	if (*mem_end == h->load_addr)
		return boot_err(ctx, EINVAL, "multiboot a.out kludge: the image is empty");
	return 0;
}

static int load_aout(struct boot_ctx *ctx, const struct multiboot_header *h, u64 hdr_off,
		     u64 *entry_addr)
{
	u64 file_off = 0, load_len = 0, mem_end = 0;
	u8 *dst;
	int ret;

	ret = aout_layout(ctx, h, hdr_off, &file_off, &load_len, &mem_end);
	if (!ret)
		ret = boot_check_range(ctx, "multiboot image", h->load_addr, mem_end - h->load_addr);
	if (ret)
		return ret;
	if (h->entry_addr < h->load_addr || h->entry_addr >= mem_end)
		return boot_err(ctx, EINVAL,
				"multiboot entry_addr 0x%x is outside the loaded image [0x%x, 0x%llx)",
				h->entry_addr, h->load_addr, (unsigned long long)mem_end);
	dst = guest_memory__ptr(ctx->mem, h->load_addr, mem_end - h->load_addr);
	memcpy(dst, ctx->req->kernel + file_off, load_len);
	memset(dst + load_len, 0, mem_end - h->load_addr - load_len);
	ctx->kernel_end = mem_end;
	*entry_addr = h->entry_addr;
	return 0;
}

/* As GRUB does, an e_entry inside a segment's virtual range is translated to physical. */
static int load_elf(struct boot_ctx *ctx, const struct elf_file *elf, u64 *entry_addr)
{
	u64 entry = elf->entry;
	int ret;

	ret = elf__load(ctx, elf);
	if (ret)
		return ret;
	if (ctx->kernel_end > 4 * GiB)
		return boot_err(ctx, EINVAL, "multiboot ELF segments must lie below 4 GiB");
	if (!elf__vaddr_to_paddr(elf, entry, &entry) && !elf__paddr_loaded(elf, entry, 1))
		return boot_err(ctx, EINVAL, "multiboot ELF entry point 0x%llx is not inside a loaded segment",
				(unsigned long long)elf->entry);
	*entry_addr = entry;
	return 0;
}

static void write_mmap(const struct boot_ctx *ctx, u8 *page, struct multiboot_info *info)
{
	for (unsigned i = 0; i < ctx->ne820; i++) {
		struct multiboot_mmap_entry e = {
			.size = sizeof(e) - sizeof(e.size),
			.addr = ctx->e820[i].addr,
			.len = ctx->e820[i].size,
			.type = ctx->e820[i].type,
		};

		memcpy(page + MB_MMAP_OFFSET + i * sizeof(e), &e, sizeof(e));
	}
	info->mmap_addr = BOOT_INFO_ADDR + MB_MMAP_OFFSET;
	info->mmap_length = ctx->ne820 * sizeof(struct multiboot_mmap_entry);
}

static int write_info(struct boot_ctx *ctx)
{
	u8 *page = guest_memory__ptr(ctx->mem, BOOT_INFO_ADDR, INFO_PAGE_SIZE);
	struct multiboot_info info = {
		.flags = MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MODS |
			 MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_BOOT_LOADER_NAME,
		.mem_lower = (u32)(min_u64(ctx->low_end, BOOT_EBDA_START) / KiB),
		.mem_upper = (u32)((ctx->low_end - BOOT_HIGH_START) / KiB),
		.cmdline = BOOT_CMDLINE_ADDR,
		.mods_addr = BOOT_INFO_ADDR + MB_MODS_OFFSET,
		.boot_loader_name = BOOT_INFO_ADDR + MB_LOADER_NAME_OFFSET,
	};

	if (!page)
		return boot_err(ctx, ENOMEM, "no guest RAM for the multiboot information");
	memset(page, 0, INFO_PAGE_SIZE);
	if (ctx->req->initrd) {
		struct multiboot_mod mod = {
			.mod_start = (u32)ctx->initrd_addr,
			.mod_end = (u32)(ctx->initrd_addr + ctx->req->initrd_size),
			.string = BOOT_INFO_ADDR + MB_MOD_STRING_OFFSET,
		};

		info.mods_count = 1;
		memcpy(page + MB_MODS_OFFSET, &mod, sizeof(mod));
		memcpy(page + MB_MOD_STRING_OFFSET, module_string, sizeof(module_string));
	}
	write_mmap(ctx, page, &info);
	memcpy(page + MB_LOADER_NAME_OFFSET, loader_name, sizeof(loader_name));
	memcpy(page, &info, sizeof(info));
	return 0;
}

static int load_image(struct boot_ctx *ctx, const struct multiboot_header *hdr, u64 offset,
		      const struct elf_file *elf, u64 *entry_addr)
{
	u32 unsupported = hdr->flags & 0xffff & ~MULTIBOOT_SUPPORTED_REQUIRED;

	if (unsupported)
		return boot_err(ctx, EINVAL,
				"multiboot header requires features nestvisor does not provide (flags 0x%x)",
				unsupported);
	if (hdr->flags & MULTIBOOT_VIDEO_MODE)
		pr_warn("%s: multiboot header asks for a video mode; booting without video information",
			ctx->req->kernel_name);
	if (hdr->flags & MULTIBOOT_AOUT_KLUDGE)
		return load_aout(ctx, hdr, offset, entry_addr);
	if (elf)
		return load_elf(ctx, elf, entry_addr);
	return boot_err(ctx, EINVAL,
			"multiboot image is not ELF and its header has no load addresses (flags bit 16)");
}

int multiboot__load(struct boot_ctx *ctx, const struct multiboot_header *hdr, u64 offset,
		    const struct elf_file *elf, struct boot_entry *entry)
{
	u64 entry_addr = 0;
	int ret;

	ret = load_image(ctx, hdr, offset, elf, &entry_addr);
	if (!ret)
		ret = boot_load_cmdline(ctx, BOOT_CMDLINE_MAX - 1);
	if (!ret)
		ret = boot_load_initrd(ctx, ctx->low_end);
	if (!ret)
		ret = write_info(ctx);
	if (ret)
		return ret;
	entry->protocol = BOOT_MULTIBOOT;
	entry->mode = ENTRY_PROTECTED32;
	entry->rip = entry_addr;
	entry->eax = MULTIBOOT_BOOTLOADER_MAGIC;
	entry->ebx = (u32)BOOT_INFO_ADDR;
	return 0;
}
