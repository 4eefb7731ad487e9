// SPDX-License-Identifier: MIT
/*
 * Process system calls: execve, exit, exit_group, wait4, waitid, the id
 * calls, set_tid_address, arch_prctl, process groups and sessions, uname,
 * getrandom, prlimit64, sysinfo. Linux's numbers, layouts and errors.
 */
#include "syscall.h"

#include "../arch/x86.h"
#include "../cpu.h"
#include "../lib/string.h"
#include "../mm/aspace.h"
#include "../mm/heap.h"
#include "../mm/pmm.h"
#include "../mm/usercopy.h"
#include "../proc/proc.h"
#include "../proc/proc_internal.h"
#include "../fs/vfs.h"
#include "../time.h"
#include "../trap.h"

#define PATH_MAX 4096
#define EXEC_ARG_COUNT_MAX 8192 /* argv + envp entries */
#define EXEC_STRINGS_MAX (128 * 1024)

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4
#define GETRANDOM_MAX (32 * 1024 * 1024)

long proc_wait4(int pid, uint64_t ustatus, int options, uint64_t urusage);
long proc_waitid(int idtype, int id, uint64_t uinfo, int options);

/* ---- execve ------------------------------------------------------------ */

struct exec_args {
	char *buf; /* strings, packed */
	uint64_t used;
	char **ptrs; /* argv then envp, each into buf */
	int argc, envc;
};

/* Copy a user string vector into a; -EFAULT, -E2BIG. */
static long copy_vector(struct exec_args *a, uint64_t uvec, int *count)
{
	*count = 0;
	if (!uvec)
		return 0; /* Linux accepts NULL as an empty vector */
	for (;;) {
		uint64_t up;
		if (copy_from_user(&up, (void *)(uvec + 8 * (uint64_t)*count), 8))
			return -EFAULT;
		if (!up)
			return 0;
		if (a->argc + a->envc + *count >= EXEC_ARG_COUNT_MAX)
			return -E2BIG;
		long n = strncpy_from_user(a->buf + a->used, (const char *)up,
					   EXEC_STRINGS_MAX - a->used);
		if (n == -ENAMETOOLONG)
			return -E2BIG;
		if (n < 0)
			return n;
		a->ptrs[a->argc + a->envc + *count] = a->buf + a->used;
		a->used += (uint64_t)n + 1;
		(*count)++;
	}
}

static long sys_execve(const struct syscall_args *args)
{
	char *path = kmalloc(PATH_MAX);
	struct exec_args a = { 0 };
	a.buf = kmalloc(EXEC_STRINGS_MAX);
	a.ptrs = kmalloc(EXEC_ARG_COUNT_MAX * sizeof(char *));
	long r = -ENOMEM;
	if (!path || !a.buf || !a.ptrs)
		goto out;
	r = strncpy_from_user(path, (const char *)args->a[0], PATH_MAX);
	if (r < 0)
		goto out;
	if (r == 0) {
		r = -ENOENT;
		goto out;
	}
	int n;
	if ((r = copy_vector(&a, args->a[1], &n)) < 0)
		goto out;
	a.argc = n;
	if ((r = copy_vector(&a, args->a[2], &n)) < 0)
		goto out;
	a.envc = n;
	r = proc_exec(args->frame, path, a.argc, a.ptrs, a.envc, a.ptrs + a.argc);
	if (r == 0)
		r = SYSCALL_FRAME_SET;
out:
	kfree(path);
	kfree(a.buf);
	kfree(a.ptrs);
	return r;
}

/* ---- exit and wait ------------------------------------------------------- */

static long sys_exit(const struct syscall_args *a)
{
	proc_thread_exit(((int)a->a[0] & 0xff) << 8);
}

static long sys_exit_group(const struct syscall_args *a)
{
	proc_exit_group(((int)a->a[0] & 0xff) << 8);
}

static long sys_wait4(const struct syscall_args *a)
{
	return proc_wait4((int)a->a[0], a->a[1], (int)a->a[2], a->a[3]);
}

static long sys_waitid(const struct syscall_args *a)
{
	return proc_waitid((int)a->a[0], (int)a->a[1], a->a[2], (int)a->a[3]);
}

/* ---- ids ------------------------------------------------------------------- */

static long sys_getpid(const struct syscall_args *a)
{
	return proc_current()->pid;
}

static long sys_gettid(const struct syscall_args *a)
{
	return uthread_current()->tid;
}

static long sys_getppid(const struct syscall_args *a)
{
	struct process *p = proc_current();
	spin_lock(&proc_table_lock);
	int ppid = p->parent ? p->parent->pid : 0;
	spin_unlock(&proc_table_lock);
	return ppid;
}

static long sys_getuid(const struct syscall_args *a)
{
	return proc_current()->uid;
}

static long sys_geteuid(const struct syscall_args *a)
{
	return proc_current()->euid;
}

static long sys_getgid(const struct syscall_args *a)
{
	return proc_current()->gid;
}

static long sys_getegid(const struct syscall_args *a)
{
	return proc_current()->egid;
}

static long sys_set_tid_address(const struct syscall_args *a)
{
	uthread_current()->clear_child_tid = a->a[0];
	return uthread_current()->tid;
}

static long sys_arch_prctl(const struct syscall_args *a)
{
	struct uthread *t = uthread_current();
	switch (a->a[0]) {
	case ARCH_SET_FS: {
		if (a->a[1] >= USER_TOP)
			return -EPERM; /* Linux: a non-canonical or kernel base */
		uint64_t f = irq_save(); /* field and MSR as one, vs. a switch */
		t->uctx.fs_base = a->a[1];
		wrmsr(MSR_FS_BASE, a->a[1]);
		irq_restore(f);
		return 0;
	}
	case ARCH_GET_FS:
		return copy_to_user((void *)a->a[1], &t->uctx.fs_base, 8) ? -EFAULT : 0;
	case ARCH_GET_GS: {
		uint64_t zero = 0; /* GS base is always 0 for user threads */
		return copy_to_user((void *)a->a[1], &zero, 8) ? -EFAULT : 0;
	}
	case ARCH_SET_GS: /* not supported: the kernel owns GS (entry.S) */
	default:
		return -EINVAL;
	}
}

/* setpgid(pid, pgid): within the caller's session, for itself or a child. */
static long sys_setpgid(const struct syscall_args *a)
{
	int pid = (int)a->a[0], pgid = (int)a->a[1];
	struct process *self = proc_current();
	if (pgid < 0)
		return -EINVAL;
	spin_lock(&proc_table_lock);
	struct process *p = pid ? proc_find_locked(pid) : self;
	long r = 0;
	if (!p || (p != self && p->parent != self))
		r = -ESRCH;
	else if (p->sid != self->sid)
		r = -EPERM;
	else
		p->pgid = pgid ? pgid : p->pid;
	spin_unlock(&proc_table_lock);
	return r;
}

static long sys_getpgid(const struct syscall_args *a)
{
	int pid = (int)a->a[0];
	spin_lock(&proc_table_lock);
	struct process *p = pid ? proc_find_locked(pid) : proc_current();
	long r = p ? p->pgid : -ESRCH;
	spin_unlock(&proc_table_lock);
	return r;
}

static long sys_getpgrp(const struct syscall_args *a)
{
	return proc_current()->pgid;
}

static long sys_setsid(const struct syscall_args *a)
{
	struct process *self = proc_current();
	long r;
	spin_lock(&proc_table_lock);
	if (self->pgid == self->pid) {
		r = -EPERM; /* already a group leader */
	} else {
		self->sid = self->pgid = self->pid;
		r = self->pid;
	}
	spin_unlock(&proc_table_lock);
	return r;
}

static long sys_getsid(const struct syscall_args *a)
{
	int pid = (int)a->a[0];
	spin_lock(&proc_table_lock);
	struct process *p = pid ? proc_find_locked(pid) : proc_current();
	long r = p ? p->sid : -ESRCH;
	spin_unlock(&proc_table_lock);
	return r;
}

/* ---- uname, getrandom, limits, sysinfo -------------------------------------- */

struct utsname_k {
	char sysname[65], nodename[65], release[65], version[65], machine[65],
		domainname[65];
};

static void set_field(char *f, const char *s)
{
	size_t n = strlen(s);
	memcpy(f, s, n < 64 ? n : 64);
}

static long sys_uname(const struct syscall_args *a)
{
	struct utsname_k u;
	memset(&u, 0, sizeof(u));
	set_field(u.sysname, "Cohort");
	set_field(u.nodename, "cohort");
	/* A Linux-looking release: some C libraries parse it for features. */
	set_field(u.release, "6.1.0-cohort");
	set_field(u.version, "Cohort " COHORT_VERSION);
	set_field(u.machine, "x86_64");
	set_field(u.domainname, "(none)");
	return copy_to_user((void *)a->a[0], &u, sizeof(u)) ? -EFAULT : 0;
}

static long sys_getrandom(const struct syscall_args *a)
{
	uint64_t ubuf = a->a[0], len = a->a[1];
	unsigned flags = (unsigned)a->a[2];
	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_RANDOM) && (flags & GRND_INSECURE))
		return -EINVAL;
	if (len > GETRANDOM_MAX)
		len = GETRANDOM_MAX;
	uint8_t chunk[256];
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		random_fill(chunk, n);
		if (copy_to_user((void *)(ubuf + done), chunk, n))
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return (long)len;
}

/* Every process is root, so it may raise a hard limit too (Linux
 * without capabilities dropped), but not past what Cohort can give:
 * RLIMIT_NOFILE stops at FD_MAX. Enforced: NOFILE (descriptors). Kept and
 * reported only: the others (docs/userspace.md). */
static long sys_prlimit64(const struct syscall_args *a)
{
	int pid = (int)a->a[0], res = (int)a->a[1];
	uint64_t unew = a->a[2], uold = a->a[3];
	if (res < 0 || res >= RLIM_NLIMITS)
		return -EINVAL;
	struct rlimit_k n;
	if (unew) {
		if (copy_from_user(&n, (void *)unew, sizeof(n)))
			return -EFAULT;
		if (n.cur > n.max)
			return -EINVAL;
		if (res == RLIMIT_NOFILE && n.max > FD_MAX)
			return -EPERM;
	}
	struct process *self = proc_current(), *p = self;
	spin_lock(&proc_table_lock);
	if (pid && pid != self->pid) {
		p = proc_find_locked(pid);
		if (!p || p->state != PROC_ALIVE) {
			spin_unlock(&proc_table_lock);
			return -ESRCH;
		}
	}
	spin_lock(&p->lock);
	struct rlimit_k old = p->rlim[res];
	if (unew)
		p->rlim[res] = n;
	spin_unlock(&p->lock);
	spin_unlock(&proc_table_lock);
	if (uold && copy_to_user((void *)uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

struct sysinfo_k {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint32_t pad2;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};
_Static_assert(sizeof(struct sysinfo_k) == 112, "Linux struct sysinfo");

static long sys_sysinfo(const struct syscall_args *a)
{
	struct sysinfo_k s;
	memset(&s, 0, sizeof(s));
	/* Rounded up, as Linux does: a system up 0.2 s reports 1. */
	s.uptime = (int64_t)((now_ns() + 999999999) / 1000000000);
	s.totalram = pmm_total_count() * 4096;
	s.freeram = pmm_free_count() * 4096;
	s.procs = (uint16_t)proc_count();
	s.mem_unit = 1;
	return copy_to_user((void *)a->a[0], &s, sizeof(s)) ? -EFAULT : 0;
}

static long sys_umask(const struct syscall_args *a)
{
	return 022; /* the file system is read-only: nothing to mask */
}

const struct syscall_entry syscalls_proc[] = {
	{ SYS_execve, sys_execve, "execve" },
	{ SYS_exit, sys_exit, "exit" },
	{ SYS_exit_group, sys_exit_group, "exit_group" },
	{ SYS_wait4, sys_wait4, "wait4" },
	{ SYS_waitid, sys_waitid, "waitid" },
	{ SYS_getpid, sys_getpid, "getpid" },
	{ SYS_gettid, sys_gettid, "gettid" },
	{ SYS_getppid, sys_getppid, "getppid" },
	{ SYS_getuid, sys_getuid, "getuid" },
	{ SYS_geteuid, sys_geteuid, "geteuid" },
	{ SYS_getgid, sys_getgid, "getgid" },
	{ SYS_getegid, sys_getegid, "getegid" },
	{ SYS_set_tid_address, sys_set_tid_address, "set_tid_address" },
	{ SYS_arch_prctl, sys_arch_prctl, "arch_prctl" },
	{ SYS_setpgid, sys_setpgid, "setpgid" },
	{ SYS_getpgid, sys_getpgid, "getpgid" },
	{ SYS_getpgrp, sys_getpgrp, "getpgrp" },
	{ SYS_setsid, sys_setsid, "setsid" },
	{ SYS_getsid, sys_getsid, "getsid" },
	{ SYS_uname, sys_uname, "uname" },
	{ SYS_getrandom, sys_getrandom, "getrandom" },
	{ SYS_prlimit64, sys_prlimit64, "prlimit64" },
	{ SYS_sysinfo, sys_sysinfo, "sysinfo" },
	{ SYS_umask, sys_umask, "umask" },
	{ 0, 0, 0 },
};
