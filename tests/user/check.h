/* SPDX-License-Identifier: MIT */
/*
 * check.h: the tiny harness every user test program uses.
 *
 * One line per check: `ok   what` or `FAIL what: detail (errno N ENAME)`,
 * and at the end exactly `N passed, N failed`; the program's exit status
 * is 0 iff nothing failed. Each line goes out in one write(2), so lines of
 * concurrent processes and threads never interleave mid-line, and nothing
 * sits in a stdio buffer across a fork.
 *
 * The same program runs under Linux and under Cohort (docs/userspace.md,
 * "User tests"); on_cohort() tells them apart where their behaviour may
 * legitimately differ (e.g. privilege checks).
 *
 *   CHECK(cond, fmt, ...)           cond true
 *   CHECK_OK(expr, fmt, ...)        expr (a syscall result) is not -1
 *   CHECK_ERR(expr, ERRNO, fmt,...) expr is -1 with errno == ERRNO
 *   SKIP(fmt, ...)                  a line saying what was not checked
 *   return check_done();            the summary line, then the status
 */
#ifndef COHORT_TESTS_USER_CHECK_H
#define COHORT_TESTS_USER_CHECK_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Atomic: checks may run in several threads of one process. */
static atomic_int check_passed, check_failed;

/* Kernel addresses and other pointers no user copy may accept. */
#define KADDR		((void *)0xffff800000000000ul)
#define KTEXT		((void *)0xffffffff80100000ul)
#define BADPTR		((void *)1)
#define NONCANON	((void *)0x0000800000000000ul)

/* Writes one line (fmt, then a newline) with a single write(2). */
static inline void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(1, line, n);
}

static inline void __attribute__((format(printf, 4, 5)))
check_report(int ok, int err, const char *detail, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (ok) {
		atomic_fetch_add(&check_passed, 1);
		say("ok   %s", what);
	} else {
		atomic_fetch_add(&check_failed, 1);
		say("FAIL %s: %s (errno %d %s)", what, detail, err,
		    err ? strerror(err) : "-");
	}
}

/* cond may test errno itself: it is not cleared first. */
#define CHECK(cond, ...) do {						\
	int ok_ = !!(cond);						\
	check_report(ok_, errno, #cond, __VA_ARGS__);			\
} while (0)

#define CHECK_OK(expr, ...) do {					\
	errno = 0;							\
	long r_ = (long)(expr);						\
	check_report(r_ != -1, errno, "returned -1", __VA_ARGS__);	\
} while (0)

#define CHECK_ERR(expr, want, ...) do {					\
	char d_[96];							\
	errno = 0;							\
	long r_ = (long)(expr);						\
	int e_ = errno;							\
	snprintf(d_, sizeof(d_), "returned %ld, want -1 errno %d %s",	\
		 r_, (want), #want);					\
	check_report(r_ == -1 && e_ == (want), e_, d_, __VA_ARGS__);	\
} while (0)

#define SKIP(...) do {							\
	char s_[256];							\
	snprintf(s_, sizeof(s_), __VA_ARGS__);				\
	say("skip %s", s_);						\
} while (0)

/* The summary line; returns the exit status (0 iff no check failed). */
static inline int check_done(void)
{
	int p = atomic_load(&check_passed), f = atomic_load(&check_failed);

	say("%d passed, %d failed", p, f);
	return f ? 1 : 0;
}

/* 1 under Cohort, 0 under Linux (or anything else). */
static inline int on_cohort(void)
{
	struct utsname u;

	return uname(&u) == 0 && strcmp(u.sysname, "Cohort") == 0;
}

/*
 * A bound on the whole program: SIGALRM (default action: terminate) after
 * `seconds`, so a hang shows up as "killed by signal 14" rather than a
 * stuck run. A kernel without alarm(2) just gets no watchdog: the outer
 * timeouts (pytest, tools/run-user-host) still bound the run.
 */
static inline void check_watchdog(unsigned seconds)
{
	alarm(seconds);
}

/*
 * Where the initramfs tree is: "" on Cohort (the program is /test/NAME),
 * the staged copy (build/initrd) when tools/run-user-host runs the program
 * on the host as build/initrd/test/NAME. Derived from argv[0] by dropping
 * its last two components.
 */
static char check_root_dir[512];

static inline void check_set_root(const char *argv0)
{
	const char *end = strrchr(argv0, '/');
	size_t n;

	check_root_dir[0] = 0;
	if (!end)
		return;
	n = end - argv0;
	while (n > 0 && argv0[n - 1] != '/')
		n--;
	if (n > 0)
		n--;			/* the slash before "test" */
	if (n >= sizeof(check_root_dir))
		n = 0;
	memcpy(check_root_dir, argv0, n);
	check_root_dir[n] = 0;
}

/* path ("/bin/init") inside the initramfs tree; 8 rotating buffers. */
static inline const char *rpath(const char *path)
{
	static char bufs[8][640];
	static int next;
	char *b = bufs[next++ & 7];

	snprintf(b, sizeof(bufs[0]), "%s%s", check_root_dir, path);
	return b;
}

#endif
