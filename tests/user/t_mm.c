/* SPDX-License-Identifier: MIT */
/*
 * t_mm: the memory calls. mmap (anonymous private and shared, MAP_FIXED,
 * read-only file mappings from the initramfs), munmap, mprotect, brk via
 * malloc, madvise(DONTNEED), stack growth, and the faults that must follow
 * (SIGSEGV caught and left with siglongjmp), plus the error paths: EINVAL
 * for bad lengths/alignment/flags, EBADF, EACCES, ENOMEM, and EFAULT when
 * a system call is handed unmapped, PROT_NONE or read-only user memory.
 */
#include "check.h"
#include "fault.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define PG 4096ul

static void test_anon_private(void)
{
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int zero = 1;

	CHECK(p != MAP_FAILED, "mmap anonymous private 4 pages");
	if (p == MAP_FAILED)
		return;
	CHECK((uintptr_t)p % PG == 0, "mapping is page-aligned");
	for (size_t i = 0; i < 4 * PG; i++)
		zero &= p[i] == 0;
	CHECK(zero, "anonymous pages read as zero");
	memset(p, 0xab, 4 * PG);
	CHECK(p[0] == (char)0xab && p[4 * PG - 1] == (char)0xab,
	      "anonymous pages writable");
	CHECK_OK(munmap(p + PG, PG), "munmap the second page");
	CHECK(probe_read(p + PG) == SIGSEGV, "read of an unmapped page: SIGSEGV");
	CHECK(fault_addr == p + PG && fault_code == SEGV_MAPERR,
	      "si_addr is the page, si_code SEGV_MAPERR");
	CHECK(probe_read(p) == 0 && probe_read(p + 2 * PG) == 0,
	      "neighbours still mapped");
	int pfd[2];
	pipe(pfd);
	CHECK_ERR(syscall(SYS_write, pfd[1], p + PG, 16), EFAULT,
		  "write from an unmapped page EFAULT");
	/* Linux gives EFAULT or the bytes before the hole, by file type. */
	errno = 0;
	long w = syscall(SYS_write, pfd[1], p + PG - 8, 16);
	CHECK((w == -1 && errno == EFAULT) || w == 8,
	      "write running into an unmapped page: EFAULT or 8 bytes (%ld)", w);
	close(pfd[0]);
	close(pfd[1]);
	CHECK_OK(munmap(p, 4 * PG), "munmap a range with a hole");
	CHECK_OK(munmap(p, 4 * PG), "munmap of nothing mapped is fine");
}

static void test_anon_shared(void)
{
	volatile int *shared = mmap(NULL, PG, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	volatile int *private = mmap(NULL, PG, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int st = -1;

	CHECK(shared != MAP_FAILED && private != MAP_FAILED,
	      "mmap shared and private anonymous");
	if (shared == MAP_FAILED || private == MAP_FAILED)
		return;
	*shared = 1;
	*private = 1;
	pid_t pid = fork();
	if (pid == 0) {
		*shared = 2;
		*private = 2;
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && st == 0,
	      "child writes and exits");
	CHECK(*shared == 2, "MAP_SHARED: parent sees the child's write");
	CHECK(*private == 1, "MAP_PRIVATE: parent does not");
	munmap((void *)shared, PG);
	munmap((void *)private, PG);
}

static void test_fixed(void)
{
	char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *q;

	if (p == MAP_FAILED) {
		CHECK(0, "mmap for MAP_FIXED");
		return;
	}
	memset(p, 1, 3 * PG);
	q = mmap(p + PG, PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(q == p + PG, "MAP_FIXED lands at the address asked");
	CHECK(q[0] == 0 && q[PG - 1] == 0, "MAP_FIXED replaced the old page");
	CHECK(p[0] == 1 && p[2 * PG] == 1, "pages around it untouched");
	munmap(p, 3 * PG);
	CHECK(mmap(p + 1, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		   -1, 0) == MAP_FAILED && errno == EINVAL,
	      "MAP_FIXED unaligned EINVAL");
	CHECK(mmap(KADDR, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		   -1, 0) == MAP_FAILED && errno == ENOMEM,
	      "MAP_FIXED at a kernel address ENOMEM");
	q = mmap(KADDR, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(q != MAP_FAILED && (uintptr_t)q < 0x800000000000ul,
	      "a kernel-address hint is ignored, the mapping is user");
	if (q != MAP_FAILED)
		munmap(q, PG);
}

static void test_mmap_errors(void)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;

	CHECK(mmap(NULL, 0, PROT_READ, flags, -1, 0) == MAP_FAILED &&
	      errno == EINVAL, "mmap length 0 EINVAL");
	CHECK(mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
	      errno == EINVAL, "mmap neither PRIVATE nor SHARED EINVAL");
	CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED &&
	      errno == EBADF, "mmap of fd 999 EBADF");
	CHECK(mmap(NULL, ~0ul - PG, PROT_READ, flags, -1, 0) == MAP_FAILED &&
	      errno == ENOMEM, "mmap of nearly 2^64 bytes ENOMEM");
	CHECK_ERR(munmap((void *)0x10001, PG), EINVAL, "munmap unaligned EINVAL");
	CHECK_ERR(munmap(NULL, 0), EINVAL, "munmap length 0 EINVAL");
	/* musl rounds mprotect's start down: the raw call. */
	CHECK_ERR(syscall(SYS_mprotect, 0x10001, PG, PROT_READ), EINVAL,
		  "mprotect unaligned EINVAL");
	char *p = mmap(NULL, PG, PROT_READ, flags, -1, 0);
	munmap(p, PG);
	CHECK_ERR(mprotect(p, PG, PROT_READ), ENOMEM,
		  "mprotect of an unmapped range ENOMEM");
	CHECK_ERR(madvise((void *)0x10001, PG, MADV_DONTNEED), EINVAL,
		  "madvise unaligned EINVAL");
}

static void test_mprotect(void)
{
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd;

	if (p == MAP_FAILED) {
		CHECK(0, "mmap for mprotect");
		return;
	}
	p[0] = 5;
	CHECK_OK(mprotect(p, PG, PROT_READ), "mprotect read-only");
	CHECK(probe_write(p, 1) == SIGSEGV, "write to read-only page: SIGSEGV");
	CHECK(fault_addr == p && fault_code == SEGV_ACCERR,
	      "si_addr is the page, si_code SEGV_ACCERR");
	CHECK(p[0] == 5, "read-only page still readable, value kept");
	CHECK(probe_write(p + PG, 1) == 0, "the next page stays writable");
	fd = open("/dev/zero", O_RDONLY);
	CHECK_ERR(syscall(SYS_read, fd, p, 16), EFAULT,
		  "read into a read-only page EFAULT");
	CHECK_OK(mprotect(p, PG, PROT_NONE), "mprotect PROT_NONE");
	CHECK(probe_read(p) == SIGSEGV, "read of PROT_NONE page: SIGSEGV");
	CHECK_ERR(syscall(SYS_write, 1, p, 16), EFAULT,
		  "write from a PROT_NONE page EFAULT");
	CHECK_OK(mprotect(p, PG, PROT_READ | PROT_WRITE), "mprotect back to RW");
	CHECK(probe_write(p, 9) == 0 && p[0] == 9, "writable again, data kept");
	CHECK(syscall(SYS_read, fd, p, 16) == 16 && p[0] == 0,
	      "read into it works again");
	close(fd);
	munmap(p, 2 * PG);
}

static void test_madvise(void)
{
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		CHECK(0, "mmap for madvise");
		return;
	}
	memset(p, 0x5a, 2 * PG);
	CHECK_OK(madvise(p, PG, MADV_DONTNEED), "madvise DONTNEED");
	CHECK(p[0] == 0 && p[PG - 1] == 0, "DONTNEED page reads as zero");
	CHECK(p[PG] == 0x5a, "the page after it is kept");
	CHECK_OK(madvise(p, 2 * PG, MADV_NORMAL), "madvise NORMAL");
	CHECK_ERR(madvise(p, PG, 12345), EINVAL, "madvise unknown advice EINVAL");
	munmap(p, 2 * PG);
}

static void test_file_mapping(const char *self)
{
	int fd = open(self, O_RDONLY);
	char buf[2 * 4096];
	char *m, *m2;

	CHECK(fd >= 0, "open the program's own file %s", self);
	if (fd < 0)
		return;
	CHECK(read(fd, buf, sizeof(buf)) == sizeof(buf), "read its first 8 KiB");
	m = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED, "mmap it read-only");
	if (m != MAP_FAILED) {
		CHECK(memcmp(m, "\177ELF", 4) == 0, "mapping starts with ELF magic");
		CHECK(memcmp(m, buf, sizeof(buf)) == 0, "mapping == read()");
		CHECK(probe_write(m, 0) == SIGSEGV,
		      "write to a read-only file mapping: SIGSEGV");
		munmap(m, 2 * PG);
	}
	m2 = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, PG);
	CHECK(m2 != MAP_FAILED && memcmp(m2, buf + PG, PG) == 0,
	      "mmap at file offset 4096 == read()");
	if (m2 != MAP_FAILED)
		munmap(m2, PG);
	CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED &&
	      errno == EINVAL, "mmap at an unaligned offset EINVAL");
	CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) ==
	      MAP_FAILED && errno == EACCES,
	      "writable shared mapping of an O_RDONLY fd EACCES");
	close(fd);
	fd = open(self, O_RDONLY);
	m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	CHECK(m != MAP_FAILED, "private writable file mapping of O_RDONLY fd");
	if (m != MAP_FAILED) {
		m[0] = 'X';
		CHECK(m[0] == 'X' && memcmp(m + 1, "ELF", 3) == 0,
		      "private copy written, fd closed, mapping stays");
		munmap(m, PG);
	}
}

static void test_malloc(void)
{
	size_t size = 32ul << 20;
	char *p = malloc(size);
	int ok = 1;

	CHECK(p != NULL, "malloc 32 MiB");
	if (!p)
		return;
	for (size_t i = 0; i < size; i += PG)
		p[i] = (char)(i >> 12);
	for (size_t i = 0; i < size; i += PG)
		ok &= p[i] == (char)(i >> 12);
	CHECK(ok, "every page of it holds its own value");
	free(p);
	void *small[1000];
	for (int i = 0; i < 1000; i++)
		small[i] = malloc(100 + i);
	ok = 1;
	for (int i = 0; i < 1000; i++)
		ok &= small[i] != NULL;
	for (int i = 0; i < 1000; i++)
		free(small[i]);
	CHECK(ok, "1000 small mallocs (brk heap)");
}

static int __attribute__((noinline)) recurse(int depth)
{
	volatile char frame[1024];

	frame[0] = (char)depth;
	frame[1023] = (char)depth;
	if (depth == 0)
		return frame[0];
	return recurse(depth - 1) + frame[1023] - (char)depth + frame[0] -
	       (char)depth;
}

int main(int argc, char **argv)
{
	(void)argc;
	check_watchdog(60);
	test_anon_private();
	test_anon_shared();
	test_fixed();
	test_mmap_errors();
	test_mprotect();
	test_madvise();
	test_file_mapping(argv[0]);
	test_malloc();
	CHECK(recurse(1000) == 0, "stack grows by ~1 MiB of recursion");
	return check_done();
}
