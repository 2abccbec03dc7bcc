/* ELF kernels: Linux vmlinux (64-bit boot protocol), PVH, and every malformed ELF we refuse. */
#include "boot/e820.h"
#include "boot/pvh.h"
#include "test_boot_helpers.h"

#define RAM (64 * MiB)
#define KBASE 0x1000000ULL

static const struct boot_params *zero_page(struct test_vm *vm)
{
	return gpa(vm, BOOT_ZERO_PAGE_ADDR, sizeof(struct boot_params));
}

/* vmlinux-like: text at 16 MiB, data + bss at 16 MiB + 64 KiB. */
static u8 *make_vmlinux(size_t *size)
{
	struct tseg segs[] = {
		{ PT_LOAD, KBASE, 0xffffffff81000000ULL, 0x2000, 0x2000, NULL, 0x1000 },
		{ PT_LOAD, KBASE + 0x10000, 0xffffffff81010000ULL, 0x1000, 0x5000, NULL, 0x1000 },
	};

	return make_elf(true, EM_X86_64, KBASE, segs, 2, size);
}

static u64 seg_offset(u8 *k, unsigned i)
{
	Elf64_Phdr ph;

	memcpy(&ph, elf64_phdr(k, i), sizeof(ph));
	return ph.p_offset;
}

static void test_vmlinux(void)
{
	struct test_vm vm;
	size_t size, isize = 5000;
	u8 *k = make_vmlinux(&size), initrd[5000];
	const struct boot_params *bp;
	const u8 *bss;
	bool zero = true;

	fill_pattern(initrd, isize, 3);
	vm_init(&vm, RAM);
	memset(vm.ram + KBASE, 0xcc, 0x20000);	/* the bss must be cleared, not found clear */
	CHECK_EQ(vm_boot(&vm, k, size, initrd, isize, "root=/dev/vda", 1), 0);
	CHECK_EQ(vm.entry.protocol, BOOT_LINUX_ELF);
	CHECK_EQ(vm.entry.mode, ENTRY_LONG64);
	CHECK_EQ(vm.entry.rip, KBASE);
	CHECK_EQ(vm.entry.rsi, BOOT_ZERO_PAGE_ADDR);
	CHECK(!memcmp(gpa(&vm, KBASE, 0x2000), k + seg_offset(k, 0), 0x2000));
	CHECK(!memcmp(gpa(&vm, KBASE + 0x10000, 0x1000), k + seg_offset(k, 1), 0x1000));
	bss = gpa(&vm, KBASE + 0x11000, 0x4000);
	for (unsigned i = 0; i < 0x4000; i++)
		zero &= bss[i] == 0;
	CHECK(zero);
	CHECK_EQ(*(u8 *)gpa(&vm, KBASE + 0x15000, 1), 0xcc);	/* past memsz: untouched */
	bp = zero_page(&vm);
	CHECK_EQ(bp->hdr.boot_flag, 0xaa55);
	CHECK_EQ(bp->hdr.header, LINUX_HDRS_MAGIC);
	CHECK_EQ(bp->hdr.version, 0x020c);
	CHECK_EQ(bp->hdr.type_of_loader, 0xff);
	CHECK_EQ(bp->hdr.kernel_alignment, 0x1000000);
	CHECK_EQ(bp->hdr.cmd_line_ptr, BOOT_CMDLINE_ADDR);
	CHECK_STR((const char *)gpa(&vm, BOOT_CMDLINE_ADDR, 14), "root=/dev/vda");
	CHECK_EQ(bp->hdr.ramdisk_image, ALIGN_DOWN(RAM - isize, 4096));
	CHECK_EQ(bp->hdr.ramdisk_size, isize);
	CHECK(!memcmp(gpa(&vm, bp->hdr.ramdisk_image, isize), initrd, isize));
	CHECK_EQ(bp->acpi_rsdp_addr, BOOT_ACPI_ADDR);
	CHECK_EQ(bp->e820_entries, 3);
	CHECK_EQ(bp->e820_table[2].size, RAM - MiB);
	vm_free(&vm);
	free(k);
}

static void test_vmlinux_initrd_above_kernel(void)
{
	struct test_vm vm;
	size_t size;
	u8 *k = make_vmlinux(&size);
	static u8 initrd[2 * MiB];

	/* 17 MiB of RAM: 16 MiB + 0x15000 of kernel leaves less than 2 MiB. */
	vm_init(&vm, 17 * MiB + 64 * KiB);
	CHECK_EQ(vm_boot(&vm, k, size, initrd, sizeof(initrd), "", 1), -ENOMEM);
	CHECK_ERR(&vm, "initrd (2048 KiB) does not fit");
	vm_free(&vm);
	free(k);
}

static u8 *make_pvh(bool is64, u32 descsz, u64 entry, size_t *size)
{
	u8 note[64];
	size_t nlen = make_note(note, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &entry, descsz);
	u8 gnu[32];
	size_t glen = make_note(gnu, "GNU", 3, "abcdefgh", 8);
	u8 notes[96];
	struct tseg segs[] = {
		{ PT_LOAD, 0x200000, 0xffffffff80200000ULL, 0x3000, 0x4000, NULL, 0x1000 },
		{ PT_NOTE, 0, 0, glen + nlen, glen + nlen, notes, 4 },
	};

	/* Another note first, so the walk has to step over it. */
	memcpy(notes, gnu, glen);
	memcpy(notes + glen, note, nlen);
	return make_elf(is64, is64 ? EM_X86_64 : EM_386, 0xffffffff80200000ULL, segs, 2, size);
}

static void check_start_info(struct test_vm *vm, bool with_initrd, u64 initrd_size)
{
	const struct hvm_start_info *si = gpa(vm, BOOT_INFO_ADDR, sizeof(*si));
	const struct hvm_memmap_table_entry *mm;
	const struct hvm_modlist_entry *mod;

	CHECK_EQ(si->magic, XEN_HVM_START_MAGIC);
	CHECK_EQ(si->version, 1);
	CHECK_EQ(si->cmdline_paddr, BOOT_CMDLINE_ADDR);
	CHECK_EQ(si->rsdp_paddr, BOOT_ACPI_ADDR);
	CHECK_EQ(si->memmap_entries, 3);
	mm = gpa(vm, si->memmap_paddr, 3 * sizeof(*mm));
	CHECK(mm != NULL);
	if (mm) {
		CHECK_EQ(mm[0].addr, 0);
		CHECK_EQ(mm[0].type, E820_RAM);
		CHECK_EQ(mm[1].addr, BOOT_EBDA_START);
		CHECK_EQ(mm[1].type, E820_RESERVED);
		CHECK_EQ(mm[2].addr + mm[2].size, RAM);
		CHECK_EQ(mm[2].reserved, 0);
	}
	CHECK_EQ(si->nr_modules, with_initrd ? 1 : 0);
	if (!with_initrd)
		return;
	mod = gpa(vm, si->modlist_paddr, sizeof(*mod));
	CHECK(mod != NULL);
	if (mod) {
		CHECK_EQ(mod->paddr, ALIGN_DOWN(RAM - initrd_size, 4096));
		CHECK_EQ(mod->size, initrd_size);
	}
}

static void test_pvh(bool is64, u32 descsz)
{
	struct test_vm vm;
	struct boot_cpu_setup setup;
	size_t size;
	u8 *k = make_pvh(is64, descsz, 0x200040, &size), initrd[100] = { 1, 2, 3 };
	const u64 *gdt;

	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, initrd, sizeof(initrd), "pvh", 3), 0);
	CHECK_EQ(vm.entry.protocol, BOOT_PVH);
	CHECK_EQ(vm.entry.mode, ENTRY_PROTECTED32);
	CHECK_EQ(vm.entry.rip, 0x200040);
	CHECK_EQ(vm.entry.ebx, BOOT_INFO_ADDR);
	check_start_info(&vm, true, sizeof(initrd));
	CHECK(!memcmp(gpa(&vm, ALIGN_DOWN(RAM - 100, 4096), 100), initrd, 100));
	gdt = gpa(&vm, BOOT_GDT_ADDR, BOOT_GDT_LIMIT + 1);
	boot__cpu_setup(ENTRY_PROTECTED32, &setup);
	CHECK_EQ(gdt[0], 0);
	CHECK(gdt[setup.cs.selector / 8] == BOOT_GDT_CODE32);
	CHECK(gdt[setup.ds.selector / 8] == BOOT_GDT_DATA);
	CHECK_EQ(gdt[3], 0);
	CHECK_EQ(setup.cs.selector, BOOT_CS_PROT32);
	CHECK_EQ(setup.ds.selector, BOOT_DS_PROT32);
	CHECK_EQ(setup.cs.db, 1);
	CHECK_EQ(setup.cr0, BOOT_CR0_PE | BOOT_CR0_ET);
	CHECK_EQ(setup.efer, 0);
	CHECK_EQ(setup.gdt_limit, BOOT_GDT_LIMIT);
	vm_free(&vm);
	free(k);
}

static void test_pvh64_quad_note(void) { test_pvh(true, 8); }
static void test_pvh32_long_note(void) { test_pvh(false, 4); }

static void test_pvh_without_initrd(void)
{
	struct test_vm vm;
	size_t size;
	u8 *k = make_pvh(true, 4, 0x200000, &size);

	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), 0);
	check_start_info(&vm, false, 0);
	vm_free(&vm);
	free(k);
}

static void test_pvh_bad_notes(void)
{
	struct test_vm vm;
	size_t size;
	u8 *k;

	vm_init(&vm, RAM);
	k = make_pvh(true, 2, 0x200000, &size);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), -EINVAL);
	CHECK_ERR(&vm, "PVH entry note has 2 bytes");
	free(k);
	k = make_pvh(true, 8, 0x100000000ULL, &size);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), -EINVAL);
	CHECK_ERR(&vm, "above 4 GiB");
	free(k);
	k = make_pvh(true, 4, 0x900000, &size);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), -EINVAL);
	CHECK_ERR(&vm, "PVH entry point 0x900000 is not inside a loaded segment");
	free(k);
	/* A note whose descsz runs past its segment. */
	k = make_pvh(true, 4, 0x200000, &size);
	{
		Elf64_Phdr ph;
		u32 huge = 0xfffffff0;

		memcpy(&ph, elf64_phdr(k, 1), sizeof(ph));
		memcpy(k + ph.p_offset + 4, &huge, 4);
	}
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), -EINVAL);
	CHECK_ERR(&vm, "malformed ELF note");
	free(k);
	vm_free(&vm);
}

static void set_phdr64(u8 *k, unsigned i, size_t field, u64 value)
{
	memcpy(elf64_phdr(k, i) + field, &value, 8);
}

static void check_vmlinux_error(size_t field, unsigned seg, u64 value, int want,
				const char *what)
{
	struct test_vm vm;
	size_t size;
	u8 *k = make_vmlinux(&size);

	set_phdr64(k, seg, field, value);
	vm_init(&vm, RAM);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), want);
	CHECK_ERR(&vm, what);
	vm_free(&vm);
	free(k);
}

static void test_bad_segments(void)
{
	size_t off = offsetof(Elf64_Phdr, p_offset), pa = offsetof(Elf64_Phdr, p_paddr);
	size_t fsz = offsetof(Elf64_Phdr, p_filesz), msz = offsetof(Elf64_Phdr, p_memsz);

	check_vmlinux_error(off, 1, 0x100000, -EINVAL, "ELF segment 1: file bytes");
	check_vmlinux_error(off, 0, ~0ULL - 10, -EINVAL, "lie outside the file");
	check_vmlinux_error(fsz, 1, 0x6000, -EINVAL, "file size 0x6000 exceeds memory size");
	check_vmlinux_error(pa, 0, 0x8000, -EINVAL, "overlaps the boot area below 1 MiB");
	check_vmlinux_error(pa, 1, 0xfff00, -EINVAL, "below 1 MiB");
	check_vmlinux_error(pa, 1, RAM - 0x1000, -ENOMEM, "does not fit in guest RAM");
	check_vmlinux_error(pa, 1, ~0ULL - 0xfff, -ENOMEM, "does not fit in guest RAM");
	check_vmlinux_error(msz, 1, ~0ULL, -ENOMEM, "does not fit in guest RAM");
	check_vmlinux_error(pa, 0, 0x3000000, -EINVAL, "vmlinux entry point 0x1000000");
}

static void check_elf_error(u8 *k, size_t size, int want, const char *what)
{
	check_boot_error(k, size, RAM, want, what);
}

static void test_bad_headers(void)
{
	struct tseg seg = { PT_LOAD, KBASE, KBASE, 0x100, 0x100, NULL, 0 };
	struct tseg phdr = { PT_PHDR, 0, 0, 0x10, 0x10, NULL, 8 };
	size_t size;
	u8 *k;

	k = make_elf(true, 40, KBASE, &seg, 1, &size);
	check_elf_error(k, size, -ENOEXEC, "ELF for machine 40 (not x86-64)");
	k = make_elf(true, EM_X86_64, KBASE, &seg, 1, &size);
	check_elf_error(k, 30, -EINVAL, "truncated ELF64 header");
	k = make_elf(false, EM_386, KBASE, &seg, 1, &size);
	check_elf_error(k, 40, -EINVAL, "truncated ELF32 header");
	k = make_elf(true, EM_X86_64, KBASE, &seg, 1, &size);
	check_elf_error(k, 64 + 20, -EINVAL, "program headers");	/* cut inside the phdrs */
	k = make_elf(true, EM_X86_64, KBASE, &seg, 1, &size);
	((Elf64_Ehdr *)k)->e_phnum = 60000;
	check_elf_error(k, size, -EINVAL, "run past the end of the file");
	k = make_elf(true, EM_X86_64, KBASE, &seg, 1, &size);
	((Elf64_Ehdr *)k)->e_phoff = ~0ULL - 8;
	check_elf_error(k, size, -EINVAL, "run past the end of the file");
	k = make_elf(true, EM_X86_64, KBASE, &seg, 1, &size);
	((Elf64_Ehdr *)k)->e_phentsize = 20;
	check_elf_error(k, size, -EINVAL, "program header size 20");
	k = make_elf(true, EM_X86_64, KBASE, &seg, 1, &size);
	((Elf64_Ehdr *)k)->e_phnum = 0;
	check_elf_error(k, size, -EINVAL, "no program headers");
	k = make_elf(true, EM_X86_64, KBASE, &phdr, 1, &size);
	check_elf_error(k, size, -EINVAL, "no loadable (PT_LOAD) segment");
	k = make_elf(true, EM_X86_64, KBASE, &seg, 1, &size);
	k[EI_DATA] = ELFDATA2MSB;
	check_elf_error(k, size, -ENOEXEC, "big-endian");
	k = make_elf(true, EM_X86_64, KBASE, &seg, 1, &size);
	k[EI_CLASS] = 7;
	check_elf_error(k, size, -EINVAL, "ELF class 7");
	k = make_elf(false, EM_386, KBASE, &seg, 1, &size);
	check_elf_error(k, size, -ENOEXEC, "32-bit ELF without a PVH note or multiboot header");
}

int main(void)
{
	RUN(test_vmlinux);
	RUN(test_vmlinux_initrd_above_kernel);
	RUN(test_pvh64_quad_note);
	RUN(test_pvh32_long_note);
	RUN(test_pvh_without_initrd);
	RUN(test_pvh_bad_notes);
	RUN(test_bad_segments);
	RUN(test_bad_headers);
	return tap_done();
}
