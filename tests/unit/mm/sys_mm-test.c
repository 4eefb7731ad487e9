// SPDX-License-Identifier: MIT
/*
 * kernel/syscall/sys_mm.c on the host, over a recording fake of the
 * address-space calls: every argument check and its Linux errno (and
 * Linux's order: a bad descriptor before a zero length, an unaligned
 * offset before anything), and how valid calls are translated (MAP_*
 * flags to VM_* flags and a placement mode, shared read-only file
 * mappings made unwritable for good, lengths rounded to pages, hints
 * rounded up). No call that fails validation may reach the address space.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/mm/aspace.h"
#include "kernel/syscall/syscall.h"

#define PG 4096ULL

/* ---- Fakes ---- */

static struct aspace *fake_as = (struct aspace *)0x1000;
static int calls; /* address-space calls made */
static struct {
	uint64_t addr, len;
	unsigned prot, flags;
	int how;
	const struct vm_file *file;
	uint64_t off;
} last;
static int fd_result;
static const struct vm_file the_file = { (const uint8_t *)"data", 4 };

struct aspace *aspace_current(void)
{
	return fake_as;
}

int vfs_fd_vm_file(int fd, struct vm_file *out)
{
	(void)fd;
	if (fd_result)
		return fd_result;
	*out = the_file;
	return 0;
}

int64_t aspace_mmap(struct aspace *as, uint64_t addr, uint64_t len,
		    unsigned prot, unsigned flags, int how,
		    const struct vm_file *file, uint64_t file_off)
{
	assert_ptr_equal(as, fake_as);
	calls++;
	last.addr = addr;
	last.len = len;
	last.prot = prot;
	last.flags = flags;
	last.how = how;
	last.file = file;
	last.off = file_off;
	return 0x7000000000;
}

int aspace_unmap(struct aspace *as, uint64_t addr, uint64_t len)
{
	(void)as;
	calls++;
	last.addr = addr;
	last.len = len;
	return 0;
}

int aspace_protect(struct aspace *as, uint64_t addr, uint64_t len,
		   unsigned prot)
{
	(void)as;
	calls++;
	last.addr = addr;
	last.len = len;
	last.prot = prot;
	return 0;
}

int aspace_dontneed(struct aspace *as, uint64_t addr, uint64_t len)
{
	(void)as;
	calls++;
	last.addr = addr;
	last.len = len;
	return 0;
}

uint64_t aspace_brk(struct aspace *as, uint64_t want)
{
	(void)as;
	calls++;
	return want + 1;
}

/* ---- Helpers ---- */

static long sys(int nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		uint64_t a4, uint64_t a5)
{
	struct syscall_args a = { .a = { a0, a1, a2, a3, a4, a5 }, .nr = nr };
	for (const struct syscall_entry *e = syscalls_mm; e->fn; e++)
		if (e->nr == nr)
			return e->fn(&a);
	fail_msg("system call %d not in syscalls_mm", nr);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	calls = 0;
	fd_result = 0;
	memset(&last, 0, sizeof(last));
	fake_as = (struct aspace *)0x1000;
	return 0;
}

#define RW 3
#define PRIV 0x02
#define SHARED 0x01
#define VALIDATE 0x03
#define ANON 0x20
#define FIXED 0x10
#define NOREPLACE 0x100000

/* A refused call never reaches the address space. */
static void refused(long got, long want)
{
	assert_int_equal(got, want);
	assert_int_equal(calls, 0);
}

/* ---- mmap ---- */

static void test_mmap_validation(void **state)
{
	(void)state;
	refused(sys(SYS_mmap, 0, PG, RW, PRIV | ANON, -1, 1), -EINVAL);
	refused(sys(SYS_mmap, 0, PG, RW, ANON, -1, 0), -EINVAL);
	refused(sys(SYS_mmap, 0, PG, RW, 0x0f | ANON, -1, 0), -EINVAL);
	refused(sys(SYS_mmap, 0, 0, RW, PRIV | ANON, -1, 0), -EINVAL);
	refused(sys(SYS_mmap, 0, UINT64_MAX - 5, RW, PRIV | ANON, -1, 0),
		-ENOMEM);
	refused(sys(SYS_mmap, 0, USER_TOP + PG, RW, PRIV | ANON, -1, 0),
		-ENOMEM);
	refused(sys(SYS_mmap, 0x10000001, PG, RW, PRIV | ANON | FIXED, -1, 0),
		-EINVAL);
	refused(sys(SYS_mmap, USER_TOP - PG, 2 * PG, RW, PRIV | ANON | FIXED,
		    -1, 0),
		-ENOMEM);
	refused(sys(SYS_mmap, 0x1000, PG, RW, PRIV | ANON | FIXED, -1, 0),
		-EPERM);
	refused(sys(SYS_mmap, 0x1000, PG, RW, PRIV | ANON | NOREPLACE, -1, 0),
		-EPERM);
	/* Unknown flags: ignored, except with MAP_SHARED_VALIDATE. */
	refused(sys(SYS_mmap, 0, PG, RW, VALIDATE | ANON | 0x10000000, -1, 0),
		-EOPNOTSUPP);
	assert_int_equal(sys(SYS_mmap, 0, PG, RW, SHARED | ANON | 0x10000000,
			     -1, 0),
			 0x7000000000);
	calls = 0;
	fake_as = 0;
	refused(sys(SYS_mmap, 0, PG, RW, PRIV | ANON, -1, 0), -EFAULT);
}

static void test_mmap_file_errors_in_linux_order(void **state)
{
	(void)state;
	fd_result = -EBADF;
	/* The descriptor is looked at before the length. */
	refused(sys(SYS_mmap, 0, 0, 1, PRIV, 99, 0), -EBADF);
	fd_result = -ENODEV;
	refused(sys(SYS_mmap, 0, PG, 1, PRIV, 3, 0), -ENODEV);
	fd_result = 0;
	refused(sys(SYS_mmap, 0, PG, RW, SHARED, 3, 0), -EACCES);
	/* An anonymous mapping ignores the descriptor. */
	fd_result = -EBADF;
	assert_int_equal(sys(SYS_mmap, 0, PG, RW, PRIV | ANON, 99, 0),
			 0x7000000000);
}

static void test_mmap_translation(void **state)
{
	(void)state;
	assert_int_equal(sys(SYS_mmap, 0x12345, 5000, 7 | 0x8, PRIV | ANON, -1,
			     0),
			 0x7000000000);
	assert_int_equal(last.how, ASPACE_MAP_HINT);
	assert_int_equal(last.addr, 0x13000); /* the hint rounded up */
	assert_int_equal(last.len, 2 * PG);
	assert_int_equal(last.prot, VM_READ | VM_WRITE | VM_EXEC);
	assert_int_equal(last.flags, 0);
	assert_null(last.file);

	sys(SYS_mmap, 0, PG, RW, SHARED | ANON, -1, 0);
	assert_int_equal(last.flags, VM_SHARED);
	sys(SYS_mmap, 0x20000000, PG, 0, PRIV | ANON | FIXED | 0x100, -1, 0);
	assert_int_equal(last.how, ASPACE_MAP_FIXED);
	assert_int_equal(last.addr, 0x20000000);
	assert_int_equal(last.prot, 0);
	assert_int_equal(last.flags, VM_GROWSDOWN);
	sys(SYS_mmap, 0x20000000, PG, RW, PRIV | ANON | FIXED | NOREPLACE, -1,
	    0);
	assert_int_equal(last.how, ASPACE_MAP_NOREPLACE);

	sys(SYS_mmap, 0, PG, RW, PRIV, 3, 2 * PG);
	assert_non_null(last.file);
	assert_ptr_equal(last.file->data, the_file.data);
	assert_int_equal(last.off, 2 * PG);
	assert_int_equal(last.flags, 0);
	/* Shared read-only file mapping: a private copy never writable. */
	sys(SYS_mmap, 0, PG, 1, SHARED, 3, 0);
	assert_int_equal(last.flags, VM_NOWRITE);
	assert_int_equal(last.prot, VM_READ);
}

/* ---- munmap, mprotect, madvise, brk ---- */

static void test_munmap_passes_through(void **state)
{
	(void)state;
	assert_int_equal(sys(SYS_munmap, 0x20000000, 100, 0, 0, 0, 0), 0);
	assert_int_equal(last.addr, 0x20000000);
	assert_int_equal(last.len, 100); /* aspace_unmap rounds and checks */
}

static void test_mprotect(void **state)
{
	(void)state;
	refused(sys(SYS_mprotect, 0x20000001, PG, 1, 0, 0, 0), -EINVAL);
	refused(sys(SYS_mprotect, 0x20000000, PG, 0x10, 0, 0, 0), -EINVAL);
	refused(sys(SYS_mprotect, 0x20000000, PG, 0x03000001, 0, 0, 0),
		-EINVAL);
	refused(sys(SYS_mprotect, 0x20000000, 0, 1, 0, 0, 0), 0);
	refused(sys(SYS_mprotect, USER_TOP - PG, 2 * PG, 1, 0, 0, 0), -ENOMEM);
	refused(sys(SYS_mprotect, 0x20000000, UINT64_MAX - 100, 1, 0, 0, 0),
		-ENOMEM);
	assert_int_equal(sys(SYS_mprotect, 0x20000000, 10, 0x01000005, 0, 0, 0),
			 0);
	assert_int_equal(last.len, PG);
	assert_int_equal(last.prot, VM_READ | VM_EXEC);
}

static void test_madvise(void **state)
{
	(void)state;
	refused(sys(SYS_madvise, 0x20000000, PG, 999, 0, 0, 0), -EINVAL);
	refused(sys(SYS_madvise, 0x20000000, PG, 9, 0, 0, 0), -EINVAL);
	refused(sys(SYS_madvise, 0x20000001, PG, 4, 0, 0, 0), -EINVAL);
	refused(sys(SYS_madvise, 0x20000000, 0, 4, 0, 0, 0), 0);
	refused(sys(SYS_madvise, 0x20000000, UINT64_MAX - 100, 4, 0, 0, 0),
		-EINVAL);
	refused(sys(SYS_madvise, USER_TOP - PG, 2 * PG, 4, 0, 0, 0), -ENOMEM);
	refused(sys(SYS_madvise, 0x20000000, PG, 3, 0, 0, 0), 0); /* WILLNEED */
	assert_int_equal(sys(SYS_madvise, 0x20000000, 10, 4, 0, 0, 0), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(last.len, PG);
	assert_int_equal(sys(SYS_madvise, 0x20000000, PG, 8, 0, 0, 0), 0);
	assert_int_equal(calls, 2); /* MADV_FREE drops pages too */
}

static void test_brk_returns_the_break(void **state)
{
	(void)state;
	assert_int_equal(sys(SYS_brk, 0x700000, 0, 0, 0, 0, 0), 0x700001);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_mmap_validation, setup),
		cmocka_unit_test_setup(test_mmap_file_errors_in_linux_order, setup),
		cmocka_unit_test_setup(test_mmap_translation, setup),
		cmocka_unit_test_setup(test_munmap_passes_through, setup),
		cmocka_unit_test_setup(test_mprotect, setup),
		cmocka_unit_test_setup(test_madvise, setup),
		cmocka_unit_test_setup(test_brk_returns_the_break, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
