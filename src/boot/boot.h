/*
 * Kernel loading: recognise the image, place it, its initrd and command line in guest
 * memory with the boot information its protocol expects, and build the firmware tables
 * (e820, ACPI, MP). The caller then sets up vCPU 0 as struct boot_entry says.
 */
#ifndef NV_BOOT_BOOT_H
#define NV_BOOT_BOOT_H

#include "boot/layout.h"
#include "kvm/memory.h"
#include "util/util.h"

enum boot_protocol {
	BOOT_LINUX_BZIMAGE,	/* Linux 64-bit boot protocol, bzImage */
	BOOT_LINUX_ELF,		/* Linux 64-bit boot protocol, ELF vmlinux */
	BOOT_PVH,		/* ELF with XEN_ELFNOTE_PHYS32_ENTRY */
	BOOT_MULTIBOOT,		/* multiboot v1, ELF or a.out kludge */
};

enum cpu_entry_mode {
	ENTRY_LONG64,		/* long mode, paging on, identity map and GDT written at BOOT_* */
	ENTRY_PROTECTED32,	/* 32-bit flat protected mode, paging off, GDT at BOOT_GDT_ADDR */
};

struct boot_request {
	const char *kernel_name;	/* for messages */
	const u8 *kernel;
	size_t kernel_size;
	const u8 *initrd;		/* NULL when there is none */
	size_t initrd_size;
	const char *cmdline;		/* never NULL; may be "" */
	unsigned ncpus;
};

struct boot_entry {
	enum boot_protocol protocol;
	enum cpu_entry_mode mode;
	u64 rip;
	u64 rsi;	/* Linux: boot_params address */
	u32 eax;	/* multiboot: 0x2BADB002 */
	u32 ebx;	/* multiboot info or PVH start_info address */
};

/* APIC IDs are 8 bits and 0xff is the broadcast ID, so at most 255 vCPUs (IDs 0..254). */
#define BOOT_MAX_CPUS		255

/*
 * What the vCPU must look like at the entry, matching the GDT written at BOOT_GDT_ADDR
 * (selectors and BOOT_GDT_LIMIT are in layout.h). Descriptors are flat (base 0, limit
 * 4 GiB, 4 KiB granularity), DPL 0, accessed bit set; DS, ES, FS, GS and SS all take the
 * data segment; interrupts off. Each mode's GDT has four 8-byte slots:
 *
 * ENTRY_LONG64 (Linux 64-bit boot protocol: __BOOT_CS 0x10, __BOOT_DS 0x18):
 *	0x00 null, 0x08 null, 0x10 code64 BOOT_GDT_CODE64, 0x18 data BOOT_GDT_DATA;
 *	CR0 = PE | ET | PG, CR3 = BOOT_PML4_ADDR, CR4 = PAE, EFER = LME | LMA,
 *	the first 4 GiB identity-mapped with 2 MiB pages.
 * ENTRY_PROTECTED32 (PVH and multiboot: flat 32-bit, paging off):
 *	0x00 null, 0x08 code32 BOOT_GDT_CODE32, 0x10 data BOOT_GDT_DATA, 0x18 null;
 *	CR0 = PE | ET, CR3 = CR4 = EFER = 0.
 * TR is not in the GDT: the kernels we boot load their own before they need one.
 */
#define BOOT_GDT_CODE64		0x00af9b000000ffffULL	/* type 0xb, S, P, L, G */
#define BOOT_GDT_CODE32		0x00cf9b000000ffffULL	/* type 0xb, S, P, D, G */
#define BOOT_GDT_DATA		0x00cf93000000ffffULL	/* type 0x3, S, P, B, G */

#define BOOT_CR0_PE		(1ULL << 0)
#define BOOT_CR0_ET		(1ULL << 4)
#define BOOT_CR0_PG		(1ULL << 31)
#define BOOT_CR4_PAE		(1ULL << 5)
#define BOOT_EFER_LME		(1ULL << 8)
#define BOOT_EFER_LMA		(1ULL << 10)

/* A segment register as KVM's struct kvm_segment holds it (limit in bytes). */
struct boot_segment {
	u64 base;
	u32 limit;
	u16 selector;
	u8 type;	/* 0xb: code, execute/read, accessed; 0x3: data, read/write, accessed */
	u8 present, dpl, db, s, l, g;
};

struct boot_cpu_setup {
	struct boot_segment cs;
	struct boot_segment ds;		/* also ES, FS, GS, SS */
	u64 gdt_base;
	u16 gdt_limit;
	u64 cr0, cr3, cr4, efer;
};

/* The segment and control register values for mode; boot__load encodes its GDT from them. */
void boot__cpu_setup(enum cpu_entry_mode mode, struct boot_cpu_setup *setup);

const char *boot__protocol_name(enum boot_protocol protocol);

/* Loads everything into mem. On failure returns -errno and one line in err; mem may be dirty. */
int boot__load(const struct guest_memory *mem, const struct boot_request *req,
	       struct boot_entry *entry, char *err, size_t errlen) __must_check;

#endif
