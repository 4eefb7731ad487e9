/* SPDX-License-Identifier: MIT */
/*
 * Kernel entry point (the ELF e_entry). The loader arrives here with
 * rdi = struct boot_info * (direct map), rsp on the boot stack, interrupts
 * off (kernel/boot_info.h). Re-establish the ABI's stack alignment without
 * trusting the loader, give backtraces a zero frame to stop at, and enter C
 * as if kernel_main had been called.
 */
	.section .text.entry, "ax"
	.globl kernel_entry
kernel_entry:
	cli
	xor	%ebp, %ebp
	and	$-16, %rsp
	pushq	$0		/* return address 0: end of every backtrace */
	jmp	kernel_main

/*
 * kstack_run_on(top, fn, arg): continue on the stack ending at `top`, as if
 * fn(arg) had been called from a frame whose return address is 0 (where
 * backtraces stop). Never returns; the old stack is abandoned. kernel_main
 * uses it to leave the loader's stack for a guarded one.
 */
	.text
	.globl kstack_run_on
kstack_run_on:
	mov	%rdi, %rsp
	xor	%ebp, %ebp
	pushq	$0
	mov	%rdx, %rdi
	jmp	*%rsi

	.section .note.GNU-stack,"",@progbits
