/*
 * Test guest: ring-3 assembly glue: the first ring-3 instructions (clear .bss, call
 * guest_main), the landing pad for exceptions, and the syscall stub.
 */
#include "x86.h"

	.section .text, "ax"
	.code64

/* rdi = loader magic (eax at entry), rsi = boot info address (ebx at entry) */
	.globl user_entry
user_entry:
	mov %rdi, %r12
	mov %rsi, %r13
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	cld
	rep stosb
	mov %r12, %rdi
	mov %r13, %rsi
	and $-16, %rsp
	call guest_main
1:	jmp 1b

/* rdi vector, rsi error, rdx rip, rcx cr2, r8 cs: as isr_common left them */
	.globl user_fault_entry
user_fault_entry:
	and $-16, %rsp
	call guest_fault
2:	jmp 2b

/* The one ud2 that ring 0 treats as a system call (traps.S, ud_entry). */
	.globl syscall0
syscall0:
	xor %esi, %esi
	xor %edx, %edx
	.globl syscall2
syscall2:
	mov %rdi, %rax
	mov %rsi, %rdi
	mov %rdx, %rsi
	.globl syscall_ud2
syscall_ud2:
	ud2
	ret
