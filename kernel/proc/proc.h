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
 * Read next: kernel/proc/process.c (pids, lifetime), exec.c, fork.c,
 * exit.c (exit and wait).
 */
#ifndef COHORT_PROC_PROC_H
#define COHORT_PROC_PROC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../kthread.h"
#include "../spinlock.h"
#include "signal.h"

struct aspace;
struct fd_table;
struct fs_ctx;
struct trap_frame;

#define PROC_NAME_MAX 16

struct uthread;

struct process {
	/* Set at creation; read-only afterwards. */
	int pid;
	/* Written by exec (under `lock`), read racily for logs. */
	char name[PROC_NAME_MAX];

	/* Guarded by `lock`. The address space, descriptor table and cwd
	 * are replaced only by exec (as) or never; each holds its own
	 * reference. Threads of this process read them without the lock:
	 * exec first stops every other thread. */
	struct aspace *as;
	struct fd_table *files;
	struct fs_ctx *fs;
	struct spinlock lock;
	struct list_node threads; /* struct uthread.proc_node */
	int nthreads;		  /* live (not yet exited) threads */
	int pgid, sid;
	uint32_t uid, gid, euid, egid;
};

struct uthread {
	/* Must stay first: a struct thread * of a user thread is a struct
	 * uthread *. */
	struct kthread kt;
	struct process *proc;
	struct list_node proc_node; /* guarded by proc->lock */
	int tid;		    /* = kt.t.tid */
};

/* The running thread's process, or NULL in a kernel thread. */
struct process *proc_current(void);
/* The running user thread, or NULL in a kernel thread. */
struct uthread *uthread_current(void);

#endif
