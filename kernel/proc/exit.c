// SPDX-License-Identifier: MIT
/*
 * Thread and process exit, zombies, orphans, and wait4/waitid (proc.h).
 *
 * The last thread of a process to exit tears it down (descriptors, working
 * directory, address space), hands its children to pid 1, becomes a zombie
 * and tells its parent (SIGCHLD and the parent's child_wq), all of the
 * tree changes under proc_table_lock so a parent exiting at the same time
 * either sees the zombie or has already passed it to pid 1. After that it
 * never touches the process again: the parent may free it at once.
 *
 * When pid 1 exits, the machine's work is done: its status is logged and,
 * under QEMU, becomes the emulator's exit code (33 for 0, 35 otherwise).
 */
#include "proc.h"

#include "../../drivers/qemu_exit.h"
#include "../../smp/smp.h"
#include "../arch/x86.h"
#include "../cpu.h"
#include "../errno.h"
#include "../fs/vfs.h"
#include "../lib/string.h"
#include "../log.h"
#include "../mm/aspace.h"
#include "../mm/heap.h"
#include "../mm/usercopy.h"
#include "../panic.h"
#include "../syscall/syscall.h"
#include "../trace.h"
#include "../trap.h"
#include "proc_internal.h"

#define WNOHANG 1
#define WUNTRACED 2
#define WEXITED 4
#define WCONTINUED 8
#define WNOWAIT 0x01000000
#define __WALL 0x40000000
#define __WCLONE 0x80000000

#define P_ALL 0
#define P_PID 1
#define P_PGID 2


static const char *const signal_names[32] = {
	[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL",   [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",   [SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
	[SIGCHLD] = "SIGCHLD", [SIGSYS] = "SIGSYS",
};

const char *signal_name(int sig)
{
	return sig > 0 && sig < 32 && signal_names[sig] ? signal_names[sig] :
							   "signal";
}

static void init_exited(int status)
{
	if ((status & 0x7f) == 0)
		kprintf("init: exited with status %d", (status >> 8) & 0xff);
	else
		kprintf("init: killed by signal %d (%s)", status & 0x7f,
			signal_name(status & 0x7f));
	smp_stop_others(false);
	/* trace=dump: the run's trace for tools/make-trace --user. */
	if (trace_dump_requested())
		trace_dump();
	qemu_exit((status & 0xffff) == 0 ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
}

/* The last thread of p is leaving. */
static void proc_exit_last(struct process *p, struct uthread *t, int status)
{
	if (p->group_exit)
		status = p->group_exit_status;
	if (p->pid == 1)
		init_exited(status);
	itimer_exit(p);

	fdt_put(p->files);
	fs_ctx_put(p->fs);
	struct aspace *as = p->as;
	spin_lock(&p->lock);
	p->files = 0;
	p->fs = 0;
	p->as = 0;
	spin_unlock(&p->lock);
	aspace_put(as); /* every thread has left it (proc_thread_exit) */
	proc_vfork_release(p);

	spin_lock(&proc_table_lock);
	struct process *init = proc_find_locked(1);
	bool init_notify = false;
	while (!list_empty(&p->children)) {
		struct list_node *n = list_first(&p->children);
		struct process *c = container_of(n, struct process, sibling);
		list_del(n);
		c->parent = init;
		if (init) {
			list_add_tail(&init->children, &c->sibling);
			init_notify |= c->state == PROC_ZOMBIE;
		}
	}
	p->state = PROC_ZOMBIE;
	p->exit_status = status;
	struct process *parent = p->parent;
	/* A parent that ignores SIGCHLD (or set SA_NOCLDWAIT) gets no zombie:
	 * we leave its list now and free ourselves below, and its waiters
	 * look again (with no child left they get ECHILD), as Linux. */
	bool autoreap = parent && signal_child_autoreap(parent);
	if (autoreap) {
		list_del(&p->sibling);
		p->parent = 0;
		/* Out of the pid table in this same hold: the parent, woken
		 * below, may run before we do again (one CPU: at the unlock)
		 * and must find neither a child nor the pid (kill(pid, 0)
		 * ESRCH after waitpid's ECHILD, as Linux; t_fork saw the pid
		 * still there when this waited until after the unlock). */
		proc_unlink_zombie_locked(p);
	}
	if (parent) {
		atomic_fetch_add(&parent->child_events, 1);
		wait_queue_wake_all(&parent->child_wq);
		struct ksiginfo info = {
			.pid = p->pid,
			.uid = p->uid,
			.code = (status & 0x7f) ? CLD_KILLED : CLD_EXITED,
			.status = (status & 0x7f) ? (status & 0x7f) : (status >> 8) & 0xff,
		};
		signal_send_process_info(parent, SIGCHLD, &info);
	}
	if (init_notify && init != parent) {
		atomic_fetch_add(&init->child_events, 1);
		wait_queue_wake_all(&init->child_wq);
	}
	spin_unlock(&proc_table_lock);
	/* p may be freed by its parent from here on; if nobody waits for
	 * it, by us (already out of the pid table). */
	if (autoreap)
		kfree(p);
}

void proc_thread_exit(int status)
{
	struct uthread *t = uthread_current();
	struct process *p = t->proc;

	if (t->clear_child_tid) {
		uint32_t zero = 0;
		/* Linux ignores a fault here: the thread is going anyway. */
		if (copy_to_user((void *)t->clear_child_tid, &zero, 4) == 0)
			futex_wake_addr(p, t->clear_child_tid, 1);
	}
	/* Leave the address space before saying we are gone: once we are
	 * not counted, exec or the last thread may free it, and this thread
	 * may still be switched out and in on its way to thread_exit; a
	 * stale uctx.as would then be loaded into CR3 (test_exec_from_threads
	 * on one CPU hung so). Nothing below touches user memory. */
	uint64_t flags = irq_save();
	t->uctx.as = 0;
	aspace_switch_kernel();
	irq_restore(flags);
	sched_account_current(); /* our run time, for the rusage of the dead */
	/* Both locks: a thread found by uthread_find_locked stays valid as
	 * long as its finder holds proc_table_lock. */
	spin_lock(&proc_table_lock);
	spin_lock(&p->lock);
	list_del(&t->proc_node);
	bool last = --p->nthreads == 0;
	p->dead_threads_run_ns += t->kt.t.stats.run_ns;
	p->dead_threads_nvcsw += t->kt.t.stats.voluntary_switches;
	p->dead_threads_nivcsw += t->kt.t.stats.involuntary_switches;
	bool exec_waits = p->exec_thread && p->nthreads == 1;
	spin_unlock(&p->lock);
	uthread_release_id_locked(t);
	spin_unlock(&proc_table_lock);
	if (exec_waits)
		wait_queue_wake_all(&p->exec_wq); /* the execve can go on */
	if (last)
		proc_exit_last(p, t, status);
	uthread_queue_for_reaper(t);
	thread_exit(0);
	panic("proc: thread_exit returned");
}

/* Make every other thread of p leave: mark the group exit, post SIGKILL
 * to each (which wakes one blocked in the kernel) and kick any running
 * one into the kernel, where its way back to user mode ends it. */
static void group_exit_start(struct process *p, int status)
{
	spin_lock(&p->lock);
	if (!p->group_exit) {
		p->group_exit = true;
		p->group_exit_status = status;
	}
	spin_unlock(&p->lock);
	signal_send_process(p, SIGKILL);
}

void proc_exit_group(int status)
{
	group_exit_start(proc_current(), status);
	proc_thread_exit(status);
}

/* ---- wait --------------------------------------------------------------- */

struct wait_cond {
	struct process *self;
	unsigned seen;
};

static bool child_event(void *arg)
{
	struct wait_cond *w = arg;
	return atomic_load(&w->self->child_events) != w->seen ||
	       signal_pending_current();
}

static bool child_matches(const struct process *c, int idtype, int id)
{
	switch (idtype) {
	case P_PID:
		return c->pid == id;
	case P_PGID:
		return c->pgid == id;
	default:
		return true;
	}
}

struct wait_result {
	int pid;
	int status;
	uint64_t run_ns;
	uint32_t uid;
};

/*
 * The common body of wait4 and waitid: reap (or with `nowait`, only look
 * at) a zombie child matching (idtype, id). `deliver` copies the result to
 * user memory; if that fails the child is still reaped and the call
 * returns deliver's error (-EFAULT), as Linux does. Returns the pid, 0
 * (WNOHANG and none ready), -ECHILD, -ERESTARTSYS, or deliver's error.
 */
static long wait_common(int idtype, int id, int options, bool nowait,
			int (*deliver)(const struct wait_result *, void *),
			void *arg)
{
	struct process *self = proc_current();
	for (;;) {
		struct wait_cond w = { self, atomic_load(&self->child_events) };
		struct wait_result res = { 0 };
		struct process *z = 0;
		bool any = false;

		spin_lock(&proc_table_lock);
		struct list_node *n;
		list_for_each(n, &self->children) {
			struct process *c = container_of(n, struct process, sibling);
			if (!child_matches(c, idtype, id))
				continue;
			any = true;
			if (c->state == PROC_ZOMBIE) {
				z = c;
				res.pid = c->pid;
				res.status = c->exit_status;
				res.run_ns = c->dead_threads_run_ns + c->children_run_ns;
				res.uid = c->uid;
				break;
			}
		}
		spin_unlock(&proc_table_lock);

		if (z) {
			/* Like Linux, a status that cannot be stored is an
			 * -EFAULT, and the child is reaped all the same. */
			int r = deliver(&res, arg);
			if (nowait)
				return r < 0 ? r : res.pid;
			spin_lock(&proc_table_lock);
			bool still = proc_find_locked(res.pid) == z &&
				     z->parent == self;
			if (still) {
				list_del(&z->sibling);
				z->parent = 0;
				self->children_run_ns += res.run_ns;
			}
			spin_unlock(&proc_table_lock);
			if (still) {
				proc_release_zombie(z);
				return r < 0 ? r : res.pid;
			}
			continue; /* another thread of ours reaped it first */
		}
		if (!any)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		/* Restarted after a SA_RESTART handler, else -EINTR (the exit
		 * work decides), as Linux's do_wait. */
		if (signal_pending_current())
			return -ERESTARTSYS;
		wait_queue_block_if(&self->child_wq, child_event, &w);
	}
}

struct rusage_k {
	int64_t utime_sec, utime_usec, stime_sec, stime_usec;
	int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock,
		oublock, msgsnd, msgrcv, nsignals, nvcsw, nivcsw;
};
_Static_assert(sizeof(struct rusage_k) == 144, "Linux struct rusage");

struct wait4_out {
	uint64_t ustatus, urusage;
};

static int wait4_deliver(const struct wait_result *r, void *arg)
{
	struct wait4_out *o = arg;
	if (o->ustatus && copy_to_user((void *)o->ustatus, &r->status, 4))
		return -EFAULT;
	if (o->urusage) {
		struct rusage_k ru = { 0 };
		ru.utime_sec = r->run_ns / 1000000000;
		ru.utime_usec = r->run_ns / 1000 % 1000000;
		if (copy_to_user((void *)o->urusage, &ru, sizeof(ru)))
			return -EFAULT;
	}
	return 0;
}

long proc_wait4(int pid, uint64_t ustatus, int options, uint64_t urusage);
long proc_wait4(int pid, uint64_t ustatus, int options, uint64_t urusage)
{
	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WALL | __WCLONE))
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	struct wait4_out o = { ustatus, urusage };
	int idtype = P_ALL, id = 0;
	if (pid > 0) {
		idtype = P_PID;
		id = pid;
	} else if (pid == 0) {
		idtype = P_PGID;
		id = proc_current()->pgid;
	} else if (pid < -1) {
		idtype = P_PGID;
		id = -pid;
	}
	return wait_common(idtype, id, options, false, wait4_deliver, &o);
}

/* Linux's siginfo_t for SIGCHLD, the fields waitid fills (128 bytes). */
struct siginfo_chld {
	int32_t si_signo, si_errno, si_code, pad;
	int32_t si_pid;
	uint32_t si_uid;
	int32_t si_status;
	int32_t pad2;
	int64_t si_utime, si_stime;
	uint8_t rest[128 - 48];
};
_Static_assert(sizeof(struct siginfo_chld) == 128, "Linux siginfo_t");

static int waitid_deliver(const struct wait_result *r, void *arg)
{
	uint64_t uinfo = *(uint64_t *)arg;
	if (!uinfo)
		return 0;
	struct siginfo_chld si = { 0 };
	si.si_signo = SIGCHLD;
	si.si_pid = r->pid;
	si.si_uid = r->uid;
	if ((r->status & 0x7f) == 0) {
		si.si_code = CLD_EXITED;
		si.si_status = (r->status >> 8) & 0xff;
	} else {
		si.si_code = CLD_KILLED;
		si.si_status = r->status & 0x7f;
	}
	return copy_to_user((void *)uinfo, &si, sizeof(si)) ? -EFAULT : 0;
}

long proc_waitid(int idtype, int id, uint64_t uinfo, int options);
long proc_waitid(int idtype, int id, uint64_t uinfo, int options)
{
	if (idtype != P_ALL && idtype != P_PID && idtype != P_PGID)
		return -EINVAL;
	if (!(options & (WEXITED | WUNTRACED | WCONTINUED)) ||
	    (options & ~(WNOHANG | WEXITED | WUNTRACED | WCONTINUED | WNOWAIT |
			 __WALL | __WCLONE)))
		return -EINVAL;
	if (!(options & WEXITED)) /* only exits are reported: no stop/continue */
		return (options & WNOHANG) ? 0 : -ECHILD;
	long r = wait_common(idtype, id, options, options & WNOWAIT,
			     waitid_deliver, &uinfo);
	/* waitid returns 0, not the pid; with WNOHANG and nothing ready it
	 * zeroes si_signo and si_pid (POSIX), and with them si_errno,
	 * si_code, si_uid and si_status, the fields Linux writes. */
	if (r == 0 && uinfo) {
		struct siginfo_chld none = { 0 };
		if (copy_to_user((void *)uinfo, &none, 12) ||
		    copy_to_user((uint8_t *)uinfo + 16, &none.si_pid, 12))
			return -EFAULT;
	}
	return r < 0 ? r : 0;
}
