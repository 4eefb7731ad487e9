/* SPDX-License-Identifier: MIT */
/*
 * t_sched: the scheduling, time and resource calls. sched_yield,
 * affinity with Linux's cpu_set_t size rules, sched_setattr/getattr for
 * SCHED_OTHER (nice), SCHED_FIFO/RR and SCHED_DEADLINE, the POSIX
 * sched_* calls, set/getpriority, times, getrusage, clock_getres,
 * clock_nanosleep (relative and TIMER_ABSTIME), the CPU-time clocks,
 * sysinfo and prlimit64, with their error paths.
 *
 * Real-time and deadline classes need privilege under Linux (EPERM for
 * an unprivileged user, or in a container without CAP_SYS_NICE): accepted
 * there, required to work on Cohort (uname sysname "Cohort"). Each
 * class change runs in a forked child so the test itself stays SCHED_OTHER.
 */
#include "check.h"

#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>

#define SCHED_DEADLINE		6
#define SCHED_ATTR_SIZE_VER0	48

/* Linux's struct sched_attr (include/uapi/linux/sched/types.h). */
struct sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

static int cohort;

/*
 * musl's sched_getscheduler/setscheduler/getparam/setparam return ENOSYS
 * on purpose (Linux applies them per thread, POSIX per process): the raw
 * calls, which are what Cohort must answer.
 */
#define sched_getscheduler(pid)	syscall(SYS_sched_getscheduler, (pid))
#define sched_setscheduler(pid, pol, sp) \
	syscall(SYS_sched_setscheduler, (pid), (pol), (sp))
#define sched_getparam(pid, sp)	syscall(SYS_sched_getparam, (pid), (sp))
#define sched_setparam(pid, sp)	syscall(SYS_sched_setparam, (pid), (sp))

static long setattr(pid_t pid, struct sched_attr *a, unsigned flags)
{
	return syscall(SYS_sched_setattr, pid, a, flags);
}

static long getattr(pid_t pid, struct sched_attr *a, unsigned size,
		    unsigned flags)
{
	return syscall(SYS_sched_getattr, pid, a, size, flags);
}

static long now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void spin_ms(long ms)
{
	long end = now_ns(CLOCK_MONOTONIC) + ms * 1000000;

	while (now_ns(CLOCK_MONOTONIC) < end)
		;
}

/*
 * Runs fn in a child; the child's exit status is its number of failed
 * checks (its own ok/FAIL lines go to stdout like ours), folded into ours.
 */
static void in_child(const char *what, int (*fn)(void))
{
	int st = -1;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn());
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s (in a child)", what);
}

/* A check inside a child: counts failures for its exit status. */
#define CHILD_CHECK(fails, cond, ...) do {				\
	int c_ = !!(cond);						\
	if (!c_)							\
		say("FAIL   child: " __VA_ARGS__);			\
	fails += !c_;							\
} while (0)

/* Under Linux, EPERM is what an unprivileged caller gets. */
static int ok_or_linux_eperm(long r)
{
	return r == 0 || (!cohort && r == -1 && errno == EPERM);
}

static void test_yield_and_priorities(void)
{
	struct timespec ts;

	CHECK_OK(sched_yield(), "sched_yield");
	CHECK(sched_get_priority_min(SCHED_FIFO) == 1 &&
	      sched_get_priority_max(SCHED_FIFO) == 99, "FIFO priorities 1..99");
	CHECK(sched_get_priority_min(SCHED_RR) == 1 &&
	      sched_get_priority_max(SCHED_RR) == 99, "RR priorities 1..99");
	CHECK(sched_get_priority_min(SCHED_OTHER) == 0 &&
	      sched_get_priority_max(SCHED_OTHER) == 0, "OTHER priorities 0..0");
	CHECK(sched_get_priority_max(SCHED_DEADLINE) == 0,
	      "DEADLINE max priority 0");
	CHECK_ERR(sched_get_priority_max(1000), EINVAL,
		  "priority of policy 1000 EINVAL");
	CHECK(sched_getscheduler(0) == SCHED_OTHER, "we run SCHED_OTHER");
	CHECK_ERR(sched_getscheduler(999999), ESRCH,
		  "getscheduler of no such pid ESRCH");
	CHECK_ERR(sched_getscheduler(-1), EINVAL, "getscheduler pid -1 EINVAL");
	CHECK_OK(sched_rr_get_interval(0, &ts), "sched_rr_get_interval");
	CHECK_ERR(syscall(SYS_sched_rr_get_interval, 0, KADDR), EFAULT,
		  "sched_rr_get_interval into the kernel EFAULT");
	struct sched_param sp;
	CHECK(sched_getparam(0, &sp) == 0 && sp.sched_priority == 0,
	      "sched_getparam: priority 0");
	CHECK_ERR(syscall(SYS_sched_getparam, 0, BADPTR), EFAULT,
		  "sched_getparam to address 1 EFAULT");
}

static void test_affinity(void)
{
	unsigned char mask[128], one[128];
	long n, ncpu = 0, first = -1;

	memset(mask, 0, sizeof(mask));
	n = syscall(SYS_sched_getaffinity, 0, sizeof(mask), mask);
	CHECK(n > 0 && n % 8 == 0 && n <= (long)sizeof(mask),
	      "sched_getaffinity returns the kernel's mask size (%ld)", n);
	for (int i = 0; i < (int)sizeof(mask) * 8; i++)
		if (mask[i / 8] & (1 << (i % 8))) {
			ncpu++;
			if (first < 0)
				first = i;
		}
	CHECK(ncpu >= 1 && ncpu == sysconf(_SC_NPROCESSORS_ONLN),
	      "the mask has the %ld online CPUs", ncpu);
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 4, mask), EINVAL,
		  "getaffinity size 4 (not a multiple of 8) EINVAL");
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 0, mask), EINVAL,
		  "getaffinity size 0 EINVAL");
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, sizeof(mask), KADDR), EFAULT,
		  "getaffinity into the kernel EFAULT");
	CHECK_ERR(syscall(SYS_sched_getaffinity, 999999, sizeof(mask), mask),
		  ESRCH, "getaffinity of no such pid ESRCH");

	memset(one, 0, sizeof(one));
	one[first / 8] = 1 << (first % 8);
	CHECK_OK(syscall(SYS_sched_setaffinity, 0, sizeof(one), one),
		 "setaffinity to CPU %ld alone", first);
	sched_yield();
	CHECK(sched_getcpu() == first, "now running on CPU %ld (%d)", first,
	      sched_getcpu());
	memset(one, 0, sizeof(one));
	CHECK_ERR(syscall(SYS_sched_setaffinity, 0, sizeof(one), one), EINVAL,
		  "setaffinity to an empty mask EINVAL");
	one[127] = 0x80;		/* CPU 1023 */
	CHECK_ERR(syscall(SYS_sched_setaffinity, 0, sizeof(one), one), EINVAL,
		  "setaffinity to CPU 1023 only (not online) EINVAL");
	CHECK_ERR(syscall(SYS_sched_setaffinity, 0, sizeof(mask), KADDR), EFAULT,
		  "setaffinity from the kernel EFAULT");
	CHECK_ERR(syscall(SYS_sched_setaffinity, 999999, sizeof(mask), mask),
		  ESRCH, "setaffinity of no such pid ESRCH");
	/* Linux reports only CPUs that exist and run (it ANDs the mask with
	 * cpu_active_mask): a mask of all 1024 bits reads back as the CPUs we
	 * started with. musl's sysconf(_SC_NPROCESSORS_ONLN) and glibc's
	 * nproc count these bits. */
	memset(one, 0xff, sizeof(one));
	CHECK_OK(syscall(SYS_sched_setaffinity, 0, sizeof(one), one),
		 "setaffinity to all 1024 bits");
	memset(one, 0, sizeof(one));
	n = syscall(SYS_sched_getaffinity, 0, sizeof(one), one);
	CHECK(n > 0 && memcmp(one, mask, sizeof(one)) == 0,
	      "getaffinity after it: only the %ld CPUs there are", ncpu);
	CHECK_OK(syscall(SYS_sched_setaffinity, 0, sizeof(mask), mask),
		 "setaffinity back to every CPU");
	CHECK(sched_getcpu() >= 0, "still running");
}

static int child_nice(void)
{
	struct sched_attr a = { .size = sizeof(a), .sched_policy = SCHED_OTHER,
				.sched_nice = 5 };
	int fails = 0;

	CHILD_CHECK(fails, setattr(0, &a, 0) == 0, "setattr OTHER nice 5");
	memset(&a, 0xff, sizeof(a));
	CHILD_CHECK(fails, getattr(0, &a, sizeof(a), 0) == 0 &&
		    a.sched_policy == SCHED_OTHER && a.sched_nice == 5,
		    "getattr reads nice 5");
	errno = 0;
	CHILD_CHECK(fails, getpriority(PRIO_PROCESS, 0) == 5 && errno == 0,
		    "getpriority 5");
	CHILD_CHECK(fails, setpriority(PRIO_PROCESS, 0, 10) == 0 &&
		    getpriority(PRIO_PROCESS, 0) == 10, "setpriority 10");
	a = (struct sched_attr){ .size = sizeof(a), .sched_policy = SCHED_IDLE };
	CHILD_CHECK(fails, setattr(0, &a, 0) == 0, "setattr SCHED_IDLE");
	memset(&a, 0, sizeof(a));
	CHILD_CHECK(fails, getattr(0, &a, sizeof(a), 0) == 0 &&
		    a.sched_policy == SCHED_IDLE, "getattr reads SCHED_IDLE");
	CHILD_CHECK(fails, sched_getscheduler(0) == SCHED_IDLE,
		    "getscheduler SCHED_IDLE");
	spin_ms(5);			/* it still runs */
	a = (struct sched_attr){ .size = sizeof(a), .sched_policy = SCHED_OTHER,
				 .sched_nice = -5 };
	CHILD_CHECK(fails, ok_or_linux_eperm(setattr(0, &a, 0)),
		    "nice -5: ok (or EPERM unprivileged on Linux)");
	return fails;
}

static int child_rt(void)
{
	struct sched_attr a = { .size = sizeof(a), .sched_policy = SCHED_FIFO,
				.sched_priority = 10 };
	struct sched_param sp = { .sched_priority = 20 };
	int fails = 0;
	long r = setattr(0, &a, 0);

	CHILD_CHECK(fails, ok_or_linux_eperm(r), "setattr FIFO 10");
	if (r != 0) {
		say("skip   child: FIFO/RR not permitted here (Linux, EPERM)");
		return fails;
	}
	memset(&a, 0, sizeof(a));
	CHILD_CHECK(fails, getattr(0, &a, sizeof(a), 0) == 0 &&
		    a.sched_policy == SCHED_FIFO && a.sched_priority == 10,
		    "getattr FIFO 10");
	CHILD_CHECK(fails, sched_getscheduler(0) == SCHED_FIFO,
		    "getscheduler FIFO");
	CHILD_CHECK(fails, sched_setscheduler(0, SCHED_RR, &sp) == 0 &&
		    sched_getscheduler(0) == SCHED_RR, "setscheduler RR 20");
	CHILD_CHECK(fails, sched_getparam(0, &sp) == 0 &&
		    sp.sched_priority == 20, "getparam 20");
	struct timespec ts = { -1, -1 };
	CHILD_CHECK(fails, sched_rr_get_interval(0, &ts) == 0 &&
		    (ts.tv_sec > 0 || ts.tv_nsec > 0), "RR interval > 0");
	sp.sched_priority = 30;
	CHILD_CHECK(fails, sched_setparam(0, &sp) == 0 &&
		    sched_getparam(0, &sp) == 0 && sp.sched_priority == 30,
		    "setparam 30");
	sp.sched_priority = 0;
	CHILD_CHECK(fails, sched_setscheduler(0, SCHED_OTHER, &sp) == 0 &&
		    sched_getscheduler(0) == SCHED_OTHER, "back to OTHER");
	return fails;
}

static int child_deadline(void)
{
	struct sched_attr a = { .size = sizeof(a),
				.sched_policy = SCHED_DEADLINE,
				.sched_runtime = 2000000,
				.sched_deadline = 10000000,
				.sched_period = 10000000 };
	int fails = 0;
	long r = setattr(0, &a, 0);

	CHILD_CHECK(fails, ok_or_linux_eperm(r), "setattr DEADLINE 2/10/10 ms");
	if (r != 0) {
		say("skip   child: DEADLINE not permitted here (Linux, EPERM)");
		return fails;
	}
	memset(&a, 0, sizeof(a));
	CHILD_CHECK(fails, getattr(0, &a, sizeof(a), 0) == 0 &&
		    a.sched_policy == SCHED_DEADLINE &&
		    a.sched_runtime == 2000000 && a.sched_deadline == 10000000 &&
		    a.sched_period == 10000000, "getattr DEADLINE 2/10/10 ms");
	for (int i = 0; i < 5; i++) {
		spin_ms(1);
		sched_yield();	/* ends the job until the next period */
	}
	CHILD_CHECK(fails, sched_getscheduler(0) == SCHED_DEADLINE,
		    "still DEADLINE after 5 jobs");
	return fails;
}

/* Beyond Linux: a deadline thread narrowed to one CPU (Linux: EPERM). */
static int child_deadline_pinned(void)
{
	unsigned char one[8] = { 1 };
	struct sched_attr a = { .size = sizeof(a),
				.sched_policy = SCHED_DEADLINE,
				.sched_runtime = 1000000,
				.sched_deadline = 10000000,
				.sched_period = 10000000 };
	int fails = 0;

	syscall(SYS_sched_setaffinity, 0, sizeof(one), one);
	long r = setattr(0, &a, 0);
	if (cohort)
		CHILD_CHECK(fails, r == 0, "DEADLINE pinned to CPU 0 admitted");
	else
		CHILD_CHECK(fails, r == 0 || errno == EPERM,
			    "DEADLINE pinned to CPU 0: Linux refuses (EPERM)");
	return fails;
}

static void test_attr(void)
{
	struct sched_attr a;

	memset(&a, 0xff, sizeof(a));
	CHECK(getattr(0, &a, sizeof(a), 0) == 0 && a.sched_policy == SCHED_OTHER &&
	      a.size >= SCHED_ATTR_SIZE_VER0, "sched_getattr: SCHED_OTHER");
	CHECK_ERR(getattr(0, &a, 8, 0), EINVAL, "getattr size 8 EINVAL");
	CHECK_ERR(getattr(0, &a, sizeof(a), 1), EINVAL, "getattr flags 1 EINVAL");
	CHECK_ERR(getattr(0, KADDR, sizeof(a), 0), EFAULT,
		  "getattr into the kernel EFAULT");
	CHECK_ERR(getattr(999999, &a, sizeof(a), 0), ESRCH,
		  "getattr of no such pid ESRCH");
	a = (struct sched_attr){ .size = 1, .sched_policy = SCHED_OTHER };
	CHECK_ERR(setattr(0, &a, 0), E2BIG, "setattr size 1 E2BIG");
	CHECK(a.size >= SCHED_ATTR_SIZE_VER0, "and the kernel's size written back");
	a = (struct sched_attr){ .size = sizeof(a), .sched_policy = 1000 };
	CHECK_ERR(setattr(0, &a, 0), EINVAL, "setattr policy 1000 EINVAL");
	a = (struct sched_attr){ .size = sizeof(a), .sched_policy = SCHED_OTHER };
	CHECK_ERR(setattr(0, &a, 1), EINVAL, "setattr flags 1 EINVAL");
	CHECK_ERR(setattr(0, KADDR, 0), EFAULT, "setattr from the kernel EFAULT");
	a = (struct sched_attr){ .size = sizeof(a), .sched_policy = SCHED_FIFO };
	CHECK_ERR(setattr(0, &a, 0), EINVAL, "setattr FIFO priority 0 EINVAL");
	a.sched_priority = 100;
	CHECK_ERR(setattr(0, &a, 0), EINVAL, "setattr FIFO priority 100 EINVAL");
	a = (struct sched_attr){ .size = sizeof(a),
				 .sched_policy = SCHED_DEADLINE,
				 .sched_runtime = 20000000,
				 .sched_deadline = 10000000,
				 .sched_period = 10000000 };
	CHECK_ERR(setattr(0, &a, 0), EINVAL,
		  "setattr DEADLINE runtime > deadline EINVAL");
	a.sched_runtime = 1000000;
	a.sched_period = 5000000;
	CHECK_ERR(setattr(0, &a, 0), EINVAL,
		  "setattr DEADLINE deadline > period EINVAL");
	a.sched_period = 10000000;
	a.sched_runtime = 100;
	CHECK_ERR(setattr(0, &a, 0), EINVAL,
		  "setattr DEADLINE runtime 100 ns (< 1024) EINVAL");
	CHECK(sched_getscheduler(0) == SCHED_OTHER, "still SCHED_OTHER");
	in_child("nice through sched_setattr and setpriority", child_nice);
	in_child("SCHED_FIFO and SCHED_RR", child_rt);
	in_child("SCHED_DEADLINE", child_deadline);
	in_child("SCHED_DEADLINE on one CPU", child_deadline_pinned);
}

static void test_priority(void)
{
	errno = 0;
	int p = getpriority(PRIO_PROCESS, 0);
	CHECK(errno == 0 && p >= -20 && p <= 19, "getpriority %d", p);
	CHECK_ERR(getpriority(99, 0), EINVAL, "getpriority which 99 EINVAL");
	CHECK_ERR(getpriority(PRIO_PROCESS, 999999), ESRCH,
		  "getpriority of no such pid ESRCH");
	CHECK_ERR(setpriority(99, 0, 1), EINVAL, "setpriority which 99 EINVAL");
	CHECK_ERR(setpriority(PRIO_PROCESS, 999999, 1), ESRCH,
		  "setpriority of no such pid ESRCH");
}

static void test_usage(void)
{
	struct tms t0, t1;
	struct rusage ru0, ru1, ruc;
	long cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	long th0 = now_ns(CLOCK_THREAD_CPUTIME_ID);

	CHECK(times(&t0) != (clock_t)-1, "times");
	CHECK_OK(getrusage(RUSAGE_SELF, &ru0), "getrusage SELF");
	/* Spin for 100 ms of CPU (wall time is no measure on a busy host). */
	long wall_end = now_ns(CLOCK_MONOTONIC) + 10000000000L;
	while (now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0 < 100000000 &&
	       now_ns(CLOCK_MONOTONIC) < wall_end)
		;
	CHECK(now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0 >= 100000000,
	      "CLOCK_PROCESS_CPUTIME_ID reached +100 ms within 10 s");
	for (int i = 0; i < 5; i++) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	CHECK(times(&t1) != (clock_t)-1, "times again");
	CHECK((t1.tms_utime + t1.tms_stime) - (t0.tms_utime + t0.tms_stime) >= 5,
	      "times: >= 5 ticks in 100 ms of CPU (%ld)",
	      (long)((t1.tms_utime + t1.tms_stime) - (t0.tms_utime + t0.tms_stime)));
	getrusage(RUSAGE_SELF, &ru1);
	long us0 = ru0.ru_utime.tv_sec * 1000000L + ru0.ru_utime.tv_usec +
		   ru0.ru_stime.tv_sec * 1000000L + ru0.ru_stime.tv_usec;
	long us1 = ru1.ru_utime.tv_sec * 1000000L + ru1.ru_utime.tv_usec +
		   ru1.ru_stime.tv_sec * 1000000L + ru1.ru_stime.tv_usec;
	CHECK(us1 - us0 >= 50000, "getrusage: >= 50 ms of CPU (%ld us)", us1 - us0);
	CHECK(ru1.ru_nvcsw - ru0.ru_nvcsw >= 5,
	      "getrusage: 5 sleeps counted as voluntary switches (%ld)",
	      ru1.ru_nvcsw - ru0.ru_nvcsw);
	CHECK(now_ns(CLOCK_THREAD_CPUTIME_ID) - th0 >= 50000000,
	      "CLOCK_THREAD_CPUTIME_ID advanced >= 50 ms");
	CHECK_OK(getrusage(RUSAGE_THREAD, &ru1), "getrusage THREAD");
	pid_t pid = fork();
	if (pid == 0) {
		spin_ms(100);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	CHECK(getrusage(RUSAGE_CHILDREN, &ruc) == 0 &&
	      ruc.ru_utime.tv_sec * 1000000L + ruc.ru_utime.tv_usec +
	      ruc.ru_stime.tv_sec * 1000000L + ruc.ru_stime.tv_usec > 0,
	      "getrusage CHILDREN counts a reaped child's CPU");
	CHECK_ERR(getrusage(5, &ru1), EINVAL, "getrusage who 5 EINVAL");
	CHECK_ERR(syscall(SYS_getrusage, RUSAGE_SELF, KADDR), EFAULT,
		  "getrusage into the kernel EFAULT");
	CHECK_ERR(syscall(SYS_times, KADDR), EFAULT, "times into the kernel EFAULT");
}

static void test_clocks(void)
{
	struct timespec res, t;
	long target, start;

	CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 &&
	      res.tv_nsec > 0 && res.tv_nsec <= 10000000,
	      "clock_getres MONOTONIC %ld ns", res.tv_nsec);
	CHECK(clock_getres(CLOCK_REALTIME, &res) == 0 && res.tv_nsec > 0,
	      "clock_getres REALTIME");
	CHECK_OK(syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL),
		 "clock_getres with a NULL result");
	CHECK_ERR(syscall(SYS_clock_getres, 1000, &res), EINVAL,
		  "clock_getres clock 1000 EINVAL");
	CHECK_ERR(syscall(SYS_clock_getres, CLOCK_MONOTONIC, KADDR), EFAULT,
		  "clock_getres into the kernel EFAULT");

	target = now_ns(CLOCK_MONOTONIC) + 20000000;
	t.tv_sec = target / 1000000000L;
	t.tv_nsec = target % 1000000000L;
	CHECK_OK(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &t,
			 NULL), "clock_nanosleep TIMER_ABSTIME now+20 ms");
	CHECK(now_ns(CLOCK_MONOTONIC) >= target, "woke at or after the target");
	t.tv_sec = 0;
	t.tv_nsec = 1000;
	CHECK_OK(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &t,
			 NULL), "TIMER_ABSTIME in the past returns at once");
	start = now_ns(CLOCK_MONOTONIC);
	t.tv_nsec = 10000000;
	CHECK_OK(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &t, NULL),
		 "clock_nanosleep relative 10 ms");
	CHECK(now_ns(CLOCK_MONOTONIC) - start >= 10000000, "slept >= 10 ms");
	CHECK_ERR(syscall(SYS_clock_nanosleep, 1000, 0, &t, NULL), EINVAL,
		  "clock_nanosleep clock 1000 EINVAL");
	t.tv_nsec = 1000000000;
	CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &t, NULL),
		  EINVAL, "clock_nanosleep tv_nsec 1e9 EINVAL");
	CHECK_ERR(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, KADDR, NULL),
		  EFAULT, "clock_nanosleep request in the kernel EFAULT");
}

static int child_rlimit(void)
{
	struct rlimit r = { 16, 16 }, got;
	int fails = 0;

	CHILD_CHECK(fails, syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &r, NULL) == 0,
		    "prlimit64 NOFILE 16");
	CHILD_CHECK(fails, getrlimit(RLIMIT_NOFILE, &got) == 0 &&
		    got.rlim_cur == 16, "reads back 16");
	errno = 0;
	CHILD_CHECK(fails, dup2(0, 16) == -1 && errno == EBADF,
		    "dup2 to fd 16 EBADF");
	for (int i = 0; i < 16; i++)
		dup(0);
	errno = 0;
	CHILD_CHECK(fails, dup(0) == -1 && errno == EMFILE,
		    "past the limit: EMFILE");
	return fails;
}

static void test_limits(void)
{
	struct rlimit old, bad;
	struct sysinfo si;

	CHECK_OK(syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &old),
		 "prlimit64 get STACK");
	CHECK(old.rlim_cur > 0 && old.rlim_cur <= old.rlim_max,
	      "STACK soft %ld <= hard", (long)old.rlim_cur);
	CHECK_OK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &old),
		 "prlimit64 get NOFILE");
	bad.rlim_cur = old.rlim_max == RLIM_INFINITY ? 1 : old.rlim_max + 1;
	bad.rlim_max = bad.rlim_cur == 1 ? 0 : old.rlim_max;
	CHECK_ERR(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &bad, NULL), EINVAL,
		  "prlimit64 soft > hard EINVAL");
	CHECK_ERR(syscall(SYS_prlimit64, 0, 1000, NULL, &old), EINVAL,
		  "prlimit64 resource 1000 EINVAL");
	CHECK_ERR(syscall(SYS_prlimit64, 999999, RLIMIT_NOFILE, NULL, &old),
		  ESRCH, "prlimit64 of no such pid ESRCH");
	CHECK_ERR(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, KADDR), EFAULT,
		  "prlimit64 old into the kernel EFAULT");
	CHECK_ERR(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, BADPTR, NULL), EFAULT,
		  "prlimit64 new at address 1 EFAULT");
	in_child("RLIMIT_NOFILE enforced", child_rlimit);

	CHECK_OK(sysinfo(&si), "sysinfo");
	CHECK(si.uptime > 0 && si.mem_unit >= 1 &&
	      (unsigned long long)si.totalram * si.mem_unit >= (16ull << 20) &&
	      si.freeram <= si.totalram && si.procs >= 1,
	      "sysinfo: uptime %ld s, %llu MiB, %u procs", si.uptime,
	      (unsigned long long)si.totalram * si.mem_unit >> 20, si.procs);
	CHECK_ERR(syscall(SYS_sysinfo, KADDR), EFAULT, "sysinfo into the kernel EFAULT");
}

int main(void)
{
	check_watchdog(60);
	cohort = on_cohort();
	test_yield_and_priorities();
	test_affinity();
	test_attr();
	test_priority();
	test_usage();
	test_clocks();
	test_limits();
	return check_done();
}
