/*
 * Test guest: the multiboot v1 header, linked only into the ELF32 variant
 * (build/testguest.mb): QEMU rejects an ELF64 that carries one.
 */
#include "x86.h"

#define MB_FLAGS 0x00000003		/* page-align modules, give memory info */

	.section .multiboot, "a"
	.p2align 2
	.long MULTIBOOT_HEADER_MAGIC
	.long MB_FLAGS
	.long -(MULTIBOOT_HEADER_MAGIC + MB_FLAGS)
