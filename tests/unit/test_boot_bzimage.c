/* bzImage loading through the 64-bit boot protocol: placement, boot_params, initrd, errors. */
#include <glob.h>
#include <stdio.h>
#include <sys/stat.h>

#include "boot/e820.h"
#include "test_boot_helpers.h"

#define RAM (64 * MiB)
#define PM_SIZE 0x3000

static const struct boot_params *zero_page(struct test_vm *vm)
{
	return gpa(vm, BOOT_ZERO_PAGE_ADDR, sizeof(struct boot_params));
}

static void test_loads_at_1mib(void)
{
	struct test_vm vm;
	size_t size;
	u8 *k = make_bzimage(PM_SIZE, NULL, &size);
	const struct boot_params *bp;

	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "console=ttyS0 quiet", 2), 0);
	CHECK_EQ(vm.entry.protocol, BOOT_LINUX_BZIMAGE);
	CHECK_EQ(vm.entry.mode, ENTRY_LONG64);
	CHECK_EQ(vm.entry.rip, 0x100200);
	CHECK_EQ(vm.entry.rsi, BOOT_ZERO_PAGE_ADDR);
	CHECK(!memcmp(gpa(&vm, 0x100000, PM_SIZE), k + TEST_SETUP_SIZE, PM_SIZE));
	bp = zero_page(&vm);
	CHECK_EQ(bp->hdr.boot_flag, 0xaa55);
	CHECK_EQ(bp->hdr.header, LINUX_HDRS_MAGIC);
	CHECK_EQ(bp->hdr.version, 0x020f);
	CHECK_EQ(bp->hdr.type_of_loader, 0xff);
	CHECK_EQ(bp->hdr.init_size, 0x800000);		/* copied from the image */
	CHECK_EQ(bp->hdr.pref_address, 0x1000000);
	CHECK_EQ(bp->hdr.cmd_line_ptr, BOOT_CMDLINE_ADDR);
	CHECK_EQ(bp->ext_cmd_line_ptr, 0);
	CHECK_STR((const char *)gpa(&vm, BOOT_CMDLINE_ADDR, 20), "console=ttyS0 quiet");
	CHECK_EQ(bp->hdr.ramdisk_image, 0);
	CHECK_EQ(bp->hdr.ramdisk_size, 0);
	CHECK_EQ(bp->acpi_rsdp_addr, BOOT_ACPI_ADDR);
	CHECK_EQ(bp->sentinel, 0);
	CHECK_EQ(bp->e820_entries, 3);
	CHECK_EQ(bp->e820_table[0].addr, 0);
	CHECK_EQ(bp->e820_table[0].size, BOOT_EBDA_START);
	CHECK_EQ(bp->e820_table[0].type, E820_RAM);
	CHECK_EQ(bp->e820_table[1].addr, BOOT_EBDA_START);
	CHECK_EQ(bp->e820_table[1].type, E820_RESERVED);
	CHECK_EQ(bp->e820_table[2].addr, 0x100000);
	CHECK_EQ(bp->e820_table[2].size, RAM - 0x100000);
	CHECK_EQ(bp->e820_table[2].type, E820_RAM);
	vm_free(&vm);
	free(k);
}

static void test_initrd_highest_page(void)
{
	struct test_vm vm;
	size_t size, isize = 3 * MiB + 123;
	u8 *k = make_bzimage(PM_SIZE, NULL, &size);
	u8 *initrd = malloc(isize);
	const struct boot_params *bp;
	u64 want = ALIGN_DOWN(RAM - isize, 4096);

	fill_pattern(initrd, isize, 0x77);
	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, initrd, isize, "", 1), 0);
	bp = zero_page(&vm);
	CHECK_EQ(bp->hdr.ramdisk_image, want);
	CHECK_EQ(bp->hdr.ramdisk_size, isize);
	CHECK_EQ(bp->ext_ramdisk_image, 0);
	CHECK_EQ(bp->ext_ramdisk_size, 0);
	CHECK(!memcmp(gpa(&vm, want, isize), initrd, isize));
	/* Above the area the kernel decompresses into: pref_address + init_size. */
	CHECK(want >= 0x1000000 + 0x800000);
	vm_free(&vm);
	free(k);
	free(initrd);
}

static void test_initrd_addr_max(void)
{
	struct test_vm vm;
	struct setup_header h;
	size_t size, isize = 1 * MiB;
	u8 *k = make_bzimage(PM_SIZE, &h, &size);
	u8 *initrd = calloc(1, isize);

	h.initrd_addr_max = 32 * MiB - 1;
	bz_set_header(k, &h);
	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, initrd, isize, "", 1), 0);
	CHECK_EQ(zero_page(&vm)->hdr.ramdisk_image, 31 * MiB);
	vm_free(&vm);
	free(k);
	free(initrd);
}

static void test_initrd_does_not_fit(void)
{
	struct test_vm vm;
	size_t size, isize = 8 * MiB;
	u8 *k = make_bzimage(PM_SIZE, NULL, &size);
	u8 *initrd = calloc(1, isize);

	/* The kernel claims up to 24 MiB; 28 MiB of RAM leaves 4 MiB. */
	vm_init(&vm, 28 * MiB);
	CHECK_EQ(vm_boot(&vm, k, size, initrd, isize, "", 1), -ENOMEM);
	CHECK_ERR(&vm, "initrd");
	CHECK_ERR(&vm, "does not fit");
	vm_free(&vm);
	/* Larger than all the RAM below 4 GiB. */
	vm_init(&vm, 20 * MiB);
	CHECK_EQ(vm_boot(&vm, k, size, initrd, 40 * MiB, "", 1), -ENOMEM);
	vm_free(&vm);
	free(k);
	free(initrd);
}

static void test_init_size_does_not_fit(void)
{
	struct test_vm vm;
	size_t size;
	u8 *k = make_bzimage(PM_SIZE, NULL, &size);

	vm_init(&vm, 20 * MiB);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), -ENOMEM);
	CHECK_ERR(&vm, "kernel does not fit");
	CHECK_ERR(&vm, "init_size");
	vm_free(&vm);
	free(k);
}

static void test_non_relocatable_alignment(void)
{
	struct test_vm vm;
	struct setup_header h;
	size_t size;
	u8 *k = make_bzimage(PM_SIZE, &h, &size);

	h.kernel_alignment = 0x300000;	/* not a power of two */
	bz_set_header(k, &h);
	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), -EINVAL);
	CHECK_ERR(&vm, "kernel_alignment");
	/* Not relocatable: the alignment is never used. */
	h.relocatable_kernel = 0;
	bz_set_header(k, &h);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), 0);
	vm_free(&vm);
	free(k);
}

static void check_header_error(void (*change)(struct setup_header *), int want, const char *what)
{
	struct test_vm vm;
	struct setup_header h;
	size_t size;
	u8 *k = make_bzimage(PM_SIZE, &h, &size);

	change(&h);
	bz_set_header(k, &h);
	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), want);
	CHECK_ERR(&vm, what);
	CHECK(!strncmp(vm.err, "KERNEL: ", 8));
	vm_free(&vm);
	free(k);
}

static void old_protocol(struct setup_header *h) { h->version = 0x020b; }
static void no_kernel64(struct setup_header *h) { h->xloadflags = 0x2; }
static void not_high(struct setup_header *h) { h->loadflags = 0; }
static void short_header(struct setup_header *h) { h->jump = 0xeb | (0x40 << 8); }
static void big_syssize(struct setup_header *h) { h->syssize = PM_SIZE / 16 + 1; }
static void huge_setup(struct setup_header *h) { h->setup_sects = 200; }

static void test_header_errors(void)
{
	check_header_error(old_protocol, -ENOEXEC, "2.11 is too old");
	check_header_error(no_kernel64, -ENOEXEC, "XLF_KERNEL_64");
	check_header_error(not_high, -ENOEXEC, "zImage");
	check_header_error(short_header, -EINVAL, "before init_size");
	check_header_error(big_syssize, -EINVAL, "truncated bzImage");
	check_header_error(huge_setup, -EINVAL, "truncated bzImage");
}

static void test_truncated(void)
{
	struct test_vm vm;
	size_t size;
	u8 *k = make_bzimage(PM_SIZE, NULL, &size);

	vm_init(&vm, RAM);
	/* Every length that still shows the magic must fail cleanly, never read past it. */
	for (size_t len = 0x206; len < TEST_SETUP_SIZE + 16; len += 61) {
		u8 *copy = malloc(len);

		memcpy(copy, k, len);
		CHECK(vm_boot(&vm, copy, len, NULL, 0, "", 1) < 0);
		CHECK(strstr(vm.err, "truncated") != NULL);
		free(copy);
	}
	/* Too short to show the magic: not a kernel at all. */
	CHECK_EQ(vm_boot(&vm, k, 0x205, NULL, 0, "", 1), -ENOEXEC);
	CHECK_ERR(&vm, "not a kernel image");
	vm_free(&vm);
	free(k);
}

static void test_cmdline_too_long(void)
{
	struct test_vm vm;
	struct setup_header h;
	size_t size;
	u8 *k = make_bzimage(PM_SIZE, &h, &size);
	char *big = malloc(BOOT_CMDLINE_MAX + 10);

	h.cmdline_size = 16;
	bz_set_header(k, &h);
	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "0123456789abcdef", 1), 0);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "0123456789abcdefg", 1), -E2BIG);
	CHECK_ERR(&vm, "command line is 17 bytes");
	CHECK_ERR(&vm, "at most 16");
	/* Our own area bounds it too, whatever the kernel says. */
	h.cmdline_size = 0xffffffff;
	bz_set_header(k, &h);
	memset(big, 'x', BOOT_CMDLINE_MAX + 9);
	big[BOOT_CMDLINE_MAX + 9] = '\0';
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, big, 1), -E2BIG);
	big[BOOT_CMDLINE_MAX - 1] = '\0';
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, big, 1), 0);
	vm_free(&vm);
	free(k);
	free(big);
}

static void test_long_mode_tables(void)
{
	struct test_vm vm;
	struct boot_cpu_setup setup;
	size_t size;
	u8 *k = make_bzimage(PM_SIZE, NULL, &size);
	const u64 *gdt, *pml4, *pdpt, *pd;

	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), 0);
	gdt = gpa(&vm, BOOT_GDT_ADDR, BOOT_GDT_LIMIT + 1);
	CHECK_EQ(gdt[0], 0);
	CHECK_EQ(gdt[1], 0);
	CHECK(gdt[BOOT_CS_LONG64 / 8] == BOOT_GDT_CODE64);
	CHECK(gdt[BOOT_DS_LONG64 / 8] == BOOT_GDT_DATA);
	pml4 = gpa(&vm, BOOT_PML4_ADDR, 4096);
	pdpt = gpa(&vm, BOOT_PDPT_ADDR, 4096);
	pd = gpa(&vm, BOOT_PD_ADDR, 4 * 4096);
	CHECK(pml4[0] == (BOOT_PDPT_ADDR | 3));
	CHECK_EQ(pml4[1], 0);
	CHECK(pdpt[3] == ((BOOT_PD_ADDR + 3 * 4096) | 3));
	CHECK_EQ(pdpt[4], 0);
	CHECK(pd[0] == 0x83);
	CHECK(pd[2047] == ((2047ULL << 21) | 0x83));
	boot__cpu_setup(ENTRY_LONG64, &setup);
	CHECK_EQ(setup.cs.selector, 0x10);
	CHECK_EQ(setup.ds.selector, 0x18);
	CHECK_EQ(setup.cs.l, 1);
	CHECK_EQ(setup.cs.db, 0);
	CHECK_EQ(setup.gdt_base, BOOT_GDT_ADDR);
	CHECK_EQ(setup.gdt_limit, BOOT_GDT_LIMIT);
	CHECK_EQ(setup.cr3, BOOT_PML4_ADDR);
	CHECK(setup.cr0 & BOOT_CR0_PG);
	CHECK_EQ(setup.efer, BOOT_EFER_LME | BOOT_EFER_LMA);
	vm_free(&vm);
	free(k);
}

static u8 *read_file(const char *path, size_t *size)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	u8 *buf;

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) || !(buf = malloc(st.st_size))) {
		fclose(f);
		return NULL;
	}
	*size = fread(buf, 1, st.st_size, f);
	fclose(f);
	return buf;
}

static void test_real_debian_kernel(void)
{
	static char reason[256];
	struct test_vm vm;
	glob_t g;
	size_t size = 0;
	u8 *k;
	const struct boot_params *bp;
	u64 setup;

	if (glob("/boot/vmlinuz-*", 0, NULL, &g) || g.gl_pathc == 0) {
		SKIP("no /boot/vmlinuz-* on this machine (package linux-image-amd64)");
		return;
	}
	k = read_file(g.gl_pathv[0], &size);
	if (!k) {
		snprintf(reason, sizeof(reason), "cannot read %s", g.gl_pathv[0]);
		globfree(&g);
		SKIP(reason);
		return;
	}
	printf("# using %s (%zu bytes)\n", g.gl_pathv[0], size);
	globfree(&g);
	vm_init(&vm, 256 * MiB);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "console=ttyS0", 1), 0);
	CHECK_EQ(vm.entry.protocol, BOOT_LINUX_BZIMAGE);
	CHECK_EQ(vm.entry.rip, 0x100200);
	bp = zero_page(&vm);
	CHECK(bp->hdr.version >= 0x020c);
	CHECK(bp->hdr.xloadflags & LINUX_XLF_KERNEL_64);
	setup = ((u64)(k[0x1f1] ? k[0x1f1] : 4) + 1) * 512;
	CHECK(!memcmp(gpa(&vm, 0x100000, size - setup), k + setup, size - setup));
	vm_free(&vm);
	free(k);
}

int main(void)
{
	RUN(test_loads_at_1mib);
	RUN(test_initrd_highest_page);
	RUN(test_initrd_addr_max);
	RUN(test_initrd_does_not_fit);
	RUN(test_init_size_does_not_fit);
	RUN(test_non_relocatable_alignment);
	RUN(test_header_errors);
	RUN(test_truncated);
	RUN(test_cmdline_too_long);
	RUN(test_long_mode_tables);
	RUN(test_real_debian_kernel);
	return tap_done();
}
