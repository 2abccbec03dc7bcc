/*
 * A bounds-checked reader for ELF32/ELF64 x86 kernel images: program headers, PT_LOAD
 * placement by physical address, and the PVH entry note. The file is untrusted.
 */
#ifndef NV_BOOT_ELF_H
#define NV_BOOT_ELF_H

#include "boot/loader.h"

struct elf_file {
	const u8 *buf;
	size_t size;
	bool is64;
	u16 machine;		/* EM_X86_64 or EM_386 */
	u64 entry;		/* e_entry */
	u64 phoff;		/* program headers, checked to lie inside the file */
	u16 phnum;
	u16 phentsize;
};

struct elf_seg {
	u32 type;
	u64 offset;
	u64 vaddr;
	u64 paddr;
	u64 filesz;
	u64 memsz;
	u64 align;
};

/* 0: an x86 ELF, checked; 1: not ELF at all (no message); -errno with a message. */
int elf__parse(struct boot_ctx *ctx, struct elf_file *elf) __must_check;
void elf__phdr(const struct elf_file *elf, unsigned i, struct elf_seg *seg);
/* 1 and *entry set when a XEN_ELFNOTE_PHYS32_ENTRY note exists, 0 when not, -errno. */
int elf__find_pvh_entry(struct boot_ctx *ctx, const struct elf_file *elf, u64 *entry) __must_check;
/* Copies every PT_LOAD to its p_paddr, zeroes the bss and raises ctx->kernel_end. */
int elf__load(struct boot_ctx *ctx, const struct elf_file *elf) __must_check;
bool elf__paddr_loaded(const struct elf_file *elf, u64 paddr, u64 len);
/* Translates a virtual address inside a PT_LOAD to its physical address. */
bool elf__vaddr_to_paddr(const struct elf_file *elf, u64 vaddr, u64 *paddr);

#endif
