/* SPDX-License-Identifier: MIT */
/*
 * The user-memory access instructions, and their exception table.
 *
 * Every instruction here that touches user memory has an entry in
 * usercopy_extable: (its address, where to continue if the access cannot
 * be satisfied, flags). A page fault in kernel mode at one of these
 * addresses goes to usercopy_fault() (usercopy.c), which first lets the
 * address space's fault handler fill the page (the instruction then
 * restarts: `rep movsb/stosb` keep their progress in rcx/rsi/rdi) and
 * otherwise resumes at the fixup, which returns what was not done. An
 * entry flagged NOFAULT never waits for the fault handler.
 *
 * SMAP (SDM 3A 4.6): stac opens user pages to these instructions and clac
 * closes them again on every way out, fixups included; both are #UD on a
 * CPU without SMAP, so they run only if usercopy_smap is set.
 *
 * Calling convention: System V; each routine returns in rax.
 */

#define UC_NOFAULT 1

.macro SMAP_OPEN
	cmpb	$0, usercopy_smap(%rip)
	je	1f
	stac
1:
.endm

.macro SMAP_CLOSE
	cmpb	$0, usercopy_smap(%rip)
	je	1f
	clac
1:
.endm

/* Record (insn, fixup, flags) in the table. */
.macro EXTABLE insn, fixup, flags
	.pushsection .rodata.usercopy_extable, "a"
	.balign 8
	.quad	\insn, \fixup, \flags
	.popsection
.endm

/* The table's start: emitted before any entry (one input section of this
 * file, so the entries follow in order and usercopy_extable_end, emitted
 * last, closes it). */
	.section .rodata.usercopy_extable, "a"
	.balign 8
	.globl usercopy_extable
usercopy_extable:

	.text

/* uint64_t usercopy_copy(void *dst, const void *src, uint64_t n):
 * the bytes NOT copied (0 on success). */
	.globl usercopy_copy
	.type usercopy_copy, @function
usercopy_copy:
	mov	%rdx, %rcx
	SMAP_OPEN
.Lcopy_insn:
	rep movsb
	SMAP_CLOSE
	xor	%eax, %eax
	ret
.Lcopy_fix:
	SMAP_CLOSE
	mov	%rcx, %rax
	ret
	.size usercopy_copy, . - usercopy_copy
	EXTABLE .Lcopy_insn, .Lcopy_fix, 0

/* The same, never waiting for the fault handler. */
	.globl usercopy_copy_nofault
	.type usercopy_copy_nofault, @function
usercopy_copy_nofault:
	mov	%rdx, %rcx
	SMAP_OPEN
.Lcopy_nf_insn:
	rep movsb
	SMAP_CLOSE
	xor	%eax, %eax
	ret
.Lcopy_nf_fix:
	SMAP_CLOSE
	mov	%rcx, %rax
	ret
	.size usercopy_copy_nofault, . - usercopy_copy_nofault
	EXTABLE .Lcopy_nf_insn, .Lcopy_nf_fix, UC_NOFAULT

/* uint64_t usercopy_clear(void *udst, uint64_t n): bytes NOT cleared. */
	.globl usercopy_clear
	.type usercopy_clear, @function
usercopy_clear:
	mov	%rsi, %rcx
	xor	%eax, %eax
	SMAP_OPEN
.Lclear_insn:
	rep stosb
	SMAP_CLOSE
	xor	%eax, %eax
	ret
.Lclear_fix:
	SMAP_CLOSE
	mov	%rcx, %rax
	ret
	.size usercopy_clear, . - usercopy_clear
	EXTABLE .Lclear_insn, .Lclear_fix, 0

/* int64_t usercopy_strncpy(char *dst, const char *usrc, uint64_t n):
 * copies bytes up to and including a NUL, at most n; returns the string's
 * length if a NUL came within n bytes, n if not, -1 on a fault. */
	.globl usercopy_strncpy
	.type usercopy_strncpy, @function
usercopy_strncpy:
	xor	%eax, %eax
	SMAP_OPEN
.Lstr_loop:
	cmp	%rdx, %rax
	jae	.Lstr_done
.Lstr_insn:
	movb	(%rsi,%rax), %cl
	movb	%cl, (%rdi,%rax)
	test	%cl, %cl
	jz	.Lstr_done
	inc	%rax
	jmp	.Lstr_loop
.Lstr_done:
	SMAP_CLOSE
	ret
.Lstr_fix:
	SMAP_CLOSE
	mov	$-1, %rax
	ret
	.size usercopy_strncpy, . - usercopy_strncpy
	EXTABLE .Lstr_insn, .Lstr_fix, 0

/* The table's end. */
	.section .rodata.usercopy_extable, "a"
	.balign 8
	.globl usercopy_extable_end
usercopy_extable_end:
