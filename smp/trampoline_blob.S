/* SPDX-License-Identifier: MIT */
/* The assembled trampoline (nasm -f bin), embedded read-only in the kernel
 * and copied to the low page at boot (smp/boot.c). */
	.section .rodata
	.balign 16
	.globl trampoline_start, trampoline_end
trampoline_start:
	.incbin TRAMPOLINE_BIN
trampoline_end:
	.section .note.GNU-stack,"",@progbits
