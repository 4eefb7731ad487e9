/* SPDX-License-Identifier: MIT */
/*
 * t_basic: the first calls every program makes. write/writev to stdout,
 * the id calls, uname, brk, arch_prctl and TLS, getrandom, the clocks,
 * nanosleep, and ENOSYS for a number no kernel implements; each with its
 * error paths (EFAULT for bad and kernel pointers, EBADF, EINVAL) checked
 * through raw syscall() so libc neither hides nor crashes on them.
 * Built twice: t_basic with musl, t_glibc_basic with glibc (gcc -static),
 * whose start-up makes more calls (tests/user/build.mk).
 */
#include "check.h"

/* musl-gcc sees no kernel headers: <asm/prctl.h> values. */
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#include <pthread.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>

static __thread int tls_var = 42;

static int nul_terminated(const char *field, size_t size)
{
	return memchr(field, 0, size) != NULL;
}

static long ns_between(struct timespec a, struct timespec b)
{
	return (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
}

static void test_write(void)
{
	static const char msg[] = "t_basic: hello from write\n";
	struct iovec iov[3] = {
		{ (void *)"t_basic: ", 9 }, { (void *)"hello from ", 11 },
		{ (void *)"writev\n", 7 },
	};
	struct iovec bad_iov[1] = { { BADPTR, 4 } };

	CHECK(write(1, msg, sizeof(msg) - 1) == sizeof(msg) - 1, "write stdout");
	CHECK(writev(1, iov, 3) == 27, "writev stdout 3 pieces");
	CHECK(write(1, msg, 0) == 0, "write of 0 bytes");
	CHECK_ERR(syscall(SYS_write, 999, msg, 4), EBADF, "write fd 999 EBADF");
	CHECK_ERR(syscall(SYS_write, -1, msg, 4), EBADF, "write fd -1 EBADF");
	CHECK_ERR(syscall(SYS_write, 1, BADPTR, 4), EFAULT, "write buf 1 EFAULT");
	CHECK_ERR(syscall(SYS_write, 1, KADDR, 4), EFAULT,
		  "write kernel buf EFAULT");
	CHECK_ERR(syscall(SYS_writev, 1, BADPTR, 1), EFAULT,
		  "writev iov pointer 1 EFAULT");
	CHECK_ERR(syscall(SYS_writev, 1, bad_iov, 1), EFAULT,
		  "writev iov_base 1 EFAULT");
	CHECK_ERR(syscall(SYS_writev, 1, iov, -1), EINVAL,
		  "writev iovcnt -1 EINVAL");
	CHECK_ERR(syscall(SYS_writev, 1, iov, 1025), EINVAL,
		  "writev iovcnt 1025 EINVAL");
}

static void test_ids(void)
{
	pid_t pid = getpid();

	CHECK(pid > 0, "getpid > 0 (%d)", pid);
	CHECK(syscall(SYS_gettid) == pid, "gettid == getpid in main thread");
	CHECK(getppid() >= 0, "getppid >= 0 (%d)", getppid());
	if (on_cohort() && pid != 1)
		CHECK(getppid() > 0, "getppid > 0 under Cohort's init");
	CHECK(syscall(SYS_getuid) >= 0, "getuid");
	CHECK(syscall(SYS_geteuid) == syscall(SYS_getuid), "geteuid == getuid");
	CHECK(syscall(SYS_getgid) >= 0, "getgid");
	CHECK(syscall(SYS_getegid) == syscall(SYS_getgid), "getegid == getgid");
}

static void test_uname(void)
{
	struct utsname u;

	memset(&u, 0x55, sizeof(u));
	CHECK_OK(uname(&u), "uname");
	CHECK(strcmp(u.sysname, "Cohort") == 0 || strcmp(u.sysname, "Linux") == 0,
	      "uname sysname Cohort or Linux (%.20s)", u.sysname);
	CHECK(nul_terminated(u.sysname, sizeof(u.sysname)) &&
	      nul_terminated(u.nodename, sizeof(u.nodename)) &&
	      nul_terminated(u.release, sizeof(u.release)) &&
	      nul_terminated(u.version, sizeof(u.version)) &&
	      nul_terminated(u.machine, sizeof(u.machine)) &&
	      nul_terminated(u.domainname, sizeof(u.domainname)),
	      "uname fields NUL-terminated");
	CHECK(strcmp(u.machine, "x86_64") == 0, "uname machine x86_64");
	CHECK(u.release[0] != 0, "uname release not empty (%.40s)", u.release);
	CHECK_ERR(syscall(SYS_uname, BADPTR), EFAULT, "uname(1) EFAULT");
	CHECK_ERR(syscall(SYS_uname, KADDR), EFAULT, "uname(kernel) EFAULT");
}

static void test_brk(void)
{
	uintptr_t cur = syscall(SYS_brk, 0);
	uintptr_t want = cur + 256 * 1024;
	uintptr_t got;

	CHECK(cur != 0 && cur % 1 == 0, "brk(0) gives the break (%#lx)",
	      (unsigned long)cur);
	got = syscall(SYS_brk, want);
	CHECK(got == want, "brk grows by 256 KiB");
	if (got == want) {
		volatile char *p = (char *)cur;
		int zero = 1;
		for (uintptr_t i = 0; i < want - cur; i += 4096)
			zero &= p[i] == 0;
		CHECK(zero, "new brk memory reads as zero");
		for (uintptr_t i = 0; i < want - cur; i += 4096)
			p[i] = (char)i;
		CHECK(p[4096] == (char)4096, "new brk memory is writable");
	}
	/* A break the kernel refuses leaves it where it was. */
	CHECK(syscall(SYS_brk, (uintptr_t)KADDR) == (long)got,
	      "brk(kernel address) refused, break unchanged");
	CHECK(syscall(SYS_brk, cur) == (long)cur, "brk shrinks back");
}

static void *tls_thread(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)(tls_var + (&tls_var != arg ? 1000 : 0));
}

static void test_tls(void)
{
	unsigned long fs = 0;
	pthread_t t;
	void *res = 0;

	CHECK(tls_var == 42, "__thread variable initialised");
	tls_var = 7;
	CHECK_OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs), "arch_prctl GET_FS");
	CHECK(fs == (unsigned long)pthread_self(),
	      "FS base is the libc's thread pointer");
	CHECK(pthread_create(&t, NULL, tls_thread, &tls_var) == 0 &&
	      pthread_join(t, &res) == 0 && (intptr_t)res == 1042,
	      "a thread sees its own __thread copy (got %ld)", (long)(intptr_t)res);
	CHECK(tls_var == 7, "main thread's copy unchanged");
	CHECK_ERR(syscall(SYS_arch_prctl, ARCH_GET_FS, BADPTR), EFAULT,
		  "arch_prctl GET_FS to address 1 EFAULT");
	CHECK_ERR(syscall(SYS_arch_prctl, ARCH_GET_FS, KADDR), EFAULT,
		  "arch_prctl GET_FS to kernel EFAULT");
	CHECK_ERR(syscall(SYS_arch_prctl, 0x9999, 0), EINVAL,
		  "arch_prctl unknown code EINVAL");
	CHECK_ERR(syscall(SYS_arch_prctl, ARCH_SET_FS, 0x8000000000000000ul),
		  EPERM, "arch_prctl SET_FS non-canonical EPERM");
	CHECK(tls_var == 7, "TLS intact after the refused SET_FS");
}

static void test_getrandom(void)
{
	unsigned char a[32] = { 0 }, b[32] = { 0 };
	int nonzero = 0;

	CHECK(syscall(SYS_getrandom, a, sizeof(a), 0) == sizeof(a),
	      "getrandom 32 bytes");
	CHECK(syscall(SYS_getrandom, b, sizeof(b), GRND_NONBLOCK) == sizeof(b),
	      "getrandom GRND_NONBLOCK");
	for (size_t i = 0; i < sizeof(a); i++)
		nonzero |= a[i];
	CHECK(nonzero && memcmp(a, b, sizeof(a)) != 0,
	      "getrandom gives different, non-zero bytes");
	CHECK_ERR(syscall(SYS_getrandom, BADPTR, 16, 0), EFAULT,
		  "getrandom to address 1 EFAULT");
	CHECK_ERR(syscall(SYS_getrandom, KADDR, 16, 0), EFAULT,
		  "getrandom to kernel EFAULT");
	CHECK_ERR(syscall(SYS_getrandom, a, 16, 0x1000), EINVAL,
		  "getrandom unknown flag EINVAL");
}

static void test_clocks(void)
{
	struct timespec a, b, r;
	struct timeval tv;
	int monotonic = 1;

	CHECK_OK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a),
		 "clock_gettime MONOTONIC");
	for (int i = 0; i < 1000; i++) {
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
		monotonic &= ns_between(a, b) >= 0;
		a = b;
	}
	CHECK(monotonic, "MONOTONIC never goes back over 1000 reads");
	CHECK(a.tv_nsec >= 0 && a.tv_nsec < 1000000000, "tv_nsec in range");
	CHECK_OK(syscall(SYS_clock_gettime, CLOCK_REALTIME, &r),
		 "clock_gettime REALTIME");
	CHECK(r.tv_sec > 1577836800, "REALTIME after 2020 (%ld)", (long)r.tv_sec);
	CHECK_OK(syscall(SYS_clock_gettime, CLOCK_BOOTTIME, &b),
		 "clock_gettime BOOTTIME");
	CHECK_OK(syscall(SYS_gettimeofday, &tv, NULL), "gettimeofday");
	CHECK(tv.tv_sec >= r.tv_sec - 5 && tv.tv_sec <= r.tv_sec + 5,
	      "gettimeofday agrees with REALTIME");
	CHECK_ERR(syscall(SYS_clock_gettime, 1000, &a), EINVAL,
		  "clock_gettime clock 1000 EINVAL");
	CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BADPTR), EFAULT,
		  "clock_gettime to address 1 EFAULT");
	CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, KADDR), EFAULT,
		  "clock_gettime to kernel EFAULT");
}

static void test_nanosleep(void)
{
	struct timespec a, b, ten_ms = { 0, 10000000 }, bad = { 0, 1000000000 };
	struct timespec neg = { -1, 0 };

	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK_OK(syscall(SYS_nanosleep, &ten_ms, NULL), "nanosleep 10 ms");
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK(ns_between(a, b) >= 10000000, "nanosleep slept >= 10 ms (%ld us)",
	      ns_between(a, b) / 1000);
	CHECK_ERR(syscall(SYS_nanosleep, &bad, NULL), EINVAL,
		  "nanosleep tv_nsec 1e9 EINVAL");
	CHECK_ERR(syscall(SYS_nanosleep, &neg, NULL), EINVAL,
		  "nanosleep negative EINVAL");
	CHECK_ERR(syscall(SYS_nanosleep, BADPTR, NULL), EFAULT,
		  "nanosleep request at address 1 EFAULT");
	CHECK_ERR(syscall(SYS_nanosleep, KADDR, NULL), EFAULT,
		  "nanosleep request in kernel EFAULT");
}

static void test_enosys(void)
{
	CHECK_ERR(syscall(1000), ENOSYS, "syscall 1000 ENOSYS");
	CHECK_ERR(syscall(400), ENOSYS, "syscall 400 (unassigned) ENOSYS");
	CHECK_ERR(syscall(-1L), ENOSYS, "syscall -1 ENOSYS");
	CHECK(getpid() > 0, "still alive after unknown numbers");
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	check_watchdog(60);
	test_write();
	test_ids();
	test_uname();
	test_brk();
	test_tls();
	test_getrandom();
	test_clocks();
	test_nanosleep();
	test_enosys();
	return check_done();
}
