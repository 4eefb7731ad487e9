// SPDX-License-Identifier: MIT
/*
 * fork, vfork and clone (proc.h).
 *
 * fork copies the address space copy-on-write (aspace_fork), the
 * descriptor table and working directory, signal actions and
 * credentials; the child's one thread starts from a copy of the caller's
 * user frame with rax = 0. clone with CLONE_THREAD adds a thread to the
 * caller's process instead (the flags musl's pthread_create passes, and
 * the subsets that make sense without them); vfork shares the address
 * space and blocks the parent until the child execs or exits.
 *
 * The child inherits the caller's scheduling attributes and affinity, as
 * on Linux; a deadline thread cannot fork (-EAGAIN, as Linux without
 * SCHED_FLAG_RESET_ON_FORK): two copies would double its admitted
 * bandwidth behind admission control's back.
 */
#include "proc.h"

#include "../errno.h"
#include "../fs/vfs.h"
#include "../lib/string.h"
#include "../log.h"
#include "../mm/aspace.h"
#include "../mm/usercopy.h"
#include "../syscall/syscall.h"
#include "../trap.h"
#include "proc_internal.h"

#define CSIGNAL 0x000000ff
#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_PIDFD 0x00001000
#define CLONE_PTRACE 0x00002000
#define CLONE_VFORK 0x00004000
#define CLONE_PARENT 0x00008000
#define CLONE_THREAD 0x00010000
#define CLONE_NEWNS 0x00020000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED 0x00400000
#define CLONE_UNTRACED 0x00800000
#define CLONE_CHILD_SETTID 0x01000000

/* What we implement; anything else is -EINVAL (namespaces, ptrace...). */
#define CLONE_SUPPORTED                                                      \
	(CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |        \
	 CLONE_VFORK | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |          \
	 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED |        \
	 CLONE_UNTRACED | CLONE_CHILD_SETTID)

struct clone_req {
	uint64_t flags;
	uint64_t stack; /* 0: the child uses the caller's rsp */
	uint64_t parent_tid, child_tid, tls;
};

/* The caller's scheduling attributes and affinity, for its child. */
static int inherited_sched(struct sched_attr *attr, struct cpumask *mask)
{
	struct thread *self = thread_current();
	thread_get_attr(self, attr);
	thread_get_affinity(self, mask);
	return attr->policy == SCHED_POLICY_DEADLINE ? -EAGAIN : 0;
}

/* The new thread of a clone, in p, not started: the caller's registers
 * with rax 0 (the child's return value), its stack if one was given, the
 * caller's FPU state, FS base (or the new TLS) and signal mask. */
static struct uthread *child_thread(struct process *p, const struct clone_req *rq,
				    const struct trap_frame *f, bool main_thread)
{
	struct trap_frame child = *f;
	child.rax = 0;
	if (rq->stack)
		child.rsp = rq->stack;
	struct uthread *t = uthread_alloc(p, &child, main_thread);
	if (!t)
		return 0;
	uctx_copy_current(&t->uctx);
	if (rq->flags & CLONE_SETTLS)
		t->uctx.fs_base = rq->tls;
	t->blocked = uthread_current()->blocked;
	if (rq->flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = rq->child_tid;
	return t;
}

static long clone_thread(const struct clone_req *rq, struct trap_frame *f)
{
	/* Linux's rules: a thread shares signal handlers, which share the
	 * address space. */
	if (!(rq->flags & CLONE_SIGHAND) || !(rq->flags & CLONE_VM))
		return -EINVAL;
	struct sched_attr attr;
	struct cpumask mask;
	int r = inherited_sched(&attr, &mask);
	if (r)
		return r;
	struct process *p = proc_current();
	struct uthread *t = child_thread(p, rq, f, false);
	if (!t)
		return -ENOMEM;

	/* The tid words are written before the thread can run, as Linux
	 * does: glibc and musl give CLONE_PARENT_SETTID and
	 * CLONE_CHILD_CLEARTID the same word, and a thread that exits at
	 * once clears it; a later store would put its tid back and hang
	 * pthread_join. A fault in either store is ignored (Linux too). */
	int tid = t->tid;
	if (rq->flags & CLONE_PARENT_SETTID)
		(void)copy_to_user((void *)rq->parent_tid, &tid, 4);
	if (rq->flags & CLONE_CHILD_SETTID)
		(void)copy_to_user((void *)rq->child_tid, &tid, 4);
	spin_lock(&p->lock);
	bool exiting = p->group_exit;
	spin_unlock(&p->lock);
	if (exiting) {
		uthread_free_unstarted(t);
		return -EAGAIN;
	}
	r = uthread_start(t, &attr, &mask);
	return r ? r : tid;
}

/* The vfork wait is over: the child released us, or this thread must go
 * (a fatal signal or another thread's exec), as Linux's killable wait.
 * Other signals wait: the child still runs on our stack. */
static bool vfork_over(void *arg)
{
	struct uthread *me = arg;
	struct process *p = me->proc;
	struct uthread *ex = __atomic_load_n(&p->exec_thread, __ATOMIC_ACQUIRE);
	return atomic_load(&me->vfork_done) ||
	       __atomic_load_n(&p->group_exit, __ATOMIC_ACQUIRE) || (ex && ex != me);
}

void proc_vfork_release(struct process *p)
{
	spin_lock(&proc_table_lock);
	struct uthread *w = p->vfork_parent;
	p->vfork_parent = 0;
	/* Woken under the lock: the waiter takes it before it returns, so
	 * its thread (and queue) outlive this call. */
	if (w) {
		atomic_store(&w->vfork_done, true);
		wait_queue_wake_all(&w->vfork_wq);
	}
	spin_unlock(&proc_table_lock);
}

static long clone_process(const struct clone_req *rq, struct trap_frame *f)
{
	struct process *self = proc_current();
	struct sched_attr attr;
	struct cpumask mask;
	int err = inherited_sched(&attr, &mask);
	if (err)
		return err;
	struct process *c = proc_alloc(self, &err);
	if (!c)
		return err;
	spin_lock(&self->lock);
	memcpy(c->name, self->name, sizeof(c->name));
	memcpy(c->actions, self->actions, sizeof(c->actions));
	c->uid = self->uid, c->gid = self->gid;
	c->euid = self->euid, c->egid = self->egid;
	spin_unlock(&self->lock);

	if (rq->flags & CLONE_VM) {
		aspace_get(self->as);
		c->as = self->as;
	} else {
		c->as = aspace_fork(self->as);
	}
	if (rq->flags & CLONE_FILES) {
		fdt_get(self->files);
		c->files = self->files;
	} else {
		c->files = fdt_fork(self->files);
	}
	if (rq->flags & CLONE_FS) {
		fs_ctx_get(self->fs);
		c->fs = self->fs;
	} else {
		c->fs = fs_ctx_fork(self->fs);
	}
	struct uthread *t = c->as && c->files && c->fs ? child_thread(c, rq, f, true) : 0;
	if (!t) {
		proc_free_unstarted(c);
		return -ENOMEM;
	}
	int pid = c->pid;
	struct uthread *me = uthread_current();
	if (rq->flags & CLONE_VFORK) {
		atomic_store(&me->vfork_done, false);
		spin_lock(&proc_table_lock);
		c->vfork_parent = me;
		spin_unlock(&proc_table_lock);
	}
	/* Before the child runs (see clone_thread); CHILD_SETTID goes into
	 * the child's memory, which is a copy unless CLONE_VM. */
	if (rq->flags & CLONE_PARENT_SETTID)
		(void)copy_to_user((void *)rq->parent_tid, &pid, 4);
	if (rq->flags & CLONE_CHILD_SETTID)
		(void)aspace_write(c->as, rq->child_tid, &pid, 4);
	err = uthread_start(t, &attr, &mask);
	if (err) {
		proc_free_unstarted(c);
		return err;
	}
	if (rq->flags & CLONE_VFORK) {
		/* We wait on our own queue and never read c once it released
		 * us: from then on another thread of ours may reap and free
		 * it. Killed first, we unhook ourselves; c cannot be a
		 * zombie yet (it releases us before), so it is still there. */
		while (!vfork_over(me))
			wait_queue_block_if(&me->vfork_wq, vfork_over, me);
		spin_lock(&proc_table_lock);
		if (!atomic_load(&me->vfork_done))
			c->vfork_parent = 0;
		spin_unlock(&proc_table_lock);
	}
	return pid;
}

static long do_clone(const struct clone_req *rq, struct trap_frame *f)
{
	if (rq->flags & ~CLONE_SUPPORTED)
		return -EINVAL;
	if ((rq->flags & CLONE_THREAD) && (rq->flags & CLONE_VFORK))
		return -EINVAL;
	if ((rq->flags & CLONE_SIGHAND) && !(rq->flags & CLONE_VM))
		return -EINVAL;
	if (rq->stack && !user_range_ok(rq->stack - 8, 8))
		return -EINVAL;
	if ((rq->flags & CLONE_SETTLS) && rq->tls >= USER_TOP)
		return -EPERM; /* Linux: wrmsr of a non-canonical base */
	if (rq->flags & CLONE_THREAD)
		return clone_thread(rq, f);
	return clone_process(rq, f);
}

static long sys_fork(const struct syscall_args *a)
{
	struct clone_req rq = { .flags = SIGCHLD };
	return do_clone(&rq, a->frame);
}

static long sys_vfork(const struct syscall_args *a)
{
	struct clone_req rq = { .flags = CLONE_VM | CLONE_VFORK | SIGCHLD };
	return do_clone(&rq, a->frame);
}

/* x86-64 argument order: flags, newsp, parent_tid, child_tid, tls. */
static long sys_clone(const struct syscall_args *a)
{
	struct clone_req rq = {
		.flags = a->a[0],
		.stack = a->a[1],
		.parent_tid = a->a[2],
		.child_tid = a->a[3],
		.tls = a->a[4],
	};
	return do_clone(&rq, a->frame);
}

const struct syscall_entry syscalls_fork[] = {
	{ SYS_fork, sys_fork, "fork" },
	{ SYS_vfork, sys_vfork, "vfork" },
	{ SYS_clone, sys_clone, "clone" },
	{ 0, 0, 0 },
};
