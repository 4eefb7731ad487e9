/* SPDX-License-Identifier: MIT */
/*
 * Interrupt entry stubs, one per vector (Intel SDM Vol. 3A 6.12). Each
 * pushes a zero error code where the CPU does not supply one, then its
 * vector number, so trap_common always sees struct trap_frame (trap.h).
 * Long mode aligns the stack to 16 before pushing the CPU frame; the 22
 * quadwords of the frame keep it aligned for the C call.
 */
	.text

.macro stub vec
	.align 16
isr_\vec:
	.if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	trap_common
.endm

	.globl trap_common
trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	mov	%rsp, %rdi
	call	trap_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	add	$16, %rsp	/* vector, error code */
	iretq

	.altmacro
.set vec, 0
.rept 256
	stub %vec
	.set vec, vec + 1
.endr

/* Table of stub addresses for idt_init(). */
.macro stub_addr vec
	.quad isr_\vec
.endm
	.section .rodata
	.globl isr_stubs
	.align 8
isr_stubs:
.set vec, 0
.rept 256
	stub_addr %vec
	.set vec, vec + 1
.endr

	.section .note.GNU-stack,"",@progbits
