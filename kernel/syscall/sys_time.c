// SPDX-License-Identifier: MIT
/*
 * Time system calls: clock_gettime, clock_getres, gettimeofday, time,
 * nanosleep, clock_nanosleep, times, getrusage.
 *
 * CLOCK_MONOTONIC and CLOCK_BOOTTIME are now_ns() (Cohort does not
 * suspend, so they are equal); CLOCK_REALTIME adds the offset read from
 * the RTC at boot (time_realtime_init; nothing sets it later: no
 * settimeofday, no NTP). CPU-time clocks are the scheduler's run time of
 * the thread or of all threads of the process.
 *
 * Sleeps use sched/'s timed sleep; a signal for the sleeper interrupts it
 * (thread_interrupt), and the call returns -EINTR with the time left.
 */
#include "syscall.h"

#include "../cpu.h"
#include "../lib/string.h"
#include "../mm/usercopy.h"
#include "../proc/proc.h"
#include "../proc/proc_internal.h"
#include "../time.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1

#define USER_HZ 100
#define NS_PER_S 1000000000ULL
#define NS_PER_TICK (NS_PER_S / USER_HZ)

#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1

struct timespec_k {
	int64_t tv_sec, tv_nsec;
};

struct timeval_k {
	int64_t tv_sec, tv_usec;
};

/* Run time of t up to now (it may be running right now). */
static uint64_t thread_run_ns(const struct thread *t, uint64_t now)
{
	uint64_t run = __atomic_load_n(&t->stats.run_ns, __ATOMIC_RELAXED);
	if (__atomic_load_n(&t->state, __ATOMIC_RELAXED) == THREAD_RUNNING) {
		uint64_t start = __atomic_load_n(&t->exec_start_ns, __ATOMIC_RELAXED);
		if (now > start)
			run += now - start;
	}
	return run;
}

/* Run time of every thread of p, dead ones included. Racy across CPUs by
 * a few microseconds: good enough for a CPU-time clock. */
static uint64_t process_run_ns(struct process *p, uint64_t now, uint64_t *nv,
			       uint64_t *niv)
{
	spin_lock(&p->lock);
	uint64_t sum = p->dead_threads_run_ns;
	uint64_t v = p->dead_threads_nvcsw, iv = p->dead_threads_nivcsw;
	struct list_node *n;
	list_for_each(n, &p->threads) {
		struct uthread *t = container_of(n, struct uthread, proc_node);
		sum += thread_run_ns(&t->kt.t, now);
		v += t->kt.t.stats.voluntary_switches;
		iv += t->kt.t.stats.involuntary_switches;
	}
	spin_unlock(&p->lock);
	if (nv)
		*nv = v;
	if (niv)
		*niv = iv;
	return sum;
}

/* 0 and the clock's value, or -EINVAL for an unknown clock. */
static int clock_now(int clock, uint64_t *ns)
{
	uint64_t now = now_ns();
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = now + time_realtime_offset_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = now;
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
		*ns = process_run_ns(proc_current(), now, 0, 0);
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = thread_run_ns(thread_current(), now);
		return 0;
	default:
		return -EINVAL;
	}
}

static struct timespec_k ns_to_ts(uint64_t ns)
{
	return (struct timespec_k){ (int64_t)(ns / NS_PER_S), (int64_t)(ns % NS_PER_S) };
}

static long get_timespec(uint64_t uts, uint64_t *ns)
{
	struct timespec_k ts;
	if (copy_from_user(&ts, (void *)uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (int64_t)NS_PER_S)
		return -EINVAL;
	/* Saturate: a sleep of centuries is "forever". */
	*ns = (uint64_t)ts.tv_sec > UINT64_MAX / 4 / NS_PER_S ?
		      UINT64_MAX / 4 :
		      (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
	return 0;
}

static long sys_clock_gettime(const struct syscall_args *a)
{
	uint64_t ns;
	if (clock_now((int)a->a[0], &ns))
		return -EINVAL;
	struct timespec_k ts = ns_to_ts(ns);
	return copy_to_user((void *)a->a[1], &ts, sizeof(ts)) ? -EFAULT : 0;
}

static long sys_clock_getres(const struct syscall_args *a)
{
	uint64_t ns;
	if (clock_now((int)a->a[0], &ns))
		return -EINVAL;
	struct timespec_k ts = { 0, 1 }; /* now_ns() counts nanoseconds */
	if (a->a[1] && copy_to_user((void *)a->a[1], &ts, sizeof(ts)))
		return -EFAULT;
	return 0;
}

static long sys_gettimeofday(const struct syscall_args *a)
{
	if (a->a[0]) {
		uint64_t ns = now_ns() + time_realtime_offset_ns();
		struct timeval_k tv = { (int64_t)(ns / NS_PER_S),
					(int64_t)(ns % NS_PER_S / 1000) };
		if (copy_to_user((void *)a->a[0], &tv, sizeof(tv)))
			return -EFAULT;
	}
	if (a->a[1]) {
		uint32_t tz[2] = { 0, 0 }; /* UTC, no DST */
		if (copy_to_user((void *)a->a[1], tz, sizeof(tz)))
			return -EFAULT;
	}
	return 0;
}

static long sys_time(const struct syscall_args *a)
{
	int64_t s = (int64_t)((now_ns() + time_realtime_offset_ns()) / NS_PER_S);
	if (a->a[0] && copy_to_user((void *)a->a[0], &s, sizeof(s)))
		return -EFAULT;
	return s;
}

/* Sleep until the monotonic deadline; 0, or -EINTR for a signal. */
static long sleep_until(uint64_t deadline)
{
	for (;;) {
		if (now_ns() >= deadline)
			return 0;
		if (signal_pending_current())
			return -EINTR;
		thread_sleep_until(deadline);
	}
}

static long write_remaining(uint64_t urem, uint64_t deadline)
{
	if (!urem)
		return 0;
	uint64_t now = now_ns();
	struct timespec_k ts = ns_to_ts(deadline > now ? deadline - now : 0);
	return copy_to_user((void *)urem, &ts, sizeof(ts)) ? -EFAULT : 0;
}

static long sys_nanosleep(const struct syscall_args *a)
{
	uint64_t ns;
	long r = get_timespec(a->a[0], &ns);
	if (r)
		return r;
	uint64_t deadline = now_ns() + ns;
	r = sleep_until(deadline);
	if (r == -EINTR && write_remaining(a->a[1], deadline))
		return -EFAULT;
	return r;
}

static long sys_clock_nanosleep(const struct syscall_args *a)
{
	int clock = (int)a->a[0], flags = (int)a->a[1];
	uint64_t ns;
	/* Linux: an unknown clock or the thread's CPU clock is -EINVAL; the
	 * other known clocks Cohort cannot sleep on are -EOPNOTSUPP. */
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC &&
	    clock != CLOCK_BOOTTIME)
		return clock < 0 || clock > CLOCK_BOOTTIME ||
				       clock == CLOCK_THREAD_CPUTIME_ID ?
			       -EINVAL :
			       -EOPNOTSUPP;
	if (flags & ~TIMER_ABSTIME)
		return -EINVAL;
	long r = get_timespec(a->a[2], &ns);
	if (r)
		return r;
	uint64_t now = now_ns(), deadline;
	if (flags & TIMER_ABSTIME) {
		uint64_t off = clock == CLOCK_REALTIME ? time_realtime_offset_ns() : 0;
		deadline = ns > off ? ns - off : 0;
	} else {
		deadline = now + ns;
	}
	r = sleep_until(deadline);
	/* The time left is reported only for relative sleeps (POSIX). */
	if (r == -EINTR && !(flags & TIMER_ABSTIME) &&
	    write_remaining(a->a[3], deadline))
		return -EFAULT;
	return r;
}

struct tms_k {
	int64_t utime, stime, cutime, cstime;
};

static long sys_times(const struct syscall_args *a)
{
	uint64_t now = now_ns();
	struct process *p = proc_current();
	if (a->a[0]) {
		struct tms_k t = {
			.utime = (int64_t)(process_run_ns(p, now, 0, 0) / NS_PER_TICK),
			.cutime = (int64_t)(__atomic_load_n(&p->children_run_ns,
							    __ATOMIC_RELAXED) /
					    NS_PER_TICK),
		};
		if (copy_to_user((void *)a->a[0], &t, sizeof(t)))
			return -EFAULT;
	}
	return (long)(now / NS_PER_TICK);
}

struct rusage_k {
	struct timeval_k utime, stime;
	int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock,
		oublock, msgsnd, msgrcv, nsignals, nvcsw, nivcsw;
};
_Static_assert(sizeof(struct rusage_k) == 144, "Linux struct rusage");

/* User and system time are not told apart yet: all run time is reported
 * as user time (docs/userspace.md). */
static long sys_getrusage(const struct syscall_args *a)
{
	int who = (int)a->a[0];
	uint64_t now = now_ns(), run = 0, nv = 0, niv = 0;
	struct process *p = proc_current();
	if (who == RUSAGE_SELF) {
		run = process_run_ns(p, now, &nv, &niv);
	} else if (who == RUSAGE_THREAD) {
		struct thread *t = thread_current();
		run = thread_run_ns(t, now);
		nv = t->stats.voluntary_switches;
		niv = t->stats.involuntary_switches;
	} else if (who == RUSAGE_CHILDREN) {
		run = __atomic_load_n(&p->children_run_ns, __ATOMIC_RELAXED);
	} else {
		return -EINVAL;
	}
	struct rusage_k ru;
	memset(&ru, 0, sizeof(ru));
	ru.utime.tv_sec = (int64_t)(run / NS_PER_S);
	ru.utime.tv_usec = (int64_t)(run % NS_PER_S / 1000);
	ru.nvcsw = (int64_t)nv;
	ru.nivcsw = (int64_t)niv;
	return copy_to_user((void *)a->a[1], &ru, sizeof(ru)) ? -EFAULT : 0;
}

/* ---- ITIMER_REAL, alarm, pause -------------------------------------------- */

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

struct itimerval_k {
	struct timeval_k interval, value;
};

static long get_timeval(const struct timeval_k *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EINVAL;
	*ns = (uint64_t)tv->tv_sec > UINT64_MAX / 4 / NS_PER_S ?
		      UINT64_MAX / 4 :
		      (uint64_t)tv->tv_sec * NS_PER_S + (uint64_t)tv->tv_usec * 1000;
	return 0;
}

static struct timeval_k ns_to_tv(uint64_t ns)
{
	/* Round up to the next microsecond: a pending alarm never reads 0. */
	uint64_t us = (ns + 999) / 1000;
	return (struct timeval_k){ (int64_t)(us / 1000000), (int64_t)(us % 1000000) };
}

/* ITIMER_VIRTUAL and ITIMER_PROF need user/system time accounting that
 * Cohort does not keep yet: -EINVAL (docs/userspace.md). */
static long sys_setitimer(const struct syscall_args *a)
{
	if ((int)a->a[0] != ITIMER_REAL)
		return -EINVAL;
	struct itimerval_k nv = { 0 };
	uint64_t value = 0, interval = 0, ov, oi;
	if (a->a[1]) {
		if (copy_from_user(&nv, (void *)a->a[1], sizeof(nv)))
			return -EFAULT;
		long r = get_timeval(&nv.value, &value);
		if (!r)
			r = get_timeval(&nv.interval, &interval);
		if (r)
			return r;
	}
	if (a->a[2]) {
		/* Check the old-value buffer before changing anything. */
		struct itimerval_k probe;
		if (copy_from_user(&probe, (void *)a->a[2], sizeof(probe)))
			return -EFAULT;
	}
	itimer_set(proc_current(), value, interval, &ov, &oi);
	if (a->a[2]) {
		struct itimerval_k old = { ns_to_tv(oi), ns_to_tv(ov) };
		if (copy_to_user((void *)a->a[2], &old, sizeof(old)))
			return -EFAULT;
	}
	return 0;
}

static long sys_getitimer(const struct syscall_args *a)
{
	if ((int)a->a[0] != ITIMER_REAL)
		return -EINVAL;
	uint64_t v, i;
	itimer_get(proc_current(), &v, &i);
	struct itimerval_k cur = { ns_to_tv(i), ns_to_tv(v) };
	return copy_to_user((void *)a->a[1], &cur, sizeof(cur)) ? -EFAULT : 0;
}

static long sys_alarm(const struct syscall_args *a)
{
	uint64_t ov, oi, secs = (uint32_t)a->a[0];
	itimer_set(proc_current(), secs * NS_PER_S, 0, &ov, &oi);
	/* Linux: the seconds left, rounded to nearest, at least 1 if armed. */
	uint64_t left = (ov + NS_PER_S / 2) / NS_PER_S;
	return (long)(ov && !left ? 1 : left);
}

static long sys_pause(const struct syscall_args *a)
{
	while (!signal_pending_current())
		thread_sleep_until(UINT64_MAX / 4);
	/* -EINTR after a handler, never restarted (Linux); a signal that
	 * did nothing (ignored once unblocked) does not end the pause. */
	return -ERESTARTNOHAND;
}

const struct syscall_entry syscalls_time[] = {
	{ SYS_clock_gettime, sys_clock_gettime, "clock_gettime" },
	{ SYS_clock_getres, sys_clock_getres, "clock_getres" },
	{ SYS_gettimeofday, sys_gettimeofday, "gettimeofday" },
	{ SYS_time, sys_time, "time" },
	{ SYS_nanosleep, sys_nanosleep, "nanosleep" },
	{ SYS_clock_nanosleep, sys_clock_nanosleep, "clock_nanosleep" },
	{ SYS_times, sys_times, "times" },
	{ SYS_getrusage, sys_getrusage, "getrusage" },
	{ SYS_setitimer, sys_setitimer, "setitimer" },
	{ SYS_getitimer, sys_getitimer, "getitimer" },
	{ SYS_alarm, sys_alarm, "alarm" },
	{ SYS_pause, sys_pause, "pause" },
	{ 0, 0, 0 },
};
