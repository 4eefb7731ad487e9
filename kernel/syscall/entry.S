/* SPDX-License-Identifier: MIT */
/*
 * The way into the kernel by `syscall` and the ways back to user mode.
 *
 * syscall (Intel SDM Vol. 2B SYSCALL, Vol. 3A 5.8.8): the CPU loads RIP
 * from LSTAR, saves the user RIP in rcx and RFLAGS in r11, clears the
 * RFLAGS bits in FMASK (IF, TF, DF, AC, NT: so we start with interrupts
 * off, no single-step and SMAP closed), and loads the kernel CS/SS from
 * STAR. It does NOT switch stacks: rsp is still the user's, which we must
 * never touch (it may point anywhere). So the first instructions:
 *   swapgs                 GS base -> this CPU's struct cpu
 *   save user rsp in the per-CPU scratch slot, load the thread's kernel
 *   stack top from struct cpu (arch_switch keeps it current)
 * and then build a struct trap_frame (kernel/trap.h) exactly as an
 * interrupt from user mode would: the frame of a thread in the kernel is
 * always at the top of its kernel stack (user_frame(), kernel/proc/uctx.h).
 *
 * Interrupts stay off until the frame is complete and GS is the kernel's.
 * An NMI or machine check can still arrive at any instruction here (they
 * ignore IF): they run on their own IST stacks and decide about swapgs by
 * reading the GS base MSR (isr.S, trap_paranoid), so a user GS on the
 * first instruction cannot confuse them.
 *
 * The way back: syscall_dispatch() may have rewritten the frame (execve,
 * rt_sigreturn, signal delivery). sysret is used only when the frame is
 * one sysret can restore exactly: user CS/SS, RIP canonical and below
 * USER_TOP (an Intel CPU would take a #GP in ring 0 on a non-canonical RCX
 * after switching to the user stack: CVE-2012-0217), RFLAGS without
 * RF/TF, and rcx == RIP, r11 == RFLAGS (sysret overwrites both). Otherwise
 * iretq, which restores anything.
 */
/* kernel/gdt.h is C; table.c checks these equal its selectors. */
#define GDT_USER_DATA 0x1b
#define GDT_USER_CODE 0x23

#include "kernel/trap_frame.S.h"

#define CPU_SYSCALL_KERNEL_RSP 8
#define CPU_SYSCALL_USER_RSP 16

/* struct trap_frame offsets (kernel/trap.h). */
#define TF_R11 32
#define TF_RCX 96
#define TF_RAX 112
#define TF_RIP 136
#define TF_CS 144
#define TF_RFLAGS 152
#define TF_RSP 160
#define TF_SS 168

#define VEC_SYSCALL 0x100 /* not a real vector: marks a syscall frame */
#define USER_TOP 0x00007ffffffff000 /* kernel/mm/aspace.h */
#define RFLAGS_TF 0x100
#define RFLAGS_RF 0x10000

	.text
	.globl syscall_entry
	.align 16
syscall_entry:
	swapgs
	movq	%rsp, %gs:CPU_SYSCALL_USER_RSP
	movq	%gs:CPU_SYSCALL_KERNEL_RSP, %rsp
	pushq	$GDT_USER_DATA		/* ss */
	pushq	%gs:CPU_SYSCALL_USER_RSP /* rsp */
	pushq	%r11			/* rflags */
	pushq	$GDT_USER_CODE		/* cs */
	pushq	%rcx			/* rip */
	pushq	$0			/* error */
	pushq	$VEC_SYSCALL		/* vector */
	TRAP_FRAME_PUSH_GPRS
	xorl	%ebp, %ebp		/* backtraces stop here */
	movq	%rsp, %rdi
	sti
	call	syscall_dispatch	/* returns with interrupts off */

	/* Can sysret restore this frame exactly? */
	cmpq	$GDT_USER_CODE, TF_CS(%rsp)
	jne	user_return_iret
	cmpq	$GDT_USER_DATA, TF_SS(%rsp)
	jne	user_return_iret
	movq	TF_RIP(%rsp), %rcx
	movq	$USER_TOP, %r11
	cmpq	%r11, %rcx
	jae	user_return_iret
	testq	$(RFLAGS_TF | RFLAGS_RF), TF_RFLAGS(%rsp)
	jnz	user_return_iret
	/* sysret leaves RIP in rcx and RFLAGS in r11: exact only if the
	 * frame's rcx and r11 already hold those, as after every plain
	 * system call. rt_sigreturn to code a signal interrupted anywhere
	 * (rcx, r11 live), a restarted call (rip - 2), a handler's entry:
	 * iretq, which restores them. */
	cmpq	TF_RCX(%rsp), %rcx
	jne	user_return_iret
	movq	TF_R11(%rsp), %r11
	cmpq	TF_RFLAGS(%rsp), %r11
	jne	user_return_iret

	TRAP_FRAME_POP_GPRS		/* rcx, r11: overwritten below */
	/* Now: vector, error, rip, cs, rflags, rsp, ss. */
	movq	16(%rsp), %rcx		/* rip */
	movq	32(%rsp), %r11		/* rflags */
	movq	40(%rsp), %rsp		/* user rsp: no stack access after this */
	swapgs
	sysretq

/*
 * user_return_iret: restore the frame at rsp (a struct trap_frame of a
 * thread returning to user mode) with iretq. Interrupts off. Also the
 * first way to user mode of every new user thread (uthread_start).
 */
	.globl user_return_iret
user_return_iret:
	TRAP_FRAME_POP_GPRS
	addq	$16, %rsp		/* vector, error */
	swapgs
	iretq

/*
 * uthread_trampoline: where a new user thread's first context switch
 * "returns" to (kernel/proc/uctx.c builds that first switch frame). The
 * stack pointer then sits just below the thread's user frame.
 */
	.globl uthread_trampoline
uthread_trampoline:
	xorl	%ebp, %ebp
	call	uthread_first_run	/* sched_finish_switch; interrupts off */
	jmp	user_return_iret

	.section .note.GNU-stack,"",@progbits
