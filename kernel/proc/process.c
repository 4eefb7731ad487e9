// SPDX-License-Identifier: MIT
/*
 * Processes: pids, the process table and tree, user threads' memory, the
 * reaper that frees exited threads, and pid 1's start (proc.h).
 *
 * Why a reaper thread: a thread cannot free its own kernel stack, and its
 * last context switch happens after everything it can do itself. sched/'s
 * thread_join returns only after that switch (the thread is a zombie and
 * off every CPU), so one kernel thread joins exited user threads and frees
 * their stacks, FPU areas and structs.
 */
#include "proc.h"

#include "../cmdline.h"
#include "../cpu.h"
#include "../errno.h"
#include "../fs/vfs.h"
#include "../lib/printf.h"
#include "../lib/string.h"
#include "../log.h"
#include "../mm/aspace.h"
#include "../mm/heap.h"
#include "../mm/kstack.h"
#include "../panic.h"
#include "../syscall/syscall.h"
#include "../time.h"
#include "../trap.h"
#include "proc_internal.h"

struct spinlock proc_table_lock = SPINLOCK_INIT("proc_table");

/* Guarded by proc_table_lock. Pids and tids share one id space, as on
 * Linux: a process's pid is its main thread's tid. */
static struct process *pid_table[PID_MAX];
static uint8_t id_used[PID_MAX];
static int next_pid = 1;
static int nprocs;

/* A free id (2.. after pid 1 was given), or 0 if none. */
static int id_alloc_locked(void)
{
	for (int i = 0; i < PID_MAX - 1; i++) {
		int cand = next_pid;
		next_pid = next_pid + 1 < PID_MAX ? next_pid + 1 : 2;
		if (!id_used[cand]) {
			id_used[cand] = 1;
			return cand;
		}
	}
	return 0;
}
static int proc_limit = PROC_LIMIT_DEFAULT;

/* The reaper: exited threads wait here to be joined and freed. reap_lock
 * guards reap_list; reap_count (atomic) is the reaper's wake condition,
 * read under reap_wq's lock. */
static struct spinlock reap_lock = SPINLOCK_INIT("proc_reap");
static struct list_node reap_list;
static atomic_int reap_count;
static struct wait_queue reap_wq;

struct uthread *uthread_of(struct thread *t)
{
	struct kctx *k = t ? t->arch_ctx : 0;
	return k && k->uctx ? (struct uthread *)t : 0;
}

struct uthread *uthread_current(void)
{
	return uthread_of(thread_current());
}

struct process *proc_current(void)
{
	struct uthread *u = uthread_current();
	return u ? u->proc : 0;
}

struct process *proc_find_locked(int pid)
{
	ASSERT(spin_held_by_me(&proc_table_lock));
	if (pid <= 0 || pid >= PID_MAX)
		return 0;
	return pid_table[pid];
}

struct uthread *uthread_find_locked(int tgid, int tid)
{
	ASSERT(spin_held_by_me(&proc_table_lock));
	if (tid <= 0)
		return 0;
	int lo = tgid > 0 ? tgid : 1, hi = tgid > 0 ? tgid + 1 : PID_MAX;
	if (hi > PID_MAX)
		return 0;
	for (int pid = lo; pid < hi; pid++) {
		struct process *p = pid_table[pid];
		if (!p || p->state != PROC_ALIVE)
			continue;
		struct uthread *found = 0;
		spin_lock(&p->lock);
		struct list_node *n;
		list_for_each(n, &p->threads) {
			struct uthread *t = container_of(n, struct uthread, proc_node);
			if (t->tid == tid)
				found = t;
		}
		spin_unlock(&p->lock);
		if (found)
			return found;
	}
	return 0;
}

int proc_count(void)
{
	return __atomic_load_n(&nprocs, __ATOMIC_RELAXED);
}

/* Linux's defaults for the limits Cohort enforces; the rest unlimited. */
static void rlimits_default(struct rlimit_k *r)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		r[i] = (struct rlimit_k){ RLIM_INFINITY, RLIM_INFINITY };
	r[RLIMIT_STACK] = (struct rlimit_k){ USER_STACK_MAX, RLIM_INFINITY };
	r[RLIMIT_NOFILE] = (struct rlimit_k){ FD_MAX, FD_MAX };
	r[RLIMIT_NPROC] = (struct rlimit_k){ PROC_LIMIT_DEFAULT, PROC_LIMIT_DEFAULT };
}

int proc_nofile_limit(void)
{
	struct process *p = proc_current();
	if (!p)
		return FD_MAX;
	uint64_t cur = __atomic_load_n(&p->rlim[RLIMIT_NOFILE].cur, __ATOMIC_RELAXED);
	return cur < FD_MAX ? (int)cur : FD_MAX;
}

struct process *proc_alloc(struct process *parent, int *err)
{
	struct process *p = kzalloc(sizeof(*p));
	if (!p) {
		*err = -ENOMEM;
		return 0;
	}
	p->lock = (struct spinlock)SPINLOCK_INIT("proc");
	list_init(&p->threads);
	list_init(&p->children);
	list_init(&p->alarm_node);
	wait_queue_init(&p->child_wq, "proc-child");
	wait_queue_init(&p->exec_wq, "proc-exec");
	p->start_ns = now_ns();
	if (parent)
		memcpy(p->rlim, parent->rlim, sizeof(p->rlim));
	else
		rlimits_default(p->rlim);

	spin_lock(&proc_table_lock);
	int pid = nprocs < proc_limit ? id_alloc_locked() : 0;
	if (!pid) {
		spin_unlock(&proc_table_lock);
		kfree(p);
		*err = -EAGAIN;
		return 0;
	}
	p->pid = pid;
	pid_table[pid] = p;
	nprocs++;
	p->parent = parent;
	if (parent) {
		list_add_tail(&parent->children, &p->sibling);
		p->pgid = parent->pgid;
		p->sid = parent->sid;
	} else {
		list_init(&p->sibling);
		p->pgid = p->sid = pid;
	}
	spin_unlock(&proc_table_lock);
	*err = 0;
	return p;
}

/* Drop p from the table and its parent's list; proc_table_lock held. */
static void proc_unlink_locked(struct process *p)
{
	pid_table[p->pid] = 0;
	id_used[p->pid] = 0;
	nprocs--;
	if (p->parent)
		list_del(&p->sibling);
}

void proc_free_unstarted(struct process *p)
{
	spin_lock(&proc_table_lock);
	proc_unlink_locked(p);
	spin_unlock(&proc_table_lock);
	if (p->as)
		aspace_put(p->as);
	if (p->files)
		fdt_put(p->files);
	if (p->fs)
		fs_ctx_put(p->fs);
	kfree(p);
}

void proc_unlink_zombie_locked(struct process *p)
{
	ASSERT(spin_held_by_me(&proc_table_lock));
	proc_unlink_locked(p);
}

/* Called by exit.c's wait once it has taken the zombie's status. */
void proc_release_zombie(struct process *p);
void proc_release_zombie(struct process *p)
{
	spin_lock(&proc_table_lock);
	proc_unlink_locked(p);
	spin_unlock(&proc_table_lock);
	kfree(p);
}

/* ---- Threads ---------------------------------------------------------- */

/* A thread's id goes back when it exits, except the main thread's: that
 * is the pid, which lives until the process is reaped. */
void uthread_release_id_locked(struct uthread *t)
{
	ASSERT(spin_held_by_me(&proc_table_lock));
	if (t->tid != t->proc->pid)
		id_used[t->tid] = 0;
}

struct uthread *uthread_alloc(struct process *p, const struct trap_frame *frame,
			      bool main_thread)
{
	int tid = p->pid;
	if (!main_thread) {
		spin_lock(&proc_table_lock);
		tid = id_alloc_locked();
		spin_unlock(&proc_table_lock);
		if (!tid)
			return 0;
	}
	struct uthread *t = kzalloc(sizeof(*t));
	uint64_t top = t ? kstack_alloc(UTHREAD_STACK_PAGES, KSTACK_THREAD, -1,
					"uthread") :
			   0;
	if (!t || !top || uctx_init(&t->uctx, top, p->as) < 0) {
		if (top)
			kstack_free(top);
		kfree(t);
		if (!main_thread) {
			spin_lock(&proc_table_lock);
			id_used[tid] = 0;
			spin_unlock(&proc_table_lock);
		}
		return 0;
	}
	t->tid = tid;
	t->proc = p;
	/* Not started: thread_interrupt() leaves a thread with cpu < 0
	 * alone (a zeroed one would look like a thread of CPU 0). */
	t->kt.t.cpu = -1;
	wait_queue_init(&t->vfork_wq, "proc-vfork");
	t->kt.ctx.stack_top = top;
	t->kt.ctx.uctx = &t->uctx;
	t->kt.t.arch_ctx = &t->kt.ctx;
	*uctx_frame(&t->uctx) = *frame;
	uctx_prepare_first_switch(&t->kt.ctx, &t->uctx);
	kstack_set_thread(top, &t->kt.t);
	return t;
}

static void uthread_free(struct uthread *t)
{
	kstack_free(t->kt.ctx.stack_top);
	uctx_free(&t->uctx);
	kfree(t);
}

void uthread_free_unstarted(struct uthread *t)
{
	spin_lock(&proc_table_lock);
	uthread_release_id_locked(t);
	spin_unlock(&proc_table_lock);
	uthread_free(t);
}

void uthread_name(const struct uthread *t, char name[16])
{
	const struct process *p = t->proc;
	char suffix[16];
	/* "prog[pid]" for the main thread, "prog[pid:tid]" for the others;
	 * the program name gives way to the ids when 15 characters do not
	 * hold both. */
	int n = t->tid == p->pid ? k_snprintf(suffix, sizeof(suffix), "[%d]", p->pid) :
				   k_snprintf(suffix, sizeof(suffix), "[%d:%d]",
					      p->pid, t->tid);
	int room = 15 - n > 0 ? 15 - n : 0;
	k_snprintf(name, 16, "%.*s%s", room, p->name, suffix);
}

int uthread_start(struct uthread *t, const struct sched_attr *attr,
		  const struct cpumask *mask)
{
	struct process *p = t->proc;
	char name[16];
	uthread_name(t, name);

	/* Listed and started under p->lock (rank 4, below every sched/
	 * lock thread_create takes; it does not block): a sender walks the
	 * list under the same lock and kicks each thread with
	 * thread_interrupt(), which must never meet one that thread_create
	 * is still initialising (its cpu passes 0, -1, then the real one:
	 * a kick reading -1 half-way would lock a run queue that does not
	 * exist). uthread_find_locked() also finds only started threads. */
	spin_lock(&p->lock);
	list_add_tail(&p->threads, &t->proc_node);
	p->nthreads++;
	int r = thread_create(&t->kt.t, name, attr, mask);
	spin_unlock(&p->lock);
	if (r) {
		spin_lock(&proc_table_lock); /* see uthread_find_locked */
		spin_lock(&p->lock);
		list_del(&t->proc_node);
		p->nthreads--;
		spin_unlock(&p->lock);
		uthread_release_id_locked(t);
		spin_unlock(&proc_table_lock);
		uthread_free(t);
	}
	return r;
}

/* ---- The reaper ---------------------------------------------------------- */

/* The exiting thread queues itself; it must not touch its process after
 * this (the process may be reaped by then). */
void uthread_queue_for_reaper(struct uthread *t);
void uthread_queue_for_reaper(struct uthread *t)
{
	uint64_t f = spin_lock_irqsave(&reap_lock);
	list_add_tail(&reap_list, &t->reap_node);
	atomic_fetch_add(&reap_count, 1);
	spin_unlock_irqrestore(&reap_lock, f);
	wait_queue_wake_one(&reap_wq);
}

static bool reap_ready(void *arg)
{
	(void)arg;
	return atomic_load(&reap_count) > 0;
}

static void reaper_thread(void *arg)
{
	(void)arg;
	for (;;) {
		wait_queue_block_if(&reap_wq, reap_ready, 0);
		while (atomic_load(&reap_count) > 0) {
			uint64_t f = spin_lock_irqsave(&reap_lock);
			struct list_node *n = list_first(&reap_list);
			list_del(n);
			atomic_fetch_sub(&reap_count, 1);
			spin_unlock_irqrestore(&reap_lock, f);
			struct uthread *t =
				container_of(n, struct uthread, reap_node);
			int code;
			while (thread_join(&t->kt.t, &code) == -EAGAIN)
				;
			uthread_free(t);
		}
	}
}

/* ---- Boot -------------------------------------------------------------------- */

void proc_init(void)
{
	list_init(&reap_list);
	wait_queue_init(&reap_wq, "proc-reap");
	uint64_t v;
	const char *s = cmdline_get(&boot_cmdline, "proc_limit");
	if (s && cmdline_parse_uint(s, &v) == 0 && v >= 1 && v < PID_MAX)
		proc_limit = (int)v;
	futex_boot_init();
	itimer_init();
	syscall_table_init();
	int err;
	if (!kthread_create("reaper", reaper_thread, 0, 0, 0, &err))
		panic("proc: cannot start the reaper thread (%d)", err);
}

static char *const init_envp[] = {
	"HOME=/",
	"PATH=/bin:/test",
	"TERM=vt100",
};

int proc_start_init(const char *path, int argc, char *const argv[])
{
	int err;
	struct process *p = proc_alloc(0, &err);
	if (!p)
		return err;
	p->files = fdt_create();
	p->fs = fs_ctx_create();
	p->as = aspace_create();
	if (!p->files || !p->fs || !p->as ||
	    (err = fdt_open_console(p->files)) < 0) {
		proc_free_unstarted(p);
		return err ? err : -ENOMEM;
	}
	struct trap_frame f;
	memset(&f, 0, sizeof(f));
	struct uthread *t = uthread_alloc(p, &f, true);
	if (!t) {
		proc_free_unstarted(p);
		return -ENOMEM;
	}
	/* Build the image directly into the new thread's frame, as execve
	 * does for a running process. */
	err = proc_exec_into(p, &t->uctx, uctx_frame(&t->uctx), path, argc,
			     argv, sizeof(init_envp) / sizeof(init_envp[0]),
			     init_envp);
	if (err < 0) {
		uthread_free(t);
		proc_free_unstarted(p);
		return err;
	}
	err = uthread_start(t, 0, 0);
	if (err < 0) {
		proc_free_unstarted(p);
		return err;
	}
	return 0;
}
