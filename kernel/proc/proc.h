/* SPDX-License-Identifier: MIT */
/*
 * Processes and their threads.
 *
 * A process owns an address space (kernel/mm/aspace.h), a descriptor table
 * and a working directory (kernel/fs/vfs.h), signal actions, limits and
 * credentials, and one or more threads. Each thread is a sched/ thread
 * with its own kernel stack (struct kthread) plus its user context: the
 * registers saved at the top of its kernel stack on every entry from user
 * mode, FS base and FPU/SSE/AVX state (struct uctx), signal masks. sched/
 * knows nothing of any of this: it schedules threads.
 *
 * Lifetime. A process is created by fork (or proc_start_init for pid 1),
 * lives while it has threads, then is a zombie (its exit status kept)
 * until its parent reaps it with wait4/waitid; orphans go to pid 1. A
 * thread that exits is joined and freed by the reaper thread (process.c),
 * after its last context switch.
 *
 * Lock order (docs/locking.md): proc_table_lock -> process.lock ->
 * scheduler locks -> heap/pmm. Neither proc lock is held across a
 * blocking call or a user copy.
 *
 * Read next: kernel/proc/process.c (pids, threads, the reaper), exec.c,
 * fork.c, exit.c (exit and wait), futex.c.
 */
#ifndef COHORT_PROC_PROC_H
#define COHORT_PROC_PROC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../kthread.h"
#include "../mm/aspace.h"
#include "../spinlock.h"
#include "signal.h"
#include "uctx.h"

struct aspace;
struct fd_table;
struct fs_ctx;
struct trap_frame;

#define PROC_NAME_MAX 16
#define PID_MAX 32768	   /* pids are 1 .. PID_MAX - 1, reused cyclically */
#define PROC_LIMIT_DEFAULT 1024 /* processes at once (proc_limit= option) */
#define UTHREAD_STACK_PAGES 4	/* 16 KiB kernel stack per user thread */

enum proc_state {
	PROC_ALIVE = 0,
	PROC_ZOMBIE, /* every thread exited; waiting for the parent */
};

#define RLIMIT_STACK 3
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0ULL)

struct rlimit_k {
	uint64_t cur, max;
};

struct sigaction_k {
	uint64_t handler; /* SIG_DFL 0, SIG_IGN 1, else a user address */
	uint64_t flags;	  /* SA_* */
	uint64_t restorer;
	sigset_t_k mask;
};

struct process {
	/* Set at creation; read-only afterwards. */
	int pid;

	/* Guarded by proc_table_lock: the tree and the life state. */
	struct process *parent;
	struct list_node children; /* struct process.sibling */
	struct list_node sibling;
	enum proc_state state;
	int exit_status; /* Linux wait status, valid once ZOMBIE */
	int pgid, sid;

	/* Guarded by `lock`. `as`/`files`/`fs` each hold a reference; the
	 * process's own threads read them without the lock (only exec
	 * replaces `as`, and it first ends every other thread). */
	struct spinlock lock;
	char name[PROC_NAME_MAX];
	struct aspace *as;
	struct fd_table *files;
	struct fs_ctx *fs;
	struct list_node threads; /* struct uthread.proc_node */
	int nthreads;		  /* started and not yet exited */
	bool group_exit;	  /* exit_group/fatal signal: all threads go */
	int group_exit_status;
	/* execve in a multi-threaded process: every thread but this one
	 * leaves (Linux's de_thread); the exec'ing thread waits on
	 * exec_wq until nthreads is 1. */
	struct uthread *exec_thread;
	struct wait_queue exec_wq;
	struct sigaction_k actions[NSIG];
	sigset_t_k shared_pending;
	struct ksiginfo shared_info[NSIG]; /* for each bit of shared_pending */
	uint32_t uid, gid, euid, egid;
	/* Resource limits (prlimit64), Linux's RLIMIT_* order. Written by
	 * the process's own threads; read racily (a limit changing during a
	 * call applies from the next one). */
	struct rlimit_k rlim[RLIM_NLIMITS];
	/* Run time of exited threads, and of reaped children (rusage). */
	uint64_t dead_threads_run_ns, children_run_ns;
	uint64_t dead_threads_nvcsw, dead_threads_nivcsw;

	/* wait4: a child changed state. child_events counts such events
	 * (atomic: read by the waiter's condition under child_wq's lock,
	 * bumped by the exiting child before it wakes the queue). */
	struct wait_queue child_wq;
	atomic_uint child_events;

	/* vfork: the parent thread waiting for this child's exec or exit,
	 * or NULL. Guarded by proc_table_lock: the child releases it
	 * (proc_vfork_release) and the parent, if it stops waiting first
	 * (killed), clears it, each under the lock, so neither touches the
	 * other after it is gone. The wait lives in the parent thread, not
	 * here: this process may be reaped by another thread of the parent
	 * as soon as it exits. */
	struct uthread *vfork_parent;
	uint64_t start_ns;

	/* ITIMER_REAL (itimer.c), guarded by its alarm lock. */
	struct list_node alarm_node;
	uint64_t alarm_at_ns, alarm_interval_ns;
};

struct uthread {
	/* Must stay first: a struct thread * of a user thread is a struct
	 * uthread *. */
	struct kthread kt;
	/* Set at creation; read-only afterwards. */
	struct process *proc;
	int tid; /* the user-visible id (gettid); = pid for the main thread */
	struct uctx uctx;
	/* Guarded by proc->lock. */
	struct list_node proc_node;
	/* Owned by the thread itself. */
	uint64_t clear_child_tid;
	int linux_policy; /* SCHED_* as last set (kernel/syscall/sys_sched.c) */ /* set_tid_address / CLONE_CHILD_CLEARTID */
	/* Signals: blocked is written only by the thread itself; pending by
	 * anyone, under proc->lock. */
	sigset_t_k blocked;
	sigset_t_k pending;
	/* rt_sigsuspend: the mask to restore once a signal was handled (the
	 * handler's frame saves it, so rt_sigreturn restores it). Owned by
	 * the thread. */
	sigset_t_k saved_blocked;
	bool restore_blocked;
	/* rt_sigtimedwait: the signals it waits for, unblocked meanwhile
	 * but still "blocked" for the ignore rule (Linux's real_blocked).
	 * Written by the thread, read by senders under proc->lock. */
	sigset_t_k waited;
	uint64_t altstack_sp, altstack_size;
	int altstack_flags;
	struct ksiginfo info[NSIG]; /* for each bit of pending */
	/* vfork: this thread waits on vfork_wq until the child it started
	 * sets vfork_done (struct process.vfork_parent says who waits). */
	struct wait_queue vfork_wq;
	atomic_bool vfork_done;
	/* The reaper's list (process.c), guarded by the reap lock. */
	struct list_node reap_node;
};

/* The running thread's process, or NULL in a kernel thread. */
struct process *proc_current(void);
/* The running user thread, or NULL in a kernel thread. */
struct uthread *uthread_current(void);
/* The user thread behind a sched/ thread, or NULL for a kernel thread. */
struct uthread *uthread_of(struct thread *t);

/* Serialises the process tree (parent/children, zombies, pids). */
extern struct spinlock proc_table_lock;

/* Boot: the reaper thread, the pid table, the syscall table. Call once
 * from a thread, after the scheduler runs. */
void proc_init(void);

/* Start pid 1 from `path` with argv (argv[0] = path) and a default
 * environment; logs and returns -errno if it cannot. */
int proc_start_init(const char *path, int argc, char *const argv[]);

/* A new process (pid allocated, parent linked, empty threads), or NULL
 * with *err: -EAGAIN past the process limit or out of pids, -ENOMEM. */
struct process *proc_alloc(struct process *parent, int *err);
/* Undo proc_alloc of a process that never ran a thread. */
void proc_free_unstarted(struct process *p);

/* A new thread of `p` whose first run returns to user mode with `frame`
 * (copied); not started. Its tid is p's pid for the main thread, else a
 * fresh id from the shared pid/tid space. NULL if out of memory or ids. */
struct uthread *uthread_alloc(struct process *p, const struct trap_frame *frame,
			      bool main_thread);
/* Start it with the given scheduling attributes/affinity (NULL = fair
 * nice 0 / any CPU); on error frees it. 0 or -errno. */
int uthread_start(struct uthread *t, const struct sched_attr *attr,
		  const struct cpumask *mask);

/* Thread `tid` of process `tgid` (of any process when tgid <= 0), or NULL.
 * proc_table_lock must be held: the thread stays while it is (it leaves
 * its process's list under the process lock before it is freed, and a
 * process is freed only under proc_table_lock). */
struct uthread *uthread_find_locked(int tgid, int tid);
/* Processes alive or zombie. */
int proc_count(void);

/* Descriptors the calling process may have open: RLIMIT_NOFILE's soft
 * limit (at most FD_MAX, kernel/fs/vfs.h); FD_MAX in a kernel thread. */
int proc_nofile_limit(void);

/* The scheduler's name for t: "prog[pid]" or "prog[pid:tid]". */
void uthread_name(const struct uthread *t, char name[16]);

/* The process by pid, or NULL; proc_table_lock must be held. */
struct process *proc_find_locked(int pid);

/* End the calling thread / the whole process. Never return. `status` is a
 * Linux wait status: (code & 0xff) << 8 for an exit, the signal number
 * for a kill. */
__attribute__((noreturn)) void proc_thread_exit(int status);
__attribute__((noreturn)) void proc_exit_group(int status);

/* exec: replace the current process's image. Returns 0 with the frame
 * set for the new program, or -errno with the old image intact. `argv`
 * and `envp` are kernel copies. */
int proc_exec(struct trap_frame *f, const char *path, int argc,
	      char *const argv[], int envc, char *const envp[]);

/* Futex wake for CLONE_CHILD_CLEARTID at thread exit (futex.c). */
int futex_wake_addr(struct process *p, uint64_t uaddr, int n);

/* For `ps`: one line per process and thread. */
void proc_print_all(void);

/* The NUMA node holding most of p's resident pages (ties: the node it
 * held before), kernel/mm/aspace.h; 0 without NUMA. The caller is one of
 * p's threads or holds p->lock (exec replaces p->as). O(nodes). */
static inline int proc_home_node(struct process *p)
{
	return p->as ? aspace_home_node(p->as) : 0;
}

#endif
