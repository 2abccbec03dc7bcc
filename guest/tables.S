/*
 * Test guest: the static CPU tables (GDT, TSS, page tables) and the ring-0 stacks. The
 * page tables are built by the assembler, so ring 0 spends no time filling them.
 */
#include "x86.h"

	.section .data, "aw"
	.p2align 4
	.globl gdt
gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* SEL_KCODE: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff	/* SEL_KDATA */
	.quad 0x00cff2000000ffff	/* SEL_UDATA: DPL 3 */
	.quad 0x00affa000000ffff	/* SEL_UCODE: 64-bit code, DPL 3 */
	.quad 0x0000890000000000 | TSS_LIMIT	/* SEL_TSS: 64-bit TSS; base set at entry */
	.quad 0				/* TSS base 63:32 */
gdt_end:

	.p2align 3
	.globl gdt_ptr
gdt_ptr:
	.word gdt_end - gdt - 1
	.quad gdt

	.p2align 4
	.globl tss
tss:
	.long 0
	.quad kstack_top		/* rsp0: the stack for traps from ring 3 */
	.quad 0, 0, 0			/* rsp1, rsp2, reserved */
	.quad 0, 0, 0, 0, 0, 0, 0	/* IST1-7 */
	.quad 0
	.word 0
	.word TSS_IOMAP_OFF
	.fill 8192, 1, 0		/* every port allowed from ring 3 */
	.byte 0xff

/*
 * Identity map of the first 4 GiB with 2 MiB pages, all user-accessible so that ring 3
 * reaches RAM, firmware tables and the LAPIC/IOAPIC. The top 32 MiB (MMIO) is uncached.
 */
	.section .data.pagetables, "aw"
	.p2align 12
	.globl pml4
pml4:
	.quad pdpt + (PTE_P | PTE_RW | PTE_US)
	.fill 511, 8, 0
pdpt:
	.quad pd + 0x0000 + (PTE_P | PTE_RW | PTE_US)
	.quad pd + 0x1000 + (PTE_P | PTE_RW | PTE_US)
	.quad pd + 0x2000 + (PTE_P | PTE_RW | PTE_US)
	.quad pd + 0x3000 + (PTE_P | PTE_RW | PTE_US)
	.fill 508, 8, 0
pd:
	.set pd_index, 0
	.rept 2048
	.if pd_index >= 2032
	.quad (pd_index << 21) | (PTE_P | PTE_RW | PTE_US | PTE_PS | PTE_PWT | PTE_PCD)
	.else
	.quad (pd_index << 21) | (PTE_P | PTE_RW | PTE_US | PTE_PS)
	.endif
	.set pd_index, pd_index + 1
	.endr

/* Not cleared by ring 3's bss zeroing: the IDT is filled before ring 3 starts. */
	.section .boot_bss, "aw", @nobits
	.p2align 12
	.globl idt
idt:
	.skip 256 * 16
	.p2align 4
	.skip KSTACK_SIZE
	.globl kstack_top
kstack_top:
	.skip USTACK_SIZE
	.globl ustack_top
ustack_top:
	.skip FAULT_STACK_SIZE
	.globl fault_stack_top
fault_stack_top:
