/* SPDX-License-Identifier: MIT */
/*
 * The last instructions the loader runs. After `mov %rdi, %cr3` the next
 * fetch comes from the kernel's page tables, which identity map this page
 * (loader.c), so nothing here may touch the stack or data until rsp points
 * at the kernel's boot stack.
 *
 *   rdi = cr3, rsi = boot stack top (virtual), rdx = kernel entry,
 *   rcx = boot_info (virtual)
 */
	.text
	.globl handoff_jump
handoff_jump:
	cli
	mov	%rdi, %cr3
	mov	%rsi, %rsp
	xor	%ebp, %ebp
	mov	%rcx, %rdi
	pushq	$0		/* fake return address: backtraces end here */
	jmp	*%rdx
	.globl handoff_jump_end
handoff_jump_end:
	.section .note.GNU-stack,"",@progbits
