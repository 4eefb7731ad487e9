// SPDX-License-Identifier: MIT
/*
 * Scheduling system calls: sched_yield, affinity, sched_setattr/getattr
 * and the older sched_set/getscheduler and set/getparam, priority ranges,
 * sched_rr_get_interval, setpriority/getpriority, getcpu. Linux's ABI; the
 * policies map onto sched/'s classes:
 *   SCHED_OTHER, SCHED_BATCH  fair, with nice
 *   SCHED_IDLE                fair at nice 19 (the lowest weight); reported
 *                             back as SCHED_IDLE
 *   SCHED_FIFO, SCHED_RR      rt, priority 1..99
 *   SCHED_DEADLINE            EDF + CBS, runtime <= deadline <= period
 * A pid argument names a thread (Linux's tid), 0 the caller.
 *
 * Deadline beyond Linux: a thread whose affinity is one CPU may take a
 * deadline policy (admission is per CPU in sched/); a refusal is -EBUSY
 * and sched/'s one log line naming the CPU and the utilisation.
 *
 * There is no privilege model yet: every program may use every policy
 * (docs/userspace.md).
 */
#include "syscall.h"

#include "../cpu.h"
#include "../lib/string.h"
#include "../mm/usercopy.h"
#include "../proc/proc.h"
#include "../../sched/config.h"

#define SCHED_OTHER 0
#define SCHED_FIFO 1
#define SCHED_RR 2
#define SCHED_BATCH 3
#define SCHED_IDLE 5
#define SCHED_DEADLINE 6
#define SCHED_RESET_ON_FORK 0x40000000

#define SCHED_FLAG_RESET_ON_FORK 0x01
#define SCHED_ATTR_SIZE_VER0 48

#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2

#define CPUMASK_BYTES ((MAX_CPUS + 63) / 64 * 8)

struct sched_attr_user {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};
_Static_assert(sizeof(struct sched_attr_user) == SCHED_ATTR_SIZE_VER0,
	       "Linux struct sched_attr (version 0)");

/* A thread and its Linux policy, found under proc_table_lock (held by
 * the caller until it is done with the thread). */
static struct uthread *target_locked(int pid)
{
	if (pid < 0)
		return 0;
	return pid == 0 ? uthread_current() : uthread_find_locked(0, pid);
}

static long with_target(int pid, long (*fn)(struct uthread *, void *), void *arg)
{
	if (pid < 0)
		return -EINVAL;
	/* The caller itself needs no lock to stay alive, and must hold none:
	 * a change of its own affinity or class may switch it out. */
	if (pid == 0 || pid == uthread_current()->tid)
		return fn(uthread_current(), arg);
	spin_lock(&proc_table_lock);
	struct uthread *t = target_locked(pid);
	long r = t ? fn(t, arg) : -ESRCH;
	spin_unlock(&proc_table_lock);
	return r;
}

/* ---- yield and affinity ---------------------------------------------------- */

static long sys_sched_yield(const struct syscall_args *a)
{
	thread_yield();
	return 0;
}

static long set_affinity(struct uthread *t, void *arg)
{
	return thread_set_affinity(&t->kt.t, arg);
}

static long sys_sched_setaffinity(const struct syscall_args *a)
{
	uint64_t len = a->a[1];
	struct cpumask mask;
	cpumask_clear(&mask);
	/* Linux reads min(len, its mask size) bytes; bits past the kernel's
	 * CPUs are ignored. */
	uint64_t n = len < CPUMASK_BYTES ? len : CPUMASK_BYTES;
	uint8_t bytes[CPUMASK_BYTES];
	memset(bytes, 0, sizeof(bytes));
	if (copy_from_user(bytes, (void *)a->a[2], n))
		return -EFAULT;
	for (int cpu = 0; cpu < (int)n * 8; cpu++)
		if (bytes[cpu / 8] & (1u << (cpu % 8)))
			cpumask_set(&mask, cpu);
	return with_target((int)a->a[0], set_affinity, &mask);
}

static long get_affinity(struct uthread *t, void *arg)
{
	thread_get_affinity(&t->kt.t, arg);
	return 0;
}

static long sys_sched_getaffinity(const struct syscall_args *a)
{
	uint64_t len = a->a[1];
	/* Linux: the buffer must hold a bit for every possible CPU
	 * (nr_cpu_ids), in whole longs; it gets min(len, mask size). */
	uint64_t need = (uint64_t)(cpu_possible_count + 63) / 64 * 8;
	uint64_t out = len < CPUMASK_BYTES ? len : CPUMASK_BYTES;
	if (len < need || (len & 7))
		return -EINVAL;
	struct cpumask mask;
	long r = with_target((int)a->a[0], get_affinity, &mask);
	if (r)
		return r;
	uint8_t bytes[CPUMASK_BYTES];
	memset(bytes, 0, sizeof(bytes));
	for_each_cpu(cpu, &mask)
		bytes[cpu / 8] |= 1u << (cpu % 8);
	if (copy_to_user((void *)a->a[2], bytes, out))
		return -EFAULT;
	return (long)out; /* bytes written, as the raw Linux call */
}

/* ---- attributes -------------------------------------------------------------- */

struct attr_req {
	struct sched_attr k;
	int linux_policy;
};

/* Linux's attr to ours; -EINVAL for what Linux refuses. */
static long attr_from_user(const struct sched_attr_user *u, struct attr_req *r)
{
	memset(r, 0, sizeof(*r));
	r->linux_policy = (int)u->sched_policy;
	if (u->sched_flags & ~(uint64_t)SCHED_FLAG_RESET_ON_FORK)
		return -EINVAL;
	switch (u->sched_policy) {
	case SCHED_OTHER:
	case SCHED_BATCH:
		if (u->sched_priority != 0)
			return -EINVAL;
		r->k.policy = SCHED_POLICY_FAIR;
		/* Linux clamps nice into range for sched_setattr. */
		r->k.nice = u->sched_nice < SCHED_NICE_MIN ? SCHED_NICE_MIN :
			    u->sched_nice > SCHED_NICE_MAX ? SCHED_NICE_MAX :
							     u->sched_nice;
		return 0;
	case SCHED_IDLE:
		if (u->sched_priority != 0)
			return -EINVAL;
		r->k.policy = SCHED_POLICY_FAIR;
		r->k.nice = SCHED_NICE_MAX;
		return 0;
	case SCHED_FIFO:
	case SCHED_RR:
		if (u->sched_priority < 1 || u->sched_priority > 99)
			return -EINVAL;
		r->k.policy = u->sched_policy == SCHED_FIFO ? SCHED_POLICY_FIFO :
							      SCHED_POLICY_RR;
		r->k.rt_priority = (int)u->sched_priority;
		return 0;
	case SCHED_DEADLINE:
		if (u->sched_priority != 0)
			return -EINVAL;
		r->k.policy = SCHED_POLICY_DEADLINE;
		r->k.dl_runtime_ns = u->sched_runtime;
		/* Linux: deadline 0 means = period, period 0 means = deadline. */
		r->k.dl_deadline_ns = u->sched_deadline;
		r->k.dl_period_ns = u->sched_period ? u->sched_period :
						       u->sched_deadline;
		return 0;
	default:
		return -EINVAL;
	}
}

static long set_attr(struct uthread *t, void *arg)
{
	struct attr_req *r = arg;
	long e = thread_set_attr(&t->kt.t, &r->k);
	if (!e)
		t->linux_policy = r->linux_policy;
	return e == -ERANGE ? -EINVAL : e;
}

static long sys_sched_setattr(const struct syscall_args *a)
{
	struct sched_attr_user u;
	memset(&u, 0, sizeof(u));
	uint32_t size;
	if (a->a[2] != 0)
		return -EINVAL; /* flags: none defined */
	if (copy_from_user(&size, (void *)a->a[1], 4))
		return -EFAULT;
	if (size == 0)
		size = SCHED_ATTR_SIZE_VER0;
	/* Linux: a size it cannot use, or a longer struct whose extra bytes
	 * are not zero, is -E2BIG with the size it knows written back. */
	bool too_big = size < SCHED_ATTR_SIZE_VER0 || size > 4096;
	for (uint32_t off = SCHED_ATTR_SIZE_VER0; !too_big && off < size; off++) {
		uint8_t b;
		if (copy_from_user(&b, (uint8_t *)a->a[1] + off, 1))
			return -EFAULT;
		too_big = b != 0;
	}
	if (too_big) {
		uint32_t known = SCHED_ATTR_SIZE_VER0;
		if (copy_to_user((void *)a->a[1], &known, 4))
			return -EFAULT;
		return -E2BIG;
	}
	if (copy_from_user(&u, (void *)a->a[1], sizeof(u)))
		return -EFAULT;
	struct attr_req r;
	long e = attr_from_user(&u, &r);
	return e ? e : with_target((int)a->a[0], set_attr, &r);
}

static long get_attr(struct uthread *t, void *arg)
{
	struct sched_attr_user *u = arg;
	struct sched_attr k;
	thread_get_attr(&t->kt.t, &k);
	memset(u, 0, sizeof(*u));
	u->size = SCHED_ATTR_SIZE_VER0;
	switch (k.policy) {
	case SCHED_POLICY_FIFO:
	case SCHED_POLICY_RR:
		u->sched_policy = k.policy == SCHED_POLICY_FIFO ? SCHED_FIFO : SCHED_RR;
		u->sched_priority = (uint32_t)k.rt_priority;
		break;
	case SCHED_POLICY_DEADLINE:
		u->sched_policy = SCHED_DEADLINE;
		u->sched_runtime = k.dl_runtime_ns;
		u->sched_deadline = k.dl_deadline_ns;
		u->sched_period = k.dl_period_ns;
		break;
	default:
		u->sched_policy = t->linux_policy == SCHED_IDLE  ? SCHED_IDLE :
				  t->linux_policy == SCHED_BATCH ? SCHED_BATCH :
								   SCHED_OTHER;
		u->sched_nice = k.nice;
		break;
	}
	return 0;
}

static long sys_sched_getattr(const struct syscall_args *a)
{
	uint32_t size = (uint32_t)a->a[2];
	if (a->a[3] != 0 || size < SCHED_ATTR_SIZE_VER0 || size > 4096)
		return -EINVAL;
	struct sched_attr_user u;
	long r = with_target((int)a->a[0], get_attr, &u);
	if (r)
		return r;
	return copy_to_user((void *)a->a[1], &u, sizeof(u)) ? -EFAULT : 0;
}

/* sched_setscheduler / sched_setparam through the same path. */
static long set_sched_param(int pid, int policy, uint64_t uparam, bool keep_policy)
{
	int32_t prio;
	if (!uparam || pid < 0)
		return -EINVAL;
	if (copy_from_user(&prio, (void *)uparam, 4))
		return -EFAULT;
	struct sched_attr_user u;
	memset(&u, 0, sizeof(u));
	if (keep_policy || policy == -1) {
		long r = with_target(pid, get_attr, &u);
		if (r)
			return r;
	} else {
		u.sched_policy = (uint32_t)(policy & ~SCHED_RESET_ON_FORK);
	}
	if (u.sched_policy == SCHED_DEADLINE)
		return -EINVAL; /* needs sched_setattr's runtimes */
	u.sched_priority = (uint32_t)prio;
	if (u.sched_policy == SCHED_OTHER || u.sched_policy == SCHED_BATCH ||
	    u.sched_policy == SCHED_IDLE) {
		/* Keep the thread's nice: setscheduler does not change it. */
		struct sched_attr_user cur;
		if (with_target(pid, get_attr, &cur) == 0 &&
		    (cur.sched_policy == SCHED_OTHER || cur.sched_policy == SCHED_BATCH))
			u.sched_nice = cur.sched_nice;
	}
	struct attr_req r;
	long e = attr_from_user(&u, &r);
	return e ? e : with_target(pid, set_attr, &r);
}

static long sys_sched_setscheduler(const struct syscall_args *a)
{
	if ((int)a->a[1] < 0)
		return -EINVAL;
	return set_sched_param((int)a->a[0], (int)a->a[1], a->a[2], false);
}

static long sys_sched_setparam(const struct syscall_args *a)
{
	return set_sched_param((int)a->a[0], -1, a->a[1], true);
}

static long sys_sched_getscheduler(const struct syscall_args *a)
{
	struct sched_attr_user u;
	long r = with_target((int)a->a[0], get_attr, &u);
	return r ? r : (long)u.sched_policy;
}

static long sys_sched_getparam(const struct syscall_args *a)
{
	struct sched_attr_user u;
	if (!a->a[1])
		return -EINVAL;
	long r = with_target((int)a->a[0], get_attr, &u);
	if (r)
		return r;
	int32_t prio = (int32_t)u.sched_priority;
	return copy_to_user((void *)a->a[1], &prio, 4) ? -EFAULT : 0;
}

static long sys_sched_get_priority_max(const struct syscall_args *a)
{
	int p = (int)a->a[0];
	if (p == SCHED_FIFO || p == SCHED_RR)
		return 99;
	if (p == SCHED_OTHER || p == SCHED_BATCH || p == SCHED_IDLE ||
	    p == SCHED_DEADLINE)
		return 0;
	return -EINVAL;
}

static long sys_sched_get_priority_min(const struct syscall_args *a)
{
	int p = (int)a->a[0];
	if (p == SCHED_FIFO || p == SCHED_RR)
		return 1;
	if (p == SCHED_OTHER || p == SCHED_BATCH || p == SCHED_IDLE ||
	    p == SCHED_DEADLINE)
		return 0;
	return -EINVAL;
}

static long rr_interval(struct uthread *t, void *arg)
{
	struct sched_attr k;
	thread_get_attr(&t->kt.t, &k);
	/* Linux: the RR slice for RR threads, 0 for FIFO, the fair slice
	 * for fair ones. */
	*(uint64_t *)arg = k.policy == SCHED_POLICY_RR	 ? sched_tunables.rr_slice_ns :
			   k.policy == SCHED_POLICY_FIFO ? 0 :
							   sched_tunables.fair_slice_ns;
	return 0;
}

static long sys_sched_rr_get_interval(const struct syscall_args *a)
{
	uint64_t ns;
	long r = with_target((int)a->a[0], rr_interval, &ns);
	if (r)
		return r;
	int64_t ts[2] = { (int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000) };
	return copy_to_user((void *)a->a[1], ts, sizeof(ts)) ? -EFAULT : 0;
}

/* ---- nice ------------------------------------------------------------------- */

static long set_nice(struct uthread *t, void *arg)
{
	struct sched_attr k;
	thread_get_attr(&t->kt.t, &k);
	if (k.policy != SCHED_POLICY_FAIR) {
		/* Linux stores the nice for later; we can only apply it to a
		 * fair thread. Accept it silently as Linux does. */
		return 0;
	}
	k.nice = *(int *)arg;
	return thread_set_attr(&t->kt.t, &k);
}

static long get_nice(struct uthread *t, void *arg)
{
	struct sched_attr k;
	thread_get_attr(&t->kt.t, &k);
	*(int *)arg = k.policy == SCHED_POLICY_FAIR ? k.nice : 0;
	return 0;
}

static long sys_setpriority(const struct syscall_args *a)
{
	int which = (int)a->a[0], who = (int)a->a[1], nice = (int)a->a[2];
	if (which != PRIO_PROCESS)
		return which == PRIO_PGRP || which == PRIO_USER ? -EOPNOTSUPP : -EINVAL;
	nice = nice < SCHED_NICE_MIN ? SCHED_NICE_MIN :
	       nice > SCHED_NICE_MAX ? SCHED_NICE_MAX : nice;
	return with_target(who, set_nice, &nice);
}

static long sys_getpriority(const struct syscall_args *a)
{
	int which = (int)a->a[0], who = (int)a->a[1], nice;
	if (which != PRIO_PROCESS)
		return which == PRIO_PGRP || which == PRIO_USER ? -EOPNOTSUPP : -EINVAL;
	long r = with_target(who, get_nice, &nice);
	/* The raw call returns 20 - nice (always positive); libc undoes it. */
	return r ? r : 20 - nice;
}

static long sys_getcpu(const struct syscall_args *a)
{
	/* Where we run now; stale as soon as we return, as on Linux. */
	uint32_t cpu = (uint32_t)sched_current_cpu(), node = 0;
	if (a->a[0] && copy_to_user((void *)a->a[0], &cpu, 4))
		return -EFAULT;
	if (a->a[1] && copy_to_user((void *)a->a[1], &node, 4))
		return -EFAULT;
	return 0;
}

const struct syscall_entry syscalls_sched[] = {
	{ SYS_sched_yield, sys_sched_yield, "sched_yield" },
	{ SYS_sched_setaffinity, sys_sched_setaffinity, "sched_setaffinity" },
	{ SYS_sched_getaffinity, sys_sched_getaffinity, "sched_getaffinity" },
	{ SYS_sched_setattr, sys_sched_setattr, "sched_setattr" },
	{ SYS_sched_getattr, sys_sched_getattr, "sched_getattr" },
	{ SYS_sched_setscheduler, sys_sched_setscheduler, "sched_setscheduler" },
	{ SYS_sched_getscheduler, sys_sched_getscheduler, "sched_getscheduler" },
	{ SYS_sched_setparam, sys_sched_setparam, "sched_setparam" },
	{ SYS_sched_getparam, sys_sched_getparam, "sched_getparam" },
	{ SYS_sched_get_priority_max, sys_sched_get_priority_max,
	  "sched_get_priority_max" },
	{ SYS_sched_get_priority_min, sys_sched_get_priority_min,
	  "sched_get_priority_min" },
	{ SYS_sched_rr_get_interval, sys_sched_rr_get_interval,
	  "sched_rr_get_interval" },
	{ SYS_setpriority, sys_setpriority, "setpriority" },
	{ SYS_getpriority, sys_getpriority, "getpriority" },
	{ SYS_getcpu, sys_getcpu, "getcpu" },
	{ 0, 0, 0 },
};
