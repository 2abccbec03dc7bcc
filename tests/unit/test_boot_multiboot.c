/* Multiboot v1: ELF and a.out-kludge images, the information page, and header errors. */
#include "boot/e820.h"
#include "boot/multiboot.h"
#include "test_boot_helpers.h"

#define RAM (32 * MiB)

static struct multiboot_header mb_header(u32 flags)
{
	struct multiboot_header h = { .magic = MULTIBOOT_HEADER_MAGIC, .flags = flags };

	h.checksum = -(h.magic + h.flags);
	return h;
}

/* ELF32 linked at 3 GiB + 1 MiB virtual, loaded at 1 MiB physical; entry is virtual. */
static u8 *make_mb_elf(u32 flags, size_t *size)
{
	static u8 text[0x2000];
	struct multiboot_header h = mb_header(flags);
	struct tseg segs[] = {
		{ PT_LOAD, 0x100000, 0xc0100000, sizeof(text), 0x3000, text, 0x1000 },
	};

	fill_pattern(text, sizeof(text), 9);
	memcpy(text, &h, 12);
	return make_elf(false, EM_386, 0xc0100010, segs, 1, size);
}

/* Raw image: 0x4000 bytes, header at hdr_off; load_addr 2 MiB. */
#define AOUT_SIZE 0x4000
#define AOUT_LOAD 0x200000

static u8 *make_aout(u64 hdr_off, u32 load_end, u32 bss_end, u32 entry)
{
	u8 *k = malloc(AOUT_SIZE);
	struct multiboot_header h = mb_header(MULTIBOOT_AOUT_KLUDGE | MULTIBOOT_MEMORY_INFO);

	fill_pattern(k, AOUT_SIZE, 5);
	h.header_addr = AOUT_LOAD + (u32)hdr_off;
	h.load_addr = AOUT_LOAD;
	h.load_end_addr = load_end;
	h.bss_end_addr = bss_end;
	h.entry_addr = entry;
	memcpy(k + hdr_off, &h, sizeof(h));
	return k;
}

static void check_info(struct test_vm *vm, u64 initrd_size, const char *cmdline)
{
	const struct multiboot_info *mbi = gpa(vm, BOOT_INFO_ADDR, sizeof(*mbi));
	const struct multiboot_mmap_entry *mm;
	const struct multiboot_mod *mod;

	CHECK(mbi->flags & MULTIBOOT_INFO_MEMORY);
	CHECK(mbi->flags & MULTIBOOT_INFO_CMDLINE);
	CHECK(mbi->flags & MULTIBOOT_INFO_MODS);
	CHECK(mbi->flags & MULTIBOOT_INFO_MEM_MAP);
	CHECK(mbi->flags & MULTIBOOT_INFO_BOOT_LOADER_NAME);
	CHECK_EQ(mbi->mem_lower, 639);
	CHECK_EQ(mbi->mem_upper, (RAM - MiB) / KiB);
	CHECK_STR((const char *)gpa(vm, mbi->cmdline, strlen(cmdline) + 1), cmdline);
	CHECK_STR((const char *)gpa(vm, mbi->boot_loader_name, 10), "nestvisor");
	CHECK_EQ(mbi->mmap_length, 3 * 24);
	mm = gpa(vm, mbi->mmap_addr, 3 * sizeof(*mm));
	CHECK_EQ(mm[0].size, 20);
	CHECK_EQ(mm[0].addr, 0);
	CHECK_EQ(mm[0].len, BOOT_EBDA_START);
	CHECK_EQ(mm[0].type, E820_RAM);
	CHECK_EQ(mm[1].type, E820_RESERVED);
	CHECK_EQ(mm[2].addr, MiB);
	CHECK_EQ(mm[2].len, RAM - MiB);
	CHECK_EQ(mbi->mods_count, initrd_size ? 1 : 0);
	if (!initrd_size)
		return;
	mod = gpa(vm, mbi->mods_addr, sizeof(*mod));
	CHECK_EQ(mod->mod_start, ALIGN_DOWN(RAM - initrd_size, 4096));
	CHECK_EQ(mod->mod_end, mod->mod_start + initrd_size);
	CHECK_EQ(mod->mod_start % 4096, 0);
	CHECK_STR((const char *)gpa(vm, mod->string, 7), "initrd");
}

static void test_elf_kernel(void)
{
	struct test_vm vm;
	size_t size;
	u8 *k = make_mb_elf(MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO, &size);
	u8 initrd[300];
	const u8 *bss;

	fill_pattern(initrd, sizeof(initrd), 1);
	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, initrd, sizeof(initrd), "mb kernel args", 1), 0);
	CHECK_EQ(vm.entry.protocol, BOOT_MULTIBOOT);
	CHECK_EQ(vm.entry.mode, ENTRY_PROTECTED32);
	CHECK_EQ(vm.entry.rip, 0x100010);	/* e_entry translated to physical */
	CHECK_EQ(vm.entry.eax, MULTIBOOT_BOOTLOADER_MAGIC);
	CHECK_EQ(vm.entry.ebx, BOOT_INFO_ADDR);
	CHECK_EQ(*(u32 *)gpa(&vm, 0x100000, 4), MULTIBOOT_HEADER_MAGIC);
	bss = gpa(&vm, 0x102000, 0x1000);
	CHECK(bss[0] == 0 && bss[0xfff] == 0);
	check_info(&vm, sizeof(initrd), "mb kernel args");
	CHECK(!memcmp(gpa(&vm, ALIGN_DOWN(RAM - 300, 4096), 300), initrd, 300));
	vm_free(&vm);
	free(k);
}

static void test_video_flag_tolerated(void)
{
	struct test_vm vm;
	size_t size;
	u8 *k = make_mb_elf(MULTIBOOT_VIDEO_MODE, &size);

	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), 0);
	check_info(&vm, 0, "");
	vm_free(&vm);
	free(k);
}

static void test_unsupported_flags(void)
{
	struct test_vm vm;
	size_t size;
	u8 *k = make_mb_elf(MULTIBOOT_MEMORY_INFO | (1u << 3), &size);

	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), -EINVAL);
	CHECK_ERR(&vm, "requires features nestvisor does not provide (flags 0x8)");
	free(k);
	/* Optional bits (16-31) other than the kludge are ignored. */
	k = make_mb_elf(1u << 20, &size);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), 0);
	vm_free(&vm);
	free(k);
}

static void test_bad_checksum(void)
{
	struct test_vm vm;
	size_t size;
	u8 *k = make_mb_elf(0, &size);
	Elf32_Phdr ph;

	memcpy(&ph, k + sizeof(Elf32_Ehdr), sizeof(ph));
	k[ph.p_offset + 8] ^= 1;
	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), -EINVAL);
	CHECK_ERR(&vm, "bad checksum");
	vm_free(&vm);
	free(k);
}

static void test_aout_kludge(void)
{
	struct test_vm vm;
	u8 *k = make_aout(0x40, AOUT_LOAD + 0x3000, AOUT_LOAD + 0x5000, AOUT_LOAD + 0x100);
	const u8 *bss;
	bool zero = true;

	vm_init(&vm, RAM);
	memset(vm.ram + AOUT_LOAD, 0xcc, 0x8000);
	CHECK_EQ(vm_boot(&vm, k, AOUT_SIZE, NULL, 0, "x", 1), 0);
	CHECK_EQ(vm.entry.protocol, BOOT_MULTIBOOT);
	CHECK_EQ(vm.entry.rip, AOUT_LOAD + 0x100);
	CHECK(!memcmp(gpa(&vm, AOUT_LOAD, 0x3000), k, 0x3000));
	bss = gpa(&vm, AOUT_LOAD + 0x3000, 0x2000);
	for (unsigned i = 0; i < 0x2000; i++)
		zero &= bss[i] == 0;
	CHECK(zero);
	CHECK_EQ(*(u8 *)gpa(&vm, AOUT_LOAD + 0x5000, 1), 0xcc);
	check_info(&vm, 0, "x");
	free(k);
	/* load_end_addr 0: the whole file from the load offset; header not at file offset 0. */
	k = make_aout(0x1000, 0, 0, AOUT_LOAD);
	CHECK_EQ(vm_boot(&vm, k, AOUT_SIZE, NULL, 0, "", 1), 0);
	CHECK(!memcmp(gpa(&vm, AOUT_LOAD, AOUT_SIZE), k, AOUT_SIZE));
	vm_free(&vm);
	free(k);
}

/* The header says the image starts 0x800 before the header, at file offset 0x800. */
static void test_aout_load_offset(void)
{
	struct test_vm vm;
	u8 *k = make_aout(0x1000, AOUT_LOAD + 0x1000, 0, AOUT_LOAD);
	struct multiboot_header h;

	memcpy(&h, k + 0x1000, sizeof(h));
	h.header_addr = AOUT_LOAD + 0x800;
	memcpy(k + 0x1000, &h, sizeof(h));
	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, AOUT_SIZE, NULL, 0, "", 1), 0);
	CHECK(!memcmp(gpa(&vm, AOUT_LOAD, 0x1000), k + 0x800, 0x1000));
	vm_free(&vm);
	free(k);
}

static void check_aout_error(u8 *k, size_t size, int want, const char *what)
{
	check_boot_error(k, size, RAM, want, what);
}

static void patch_header(u8 *k, u64 off, u32 header_addr, u32 load_addr)
{
	struct multiboot_header h;

	memcpy(&h, k + off, sizeof(h));
	h.header_addr = header_addr;
	h.load_addr = load_addr;
	memcpy(k + off, &h, sizeof(h));
}

static void test_aout_errors(void)
{
	u8 *k;

	check_aout_error(make_aout(0x40, AOUT_LOAD + AOUT_SIZE + 1, 0, AOUT_LOAD), AOUT_SIZE,
			 -EINVAL, "load_end_addr");
	check_aout_error(make_aout(0x40, AOUT_LOAD - 1, 0, AOUT_LOAD), AOUT_SIZE, -EINVAL,
			 "load_end_addr");
	check_aout_error(make_aout(0x40, AOUT_LOAD + 0x2000, AOUT_LOAD + 0x1000, AOUT_LOAD),
			 AOUT_SIZE, -EINVAL, "bss_end_addr");
	check_aout_error(make_aout(0x40, AOUT_LOAD + 0x2000, 0, AOUT_LOAD + 0x2000), AOUT_SIZE,
			 -EINVAL, "entry_addr 0x202000 is outside the loaded image");
	check_aout_error(make_aout(0x40, AOUT_LOAD, 0, AOUT_LOAD), AOUT_SIZE, -EINVAL,
			 "image is empty");
	k = make_aout(0x40, 0, 0, AOUT_LOAD);
	patch_header(k, 0x40, AOUT_LOAD + 0x80, AOUT_LOAD);	/* would start before the file */
	check_aout_error(k, AOUT_SIZE, -EINVAL, "before the start of the file");
	k = make_aout(0x40, 0, 0, AOUT_LOAD);
	patch_header(k, 0x40, AOUT_LOAD - 0x100, AOUT_LOAD);	/* load_addr above header_addr */
	check_aout_error(k, AOUT_SIZE, -EINVAL, "before the start of the file");
	k = make_aout(0x40, 0, 0, 0x8000);
	patch_header(k, 0x40, 0x8040, 0x8000);
	check_aout_error(k, AOUT_SIZE, -EINVAL, "below 1 MiB");
	k = make_aout(0x40, 0, 0xfffff000, 0xffff0000);
	patch_header(k, 0x40, 0xffff0040, 0xffff0000);
	check_aout_error(k, AOUT_SIZE, -ENOMEM, "does not fit in guest RAM");
	/* A kludge header that would end past the first 8 KiB. */
	k = make_aout(0x1ff0, 0, 0, AOUT_LOAD);
	check_aout_error(k, AOUT_SIZE, -EINVAL, "cut off");
}

static void test_not_elf_without_kludge(void)
{
	struct test_vm vm;
	u8 k[0x1000] = { 0 };
	struct multiboot_header h = mb_header(MULTIBOOT_MEMORY_INFO);

	memcpy(k + 0x100, &h, 12);
	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, sizeof(k), NULL, 0, "", 1), -EINVAL);
	CHECK_ERR(&vm, "flags bit 16");
	vm_free(&vm);
}

static void test_header_search_window(void)
{
	struct test_vm vm;
	u8 *k = calloc(1, 0x4000);
	struct multiboot_header h = mb_header(MULTIBOOT_AOUT_KLUDGE);

	/* Beyond the first 8 KiB, or not 4-byte aligned: not a multiboot image. */
	memcpy(k + 0x2000, &h, sizeof(h));
	memcpy(k + 0x102, &h, sizeof(h));
	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, 0x4000, NULL, 0, "", 1), -ENOEXEC);
	CHECK_ERR(&vm, "not a kernel image nestvisor can boot");
	/* A file shorter than the header itself. */
	CHECK_EQ(vm_boot(&vm, k + 0x2000, 10, NULL, 0, "", 1), -ENOEXEC);
	vm_free(&vm);
	free(k);
}

int main(void)
{
	RUN(test_elf_kernel);
	RUN(test_video_flag_tolerated);
	RUN(test_unsupported_flags);
	RUN(test_bad_checksum);
	RUN(test_aout_kludge);
	RUN(test_aout_load_offset);
	RUN(test_aout_errors);
	RUN(test_not_elf_without_kludge);
	RUN(test_header_search_window);
	return tap_done();
}
