/* SPDX-License-Identifier: MIT */
/*
 * The only way the kernel reads or writes user memory. A user pointer is
 * never trusted: each routine checks the range lies below USER_TOP and
 * copies with SMAP opened (stac/clac) only around its own loop; a fault in
 * the middle of a copy goes through the page-fault handler (demand-zero,
 * COW, stack growth) and, if it cannot be satisfied, to an exception-table
 * fixup that makes the routine return -EFAULT. Never a panic.
 *
 * The _nofault variants never wait for the fault handler to fill a page:
 * a missing page is -EFAULT at once. They are for code holding a spinlock
 * (the futex compare under its bucket lock), which retries after
 * faulting the page in with the ordinary variant.
 *
 * Read next: kernel/mm/aspace.h.
 */
#ifndef COHORT_MM_USERCOPY_H
#define COHORT_MM_USERCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct trap_frame;

/* 0, or -EFAULT (some of the bytes may have been copied). */
int copy_from_user(void *dst, const void *usrc, size_t n);
int copy_to_user(void *udst, const void *src, size_t n);
/* Fill n user bytes with zero. 0 or -EFAULT. */
int clear_user(void *udst, size_t n);

/* Copy a NUL-terminated string of at most max - 1 characters plus its NUL
 * into dst. Returns its length (without the NUL), -EFAULT, or
 * -ENAMETOOLONG if no NUL within max bytes. */
long strncpy_from_user(char *dst, const char *usrc, size_t max);

int copy_from_user_nofault(void *dst, const void *usrc, size_t n);

/* True if [addr, addr + n) lies inside user space (no overflow). Checks
 * the range only, not whether it is mapped. */
int user_range_ok(uint64_t addr, uint64_t n);

/*
 * The page-fault hook (kernel/trap.c calls it first for every exception).
 * True if it handled the fault: a kernel-mode #PF on one of the user-copy
 * instructions (usercopy_asm.S's exception table) at a user address. It runs
 * the address space's fault handler with interrupts back on (unless the
 * instruction belongs to a _nofault routine, or the copy ran with
 * interrupts off), and returns to retry the access if that filled the
 * page, or to the routine's fixup (which returns -EFAULT) if not. False
 * for everything else: user-mode faults, and kernel faults anywhere else,
 * which stay fatal.
 */
bool usercopy_fault(struct trap_frame *f);

#endif
