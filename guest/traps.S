/*
 * Test guest: ring-0 trap handling. Exceptions are not handled in ring 0: the handler
 * jumps to a ring-3 reporter on a fresh stack. The #UD of the ud2 at syscall_ud2 is the
 * system call: the few services ring 3 cannot do itself (SYS_* in x86.h).
 */
#include "x86.h"

	.section .text, "ax"
	.code64

/*
 * Fill gates 0-31 (16-byte stubs): about 300 instructions.
 * Uses only r8-r11: esi/edi carry the loader's registers to ring 3.
 */
	.globl idt_fill
idt_fill:
	mov $isr_stubs, %r8d
	mov $idt, %r9d
	mov $NR_EXCEPTIONS, %r10d
1:	mov %r8w, (%r9)
	movw $SEL_KCODE, 2(%r9)
	movw $0x8e00, 4(%r9)		/* present, DPL 0, interrupt gate */
	mov %r8d, %r11d
	shr $16, %r11d
	mov %r11w, 6(%r9)
	add $ISR_STUB_SIZE, %r8d
	add $16, %r9
	dec %r10d
	jnz 1b
	ret

/*
 * Vectors that push an error code: 8, 10-14, 17, 21, 29, 30. Each stub is exactly
 * ISR_STUB_SIZE bytes (the jump is encoded by hand so its size is fixed).
 */
.macro isr_stub vec
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	pushq $\vec
	.byte 0xe9
	.long isr_common - . - 4
	.fill ISR_STUB_SIZE - 7, 1, 0xcc
	.elseif \vec == VEC_UD
	.byte 0xe9
	.long ud_entry - . - 4
	.fill ISR_STUB_SIZE - 5, 1, 0xcc
	.else
	pushq $0
	pushq $\vec
	.byte 0xe9
	.long isr_common - . - 4
	.fill ISR_STUB_SIZE - 9, 1, 0xcc
	.endif
.endm

	.p2align 4
isr_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	isr_stub \v
	.endr
isr_stubs_end:
	.if isr_stubs_end - isr_stubs != NR_EXCEPTIONS * ISR_STUB_SIZE
	.error "isr stubs must be ISR_STUB_SIZE bytes each"
	.endif

/* Stack: vector, error, rip, cs, rflags, rsp, ss. Never returns to the faulting code. */
isr_common:
	pop %rdi			/* vector */
	pop %rsi			/* error code */
	mov (%rsp), %rdx		/* rip */
	mov 8(%rsp), %r8		/* cs */
	mov %cr2, %rcx
	mov $kstack_top, %rsp
	pushq $(SEL_UDATA | 3)
	pushq $fault_stack_top
	pushq $RFLAGS_USER
	pushq $(SEL_UCODE | 3)
	pushq $user_fault_entry
	iretq

/*
 * #UD. From syscall_ud2 it is a system call: rax = SYS_*, arguments in rdi, rsi; returns
 * past the ud2 with 0 in rax, or -1 for an unknown number. Any other #UD is a fault.
 */
ud_entry:
	cmpq $syscall_ud2, (%rsp)
	jne 9f
	addq $2, (%rsp)
	cmp $SYS_TRIPLE_FAULT, %rax
	je 1f
	cmp $SYS_HALT, %rax
	je 2f
	cmp $SYS_WRMSR, %rax
	je 3f
	mov $-1, %rax
	iretq
1:	lidt null_idt_ptr		/* every vector is now beyond the limit: #UD -> #GP -> #DF -> shutdown */
	ud2
2:	cli
	hlt
	jmp 2b
3:	mov %edi, %ecx
	mov %esi, %eax
	mov %rsi, %rdx
	shr $32, %rdx
	wrmsr
	xor %eax, %eax
	iretq
9:	pushq $0
	pushq $VEC_UD
	jmp isr_common

	.section .data, "aw"
	.p2align 3
	.globl idt_ptr
idt_ptr:
	.word 256 * 16 - 1
	.quad idt
	.p2align 3
null_idt_ptr:
	.word 0
	.quad 0
