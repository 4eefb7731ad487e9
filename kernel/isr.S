/* SPDX-License-Identifier: MIT */
/*
 * Interrupt entry stubs, one per vector (Intel SDM Vol. 3A 6.12). Each
 * pushes a zero error code where the CPU does not supply one, then its
 * vector number, so trap_common always sees struct trap_frame (trap.h).
 * Long mode aligns the stack to 16 before pushing the CPU frame; the 22
 * quadwords of the frame keep it aligned for the C call.
 *
 * GS: from user mode the GS base is the user's, so trap_common swaps it
 * for the kernel's when the saved CS is a user selector, and back before
 * iretq. NMI, #DF and #MC cannot trust CS for that: they may arrive in
 * kernel mode between `syscall` and its swapgs, or between the return
 * path's swapgs and sysret (kernel/syscall/entry.S). They go through
 * trap_paranoid, which asks the GS base MSR itself: a kernel GS base is a
 * higher-half address (bit 63 set), a user one never is (user addresses
 * are below USER_TOP).
 */
#include "trap_frame.S.h"

	.text

.macro stub vec
	.align 16
isr_\vec:
	.if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	.if (\vec == 2 || \vec == 8 || \vec == 18)
	jmp	trap_paranoid
	.else
	jmp	trap_common
	.endif
.endm

	.globl trap_common
trap_common:
	testb	$3, 24(%rsp)		/* saved CS: from user mode? */
	jz	1f
	swapgs
1:
	TRAP_FRAME_PUSH_GPRS
	cld
	/* Close SMAP: an interrupt may arrive inside a user copy (which runs
	 * with RFLAGS.AC set); iretq gives the copy its AC back. clac is
	 * #UD on a CPU without SMAP, hence the flag. */
	testb	$1, usercopy_smap(%rip)
	jz	5f
	clac
5:
	mov	%rsp, %rdi
	call	trap_dispatch
	TRAP_FRAME_POP_GPRS
	add	$16, %rsp	/* vector, error code */
	testb	$3, 8(%rsp)		/* returning to user mode? */
	jz	2f
	swapgs
2:
	iretq

/* As trap_common, but swapgs decided by the GS base MSR (see the top). */
trap_paranoid:
	TRAP_FRAME_PUSH_GPRS
	cld
	testb	$1, usercopy_smap(%rip)	/* close SMAP, as trap_common */
	jz	6f
	clac
6:
	xorl	%ebx, %ebx		/* rbx (callee-saved): 1 = we swapped */
	movl	$0xc0000101, %ecx	/* MSR_GS_BASE */
	rdmsr
	testl	%edx, %edx
	js	3f			/* kernel GS base already */
	swapgs
	movl	$1, %ebx
3:
	mov	%rsp, %rdi
	call	trap_dispatch
	testl	%ebx, %ebx
	jz	4f
	swapgs
4:
	TRAP_FRAME_POP_GPRS
	add	$16, %rsp
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
