/*
 * Shared state and helpers of the kernel loaders (boot.c drives them). Internal to src/boot
 * and its unit tests: other modules use boot.h.
 */
#ifndef NV_BOOT_LOADER_H
#define NV_BOOT_LOADER_H

#include "boot/boot.h"
#include "boot/e820.h"

struct boot_ctx {
	const struct guest_memory *mem;
	const struct boot_request *req;
	char *err;
	size_t errlen;
	u64 low_end;		/* end of RAM below the PCI hole */
	u64 kernel_end;		/* first byte above what the kernel claims; the initrd goes higher */
	u64 cmdline_len;	/* without the NUL, once written at BOOT_CMDLINE_ADDR */
	u64 initrd_addr;	/* 0 when there is no initrd */
	u64 rsdp_addr;
	struct e820_entry e820[E820_MAX_ENTRIES];
	unsigned ne820;
};

/* Formats "<kernel name>: <message>" into the caller's err; returns -errnum. */
int boot_err(struct boot_ctx *ctx, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Checks that [addr, addr + size) is RAM at or above 1 MiB; what names it in the message. */
int boot_check_range(struct boot_ctx *ctx, const char *what, u64 addr, u64 size) __must_check;

/* Copies the command line to BOOT_CMDLINE_ADDR; max_len is the kernel's limit without NUL. */
int boot_load_cmdline(struct boot_ctx *ctx, u64 max_len) __must_check;

/* Places the initrd, page-aligned, as high as possible below limit and above kernel_end. */
int boot_load_initrd(struct boot_ctx *ctx, u64 limit) __must_check;

/* The loaders: each writes the kernel and its boot information and fills entry. */
int bzimage__load(struct boot_ctx *ctx, struct boot_entry *entry) __must_check;
bool bzimage__detect(const u8 *buf, size_t size);

struct boot_params;
/* Writes cmdline and initrd, completes bp (pointers, e820, RSDP) and stores it in the zero page. */
int linux__finish_boot_params(struct boot_ctx *ctx, struct boot_params *bp, u64 cmdline_max,
			      u64 initrd_limit) __must_check;

struct elf_file;
int linux_elf__load(struct boot_ctx *ctx, const struct elf_file *elf,
		    struct boot_entry *entry) __must_check;
int pvh__load(struct boot_ctx *ctx, const struct elf_file *elf, u64 entry_addr,
	      struct boot_entry *entry) __must_check;

struct multiboot_header;
/* Finds a valid header in the first 8 KiB: 1 found, 0 none, -errno (bad checksum). */
int multiboot__find(struct boot_ctx *ctx, struct multiboot_header *hdr, u64 *offset) __must_check;
int multiboot__load(struct boot_ctx *ctx, const struct multiboot_header *hdr, u64 offset,
		    const struct elf_file *elf, struct boot_entry *entry) __must_check;

/* The GDT (and for long mode the identity map) of each entry mode. */
int boot_write_cpu_tables(struct boot_ctx *ctx, enum cpu_entry_mode mode) __must_check;

#endif
