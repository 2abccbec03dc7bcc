/*
 * Test guest: x86 constants shared by the assembly and the C files (no C types here,
 * so .S files can include it).
 */
#ifndef TG_X86_H
#define TG_X86_H

/* GDT selectors, laid out in tables.S */
#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_UDATA	0x18
#define SEL_UCODE	0x20
#define SEL_TSS		0x28
#define GDT_ENTRIES	7
#define TSS_IOMAP_OFF	104
#define TSS_LIMIT	(TSS_IOMAP_OFF + 8192)	/* bitmap, then one 0xff byte */

/*
 * Ring 3 runs with interrupts off and does port I/O itself: IOPL 3 on real hardware, and
 * an all-zero TSS I/O bitmap for backends that ignore the guest's IOPL.
 */
#define RFLAGS_USER	0x3002

#define CR0_PE		(1 << 0)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define MSR_EFER	0xc0000080
#define EFER_LME	(1 << 8)

/* 2 MiB page-directory entry bits */
#define PTE_P		0x01
#define PTE_RW		0x02
#define PTE_US		0x04
#define PTE_PWT		0x08
#define PTE_PCD		0x10
#define PTE_PS		0x80

/*
 * System calls: ring 3 executes the ud2 at syscall_ud2 (user.S) with rax = SYS_*. An
 * exception is the one way into ring 0 that every backend delivers: on the local KVM
 * backend "int n" from ring 3 raises #UD and SYSCALL does not leave CPL 3.
 */
#define SYS_TRIPLE_FAULT 1
#define SYS_HALT	2
#define SYS_WRMSR	3	/* rdi = msr, rsi = value */
#define NR_EXCEPTIONS	32
#define VEC_UD		6
#define ISR_STUB_SIZE	16

#define KSTACK_SIZE	4096
#define USTACK_SIZE	65536
#define FAULT_STACK_SIZE 16384

#define MULTIBOOT_HEADER_MAGIC	0x1badb002
#define MULTIBOOT_LOADER_MAGIC	0x2badb002
#define PVH_START_MAGIC		0x336ec578
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* The AP trampoline runs in real mode from this page (free in nestvisor's layout). */
#define TRAMPOLINE_ADDR		0x8000

#endif
