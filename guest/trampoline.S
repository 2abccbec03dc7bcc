/*
 * Test guest: the application-processor trampoline. Ring 3 copies it to TRAMPOLINE_ADDR
 * and sends INIT-SIPI-SIPI; each AP starts here in real mode, counts itself and halts.
 */
#include "x86.h"

	.section .rodata, "a"
	.code16
	.globl ap_trampoline
ap_trampoline:
	cli
	mov %cs, %ax
	mov %ax, %ds
	lock incl (ap_counter - ap_trampoline)
1:	hlt
	jmp 1b
	.p2align 2
ap_counter:
	.long 0
	.globl ap_trampoline_end
ap_trampoline_end:
	.code64

	.p2align 2
	.globl ap_counter_offset
ap_counter_offset:
	.long ap_counter - ap_trampoline
