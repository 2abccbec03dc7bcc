/*
 * bzImage through the Linux 64-bit boot protocol: the setup header goes into boot_params, the
 * protected-mode part to 1 MiB, and the vCPU starts at its 64-bit entry (+0x200).
 */
#include <errno.h>
#include <string.h>

#include "boot/bootparam.h"
#include "boot/layout.h"
#include "boot/loader.h"

#define SECTOR_SIZE		512
#define DEFAULT_SETUP_SECTS	4	/* setup_sects 0 means 4, for very old images */
#define HDR_JUMP_OFFSET		0x200
#define HDR_NEEDED_END		offsetof(struct boot_params, hdr.handover_offset)	/* up to init_size */

struct bzimage {
	struct setup_header hdr;	/* as found in the file, zero past its end */
	u64 hdr_len;			/* bytes of it present in the file */
	u64 setup_size;			/* boot sector + real-mode setup, skipped */
	u64 pm_size;			/* protected-mode part, loaded at 1 MiB */
};

static u32 le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

bool bzimage__detect(const u8 *buf, size_t size)
{
	return size >= offsetof(struct boot_params, hdr.version) &&
	       (buf[0x1fe] | buf[0x1ff] << 8) == LINUX_BOOT_FLAG &&
	       le32(buf + 0x202) == LINUX_HDRS_MAGIC;
}

/* The header's end is given by the jump at 0x200: 0x202 + its 8-bit displacement. */
static int read_header(struct boot_ctx *ctx, struct bzimage *bz)
{
	const u8 *buf = ctx->req->kernel;
	size_t size = ctx->req->kernel_size;
	u64 hdr_end = HDR_JUMP_OFFSET + 2 + buf[HDR_JUMP_OFFSET + 1];

	if (hdr_end > size)
		return boot_err(ctx, EINVAL,
				"truncated bzImage: the setup header ends at 0x%llx, the file has %zu bytes",
				(unsigned long long)hdr_end, size);
	bz->hdr_len = min_u64(hdr_end - LINUX_SETUP_HDR_OFFSET, sizeof(bz->hdr));
	memset(&bz->hdr, 0, sizeof(bz->hdr));
	memcpy(&bz->hdr, buf + LINUX_SETUP_HDR_OFFSET, bz->hdr_len);
	if (bz->hdr.version < LINUX_MIN_PROTOCOL)
		return boot_err(ctx, ENOEXEC,
				"bzImage boot protocol %u.%02u is too old (nestvisor needs 2.12 or later)",
				bz->hdr.version >> 8, bz->hdr.version & 0xff);
	if (hdr_end < HDR_NEEDED_END)
		return boot_err(ctx, EINVAL, "bzImage setup header ends at 0x%llx, before init_size",
				(unsigned long long)hdr_end);
	if (!(bz->hdr.xloadflags & LINUX_XLF_KERNEL_64))
		return boot_err(ctx, ENOEXEC,
				"bzImage has no 64-bit entry point (XLF_KERNEL_64 not set in xloadflags 0x%x)",
				bz->hdr.xloadflags);
	if (!(bz->hdr.loadflags & LINUX_LOADED_HIGH))
		return boot_err(ctx, ENOEXEC, "zImage (loaded low) is not supported; use a bzImage");
	return 0;
}

static int read_sizes(struct boot_ctx *ctx, struct bzimage *bz)
{
	size_t size = ctx->req->kernel_size;
	u64 sects = bz->hdr.setup_sects ? bz->hdr.setup_sects : DEFAULT_SETUP_SECTS;
	u64 promised = (u64)bz->hdr.syssize * 16;

	bz->setup_size = (sects + 1) * SECTOR_SIZE;
	if (bz->setup_size >= size)
		return boot_err(ctx, EINVAL,
				"truncated bzImage: the setup code takes %llu bytes, the file only %zu",
				(unsigned long long)bz->setup_size, size);
	bz->pm_size = size - bz->setup_size;
	/* Signed images carry trailing bytes, so only a shortfall is an error. */
	if (promised > bz->pm_size)
		return boot_err(ctx, EINVAL,
				"truncated bzImage: the header promises %llu bytes of kernel, the file holds %llu",
				(unsigned long long)promised, (unsigned long long)bz->pm_size);
	return 0;
}

/*
 * The kernel decompresses itself to max(load address aligned to kernel_alignment, pref_address)
 * (just pref_address if not relocatable) and needs init_size bytes there before it reads e820.
 */
static int kernel_area_end(struct boot_ctx *ctx, const struct bzimage *bz, u64 *end)
{
	const struct setup_header *h = &bz->hdr;
	u64 start = max_u64(h->pref_address, BOOT_HIGH_START);
	u64 align = h->kernel_alignment;

	if (h->relocatable_kernel) {
		if (align == 0 || (align & (align - 1)))
			return boot_err(ctx, EINVAL, "bzImage kernel_alignment 0x%llx is not a power of two",
					(unsigned long long)align);
		start = max_u64(ALIGN_UP(BOOT_HIGH_START, align), h->pref_address);
	}
	if (start >= ctx->low_end || h->init_size > ctx->low_end - start)
		return boot_err(ctx, ENOMEM,
				"kernel does not fit: it needs %llu MiB (init_size) from 0x%llx but guest RAM below the PCI hole ends at %llu MiB",
				(unsigned long long)(h->init_size / MiB), (unsigned long long)start,
				(unsigned long long)(ctx->low_end / MiB));
	*end = max_u64(BOOT_HIGH_START + bz->pm_size, start + h->init_size);
	return boot_check_range(ctx, "bzImage kernel", BOOT_HIGH_START, *end - BOOT_HIGH_START);
}

static int write_boot_params(struct boot_ctx *ctx, const struct bzimage *bz)
{
	struct boot_params bp;
	u64 cmdline_max = bz->hdr.cmdline_size;

	memset(&bp, 0, sizeof(bp));
	memcpy(&bp.hdr, &bz->hdr, sizeof(bp.hdr));
	return linux__finish_boot_params(ctx, &bp, cmdline_max, (u64)bz->hdr.initrd_addr_max + 1);
}

int bzimage__load(struct boot_ctx *ctx, struct boot_entry *entry)
{
	struct bzimage bz;
	u64 end = 0;
	int ret;

	ret = read_header(ctx, &bz);
	if (!ret)
		ret = read_sizes(ctx, &bz);
	if (!ret)
		ret = kernel_area_end(ctx, &bz, &end);
	if (ret)
		return ret;
	if (guest_memory__write(ctx->mem, BOOT_HIGH_START, ctx->req->kernel + bz.setup_size,
				bz.pm_size))
		return boot_err(ctx, ENOMEM, "no guest RAM for the kernel at 1 MiB");
	ctx->kernel_end = end;
	ret = write_boot_params(ctx, &bz);
	if (ret)
		return ret;
	entry->protocol = BOOT_LINUX_BZIMAGE;
	entry->mode = ENTRY_LONG64;
	entry->rip = BOOT_HIGH_START + LINUX_ENTRY64_OFFSET;
	entry->rsi = BOOT_ZERO_PAGE_ADDR;
	return 0;
}
