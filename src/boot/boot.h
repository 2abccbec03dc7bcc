/*
 * Kernel loading: recognise the image, place it, its initrd and command line in guest
 * memory with the boot information its protocol expects, and build the firmware tables
 * (e820, ACPI, MP). The caller then sets up vCPU 0 as struct boot_entry says.
 */
#ifndef NV_BOOT_BOOT_H
#define NV_BOOT_BOOT_H

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

const char *boot__protocol_name(enum boot_protocol protocol);

/* Loads everything into mem. On failure returns -errno and one line in err; mem may be dirty. */
int boot__load(const struct guest_memory *mem, const struct boot_request *req,
	       struct boot_entry *entry, char *err, size_t errlen) __must_check;

#endif
