/* SPDX-License-Identifier: MIT */
/*
 * User address spaces: one PML4 per process sharing the kernel half, a
 * sorted set of VM regions with permissions, demand-zero and file-backed
 * pages, copy-on-write over reference-counted physical pages, stack growth
 * within a limit, and targeted TLB shootdown (only CPUs that have run the
 * address space; lazy TLB while a CPU runs a kernel thread).
 *
 * User layout (docs/userspace.md has the picture):
 *   [0, USER_MIN)                 never mapped (NULL guard)
 *   ELF segments, then brk        (static-PIE loaded at USER_PIE_BASE)
 *   mmap area, top-down from USER_MMAP_TOP
 *   stack, growing down from USER_STACK_TOP to at most the stack limit
 *   USER_TOP                      first address user space may not use
 *
 * What it does not do: know about processes, threads or files beyond a
 * (data, size) view of an immutable file (initramfs contents).
 *
 * Read next: kernel/mm/usercopy.h (the only way the kernel touches user
 * memory), kernel/mm/fault.c.
 */
#ifndef COHORT_MM_ASPACE_H
#define COHORT_MM_ASPACE_H

#include <stdbool.h>
#include <stdint.h>

#define USER_MIN 0x10000ULL		  /* Linux's default mmap_min_addr */
#define USER_TOP 0x00007ffffffff000ULL	  /* Linux TASK_SIZE_MAX: the last
					   * canonical page stays unmapped so
					   * sysret never returns to a
					   * non-canonical RIP */
#define USER_STACK_TOP USER_TOP
#define USER_STACK_MAX (8ULL << 20)	  /* default RLIMIT_STACK */
#define USER_MMAP_TOP (USER_STACK_TOP - (1ULL << 30)) /* gap below stack */
#define USER_PIE_BASE 0x0000555555554000ULL /* static-PIE load address */

/* Region protection (the PROT_* values) and flags. */
#define VM_READ 0x1
#define VM_WRITE 0x2
#define VM_EXEC 0x4
#define VM_SHARED 0x10	   /* MAP_SHARED: fork shares pages, no COW */
#define VM_GROWSDOWN 0x20  /* the stack: faults below it extend it */
#define VM_NOWRITE 0x40	   /* mprotect may not add VM_WRITE (a shared
			    * mapping of a read-only file) */

struct aspace;

/* A read-only view of an immutable file (initramfs contents live for the
 * kernel's lifetime). Bytes past `size` read as zero. */
struct vm_file {
	const uint8_t *data;
	uint64_t size;
};

/* A new address space with an empty user half. NULL if out of memory.
 * Reference count 1. */
struct aspace *aspace_create(void);

/* fork: a copy of `parent` where private writable pages become
 * copy-on-write in both (the parent's TLBs are shot down) and shared ones
 * stay shared. NULL if out of memory (nothing leaked). */
struct aspace *aspace_fork(struct aspace *parent);

/* References (threads sharing it through CLONE_VM, vfork, a CPU lazily
 * keeping it loaded). The last put frees every page and table. */
void aspace_get(struct aspace *as);
void aspace_put(struct aspace *as);

/*
 * Map [addr, addr + len) (page aligned; len > 0) with `prot` (VM_READ |
 * VM_WRITE | VM_EXEC) and `flags` (VM_SHARED, VM_GROWSDOWN). If `file` is
 * not NULL, page i of the region reads file bytes [file_off + i*4096, ...),
 * zero past the file's end or past `file_len` bytes from file_off (an ELF
 * segment's p_filesz), copied into a private page on first touch.
 * Replaces whatever was mapped there (MAP_FIXED semantics). 0, -EINVAL
 * (range outside [USER_MIN, USER_TOP), unaligned), -ENOMEM.
 */
int aspace_map(struct aspace *as, uint64_t addr, uint64_t len, unsigned prot,
	       unsigned flags, const struct vm_file *file, uint64_t file_off,
	       uint64_t file_len);

/* A free range of `len` bytes in the mmap area (top-down), or 0. */
uint64_t aspace_find_free(struct aspace *as, uint64_t len);

/* Write `len` bytes into `as` at user address `addr` (which need not be
 * the current address space), faulting pages in; exec uses it to build
 * the initial stack. 0 or -EFAULT. */
int aspace_write(struct aspace *as, uint64_t addr, const void *src,
		 uint64_t len);

/* The program break: exec sets where it starts (after the highest
 * segment); brk moves it within [start, start + limit). */
void aspace_set_brk(struct aspace *as, uint64_t start);

/*
 * A page fault at `addr` with the CPU's error code (SDM 3A 4.7) in the
 * current thread's address space. 0: handled (retry the access); -EFAULT:
 * no region or not permitted (SIGSEGV); -ENOMEM: no memory (the process is
 * killed). Interrupts on, no spinlock held by the caller.
 */
int aspace_fault(struct aspace *as, uint64_t addr, uint64_t error);

/* Load `next` on this CPU (NULL: a kernel thread, which keeps the current
 * tables loaded: lazy TLB). Called by the context switch, interrupts off.
 * Records this CPU in next's CPU mask. */
void aspace_switch(struct aspace *next);

/* The address space loaded on this CPU for the running user thread, or
 * NULL in a kernel thread. */
struct aspace *aspace_current(void);

/* Pages currently mapped (resident) in `as`, for ps and rusage. */
uint64_t aspace_resident_pages(const struct aspace *as);

/* Enable NX, SMEP, SMAP, UMIP on this CPU where CPUID has them (every CPU,
 * at boot). Logs once which are on. */
void aspace_cpu_init(void);

#endif
