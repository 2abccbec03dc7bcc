/*
 * boot__load(): recognises the kernel image, builds the firmware tables, and hands over to
 * the loader of its protocol. Also the helpers every loader shares (ranges, cmdline, initrd).
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "boot/acpi.h"
#include "boot/elf.h"
#include "boot/layout.h"
#include "boot/loader.h"
#include "boot/mptable.h"
#include "boot/multiboot.h"
#include "util/log.h"

#define PAGE_SIZE 4096ULL

const char *boot__protocol_name(enum boot_protocol protocol)
{
	switch (protocol) {
	case BOOT_LINUX_BZIMAGE:
		return "Linux bzImage (64-bit boot protocol)";
	case BOOT_LINUX_ELF:
		return "Linux ELF vmlinux (64-bit boot protocol)";
	case BOOT_PVH:
		return "PVH";
	case BOOT_MULTIBOOT:
		return "multiboot";
	}
	return "unknown";
}

int boot_err(struct boot_ctx *ctx, int errnum, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return set_err(ctx->err, ctx->errlen, errnum, "%s: %s", ctx->req->kernel_name, msg);
}

int boot_check_range(struct boot_ctx *ctx, const char *what, u64 addr, u64 size)
{
	unsigned long long a = addr, s = size;

	if (addr < BOOT_HIGH_START)
		return boot_err(ctx, EINVAL,
				"%s at 0x%llx overlaps the boot area below 1 MiB (kernels load at 1 MiB or above)",
				what, a);
	if (addr + size < addr || !guest_memory__ptr(ctx->mem, addr, size))
		return boot_err(ctx, ENOMEM,
				"%s [0x%llx, +0x%llx) does not fit in guest RAM (%llu MiB)",
				what, a, s, (unsigned long long)(ctx->mem->size / MiB));
	return 0;
}

int boot_load_cmdline(struct boot_ctx *ctx, u64 max_len)
{
	const char *cmdline = ctx->req->cmdline;
	size_t len = strlen(cmdline);
	u64 limit = min_u64(max_len, BOOT_CMDLINE_MAX - 1);

	if (len > limit)
		return set_err(ctx->err, ctx->errlen, E2BIG,
			       "command line is %zu bytes; %s accepts at most %llu",
			       len, ctx->req->kernel_name, (unsigned long long)limit);
	if (guest_memory__write(ctx->mem, BOOT_CMDLINE_ADDR, cmdline, len + 1))
		return set_err(ctx->err, ctx->errlen, ENOMEM,
			       "no guest RAM for the command line at 0x%llx", BOOT_CMDLINE_ADDR);
	ctx->cmdline_len = len;
	return 0;
}

int boot_load_initrd(struct boot_ctx *ctx, u64 limit)
{
	const struct boot_request *req = ctx->req;
	u64 size = req->initrd_size, addr;

	ctx->initrd_addr = 0;
	if (!req->initrd)
		return 0;
	limit = min_u64(limit, ctx->low_end);
	addr = size <= limit ? ALIGN_DOWN(limit - size, PAGE_SIZE) : 0;
	if (size > limit || addr < ALIGN_UP(ctx->kernel_end, PAGE_SIZE))
		return set_err(ctx->err, ctx->errlen, ENOMEM,
			       "initrd (%llu KiB) does not fit between the kernel's end at 0x%llx and 0x%llx; give the guest more memory",
			       (unsigned long long)(size / KiB),
			       (unsigned long long)ctx->kernel_end, (unsigned long long)limit);
	if (guest_memory__write(ctx->mem, addr, req->initrd, size))
		return set_err(ctx->err, ctx->errlen, EFAULT, "initrd at 0x%llx is not in guest RAM",
			       (unsigned long long)addr);
	ctx->initrd_addr = addr;
	pr_debug("initrd: %llu bytes at 0x%llx", (unsigned long long)size,
		 (unsigned long long)addr);
	return 0;
}

static int detect_and_load(struct boot_ctx *ctx, struct boot_entry *entry)
{
	const struct boot_request *req = ctx->req;
	struct multiboot_header mb;
	struct elf_file elf;
	u64 pvh_entry, mb_offset;
	int ret, is_elf;

	if (bzimage__detect(req->kernel, req->kernel_size))
		return bzimage__load(ctx, entry);
	ret = elf__parse(ctx, &elf);
	if (ret < 0)
		return ret;
	is_elf = ret == 0;
	if (is_elf) {
		ret = elf__find_pvh_entry(ctx, &elf, &pvh_entry);
		if (ret)
			return ret < 0 ? ret : pvh__load(ctx, &elf, pvh_entry, entry);
	}
	ret = multiboot__find(ctx, &mb, &mb_offset);
	if (ret)
		return ret < 0 ? ret : multiboot__load(ctx, &mb, mb_offset,
						       is_elf ? &elf : NULL, entry);
	if (is_elf && elf.is64 && elf.machine == EM_X86_64)
		return linux_elf__load(ctx, &elf, entry);
	if (is_elf)
		return boot_err(ctx, ENOEXEC,
				"%s ELF without a PVH note or multiboot header (a Linux vmlinux must be ELF64 x86-64)",
				elf.is64 ? "64-bit i386" : "32-bit");
	return boot_err(ctx, ENOEXEC,
			"not a kernel image nestvisor can boot (expected bzImage, ELF vmlinux, PVH ELF or multiboot)");
}

static int check_request(struct boot_ctx *ctx)
{
	const struct boot_request *req = ctx->req;

	if (req->ncpus < 1 || req->ncpus > BOOT_MAX_CPUS)
		return set_err(ctx->err, ctx->errlen, EINVAL, "%u vCPUs: the boot tables allow 1 to %u",
			       req->ncpus, BOOT_MAX_CPUS);
	if (!req->kernel || req->kernel_size == 0)
		return boot_err(ctx, ENOEXEC, "kernel image is empty");
	if (!req->initrd && req->initrd_size)
		return set_err(ctx->err, ctx->errlen, EINVAL, "initrd size without initrd data");
	if (!guest_memory__ptr(ctx->mem, 0, BOOT_HIGH_START) || ctx->low_end <= BOOT_HIGH_START)
		return set_err(ctx->err, ctx->errlen, ENOMEM,
			       "guest RAM (%llu KiB) is too small: the boot area alone needs 1 MiB",
			       (unsigned long long)(ctx->mem->size / KiB));
	return 0;
}

/* The boot area below 1 MiB is ours: clear it so no stale byte looks like a table. */
static int build_firmware(struct boot_ctx *ctx)
{
	int ret;

	memset(guest_memory__ptr(ctx->mem, 0, BOOT_HIGH_START), 0, BOOT_HIGH_START);
	ctx->ne820 = e820__build(ctx->mem, ctx->e820, E820_MAX_ENTRIES);
	ret = acpi__build(ctx->mem, ctx->req->ncpus, &ctx->rsdp_addr, ctx->err, ctx->errlen);
	if (ret)
		return ret;
	return mptable__build(ctx->mem, ctx->req->ncpus, ctx->err, ctx->errlen);
}

int boot__load(const struct guest_memory *mem, const struct boot_request *req,
	       struct boot_entry *entry, char *err, size_t errlen)
{
	struct boot_ctx ctx = {
		.mem = mem, .req = req, .err = err, .errlen = errlen,
		.low_end = guest_memory__low_end(mem),
	};
	int ret;

	memset(entry, 0, sizeof(*entry));
	ret = check_request(&ctx);
	if (!ret)
		ret = build_firmware(&ctx);
	if (!ret)
		ret = detect_and_load(&ctx, entry);
	if (!ret)
		ret = boot_write_cpu_tables(&ctx, entry->mode);
	if (ret)
		return ret;
	pr_info("%s: %s, entry 0x%llx", req->kernel_name, boot__protocol_name(entry->protocol),
		(unsigned long long)entry->rip);
	return 0;
}
