// SPDX-License-Identifier: MIT
/*
 * User copies (usercopy.h): range checks in C, the accesses themselves in
 * usercopy_asm.S, and the page-fault hook that gives those accesses a second
 * chance (the address space's fault handler) or a clean -EFAULT through
 * the exception table.
 *
 * How a fault knows it may wait: entries of the _nofault routine carry
 * UC_NOFAULT; a copy that faulted with interrupts off is treated the same
 * way (the fault handler takes a lock that waits for other CPUs, and the
 * caller had no business copying there: it gets -EFAULT, not a hang).
 */
#include "usercopy.h"

#include "../arch/x86.h"
#include "../errno.h"
#include "../trap.h"
#include "aspace.h"
#include "aspace_internal.h"

#define UC_NOFAULT 1

struct uc_extable {
	uint64_t insn, fixup, flags;
};

extern const struct uc_extable usercopy_extable[], usercopy_extable_end[];
extern uint8_t usercopy_smap;

uint64_t usercopy_copy(void *dst, const void *src, uint64_t n);
uint64_t usercopy_copy_nofault(void *dst, const void *src, uint64_t n);
uint64_t usercopy_clear(void *udst, uint64_t n);
int64_t usercopy_strncpy(char *dst, const char *usrc, uint64_t n);

int user_range_ok(uint64_t addr, uint64_t n)
{
	return addr <= USER_TOP && n <= USER_TOP - addr;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!user_range_ok((uint64_t)usrc, n))
		return -EFAULT;
	return usercopy_copy(dst, usrc, n) ? -EFAULT : 0;
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	if (!user_range_ok((uint64_t)udst, n))
		return -EFAULT;
	return usercopy_copy(udst, src, n) ? -EFAULT : 0;
}

int copy_from_user_nofault(void *dst, const void *usrc, size_t n)
{
	if (!user_range_ok((uint64_t)usrc, n))
		return -EFAULT;
	return usercopy_copy_nofault(dst, usrc, n) ? -EFAULT : 0;
}

int clear_user(void *udst, size_t n)
{
	if (!user_range_ok((uint64_t)udst, n))
		return -EFAULT;
	return usercopy_clear(udst, n) ? -EFAULT : 0;
}

long strncpy_from_user(char *dst, const char *usrc, size_t max)
{
	uint64_t a = (uint64_t)usrc;
	if (a >= USER_TOP)
		return -EFAULT;
	if (max == 0)
		return -ENAMETOOLONG;
	/* Never read past the end of user space: a string running into it
	 * is a bad address, as on Linux. */
	uint64_t n = max < USER_TOP - a ? max : USER_TOP - a;
	int64_t r = usercopy_strncpy(dst, usrc, n);
	if (r < 0)
		return -EFAULT;
	if ((uint64_t)r < n)
		return r;
	return n < max ? -EFAULT : -ENAMETOOLONG;
}

static const struct uc_extable *find(uint64_t rip)
{
	for (const struct uc_extable *e = usercopy_extable;
	     e < usercopy_extable_end; e++)
		if (e->insn == rip)
			return e;
	return 0;
}

bool usercopy_fault(struct trap_frame *f)
{
	if (f->vector != VEC_PAGE_FAULT || (f->cs & 3))
		return false;
	const struct uc_extable *e = find(f->rip);
	if (!e)
		return false;
	uint64_t addr = read_cr2(); /* before anything can fault again */
	if (addr >= USER_TOP)
		return false; /* the kernel side of a copy: a kernel bug */
	struct aspace *as = aspace_current();
	if (as && !(e->flags & UC_NOFAULT) && (f->rflags & RFLAGS_IF)) {
		/* The handler runs with SMAP closed again (the exception did
		 * not clear AC; iretq restores the copy's own). */
		if (usercopy_smap)
			__asm__ volatile("clac" ::: "memory");
		irq_enable();
		int r = aspace_fault(as, addr, f->error);
		irq_disable();
		if (r == 0)
			return true; /* retry the instruction */
	}
	f->rip = e->fixup;
	return true;
}
