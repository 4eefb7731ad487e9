// SPDX-License-Identifier: MIT
/*
 * test=aspace: user address spaces exercised from a kernel thread, through
 * the same user copies system calls use. The thread is pinned to one CPU
 * and runs each phase with preemption off, so the address space it loads
 * (aspace_switch) stays loaded under it; it loads the kernel's PML4 again
 * before it ends, and the final aspace_put must leave no CPU (this one or
 * the other, which loads it lazily on purpose) with the freed tables.
 *
 * Checks: demand-zero pages; a file mapping's bytes and its zero tail;
 * -EFAULT (never a panic) for writes to read-only regions, unmapped and
 * kernel addresses, and a copy that runs from a mapped page into an
 * unmapped one (its first part done); the _nofault copy; strings; fork's
 * copy-on-write both ways and shared memory both ways, with the page
 * counts; stack growth within USER_STACK_MAX and refusal beyond; mprotect
 * round trips keep contents; munmap, MADV_DONTNEED, brk; the mmap family's
 * errno values through the system-call table; TLB shootdowns reach only
 * the CPUs in the address space's mask, and a CPU that cached a
 * translation stops seeing a page once it is unmapped; every page and
 * table comes back (pmm_free_count and the user-page count).
 *
 * One line per check, then "aspace: N passed, N failed".
 */
#include "aspace_test.h"

#include <stdatomic.h>

#include "../arch/x86.h"
#include "../cpu.h"
#include "../errno.h"
#include "../kthread.h"
#include "../lib/string.h"
#include "../log.h"
#include "../preempt.h"
#include "../syscall/syscall.h"
#include "../../smp/smp.h"
#include "aspace.h"
#include "heap.h"
#include "layout.h"
#include "page.h"
#include "pmm.h"
#include "usercopy.h"
#include "vmm.h"

#define PG 4096ULL
#define A_BASE 0x10000000ULL /* anonymous, private, 4 pages */
#define F_BASE 0x20000000ULL /* file, read-only, 3 pages */
#define R_BASE 0x30000000ULL /* anonymous, read-only, 1 page */
#define S_BASE 0x40000000ULL /* anonymous, shared, 1 page */
#define S2_BASE 0x40100000ULL /* shared, never touched before a fork */
#define E_BASE 0x60000000ULL /* one page with nothing above it */
#define NOTHING 0x50000000ULL
#define FILE_LEN 5000 /* 1 page + 904 bytes */

static int passed, failed;
static bool quiet; /* the warm-up round: count nothing, print nothing */
static uint8_t file_bytes[2 * PG];
static uint8_t buf[4 * PG];

static void check(bool ok, const char *what)
{
	if (quiet)
		return;
	if (ok)
		passed++;
	else
		failed++;
	kprintf("aspace: %s: %s", ok ? "ok" : "FAIL", what);
}

static void *U(uint64_t a)
{
	return (void *)a;
}

static bool all(const uint8_t *p, uint8_t v, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void load(struct aspace *as)
{
	uint64_t f = irq_save();
	aspace_switch(as);
	irq_restore(f);
}

static void unload(void)
{
	uint64_t f = irq_save();
	aspace_switch_kernel();
	irq_restore(f);
}

static uint64_t read_u64(uint64_t a)
{
	uint64_t v = 0;
	if (copy_from_user(&v, U(a), sizeof(v)))
		return ~0ULL;
	return v;
}

static int write_u64(uint64_t a, uint64_t v)
{
	return copy_to_user(U(a), &v, sizeof(v));
}

static long sys(int nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		uint64_t a4, uint64_t a5)
{
	struct syscall_args a = { .a = { a0, a1, a2, a3, a4, a5 }, .nr = nr };
	for (const struct syscall_entry *e = syscalls_mm; e->fn; e++)
		if (e->nr == nr)
			return e->fn(&a);
	return -ENOSYS;
}

/* ---- The other CPU ------------------------------------------------------ */

struct remote {
	struct aspace *as;
	uint64_t addr, value, cr3;
	int result;
};

/* Load `as` there as a context switch would, then go lazy (a kernel
 * thread runs next): the tables stay in CR3 and the CPU in the mask. */
static void remote_load(void *arg)
{
	struct remote *r = arg;
	aspace_switch(r->as);
	aspace_switch(0);
}

/* Read through whatever that CPU has loaded (its TLB included); interrupts
 * are off here, so a fault is -EFAULT at once. */
static void remote_read(void *arg)
{
	struct remote *r = arg;
	r->result = copy_from_user(&r->value, U(r->addr), sizeof(r->value));
}

static void remote_cr3(void *arg)
{
	struct remote *r = arg;
	r->cr3 = read_cr3() & ~0xfffULL;
}

static int other_cpu(int me)
{
	for (int cpu = 0; cpu < cpu_possible_count; cpu++)
		if (cpu != me && cpu_online(cpu))
			return cpu;
	return -1;
}

/* ---- Phases --------------------------------------------------------------- */

static bool map_all(struct aspace *as)
{
	struct vm_file f = { file_bytes, FILE_LEN };
	return !aspace_map(as, A_BASE, 4 * PG, VM_READ | VM_WRITE, 0, 0, 0, 0) &&
	       !aspace_map(as, F_BASE, 3 * PG, VM_READ, 0, &f, 0, FILE_LEN) &&
	       !aspace_map(as, R_BASE, PG, VM_READ, 0, 0, 0, 0) &&
	       !aspace_map(as, S_BASE, PG, VM_READ | VM_WRITE, VM_SHARED, 0, 0,
			   0) &&
	       !aspace_map(as, E_BASE, PG, VM_READ | VM_WRITE, 0, 0, 0, 0) &&
	       !aspace_map(as, USER_STACK_TOP - 4 * PG, 4 * PG,
			   VM_READ | VM_WRITE, VM_GROWSDOWN, 0, 0, 0);
}

static void basics(struct aspace *as)
{
	uint64_t res0 = aspace_resident_pages(as);
	memset(buf, 0xee, sizeof(buf));
	check(copy_from_user(buf, U(A_BASE), 4 * PG) == 0 &&
		      all(buf, 0, 4 * PG),
	      "demand-zero pages read as zero");
	check(aspace_resident_pages(as) == res0 + 4,
	      "the four pages are resident after the read");
	check(write_u64(A_BASE + 8, 0x1122334455667788ULL) == 0 &&
		      read_u64(A_BASE + 8) == 0x1122334455667788ULL,
	      "write then read back an anonymous page");

	memset(buf, 0xee, sizeof(buf));
	check(copy_from_user(buf, U(F_BASE), 3 * PG) == 0 &&
		      memcmp(buf, file_bytes, FILE_LEN) == 0 &&
		      all(buf + FILE_LEN, 0, 3 * PG - FILE_LEN),
	      "file mapping: the file's bytes, then zeros past file_len");
	check(copy_to_user(U(F_BASE), "x", 1) == -EFAULT,
	      "write to a read-only file mapping: -EFAULT");
	check(copy_to_user(U(R_BASE + 100), "x", 1) == -EFAULT,
	      "write to a read-only anonymous region: -EFAULT");
	check(read_u64(R_BASE) == 0, "read of the read-only region still works");
	check(copy_from_user(buf, U(NOTHING), 8) == -EFAULT,
	      "read of an unmapped address: -EFAULT");
	check(copy_to_user(U(NOTHING), buf, 8) == -EFAULT,
	      "write to an unmapped address: -EFAULT");
	check(copy_from_user(buf, U(0), 8) == -EFAULT,
	      "read at NULL: -EFAULT");
	check(copy_from_user(buf, (void *)0xffffffff80000000ULL, 8) == -EFAULT &&
		      copy_to_user((void *)(USER_TOP - 4), buf, 8) == -EFAULT,
	      "kernel addresses and ranges crossing USER_TOP: -EFAULT");

	memset(buf, 0x5a, PG);
	check(copy_to_user(U(E_BASE + PG / 2), buf, PG) == -EFAULT,
	      "a copy running from a mapped page into an unmapped one: -EFAULT");
	memset(buf, 0, PG);
	check(copy_from_user(buf, U(E_BASE + PG / 2), PG / 2) == 0 &&
		      all(buf, 0x5a, PG / 2),
	      "... and its mapped part was written before the fault");
	check(clear_user(U(E_BASE), PG) == 0 && read_u64(E_BASE + PG / 2) == 0,
	      "clear_user");
	check(clear_user(U(E_BASE + 8), PG) == -EFAULT,
	      "clear_user into an unmapped page: -EFAULT");

	uint64_t v = 1;
	check(copy_from_user_nofault(&v, U(A_BASE + 3 * PG + 64), 8) == 0,
	      "nofault copy from a resident page");
	aspace_dontneed(as, A_BASE + 3 * PG, PG);
	check(copy_from_user_nofault(&v, U(A_BASE + 3 * PG + 64), 8) == -EFAULT,
	      "nofault copy from a page not resident: -EFAULT, not filled");
	check(aspace_translate(as, A_BASE + 3 * PG) == -1,
	      "... and the nofault copy did not fault the page in");

	char s[16];
	copy_to_user(U(A_BASE + 100), "hello", 6);
	check(strncpy_from_user(s, U(A_BASE + 100), sizeof(s)) == 5 &&
		      strcmp(s, "hello") == 0,
	      "strncpy_from_user: length and bytes");
	check(strncpy_from_user(s, U(A_BASE + 100), 5) == -ENAMETOOLONG,
	      "strncpy_from_user without a NUL within max: -ENAMETOOLONG");
	copy_to_user(U(E_BASE + PG - 3), "abc", 3);
	check(strncpy_from_user(s, U(E_BASE + PG - 3), sizeof(s)) == -EFAULT,
	      "a string running into an unmapped page: -EFAULT");
	check(strncpy_from_user(s, U(NOTHING), sizeof(s)) == -EFAULT,
	      "strncpy_from_user at an unmapped address: -EFAULT");
}

#define W_BASE 0xa0000000ULL /* a private, writable file mapping */

/* A private writable file mapping: writes go to a private copy (the file
 * stays as it was); MADV_DONTNEED brings the file's bytes back. And
 * aspace_write (exec's way to fill a stack) into an address space that is
 * not loaded anywhere. */
static void file_and_write(struct aspace *as)
{
	struct vm_file f = { file_bytes, sizeof(file_bytes) };
	aspace_map(as, W_BASE, PG, VM_READ | VM_WRITE, 0, &f, PG, PG);
	uint64_t want = *(uint64_t *)(file_bytes + PG);
	check(read_u64(W_BASE) == want && write_u64(W_BASE, 1) == 0 &&
		      read_u64(W_BASE) == 1 && *(uint64_t *)(file_bytes + PG) == want,
	      "private file mapping at an offset: file bytes, then a private copy");
	check(aspace_dontneed(as, W_BASE, PG) == 0 && read_u64(W_BASE) == want,
	      "MADV_DONTNEED on a file mapping: the file's bytes again");
	aspace_unmap(as, W_BASE, PG);

	struct aspace *other = aspace_create();
	if (!other) {
		check(false, "aspace_create for aspace_write");
		return;
	}
	aspace_map(other, A_BASE, 2 * PG, VM_READ | VM_WRITE, 0, 0, 0, 0);
	aspace_map(other, R_BASE, PG, VM_READ, 0, 0, 0, 0);
	memset(buf, 0x3c, 2 * PG);
	check(aspace_write(other, A_BASE + 100, buf, PG + 50) == 0 &&
		      aspace_write(other, R_BASE, buf, 1) == -EFAULT &&
		      aspace_write(other, NOTHING, buf, 1) == -EFAULT,
	      "aspace_write into an address space not loaded: writable "
	      "regions only");
	load(other);
	memset(buf, 0, 2 * PG);
	check(copy_from_user(buf, U(A_BASE), 2 * PG) == 0 && all(buf, 0, 100) &&
		      all(buf + 100, 0x3c, PG + 50) &&
		      all(buf + 100 + PG + 50, 0, PG - 150),
	      "... and its bytes are there once it is loaded");
	load(as);
	aspace_put(other);
}

static void stack_growth(struct aspace *as)
{
	(void)as;
	uint64_t low = USER_STACK_TOP - 4 * PG - 100;
	check(write_u64(low, 7) == 0 && read_u64(low) == 7,
	      "a fault just below the stack grows it");
	uint64_t deepest = USER_STACK_TOP - USER_STACK_MAX;
	check(write_u64(deepest, 9) == 0,
	      "the stack grows to USER_STACK_MAX below its top");
	check(write_u64(deepest - 8, 9) == -EFAULT,
	      "... and not a byte further: -EFAULT");
}

static void protections(struct aspace *as)
{
	write_u64(A_BASE, 0xabcdef);
	check(aspace_protect(as, A_BASE, PG, VM_READ) == 0 &&
		      write_u64(A_BASE, 1) == -EFAULT &&
		      read_u64(A_BASE) == 0xabcdef,
	      "mprotect read-only: writes fail, contents kept");
	check(aspace_protect(as, A_BASE, PG, 0) == 0 &&
		      copy_from_user(buf, U(A_BASE), 8) == -EFAULT,
	      "mprotect PROT_NONE: reads fail");
	check(aspace_protect(as, A_BASE, PG, VM_READ | VM_WRITE) == 0 &&
		      read_u64(A_BASE) == 0xabcdef && write_u64(A_BASE, 2) == 0,
	      "mprotect back to read-write: the same contents, writable");
	check(aspace_protect(as, NOTHING, PG, VM_READ) == -ENOMEM,
	      "mprotect of an unmapped range: -ENOMEM");

	write_u64(A_BASE + PG, 42);
	check(aspace_dontneed(as, A_BASE + PG, PG) == 0 &&
		      read_u64(A_BASE + PG) == 0,
	      "MADV_DONTNEED: the page reads zero again");
	check(aspace_unmap(as, A_BASE + 2 * PG, PG) == 0 &&
		      copy_from_user(buf, U(A_BASE + 2 * PG), 8) == -EFAULT &&
		      read_u64(A_BASE + PG) == 0 && read_u64(A_BASE) == 2,
	      "munmap of one page: it faults, its neighbours stay");

	aspace_set_brk(as, 0x70000123);
	uint64_t b = aspace_brk(as, 0x70000123 + 3 * PG);
	check(b == 0x70000123 + 3 * PG && write_u64(0x70002000, 5) == 0,
	      "brk grows, and the new memory is writable");
	check(aspace_brk(as, 0x70000123) == 0x70000123 &&
		      copy_from_user(buf, U(0x70002000), 8) == -EFAULT,
	      "brk shrinks, and the memory above it is gone");
	check(aspace_brk(as, 0x60000000) == 0x70000123,
	      "brk below its start: refused, the break stays");
}

static void syscalls(void)
{
	const uint64_t RW = 3, PRIV_ANON = 0x22, SHARED = 0x01, FIXED = 0x10,
		       NOREPLACE = 0x100000;
	check(sys(SYS_mmap, 0, 0, RW, PRIV_ANON, -1, 0) == -EINVAL,
	      "mmap len 0: -EINVAL");
	check(sys(SYS_mmap, 0, PG, RW, 0x20, -1, 0) == -EINVAL,
	      "mmap neither shared nor private: -EINVAL");
	check(sys(SYS_mmap, A_BASE + 1, PG, RW, PRIV_ANON | FIXED, -1, 0) ==
		      -EINVAL,
	      "mmap MAP_FIXED unaligned: -EINVAL");
	check(sys(SYS_mmap, 0, PG, RW, PRIV_ANON, -1, 100) == -EINVAL,
	      "mmap unaligned offset: -EINVAL");
	check(sys(SYS_mmap, 0, PG, 1, 0x02, 1000, 0) == -EBADF,
	      "mmap of a bad descriptor: -EBADF");
	check(sys(SYS_mmap, A_BASE, PG, RW, PRIV_ANON | NOREPLACE, -1, 0) ==
		      -EEXIST,
	      "mmap MAP_FIXED_NOREPLACE over a mapping: -EEXIST");
	check(sys(SYS_mmap, 0x1000, PG, RW, PRIV_ANON | FIXED, -1, 0) == -EPERM,
	      "mmap MAP_FIXED below USER_MIN: -EPERM");
	long a = sys(SYS_mmap, 0, 3 * PG, RW, PRIV_ANON, -1, 0);
	check(a > 0 && (uint64_t)a + 3 * PG <= USER_MMAP_TOP &&
		      !((uint64_t)a & (PG - 1)),
	      "mmap anonymous: a page-aligned address in the mmap area");
	long b = sys(SYS_mmap, 0, PG, RW, SHARED | 0x20, -1, 0);
	check(b > 0 && b + (long)PG <= a, "a second mmap goes below the first");
	check(write_u64((uint64_t)a + PG, 3) == 0 && read_u64((uint64_t)a + PG) == 3,
	      "the mmap'd memory is usable");
	check(sys(SYS_munmap, (uint64_t)a + 1, PG, 0, 0, 0, 0) == -EINVAL &&
		      sys(SYS_munmap, (uint64_t)a, 0, 0, 0, 0, 0) == -EINVAL,
	      "munmap unaligned or len 0: -EINVAL");
	check(sys(SYS_munmap, (uint64_t)a, 3 * PG, 0, 0, 0, 0) == 0 &&
		      copy_from_user(buf, U((uint64_t)a + PG), 8) == -EFAULT,
	      "munmap");
	check(sys(SYS_munmap, (uint64_t)b, PG, 0, 0, 0, 0) == 0,
	      "munmap of the shared mapping");
	check(sys(SYS_mprotect, A_BASE, 0, 1, 0, 0, 0) == 0 &&
		      sys(SYS_mprotect, A_BASE, PG, 0x10, 0, 0, 0) == -EINVAL &&
		      sys(SYS_mprotect, NOTHING, PG, 1, 0, 0, 0) == -ENOMEM,
	      "mprotect: len 0 is 0, bad prot -EINVAL, unmapped -ENOMEM");
	check(sys(SYS_madvise, A_BASE, PG, 999, 0, 0, 0) == -EINVAL &&
		      sys(SYS_madvise, A_BASE + 1, PG, 4, 0, 0, 0) == -EINVAL &&
		      sys(SYS_madvise, NOTHING, PG, 4, 0, 0, 0) == -ENOMEM,
	      "madvise: bad advice or address -EINVAL, unmapped -ENOMEM");
	check(sys(SYS_brk, 0, 0, 0, 0, 0, 0) == 0x70000123,
	      "brk(0) returns the break");
}

static void fork_checks(struct aspace *parent)
{
	write_u64(A_BASE + 16, 100);
	write_u64(S_BASE, 500);
	check(aspace_map(parent, S2_BASE, PG, VM_READ | VM_WRITE, VM_SHARED, 0, 0,
			 0) == 0,
	      "map a shared page and touch it on neither side before fork");
	struct aspace *child = aspace_fork(parent);
	check(child != 0, "fork");
	if (!child)
		return;
	int64_t pa = aspace_translate(parent, A_BASE);
	check(pa >= 0 && aspace_translate(child, A_BASE) == pa &&
		      page_ref((uint64_t)pa) == 2,
	      "after fork a private page is one page with two references");

	check(write_u64(A_BASE + 16, 101) == 0, "parent writes after fork");
	int64_t pa2 = aspace_translate(parent, A_BASE);
	check(pa2 >= 0 && pa2 != pa && page_ref((uint64_t)pa2) == 1 &&
		      page_ref((uint64_t)pa) == 1,
	      "the write copied the page; both counts are 1 again");
	check(write_u64(S_BASE, 501) == 0, "parent writes shared memory");

	load(child);
	check(read_u64(A_BASE + 16) == 100,
	      "the child still sees the value from before the parent's write");
	check(read_u64(S_BASE) == 501, "the child sees the parent's shared write");
	check(write_u64(A_BASE + 24, 200) == 0 &&
		      aspace_translate(child, A_BASE) == pa,
	      "the child writes its last reference: no copy");
	check(write_u64(S_BASE + 8, 600) == 0, "the child writes shared memory");
	check(write_u64(S2_BASE, 700) == 0,
	      "the child writes the shared page untouched before the fork");
	/* A page neither side wrote since the fork. */
	check(read_u64(F_BASE) == *(uint64_t *)file_bytes,
	      "the child reads the file mapping");
	load(parent);
	check(read_u64(A_BASE + 24) == 0 && read_u64(A_BASE + 16) == 101,
	      "the parent does not see the child's write");
	check(read_u64(S_BASE + 8) == 600, "the parent sees the child's shared write");
	check(read_u64(S2_BASE) == 700,
	      "... and sees that write too: one page, not one per side (t_stress "
	      "hung on this: a stop flag in such a page never reached its "
	      "workers)");
	int64_t sp = aspace_translate(parent, S_BASE);
	check(sp >= 0 && sp == aspace_translate(child, S_BASE) &&
		      page_ref((uint64_t)sp) == 2,
	      "the shared page is one page with two references");
	aspace_put(child);
	check(page_ref((uint64_t)sp) == 1,
	      "the child's put drops its reference to the shared page");
}

/* Out of memory in the middle of fork: NULL, nothing leaked, the parent
 * unharmed (its pages were already made copy-on-write: the next write
 * finds count 1 and takes the page back). Memory is hoarded page by page
 * in a list threaded through the pages themselves, down to HOARD_LEFT. */
#define HOARD_LEFT 6

static void fork_out_of_memory(struct aspace *as)
{
	uint64_t hoard = 0, n = 0;
	write_u64(A_BASE + 32, 1234);
	while (pmm_free_count() > HOARD_LEFT) {
		uint64_t p = pmm_alloc_pages(1);
		if (!p)
			break;
		*(uint64_t *)phys_to_virt(p) = hoard;
		hoard = p;
		n++;
	}
	uint64_t users = page_user_count();
	struct aspace *child = aspace_fork(as);
	bool failed = child == 0, same = page_user_count() == users;
	if (child)
		aspace_put(child);
	while (hoard) {
		uint64_t next = *(uint64_t *)phys_to_virt(hoard);
		pmm_free_pages(hoard, 1);
		hoard = next;
	}
	check(failed && same,
	      "fork with memory for a few tables only: NULL, every page "
	      "reference it took given back");
	int64_t before = aspace_translate(as, A_BASE);
	check(read_u64(A_BASE + 32) == 1234 && write_u64(A_BASE + 32, 4321) == 0 &&
		      aspace_translate(as, A_BASE) == before,
	      "... and the parent reads and writes its page, without a copy");
	if (!quiet)
		kprintf("aspace: (%lu pages were held back for that)", n);
}

/* TLB shootdowns go to the CPUs in the mask, and they matter. */
static void shootdown_checks(struct aspace *as, int me, int other)
{
	struct cpumask m, sent;
	aspace_cpu_mask(as, &m);
	check(cpumask_test(&m, me) && cpumask_count(&m) == 1,
	      "the mask holds exactly the CPU that loaded the address space");
	write_u64(A_BASE, 1);
	aspace_protect(as, A_BASE, PG, VM_READ);
	smp_tlb_last_targets(&sent);
	check(cpumask_empty(&sent),
	      "a shootdown with only this CPU in the mask sends no IPI");
	aspace_protect(as, A_BASE, PG, VM_READ | VM_WRITE);
	if (other < 0) {
		if (!quiet)
			kprintf("aspace: skipped: remote shootdown checks need 2 CPUs");
		return;
	}
	struct remote r = { .as = as, .addr = A_BASE };
	smp_call_on(other, remote_load, &r, true);
	aspace_cpu_mask(as, &m);
	check(cpumask_test(&m, other) && cpumask_count(&m) == 2,
	      "a CPU that went lazy after loading stays in the mask");
	write_u64(A_BASE, 77);
	smp_call_on(other, remote_read, &r, true);
	check(r.result == 0 && r.value == 77,
	      "the other CPU reads the page (and caches its translation)");
	uint64_t flushes = smp_tlb_flushes(other);
	check(aspace_unmap(as, A_BASE, PG) == 0, "unmap the page it cached");
	smp_tlb_last_targets(&sent);
	check(cpumask_test(&sent, other) && cpumask_count(&sent) == 1 &&
		      smp_tlb_flushes(other) == flushes + 1,
	      "the shootdown went to the other CPU only, and it flushed");
	smp_call_on(other, remote_read, &r, true);
	check(r.result == -EFAULT,
	      "the other CPU no longer reaches the unmapped page");
	aspace_map(as, A_BASE, PG, VM_READ | VM_WRITE, 0, 0, 0, 0);
}

/* ---- Two CPUs on one address space ------------------------------------------ */

#define P_BASE 0x80000000ULL /* the peer's 8 private pages */
#define Q_BASE 0x90000000ULL /* this thread's mmap/munmap churn */
#define PEER_ROUNDS 3000
#define MAIN_ROUNDS 300

struct peer {
	struct aspace *as;
	atomic_int done;
	int errors;
};

/* Writes and reads its own pages while the other CPU forks (making them
 * copy-on-write under it), unmaps and remaps next to them, and shoots
 * down this CPU's TLB; every value it reads must be the one it wrote. */
static void peer_thread(void *arg)
{
	struct peer *p = arg;
	preempt_disable();
	load(p->as);
	for (uint64_t i = 1; i <= PEER_ROUNDS; i++) {
		uint64_t a = P_BASE + (i % 8) * PG + (i % 500) * 8;
		if (write_u64(a, i) || read_u64(a) != i)
			p->errors++;
		if (i % 256 == 0)
			aspace_dontneed(p->as, P_BASE, 8 * PG);
	}
	unload();
	preempt_enable();
	atomic_store(&p->done, 1);
}

static void concurrent(struct aspace *as, int other)
{
	if (other < 0)
		return;
	struct peer p = { .as = as };
	struct cpumask one;
	int err, errors = 0;
	aspace_map(as, P_BASE, 8 * PG, VM_READ | VM_WRITE, 0, 0, 0, 0);
	cpumask_clear(&one);
	cpumask_set(&one, other);
	struct thread *t = kthread_create("aspace-peer", peer_thread, &p, 0,
					  &one, &err);
	if (!t) {
		check(false, "create the peer thread");
		return;
	}
	int i, done_at = -1;
	for (i = 0; i < MAIN_ROUNDS || !atomic_load(&p.done); i++) {
		if (done_at < 0 && atomic_load(&p.done))
			done_at = i;
		if (aspace_map(as, Q_BASE, 4 * PG, VM_READ | VM_WRITE, 0, 0, 0,
			       0) ||
		    write_u64(Q_BASE + (i % 4) * PG, (uint64_t)i) ||
		    aspace_protect(as, Q_BASE, 4 * PG, VM_READ) ||
		    read_u64(Q_BASE + (i % 4) * PG) != (uint64_t)i ||
		    aspace_unmap(as, Q_BASE, 4 * PG))
			errors++;
		if (i % 16 == 0) {
			struct aspace *c = aspace_fork(as);
			if (c)
				aspace_put(c);
			else
				errors++;
		}
	}
	/* Joining blocks: let this CPU schedule, then load the address space
	 * again (a context switch may have loaded the kernel's meanwhile). */
	preempt_enable();
	kthread_join(t, 0);
	preempt_disable();
	load(as);
	if (!quiet)
		kprintf("aspace: %d rounds of map/protect/unmap and %d forks here; "
			"the peer finished %s", i, (i + 15) / 16,
			done_at < 0 ? "after them" : "during them");
	check(errors == 0 && p.errors == 0,
	      "two CPUs on one address space: faults, COW breaks, munmap and "
	      "fork shootdowns, every value read back as written");
	if (errors || p.errors)
		kprintf("aspace: %d errors here, %d on the peer", errors, p.errors);
	aspace_unmap(as, P_BASE, 8 * PG);
}

/* The last put with no memory left at all (neither pmm pages nor small
 * heap objects), as when the process being freed is the one that used
 * all memory up and was killed for it: the put must still move the lazy
 * CPU off the tables and free them, never fail or panic (it allocated a
 * call-function request per CPU once: "smp: out of memory for a call"). */
#define HOARD_SIZES 4

static void put_with_no_memory(struct aspace *as, int other)
{
	static const size_t sizes[HOARD_SIZES] = { 16, 32, 64, 128 };
	uint64_t pages = 0;
	void *objs[HOARD_SIZES] = { 0 };
	if (other >= 0) {
		/* The peer thread of concurrent() left it; load it there
		 * again and go lazy, so the put has a CPU to move. */
		struct remote r = { .as = as };
		struct cpumask m;
		smp_call_on(other, remote_load, &r, true);
		aspace_cpu_mask(as, &m);
		check(cpumask_test(&m, other),
		      "the other CPU has the address space loaded lazily");
	}
	for (;;) {
		uint64_t p = pmm_alloc_pages(1);
		if (!p)
			break;
		*(uint64_t *)phys_to_virt(p) = pages;
		pages = p;
	}
	for (int i = 0; i < HOARD_SIZES; i++)
		for (void **o; (o = kmalloc(sizes[i]));) {
			*o = objs[i];
			objs[i] = o;
		}
	aspace_put(as);
	for (int i = 0; i < HOARD_SIZES; i++)
		while (objs[i]) {
			void *next = *(void **)objs[i];
			kfree(objs[i]);
			objs[i] = next;
		}
	while (pages) {
		uint64_t next = *(uint64_t *)phys_to_virt(pages);
		pmm_free_pages(pages, 1);
		pages = next;
	}
	check(true, "the last put with memory exhausted (pmm and small heap "
		    "objects): no allocation, no panic");
}

/* One round of everything; false if the address space could not even be
 * created. */
static bool scenario(int me, int other)
{
	struct remote r = { 0 };
	struct aspace *as = aspace_create();
	check(as != 0, "aspace_create");
	if (!as)
		return false;
	check(map_all(as), "map anonymous, file, read-only, shared, stack regions");
	load(as);
	check((read_cr3() & ~0xfffULL) != vmm_kernel_pml4(),
	      "aspace_switch loaded the address space's own PML4");
	basics(as);
	file_and_write(as);
	stack_growth(as);
	protections(as);
	syscalls();
	fork_checks(as);
	fork_out_of_memory(as);
	shootdown_checks(as, me, other);
	concurrent(as, other);
	check(aspace_resident_pages(as) > 0, "aspace_resident_pages counts");

	unload();
	check((read_cr3() & ~0xfffULL) == vmm_kernel_pml4(),
	      "this CPU is back on the kernel's PML4");
	put_with_no_memory(as, other);
	if (other >= 0) {
		smp_call_on(other, remote_cr3, &r, true);
		check(r.cr3 == vmm_kernel_pml4(),
		      "the last put moved the lazy CPU to the kernel's PML4");
	}
	return true;
}

static void test_thread(void *arg)
{
	int *fails = arg;
	/* Pinned (affinity) and not preemptible: the address space this
	 * thread loads stays loaded under it (kernel threads do not switch
	 * CR3 themselves, and the context switch may one day load the kernel
	 * PML4 for a kernel thread). Nothing below sleeps. */
	preempt_disable();
	int me = this_cpu()->id, other = other_cpu(me);

	for (unsigned i = 0; i < sizeof(file_bytes); i++)
		file_bytes[i] = (uint8_t)(i * 7 + 3);

	/* Round 1, not reported, fills the heap's size-class caches (they
	 * keep their pages for good), so round 2's page count compares like
	 * with like. */
	quiet = true;
	scenario(me, other);
	quiet = false;
	passed = failed = 0;
	uint64_t free_before = pmm_free_count();
	uint64_t user_before = page_user_count();
	if (scenario(me, other)) {
		check(page_user_count() == user_before,
		      "every user page was freed (user-page count as before)");
		check(pmm_free_count() == free_before,
		      "pmm_free_count() is back to its value before the test");
		if (pmm_free_count() != free_before)
			kprintf("aspace: free pages %lu before, %lu after",
				free_before, pmm_free_count());
	}
	preempt_enable();
	kprintf("aspace: %d passed, %d failed", passed, failed);
	*fails = failed;
}

int selftest_aspace(void)
{
	int err, fails = 1;
	struct cpumask one;
	cpumask_clear(&one);
	cpumask_set(&one, cpu_online_last());
	struct thread *t = kthread_create("aspace-test", test_thread, &fails, 0,
					  &one, &err);
	if (!t) {
		kprintf("aspace: cannot create the test thread (%d)", err);
		return 1;
	}
	kthread_join(t, 0);
	return fails != 0;
}

/* ---- test=aspace-smap, test=aspace-smep ----------------------------------- */

#define CR4_SMEP_BIT (1ULL << 20)
#define CR4_SMAP_BIT (1ULL << 21)

/* Kept out of line, with a name, so the exception report shows it. */
__attribute__((noinline)) static uint64_t stray_user_read(uint64_t a)
{
	return *(volatile uint64_t *)a;
}

/* A kernel access to user memory outside the copy routines: with SMAP
 * (and SMEP, for a jump) the CPU refuses it, and the kernel's ordinary
 * fatal report follows (the exception table knows only the copy
 * routines). Never returns on a CPU with the protection. */
static int stray_access(bool fetch)
{
	if (!(read_cr4() & (fetch ? CR4_SMEP_BIT : CR4_SMAP_BIT))) {
		kprintf("aspace-%s: the CPU has no %s here (QEMU: -cpu max)",
			fetch ? "smep" : "smap", fetch ? "SMEP" : "SMAP");
		return 1;
	}
	struct aspace *as = aspace_create();
	if (!as || aspace_map(as, A_BASE, PG, VM_READ | VM_WRITE | VM_EXEC, 0,
			      0, 0, 0))
		return 1;
	preempt_disable(); /* keep the loaded tables under us */
	load(as);
	const uint8_t ret = 0xc3;
	if (copy_to_user(U(A_BASE), &ret, 1))
		return 1;
	if (fetch) {
		kprintf("aspace-smep: calling into a user page from the kernel");
		((void (*)(void))A_BASE)();
	} else {
		kprintf("aspace-smap: reading a user page outside the copy routines");
		stray_user_read(A_BASE);
	}
	kprintf("aspace-%s: the access succeeded", fetch ? "smep" : "smap");
	return 1;
}

int selftest_aspace_smap(void)
{
	return stray_access(false);
}

int selftest_aspace_smep(void)
{
	return stray_access(true);
}
