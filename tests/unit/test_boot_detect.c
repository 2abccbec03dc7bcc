/* Format detection, request checks, and mutated images (which must fail cleanly or load). */
#include "boot/multiboot.h"
#include "boot/pvh.h"
#include "test_boot_helpers.h"

#define RAM (32 * MiB)

static void test_protocol_names(void)
{
	CHECK(strstr(boot__protocol_name(BOOT_LINUX_BZIMAGE), "bzImage") != NULL);
	CHECK(strstr(boot__protocol_name(BOOT_LINUX_ELF), "vmlinux") != NULL);
	CHECK_STR(boot__protocol_name(BOOT_PVH), "PVH");
	CHECK_STR(boot__protocol_name(BOOT_MULTIBOOT), "multiboot");
	CHECK_STR(boot__protocol_name((enum boot_protocol)42), "unknown");
}

static void test_random_bytes(void)
{
	struct test_vm vm;
	u8 junk[4096];
	u32 x = 12345;

	for (size_t i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245 + 12345;
		junk[i] = (u8)(x >> 16);
	}
	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, junk, sizeof(junk), NULL, 0, "", 1), -ENOEXEC);
	CHECK_STR(vm.err, "KERNEL: not a kernel image nestvisor can boot (expected bzImage, "
			  "ELF vmlinux, PVH ELF or multiboot)");
	CHECK_EQ(vm_boot(&vm, junk, 3, NULL, 0, "", 1), -ENOEXEC);
	CHECK_EQ(vm_boot(&vm, (const u8 *)"\x7f" "ELF", 4, NULL, 0, "", 1), -EINVAL);
	CHECK_ERR(&vm, "truncated ELF header");
	CHECK_EQ(vm_boot(&vm, junk, 0, NULL, 0, "", 1), -ENOEXEC);
	CHECK_ERR(&vm, "empty");
	vm_free(&vm);
}

static void test_request_checks(void)
{
	struct test_vm vm;
	size_t size;
	u8 *k = make_bzimage(0x1000, NULL, &size);

	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 0), -EINVAL);
	CHECK_ERR(&vm, "0 vCPUs");
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 256), -EINVAL);
	CHECK_ERR(&vm, "1 to 255");
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 10, "", 1), -EINVAL);
	CHECK_ERR(&vm, "initrd size without initrd data");
	vm_free(&vm);
	/* The init_size area (16 + 8 MiB) fits in 32 MiB with 255 vCPUs' tables. */
	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 255), 0);
	vm_free(&vm);
	vm_init(&vm, 512 * KiB);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), -ENOMEM);
	CHECK_ERR(&vm, "too small");
	vm_free(&vm);
	vm_init(&vm, MiB);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), -ENOMEM);
	vm_free(&vm);
	free(k);
}

/* An ELF64 x86-64 with both a PVH note and a multiboot header boots PVH: the documented order. */
static void test_pvh_before_multiboot(void)
{
	struct test_vm vm;
	u8 body[0x200] = { 0 };
	u64 entry = 0x100000;
	struct multiboot_header mb = { .magic = MULTIBOOT_HEADER_MAGIC,
				       .checksum = -MULTIBOOT_HEADER_MAGIC };
	struct tseg segs[2] = {
		{ PT_LOAD, 0x100000, 0x100000, sizeof(body), sizeof(body), body, 0x1000 },
		{ PT_NOTE, 0, 0, 0, 0, NULL, 4 },
	};
	u8 note[32];
	size_t size;
	u8 *k;

	memcpy(body, &mb, 12);
	segs[1].filesz = segs[1].memsz = make_note(note, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry, 8);
	segs[1].data = note;
	k = make_elf(true, EM_X86_64, 0x100000, segs, 2, &size);
	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), 0);
	CHECK_EQ(vm.entry.protocol, BOOT_PVH);
	free(k);
	/* Without the note: multiboot wins over the vmlinux fallback. */
	k = make_elf(true, EM_X86_64, 0x100000, segs, 1, &size);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), 0);
	CHECK_EQ(vm.entry.protocol, BOOT_MULTIBOOT);
	free(k);
	vm_free(&vm);
}

/* Mutates one image many times; each attempt must load or fail with one line. */
static void fuzz_image(const u8 *orig, size_t size, u32 seed)
{
	struct test_vm vm;
	u8 *k = malloc(size);
	u8 initrd[64] = { 0 };
	unsigned ok = 0, failed = 0;

	vm_init(&vm, 48 * MiB);
	for (unsigned iter = 0; iter < 3000; iter++) {
		size_t len = size;
		int ret;

		memcpy(k, orig, size);
		for (unsigned m = 0; m < 1 + iter % 4; m++) {
			seed = seed * 1103515245 + 12345;
			/* Bias towards the headers, where the offsets and sizes live. */
			size_t pos = (seed >> 8) % (iter & 1 ? 0x280 : size);
			seed = seed * 1103515245 + 12345;
			k[pos % size] = (u8)(seed >> 16);
		}
		if (iter % 5 == 0)
			len = (seed >> 4) % size;
		/* An exact-size copy, so that a sanitizer sees any read past the end. */
		u8 *exact = malloc(len ? len : 1);

		memcpy(exact, k, len);
		ret = vm_boot(&vm, exact, len, initrd, sizeof(initrd), "fuzz", 1 + iter % 8);
		free(exact);
		if (ret == 0) {
			ok++;
			continue;
		}
		failed++;
		if (ret > 0 || vm.err[0] == '\0' || strchr(vm.err, '\n')) {
			CHECK(ret < 0 && vm.err[0] && !strchr(vm.err, '\n'));
			break;
		}
	}
	printf("# %u loaded, %u refused\n", ok, failed);
	vm_free(&vm);
	free(k);
}

static void test_fuzz_bzimage(void)
{
	size_t size;
	u8 *k = make_bzimage(0x1000, NULL, &size);

	fuzz_image(k, size, 1);
	free(k);
}

static void test_fuzz_elf(void)
{
	u64 entry = 0x180000;
	u8 note[32];
	struct tseg segs[] = {
		{ PT_LOAD, 0x100000, 0xffffffff80100000ULL, 0x100, 0x200000, NULL, 0x1000 },
		{ PT_NOTE, 0, 0, 0, 0, note, 4 },
		{ PT_LOAD, 0x400000, 0xffffffff80400000ULL, 0x80, 0x80, NULL, 0x1000 },
	};
	size_t size;
	u8 *k;

	segs[1].filesz = segs[1].memsz = make_note(note, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry, 4);
	k = make_elf(true, EM_X86_64, 0x100000, segs, 3, &size);
	fuzz_image(k, size, 2);
	free(k);
	k = make_elf(false, EM_386, 0x100000, segs, 3, &size);
	fuzz_image(k, size, 3);
	free(k);
}

static void test_fuzz_multiboot(void)
{
	u8 *k = calloc(1, 0x1000);
	struct multiboot_header h = { MULTIBOOT_HEADER_MAGIC, MULTIBOOT_AOUT_KLUDGE, 0,
				      0x100020, 0x100000, 0x100800, 0x101000, 0x100040 };

	h.checksum = -(h.magic + h.flags);
	memcpy(k + 0x20, &h, sizeof(h));
	fuzz_image(k, 0x1000, 4);
	free(k);
}

int main(void)
{
	RUN(test_protocol_names);
	RUN(test_random_bytes);
	RUN(test_request_checks);
	RUN(test_pvh_before_multiboot);
	RUN(test_fuzz_bzimage);
	RUN(test_fuzz_elf);
	RUN(test_fuzz_multiboot);
	return tap_done();
}
