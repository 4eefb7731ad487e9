/* SPDX-License-Identifier: MIT */
/*
 * Kernel context switch and the first instructions of a new kernel thread.
 *
 * switch_stack(uint64_t *save_rsp, uint64_t next_rsp): push the registers
 * the SysV ABI says a callee must preserve, save rsp into *save_rsp, load
 * next_rsp, pop the next thread's registers and return into it. Everything
 * else (caller-saved registers, RFLAGS.IF) is the caller's concern: the
 * scheduler calls this with interrupts off and its run-queue lock held
 * (sched/arch.h, arch_switch). No FPU state: kernel code has none.
 *
 * kthread_trampoline: where a new thread's first switch "returns" to.
 * kernel/kthread.c builds that first frame with fn in r12 and arg in r13.
 */
	.text
	.globl switch_stack
switch_stack:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

	.globl kthread_trampoline
kthread_trampoline:
	xorl	%ebp, %ebp
	movq	%r12, %rdi
	movq	%r13, %rsi
	andq	$-16, %rsp
	call	kthread_start
	ud2

	.section .note.GNU-stack,"",@progbits
