/* SPDX-License-Identifier: MIT */
/*
 * Assembler macros that push and pop the general registers of a struct
 * trap_frame (kernel/trap.h): the one layout every way into the kernel
 * builds (isr.S for interrupts and exceptions, syscall/entry.S for
 * `syscall`) and every way back restores. trap.h's _Static_assert and
 * table.c's offset checks keep C and these in step.
 */
#ifndef COHORT_TRAP_FRAME_S_H
#define COHORT_TRAP_FRAME_S_H

/* Push rax .. r15 below the vector/error pair: r15 ends up lowest, at
 * offset 0 of the frame. */
.macro TRAP_FRAME_PUSH_GPRS
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
.endm

/* The reverse: rsp ends at the vector/error pair. */
.macro TRAP_FRAME_POP_GPRS
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
.endm

#endif
