/*
 * Fuzz target: the kernel-image loaders behind boot__load (bzImage, ELF vmlinux, PVH,
 * multiboot) and the tables they build. The input picks the guest's RAM size and vCPU
 * count, then gives the command line, the initrd and the kernel image. A refusal must
 * come with one line of error; nothing may be written outside guest RAM.
 */
#include <stdio.h>
#include <sys/mman.h>

#include "boot/boot.h"
#include "fuzz_common.h"

#define RAM_MAX		(64 * MiB)
#define RAM_STEP	(512 * KiB)
#define CMDLINE_MAX	4096

static u8 *ram;
static char cmdline[CMDLINE_MAX + 1];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	ram = mmap(NULL, RAM_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	u64 ram_size = RAM_STEP * (1 + fuzz_u8(&in) % (RAM_MAX / RAM_STEP));
	unsigned ncpus = fuzz_u8(&in);		/* 0 and past BOOT_MAX_CPUS included */
	size_t cmd_len = fuzz_u16(&in) % (CMDLINE_MAX + 1);
	size_t initrd_len = fuzz_u16(&in);
	struct boot_request req = { .kernel_name = "fuzz-kernel", .ncpus = ncpus };
	struct guest_memory mem;
	struct boot_entry entry;
	char err[512] = "";
	int ret;

	fuzz_bytes(&in, cmdline, min_u64(cmd_len, in.left));
	cmdline[min_u64(cmd_len, CMDLINE_MAX)] = '\0';
	req.cmdline = cmdline;
	initrd_len = min_u64(initrd_len, in.left);
	if (initrd_len) {
		req.initrd = in.p;
		req.initrd_size = initrd_len;
		in.p += initrd_len;
		in.left -= initrd_len;
	}
	req.kernel = in.p;
	req.kernel_size = in.left;
	/* Fresh zero pages each time, cheaply. */
	madvise(ram, RAM_MAX, MADV_DONTNEED);
	guest_memory__init_from(&mem, ram, ram_size);
	ret = boot__load(&mem, &req, &entry, err, sizeof(err));
	if (ret > 0 || (ret < 0 && (!err[0] || strchr(err, '\n')))) {
		fprintf(stderr, "fuzz_boot: returned %d with error \"%s\"\n", ret, err);
		abort();
	}
	return 0;
}
