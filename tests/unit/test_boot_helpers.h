/*
 * Helpers for the boot unit tests: guest RAM over a calloc'd buffer and hand-made kernel
 * images (bzImage header, ELF32/ELF64 with segments and notes, multiboot headers).
 */
#ifndef NV_TESTS_BOOT_HELPERS_H
#define NV_TESTS_BOOT_HELPERS_H

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "boot/bootparam.h"
#include "boot/layout.h"
#include "kvm/memory.h"
#include "tap.h"

struct test_vm {
	u8 *ram;
	struct guest_memory mem;
	struct boot_entry entry;
	char err[512];
};

static inline void vm_init(struct test_vm *vm, u64 size)
{
	memset(vm, 0, sizeof(*vm));
	vm->ram = calloc(1, size);
	if (!vm->ram) {
		fprintf(stderr, "out of memory for a %llu byte test guest\n",
			(unsigned long long)size);
		exit(2);
	}
	guest_memory__init_from(&vm->mem, vm->ram, size);
}

static inline void vm_free(struct test_vm *vm)
{
	free(vm->ram);
	vm->ram = NULL;
}

static inline void *gpa(struct test_vm *vm, u64 addr, u64 len)
{
	return guest_memory__ptr(&vm->mem, addr, len);
}

static inline int vm_boot(struct test_vm *vm, const u8 *kernel, size_t size, const u8 *initrd,
			  size_t initrd_size, const char *cmdline, unsigned ncpus)
{
	struct boot_request req = {
		.kernel_name = "KERNEL", .kernel = kernel, .kernel_size = size,
		.initrd = initrd, .initrd_size = initrd_size, .cmdline = cmdline, .ncpus = ncpus,
	};

	vm->err[0] = '\0';
	return boot__load(&vm->mem, &req, &vm->entry, vm->err, sizeof(vm->err));
}

/* Checks that err holds one line mentioning what. */
#define CHECK_ERR(vm, what)                                                   \
	do {                                                                  \
		CHECK(strstr((vm)->err, (what)) != NULL);                      \
		CHECK(strchr((vm)->err, '\n') == NULL);                        \
		if (!strstr((vm)->err, (what)))                                \
			printf("#   error was: %s\n", (vm)->err);            \
	} while (0)

static inline void fill_pattern(u8 *p, size_t len, u8 seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (u8)(seed + i * 7);
}

/* A bzImage: 4 setup sectors + boot sector, then pm_size bytes of "kernel". */
#define TEST_SETUP_SIZE (5 * 512)

static inline u8 *make_bzimage(size_t pm_size, struct setup_header *hdr_out, size_t *size)
{
	struct setup_header h;
	u8 *buf = calloc(1, TEST_SETUP_SIZE + pm_size);

	memset(&h, 0, sizeof(h));
	h.setup_sects = 4;
	h.syssize = (u32)(pm_size / 16);
	h.boot_flag = LINUX_BOOT_FLAG;
	h.jump = 0xeb | (u16)((0x26c - 0x202) << 8);	/* jmp short past the header */
	h.header = LINUX_HDRS_MAGIC;
	h.version = 0x020f;
	h.loadflags = LINUX_LOADED_HIGH;
	h.initrd_addr_max = 0x7fffffff;
	h.kernel_alignment = 0x200000;
	h.relocatable_kernel = 1;
	h.xloadflags = 0x3;
	h.cmdline_size = 2047;
	h.pref_address = 0x1000000;
	h.init_size = 0x800000;
	memcpy(buf + LINUX_SETUP_HDR_OFFSET, &h, sizeof(h));
	fill_pattern(buf + TEST_SETUP_SIZE, pm_size, 0x11);
	if (hdr_out)
		*hdr_out = h;
	*size = TEST_SETUP_SIZE + pm_size;
	return buf;
}

/* Rewrites the setup header of a bzImage made above. */
static inline void bz_set_header(u8 *buf, const struct setup_header *h)
{
	memcpy(buf + LINUX_SETUP_HDR_OFFSET, h, sizeof(*h));
}

struct tseg {
	u32 type;
	u64 paddr;
	u64 vaddr;
	u64 filesz;
	u64 memsz;
	const void *data;	/* NULL: a pattern */
	u64 align;
};

/* An ELF file: header, program headers, then each segment's bytes, 16-byte aligned. */
static inline u8 *make_elf(bool is64, u16 machine, u64 entry, const struct tseg *segs,
			   unsigned n, size_t *size)
{
	size_t eh = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t ph = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	size_t off = ALIGN_UP(eh + n * ph, 16), total = off;
	u8 *buf;

	for (unsigned i = 0; i < n; i++)
		total += ALIGN_UP(segs[i].filesz, 16);
	buf = calloc(1, total);
	memcpy(buf, ELFMAG, SELFMAG);
	buf[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
	buf[EI_DATA] = ELFDATA2LSB;
	buf[EI_VERSION] = EV_CURRENT;
	if (is64) {
		Elf64_Ehdr h;

		memcpy(&h, buf, sizeof(h));
		h.e_type = ET_EXEC, h.e_machine = machine, h.e_version = EV_CURRENT;
		h.e_entry = entry, h.e_phoff = eh, h.e_ehsize = (u16)eh;
		h.e_phentsize = (u16)ph, h.e_phnum = (u16)n;
		memcpy(buf, &h, sizeof(h));
	} else {
		Elf32_Ehdr h;

		memcpy(&h, buf, sizeof(h));
		h.e_type = ET_EXEC, h.e_machine = machine, h.e_version = EV_CURRENT;
		h.e_entry = (u32)entry, h.e_phoff = (u32)eh, h.e_ehsize = (u16)eh;
		h.e_phentsize = (u16)ph, h.e_phnum = (u16)n;
		memcpy(buf, &h, sizeof(h));
	}
	for (unsigned i = 0; i < n; i++) {
		const struct tseg *s = &segs[i];

		if (is64) {
			Elf64_Phdr p = { s->type, PF_R | PF_X, off, s->vaddr, s->paddr,
					 s->filesz, s->memsz, s->align };
			memcpy(buf + eh + i * ph, &p, sizeof(p));
		} else {
			Elf32_Phdr p = { s->type, (u32)off, (u32)s->vaddr, (u32)s->paddr,
					 (u32)s->filesz, (u32)s->memsz, PF_R | PF_X, (u32)s->align };
			memcpy(buf + eh + i * ph, &p, sizeof(p));
		}
		if (s->data)
			memcpy(buf + off, s->data, s->filesz);
		else
			fill_pattern(buf + off, s->filesz, (u8)(0x40 + i));
		off += ALIGN_UP(s->filesz, 16);
	}
	*size = total;
	return buf;
}

/* Offset of program header i's fields, for tests that corrupt them. */
static inline u8 *elf64_phdr(u8 *buf, unsigned i)
{
	return buf + sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr);
}

/* A note: namesz, descsz, type, name (padded to 4), desc (padded to 4). Returns its size. */
/* Boots k in a fresh RAM-byte guest, expects status want and an error naming what; frees k. */
static inline void check_boot_error(u8 *k, size_t size, u64 ram, int want, const char *what)
{
	struct test_vm vm;

	vm_init(&vm, ram);
	CHECK_EQ(vm_boot(&vm, k, size, NULL, 0, "", 1), want);
	CHECK_ERR(&vm, what);
	vm_free(&vm);
	free(k);
}

/* Plain byte sum, independent of acpi__checksum, for checking firmware-table checksums. */
static inline u8 byte_sum(const void *p, size_t len)
{
	const u8 *b = p;
	u8 s = 0;

	while (len--)
		s += *b++;
	return s;
}

static inline size_t make_note(u8 *p, const char *name, u32 type, const void *desc, u32 descsz)
{
	u32 namesz = (u32)strlen(name) + 1;
	u32 hdr[3] = { namesz, descsz, type };
	size_t off = 12;

	memcpy(p, hdr, 12);
	memcpy(p + off, name, namesz);
	off += ALIGN_UP(namesz, 4);
	memcpy(p + off, desc, descsz);
	return off + ALIGN_UP(descsz, 4);
}

#endif
