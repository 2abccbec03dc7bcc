/* ELF reading for kernel images: every offset and size taken from the file is checked first. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/elf.h"
#include "boot/layout.h"
#include "boot/pvh.h"

/* off + len <= limit, written so that nothing can overflow. */
static bool fits(u64 off, u64 len, u64 limit)
{
	return off <= limit && len <= limit - off;
}

/*
 * Elf32_Ehdr and Elf64_Ehdr name the same fields at different offsets and widths, so one
 * body, stamped out per class, reads either. Returns that class's program header size.
 */
#define DEFINE_PARSE_EHDR(bits)								\
static int parse_ehdr##bits(struct boot_ctx *ctx, struct elf_file *elf)			\
{											\
	Elf##bits##_Ehdr eh;								\
											\
	if (elf->size < sizeof(eh))							\
		return boot_err(ctx, EINVAL, "truncated ELF" #bits " header (%zu bytes)", \
				elf->size);						\
	memcpy(&eh, elf->buf, sizeof(eh));						\
	elf->machine = eh.e_machine;							\
	elf->entry = eh.e_entry;							\
	elf->phoff = eh.e_phoff;							\
	elf->phnum = eh.e_phnum;							\
	elf->phentsize = eh.e_phentsize;						\
	return sizeof(Elf##bits##_Phdr);						\
}

DEFINE_PARSE_EHDR(64)
DEFINE_PARSE_EHDR(32)

static int check_phdrs(struct boot_ctx *ctx, const struct elf_file *elf, unsigned phdr_size)
{
	if (elf->machine != EM_X86_64 && elf->machine != EM_386)
		return boot_err(ctx, ENOEXEC, "ELF for machine %u (not x86-64)", elf->machine);
	if (elf->phnum == 0 || elf->phnum == PN_XNUM)
		return boot_err(ctx, EINVAL, "ELF has no program headers (e_phnum %u)", elf->phnum);
	if (elf->phentsize < phdr_size)
		return boot_err(ctx, EINVAL, "ELF program header size %u is below %u",
				elf->phentsize, phdr_size);
	if (!fits(elf->phoff, (u64)elf->phnum * elf->phentsize, elf->size))
		return boot_err(ctx, EINVAL,
				"ELF program headers (%u at offset 0x%llx) run past the end of the file (%zu bytes)",
				elf->phnum, (unsigned long long)elf->phoff, elf->size);
	return 0;
}

int elf__parse(struct boot_ctx *ctx, struct elf_file *elf)
{
	const u8 *buf = ctx->req->kernel;
	int ret;

	memset(elf, 0, sizeof(*elf));
	elf->buf = buf;
	elf->size = ctx->req->kernel_size;
	if (elf->size < SELFMAG || memcmp(buf, ELFMAG, SELFMAG))
		return 1;
	if (elf->size < EI_NIDENT)
		return boot_err(ctx, EINVAL, "truncated ELF header (%zu bytes)", elf->size);
	if (buf[EI_DATA] != ELFDATA2LSB)
		return boot_err(ctx, ENOEXEC, "big-endian ELF (not x86-64)");
	if (buf[EI_CLASS] == ELFCLASS64) {
		elf->is64 = true;
		ret = parse_ehdr64(ctx, elf);
	} else if (buf[EI_CLASS] == ELFCLASS32) {
		ret = parse_ehdr32(ctx, elf);
	} else {
		return boot_err(ctx, EINVAL, "ELF class %u is neither 32 nor 64-bit", buf[EI_CLASS]);
	}
	if (ret < 0)
		return ret;
	return check_phdrs(ctx, elf, (unsigned)ret);
}

void elf__phdr(const struct elf_file *elf, unsigned i, struct elf_seg *seg)
{
	const u8 *p = elf->buf + elf->phoff + (u64)i * elf->phentsize;

	if (elf->is64) {
		Elf64_Phdr ph;

		memcpy(&ph, p, sizeof(ph));
		*seg = (struct elf_seg){ ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_paddr,
					 ph.p_filesz, ph.p_memsz, ph.p_align };
	} else {
		Elf32_Phdr ph;

		memcpy(&ph, p, sizeof(ph));
		*seg = (struct elf_seg){ ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_paddr,
					 ph.p_filesz, ph.p_memsz, ph.p_align };
	}
}

static int pvh_note_entry(struct boot_ctx *ctx, const u8 *desc, u32 descsz, u64 *entry)
{
	u32 e32;

	if (descsz == 4) {
		memcpy(&e32, desc, 4);
		*entry = e32;
	} else if (descsz == 8) {
		memcpy(entry, desc, 8);
	} else {
		return boot_err(ctx, EINVAL, "PVH entry note has %u bytes (expected 4 or 8)", descsz);
	}
	if (*entry >= 4 * GiB)
		return boot_err(ctx, EINVAL, "PVH entry point 0x%llx is above 4 GiB",
				(unsigned long long)*entry);
	return 1;
}

/* Walks one note segment; notes are 4-byte aligned unless the segment says 8. */
static int scan_notes(struct boot_ctx *ctx, const u8 *p, u64 len, u64 align, u64 *entry)
{
	u64 pos = 0;

	while (len - pos >= 12) {
		u32 nh[3];
		u64 name_off, desc_off;

		memcpy(nh, p + pos, sizeof(nh));
		name_off = pos + 12;
		desc_off = name_off + ALIGN_UP((u64)nh[0], align);
		if (desc_off > len || nh[1] > len - desc_off)
			return boot_err(ctx, EINVAL, "malformed ELF note at offset 0x%llx of its segment",
					(unsigned long long)pos);
		if (nh[2] == XEN_ELFNOTE_PHYS32_ENTRY && nh[0] == 4 &&
		    !memcmp(p + name_off, "Xen", 4))
			return pvh_note_entry(ctx, p + desc_off, nh[1], entry);
		pos = desc_off + ALIGN_UP((u64)nh[1], align);
		if (pos >= len)
			break;
	}
	return 0;
}

int elf__find_pvh_entry(struct boot_ctx *ctx, const struct elf_file *elf, u64 *entry)
{
	for (unsigned i = 0; i < elf->phnum; i++) {
		struct elf_seg seg;
		int ret;

		elf__phdr(elf, i, &seg);
		if (seg.type != PT_NOTE)
			continue;
		if (!fits(seg.offset, seg.filesz, elf->size))
			return boot_err(ctx, EINVAL, "ELF note segment %u lies outside the file", i);
		ret = scan_notes(ctx, elf->buf + seg.offset, seg.filesz, seg.align == 8 ? 8 : 4,
				 entry);
		if (ret)
			return ret;
	}
	return 0;
}

static int load_segment(struct boot_ctx *ctx, const struct elf_file *elf, unsigned i,
			const struct elf_seg *seg)
{
	char what[40];
	u8 *dst;
	int ret;

	if (seg->filesz > seg->memsz)
		return boot_err(ctx, EINVAL, "ELF segment %u: file size 0x%llx exceeds memory size 0x%llx",
				i, (unsigned long long)seg->filesz, (unsigned long long)seg->memsz);
	if (!fits(seg->offset, seg->filesz, elf->size))
		return boot_err(ctx, EINVAL,
				"ELF segment %u: file bytes [0x%llx, +0x%llx) lie outside the file (%zu bytes)",
				i, (unsigned long long)seg->offset, (unsigned long long)seg->filesz,
				elf->size);
	snprintf(what, sizeof(what), "ELF segment %u", i);
	ret = boot_check_range(ctx, what, seg->paddr, seg->memsz);
	if (ret)
		return ret;
	dst = guest_memory__ptr(ctx->mem, seg->paddr, seg->memsz);
	memcpy(dst, elf->buf + seg->offset, seg->filesz);
	memset(dst + seg->filesz, 0, seg->memsz - seg->filesz);
	ctx->kernel_end = max_u64(ctx->kernel_end, seg->paddr + seg->memsz);
	return 0;
}

int elf__load(struct boot_ctx *ctx, const struct elf_file *elf)
{
	unsigned loaded = 0;

	for (unsigned i = 0; i < elf->phnum; i++) {
		struct elf_seg seg;
		int ret;

		elf__phdr(elf, i, &seg);
		if (seg.type != PT_LOAD || (seg.memsz == 0 && seg.filesz == 0))
			continue;
		ret = load_segment(ctx, elf, i, &seg);
		if (ret)
			return ret;
		loaded++;
	}
	if (!loaded)
		return boot_err(ctx, EINVAL, "ELF has no loadable (PT_LOAD) segment");
	return 0;
}

bool elf__paddr_loaded(const struct elf_file *elf, u64 paddr, u64 len)
{
	for (unsigned i = 0; i < elf->phnum; i++) {
		struct elf_seg seg;

		elf__phdr(elf, i, &seg);
		if (seg.type == PT_LOAD && paddr >= seg.paddr && paddr - seg.paddr < seg.memsz &&
		    len <= seg.memsz - (paddr - seg.paddr))
			return true;
	}
	return false;
}

bool elf__vaddr_to_paddr(const struct elf_file *elf, u64 vaddr, u64 *paddr)
{
	for (unsigned i = 0; i < elf->phnum; i++) {
		struct elf_seg seg;

		elf__phdr(elf, i, &seg);
		if (seg.type == PT_LOAD && vaddr >= seg.vaddr && vaddr - seg.vaddr < seg.memsz) {
			*paddr = seg.paddr + (vaddr - seg.vaddr);
			return true;
		}
	}
	return false;
}
