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

struct cpumask;

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

/*
 * Provided by kernel/fs (the fs part): the file open on descriptor `fd` of
 * the calling process, as an immutable view for mmap. 0; -EBADF (no such
 * descriptor); -EACCES (not opened for reading); -ENODEV (not a regular
 * file: a device, pipe or directory cannot be mapped).
 */
int vfs_fd_vm_file(int fd, struct vm_file *out);

/* A new address space with an empty user half. NULL if out of memory.
 * Reference count 1. */
struct aspace *aspace_create(void);

/* fork: a copy of `parent` where private writable pages become
 * copy-on-write in both (the parent's TLBs are shot down) and shared ones
 * stay shared. NULL if out of memory (nothing leaked). */
struct aspace *aspace_fork(struct aspace *parent);

/* References (the process, threads sharing it through CLONE_VM, vfork).
 * A CPU that keeps the tables loaded lazily (after switching to a kernel
 * thread) holds NO reference: the last put first makes every such CPU
 * load the kernel's PML4 (an IPI to the CPUs in the mask, waited for),
 * then frees every page and table. So the context switch never frees an
 * address space (it runs with the run-queue lock held and interrupts
 * off), and the cost of dropping a dead address space lands on whoever
 * drops it. aspace_put may wait for other CPUs: interrupts on, no
 * spinlock held, and `as` no longer used by the caller's own thread. */
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

/* How aspace_mmap places a mapping. */
#define ASPACE_MAP_HINT 0      /* at `addr` if free there, else top-down */
#define ASPACE_MAP_FIXED 1     /* at `addr`, replacing what is there */
#define ASPACE_MAP_NOREPLACE 2 /* at `addr`, -EEXIST if anything is there */

/*
 * mmap's placement and mapping in one step under the address space's lock
 * (so two threads cannot pick the same free range). len > 0, page aligned;
 * prot, flags, file, file_off as aspace_map (file_len unlimited). Returns
 * the address, or -EINVAL (fixed address unaligned or outside
 * [USER_MIN, USER_TOP)), -EEXIST, -ENOMEM (no free range, no memory).
 */
int64_t aspace_mmap(struct aspace *as, uint64_t addr, uint64_t len,
		    unsigned prot, unsigned flags, int how,
		    const struct vm_file *file, uint64_t file_off);

/* munmap: remove [addr, addr + len) (page aligned, inside user space;
 * unmapped parts are fine), free its pages once no CPU can reach them. 0
 * or -EINVAL. */
int aspace_unmap(struct aspace *as, uint64_t addr, uint64_t len);

/* mprotect: set the protection of [addr, addr + len) (page aligned, else
 * -EINVAL). 0; -ENOMEM if part of the range is not mapped or outside user
 * space (nothing changed); -EACCES if it would make a VM_NOWRITE region
 * writable. */
int aspace_protect(struct aspace *as, uint64_t addr, uint64_t len,
		   unsigned prot);

/* madvise(MADV_DONTNEED): drop the pages of the private regions in the
 * range (the next touch gives zeros, or the file's bytes again); shared
 * regions keep theirs, which is what Linux's shared memory shows too. 0,
 * or -ENOMEM if part of the range is not mapped (the rest is done);
 * -EINVAL if unaligned. */
int aspace_dontneed(struct aspace *as, uint64_t addr, uint64_t len);

/* brk: move the break to `want` if possible; returns the break after the
 * call (the old one if it could not move: below the start, past
 * USER_BRK_MAX above it, into another mapping, out of memory), as
 * Linux's brk does. 0 before aspace_set_brk. */
#define USER_BRK_MAX (1ULL << 32)
uint64_t aspace_brk(struct aspace *as, uint64_t want);

/* Write `len` bytes into `as` at user address `addr` (which need not be
 * the current address space), faulting pages in; exec uses it to build
 * the initial stack. Honours the regions' protection (a write fault).
 * 0, -EFAULT, or -ENOMEM (no page for it); some bytes may have been
 * written on failure. Interrupts on, no spinlock held. */
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

/* Load the kernel's own PML4 on this CPU now (not lazily) and leave the
 * previous address space's CPU mask; aspace_current() becomes NULL. For a
 * kernel thread that borrowed an address space (the self-test).
 * Interrupts off. */
void aspace_switch_kernel(void);

/* The CPUs that have `as` loaded (a snapshot), for tests. */
void aspace_cpu_mask(const struct aspace *as, struct cpumask *out);

/* The physical page mapped at user address `addr` in `as`, or -1 (none,
 * or not resident). For tests and debugging. */
int64_t aspace_translate(struct aspace *as, uint64_t addr);

/*
 * Resident pages by NUMA node (pmm_node_of of each mapped page), counted
 * where `resident` is: the user fault path (demand-zero, file and
 * copy-on-write pages), fork's copies, and unmapping. No lock beyond the
 * address space's, which those paths already hold.
 *
 * aspace_home_node(): the node holding the most of them (ties: the home
 * node it had), recomputed over every node (O(nodes)), stored as the new
 * hint. aspace_home_hint(): that hint as last stored, O(1), lock-free
 * (the fault path moves it when a node overtakes it; unmapping does not,
 * until the next aspace_home_node()). Both 0 without NUMA. Racy reads: a
 * placement hint, never a correctness input. aspace_node_pages(): one
 * node's count (a snapshot), for tests and ps.
 */
int aspace_home_node(struct aspace *as);
int aspace_home_hint(const struct aspace *as);
uint32_t aspace_node_pages(const struct aspace *as, int node);

/* Pages currently mapped (resident) in `as`, for ps and rusage. */
uint64_t aspace_resident_pages(const struct aspace *as);

/* Enable NX, SMEP, SMAP, UMIP on this CPU where CPUID has them (every CPU,
 * at boot). Logs once which are on. */
void aspace_cpu_init(void);

/* BSP, once, right after pmm_init (before anything maps kernel pages):
 * records the kernel PML4 (vmm_init), gives every kernel-half PML4 entry
 * a page-directory-pointer table so a new PML4's copy of entries 256-511
 * stays right forever, allocates the page reference counts, and runs
 * aspace_cpu_init() for the BSP. */
void aspace_init(void);

#endif
