// SPDX-License-Identifier: MIT
/*
 * Memory system calls: mmap, munmap, mprotect, brk, madvise. Linux's
 * arguments, validation order and errno values (mm/mmap.c, mm/mprotect.c,
 * mm/madvise.c); the work is kernel/mm/aspace.c's. docs/userspace.md lists
 * what differs.
 *
 * Every argument is checked before anything changes; each edit then
 * happens under the address space's lock in one step.
 */
#include "syscall.h"

#include "../mm/aspace.h"

#define PAGE 4096ULL

/* Linux's values (asm-generic/mman-common.h, asm/mman.h for x86). */
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define PROT_SEM 0x8
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP 0x02000000

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_32BIT 0x40
#define MAP_GROWSDOWN 0x100
#define MAP_DENYWRITE 0x800
#define MAP_EXECUTABLE 0x1000
#define MAP_LOCKED 0x2000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_NONBLOCK 0x10000
#define MAP_STACK 0x20000
#define MAP_HUGETLB 0x40000
#define MAP_SYNC 0x80000
#define MAP_FIXED_NOREPLACE 0x100000
/* What MAP_SHARED_VALIDATE accepts (Linux's LEGACY_MAP_MASK plus
 * MAP_SYNC and MAP_FIXED_NOREPLACE): anything else is -EOPNOTSUPP. */
#define MAP_KNOWN                                                            \
	(MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_32BIT | MAP_GROWSDOWN |  \
	 MAP_DENYWRITE | MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE |       \
	 MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB | MAP_SYNC |  \
	 MAP_FIXED_NOREPLACE)

#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
#define MADV_FREE 8
#define MADV_DONTFORK 10
#define MADV_DOFORK 11
#define MADV_DONTDUMP 16
#define MADV_DODUMP 17
#define MADV_COLD 20
#define MADV_PAGEOUT 21

static uint64_t page_up(uint64_t len)
{
	return (len + PAGE - 1) & ~(PAGE - 1);
}

static long sys_mmap(const struct syscall_args *a)
{
	uint64_t addr = a->a[0], len = a->a[1], off = a->a[5];
	uint64_t prot = a->a[2], flags = a->a[3];
	int fd = (int)a->a[4];
	struct aspace *as = aspace_current();
	struct vm_file file, *fp = 0;

	if (!as)
		return -EFAULT;
	if (off & (PAGE - 1))
		return -EINVAL;
	unsigned type = flags & MAP_TYPE;
	if (type != MAP_SHARED && type != MAP_PRIVATE &&
	    type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (type == MAP_SHARED_VALIDATE && (flags & ~(uint64_t)MAP_KNOWN))
		return -EOPNOTSUPP;
	if (!(flags & MAP_ANONYMOUS)) {
		int r = vfs_fd_vm_file(fd, &file);
		if (r)
			return r;
		fp = &file;
	}
	if (len == 0)
		return -EINVAL;
	len = page_up(len);
	if (len == 0 || len > USER_TOP)
		return -ENOMEM;
	if (fp && off + len < off)
		return -EOVERFLOW;
	int how = ASPACE_MAP_HINT;
	if (flags & MAP_FIXED_NOREPLACE)
		how = ASPACE_MAP_NOREPLACE;
	else if (flags & MAP_FIXED)
		how = ASPACE_MAP_FIXED;
	if (how != ASPACE_MAP_HINT) {
		if (addr & (PAGE - 1))
			return -EINVAL;
		if (addr > USER_TOP || len > USER_TOP - addr)
			return -ENOMEM;
		if (addr < USER_MIN)
			return -EPERM; /* below mmap_min_addr */
	} else {
		addr = page_up(addr);
	}
	unsigned vflags = 0;
	if (fp && type != MAP_PRIVATE) {
		/* Our files are read-only: a shared writable mapping would
		 * have to write them back. A shared read-only one is a
		 * private copy that may never become writable. */
		if (prot & PROT_WRITE)
			return -EACCES;
		vflags |= VM_NOWRITE;
	} else if (!fp && type != MAP_PRIVATE) {
		vflags |= VM_SHARED;
	}
	if (flags & MAP_GROWSDOWN)
		vflags |= VM_GROWSDOWN;
	unsigned vprot = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
	return aspace_mmap(as, addr, len, vprot, vflags, how, fp, off);
}

static long sys_munmap(const struct syscall_args *a)
{
	struct aspace *as = aspace_current();
	if (!as)
		return -EFAULT;
	return aspace_unmap(as, a->a[0], a->a[1]);
}

static long sys_mprotect(const struct syscall_args *a)
{
	uint64_t addr = a->a[0], len = a->a[1], prot = a->a[2];
	struct aspace *as = aspace_current();
	if (!as)
		return -EFAULT;
	if (addr & (PAGE - 1))
		return -EINVAL;
	if (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM |
			       PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if ((prot & PROT_GROWSDOWN) && (prot & PROT_GROWSUP))
		return -EINVAL;
	if (len == 0)
		return 0;
	len = page_up(len);
	if (len == 0 || addr + len < addr || addr + len > USER_TOP)
		return -ENOMEM;
	return aspace_protect(as, addr, len,
			      prot & (PROT_READ | PROT_WRITE | PROT_EXEC));
}

static long sys_brk(const struct syscall_args *a)
{
	struct aspace *as = aspace_current();
	if (!as)
		return -EFAULT;
	return (long)aspace_brk(as, a->a[0]);
}

static long sys_madvise(const struct syscall_args *a)
{
	uint64_t addr = a->a[0], len = a->a[1];
	long advice = (long)a->a[2];
	struct aspace *as = aspace_current();
	if (!as)
		return -EFAULT;
	switch (advice) {
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_DONTNEED:
	case MADV_FREE:
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
	case MADV_COLD:
	case MADV_PAGEOUT:
		break;
	default:
		return -EINVAL;
	}
	if (addr & (PAGE - 1))
		return -EINVAL;
	if (len && !page_up(len))
		return -EINVAL; /* rounding wrapped */
	uint64_t end = addr + page_up(len);
	if (end < addr)
		return -EINVAL;
	if (end == addr)
		return 0;
	if (end > USER_TOP)
		return -ENOMEM;
	/* MADV_FREE lets the kernel drop the pages; we always do. The other
	 * advice changes nothing we keep. */
	if (advice == MADV_DONTNEED || advice == MADV_FREE)
		return aspace_dontneed(as, addr, end - addr);
	return 0;
}

const struct syscall_entry syscalls_mm[] = {
	{ SYS_mmap, sys_mmap, "mmap" },
	{ SYS_munmap, sys_munmap, "munmap" },
	{ SYS_mprotect, sys_mprotect, "mprotect" },
	{ SYS_brk, sys_brk, "brk" },
	{ SYS_madvise, sys_madvise, "madvise" },
	{ 0, 0, 0 },
};
