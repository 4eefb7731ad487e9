/* SPDX-License-Identifier: MIT */
/*
 * iso_kptr: kernel (and non-canonical) pointers handed to system calls
 * must be refused with EFAULT, never followed and never fatal: unlike the
 * other iso_* programs this one must live, and prints `N passed, N failed`.
 */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>

static void *const bad[] = {
	(void *)0xffff800000000000ul,	/* start of the kernel half */
	(void *)0xffffffff80100000ul,	/* kernel text */
	(void *)0xfffffffffffff000ul,	/* the last page */
	(void *)0x0000800000000000ul,	/* first non-canonical address */
	(void *)0x8000000000000000ul,	/* non-canonical */
};

int main(void)
{
	int zero = open("/dev/zero", O_RDONLY);
	int null = open("/dev/null", O_WRONLY);
	char buf[64];

	check_watchdog(60);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		void *k = bad[i];
		struct iovec iov = { k, 16 };
		unsigned long a = (unsigned long)k;

		CHECK_ERR(syscall(SYS_read, zero, k, 16), EFAULT,
			  "read(/dev/zero) into %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_write, null, k, 16), EFAULT,
			  "write(/dev/null) from %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_write, 1, k, 16), EFAULT,
			  "write(stdout) from %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_readv, zero, &iov, 1), EFAULT,
			  "readv with iov_base %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_writev, 1, k, 1), EFAULT,
			  "writev with the iovec array at %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_open, k, O_RDONLY), EFAULT,
			  "open path %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, k, buf, 0), EFAULT,
			  "newfstatat path %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_fstat, zero, k), EFAULT,
			  "fstat into %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_pipe, k), EFAULT, "pipe into %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_uname, k), EFAULT, "uname into %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, k), EFAULT,
			  "clock_gettime into %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_getrandom, k, 16, 0), EFAULT,
			  "getrandom into %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, k, NULL, 8), EFAULT,
			  "rt_sigaction act from %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, k, 8),
			  EFAULT, "rt_sigprocmask oldset into %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_nanosleep, k, NULL), EFAULT,
			  "nanosleep request from %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_poll, k, 1, 0), EFAULT,
			  "poll fds at %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_getcwd, k, 64), EFAULT,
			  "getcwd into %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_execve, k, NULL, NULL), EFAULT,
			  "execve path %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_futex, k, 0, 0, NULL, NULL, 0), EFAULT,
			  "futex wait at %#lx EFAULT", a);
		CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 64, k), EFAULT,
			  "sched_getaffinity into %#lx EFAULT", a);
	}
	/* A user buffer that runs off the top of user space. */
	void *top = (void *)(0x0000800000000000ul - 8);
	CHECK_ERR(syscall(SYS_write, null, top, 16), EFAULT,
		  "write from a range crossing into non-canonical EFAULT");
	/* A range whose end wraps around 2^64. */
	CHECK_ERR(syscall(SYS_write, null, buf, (size_t)-1 >> 1), EFAULT,
		  "write with a length that runs out of user space EFAULT");
	CHECK(getpid() > 0, "alive after %u kernel pointers",
	      (unsigned)(sizeof(bad) / sizeof(bad[0])));
	return check_done();
}
