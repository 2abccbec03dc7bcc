/*
 * Test guest: the ring-0 boot path. PVH or multiboot enter here in 32-bit flat protected
 * mode; we switch to long mode on static page tables and drop to ring 3 at once, because
 * ring-0 code may be emulated (slow) while ring-3 code runs natively.
 */
#include "x86.h"

/* PVH: tells the loader where the 32-bit entry is. An 8-byte value, as Linux does. */
	.section .note.Xen, "a", @note
	.p2align 2
	.long 4				/* namesz */
	.long 8				/* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.p2align 2
	.quad _start32
	.p2align 2

	.section .text.entry, "ax"
	.code32
	.globl _start32
_start32:
	cli
	/* eax: multiboot magic (garbage under PVH), ebx: boot info. Ring 3 sorts them out. */
	mov %eax, %esi
	mov %ebx, %edi

	/* The TSS base is split over the descriptor; the assembler cannot split a symbol. */
	mov $tss, %eax
	mov %ax, gdt + SEL_TSS + 2
	shr $16, %eax
	mov %al, gdt + SEL_TSS + 4
	mov %ah, gdt + SEL_TSS + 7

	lgdt gdt_ptr
	mov $SEL_KDATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss

	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_PE), %eax
	mov %eax, %cr0
	ljmp $SEL_KCODE, $start64

	.code64
start64:
	mov $SEL_KDATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov $kstack_top, %rsp
	mov $SEL_TSS, %eax
	ltr %ax
	call idt_fill
	lidt idt_ptr

	/* ring 3: guest_main(magic, info); both fit in 32 bits */
	xchg %esi, %edi
	pushq $(SEL_UDATA | 3)
	pushq $ustack_top
	pushq $RFLAGS_USER
	pushq $(SEL_UCODE | 3)
	pushq $user_entry
	iretq
