/* SPDX-License-Identifier: MIT */
/*
 * The 32-bit loader's last instructions: from the firmware's 32-bit
 * protected mode (paging on with PAE, or off) into long mode, then the
 * kernel entry with the same machine state as the 64-bit loader's
 * handoff_jump.S (docs/boot.md, "Machine state at kernel entry").
 *
 *   void handoff_ia32(struct ia32_switch *sw)   cdecl, never returns
 *
 * Boot services are gone and interrupts are off from the first
 * instruction. Every value comes from the switch block *sw (efi/
 * ia32_switch.h, filled by arch_ia32.c), one page below 4 GiB that the
 * kernel's tables identity map, as they map this code: once CR0.PG is set
 * again, instruction fetches and the block's loads go through them.
 *
 * No absolute addresses (ld -z text): gnu-efi relocates the image itself
 * at start-up, and a relocation in .text would be written into a page the
 * firmware may have made read-only. So the first far jump is an lret to
 * an address computed with call/pop, and the jump into 64-bit code goes
 * through the block (far_offset, from C).
 *
 * Specs: Intel SDM Vol. 3A 10.8.5 "Initializing IA-32e Mode" (9.8.5 in
 * older editions), 3.4.5 (descriptors), 2.5 (CR0, CR4), 2.2.1 (EFER).
 */
#include "ia32_switch.h"

#define CR0_PG 0x80000000
#define CR0_PG_CLEAR 0x7fffffff
#define CR4_PAE 0x20
#define CR4_LA57_CLEAR 0xffffefff /* ~(1 << 12) */

	.text
	.code32
	.globl handoff_ia32
handoff_ia32:
	cli
	movl	4(%esp), %ebx		/* sw, before anything else changes */

	/* Our GDT, and CS/DS/ES/SS/FS/GS from it: the firmware's GDT is
	 * not needed from here on (its selectors need not match ours). */
	lgdt	IA32_SW_GDTR(%ebx)
	call	1f
1:	popl	%eax
	addl	$(2f - 1b), %eax
	pushl	$IA32_SEL_CODE32
	pushl	%eax
	lret
2:	movl	$IA32_SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs

	/* Paging off first: EFER.LME may only change with CR0.PG clear
	 * (#GP otherwise). UEFI runs us identity mapped, so the next fetch
	 * is at the same address with paging off. */
	movl	%cr0, %eax
	andl	$CR0_PG_CLEAR, %eax
	movl	%eax, %cr0

	/* PAE on, the firmware's other CR4 bits kept (the kernel sets its
	 * own). PCIDE cannot be set outside IA-32e mode; LA57 can (it only
	 * takes effect when IA-32e mode is entered), and with it our 4-level
	 * PML4 would be walked as a PML5: clear it while that is allowed. */
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	andl	$CR4_LA57_CLEAR, %eax
	movl	%eax, %cr4

	/* The kernel's PML4 (below 4 GiB: ia32_switch_fill checked). */
	movl	IA32_SW_CR3(%ebx), %eax
	movl	%eax, %cr3

	/* EFER.LME, and NXE when the CPU has NX: the tables' NX bits would
	 * be reserved bits (a page fault) without it. */
	movl	$IA32_EFER_MSR, %ecx
	rdmsr
	orl	IA32_SW_EFER_SET(%ebx), %eax
	orl	IA32_SW_EFER_SET + 4(%ebx), %edx
	wrmsr

	/* Paging on with LME set: IA-32e mode, still compatibility mode
	 * (CS is our 32-bit segment) until the far jump below. */
	movl	%cr0, %eax
	orl	$CR0_PG, %eax
	movl	%eax, %cr0

	/* To 0x18:handoff_ia32_64, the 64-bit code segment (L = 1). */
	ljmp	*IA32_SW_FAR(%ebx)

	.code64
	.globl handoff_ia32_64
handoff_ia32_64:
	/* The upper half of rbx is undefined after the mode change: this
	 * zero-extends the block's address. */
	movl	%ebx, %ebx
	movq	IA32_SW_STACK_TOP(%rbx), %rsp
	movq	IA32_SW_BOOT_INFO(%rbx), %rdi
	xorl	%ebp, %ebp
	pushq	$0		/* fake return address: backtraces end here */
	jmpq	*IA32_SW_ENTRY(%rbx)
	.globl handoff_ia32_end
handoff_ia32_end:
	.section .note.GNU-stack,"",@progbits
