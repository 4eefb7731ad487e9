/* SPDX-License-Identifier: MIT */
/*
 * Functions shared between the files of kernel/proc/ only.
 */
#ifndef COHORT_PROC_INTERNAL_H
#define COHORT_PROC_INTERNAL_H

#include <stddef.h>

#include "proc.h"

/* Load `path` into a new address space for p and point `u`/`f` at it:
 * the body of execve, also used to start pid 1 (exec.c). 0 or -errno,
 * with p unchanged on error. */
int proc_exec_into(struct process *p, struct uctx *u, struct trap_frame *f,
		   const char *path, int argc, char *const argv[], int envc,
		   char *const envp[]);

/* p execs or exits: release the vfork parent waiting for it, if any
 * (fork.c). Takes proc_table_lock. */
void proc_vfork_release(struct process *p);

/* A reaped zombie's last reference (process.c). */
void proc_release_zombie(struct process *p);
/* The autoreap half of proc_release_zombie: out of the pid table under
 * proc_table_lock (held), in the same hold that detaches p from its
 * parent, so a waiter that then sees no child also finds no pid; the
 * caller frees p after unlocking. */
void proc_unlink_zombie_locked(struct process *p);
/* An exiting thread hands itself to the reaper (process.c). */
void uthread_queue_for_reaper(struct uthread *t);

/* Give a thread's id back (not the main thread's: it is the pid);
 * proc_table_lock held. */
void uthread_release_id_locked(struct uthread *t);

/* Free a thread from uthread_alloc that was never started. */
void uthread_free_unstarted(struct uthread *t);

/* The futex hash buckets (futex.c); before the first user thread. */
void futex_boot_init(void);

/* ITIMER_REAL (itimer.c): the alarm thread (boot); arm, disarm (value
 * 0) or read a process's alarm, in ns from now; drop it at exit. */
void itimer_init(void);
void itimer_set(struct process *p, uint64_t value_ns, uint64_t interval_ns,
		uint64_t *old_value_ns, uint64_t *old_interval_ns);
void itimer_get(struct process *p, uint64_t *value_ns, uint64_t *interval_ns);
void itimer_exit(struct process *p);

/* Random bytes: RDRAND where the CPU has it, else a generator seeded
 * from the TSC at boot (random.c). Not for cryptography. */
void random_fill(void *buf, size_t n);

/* Wake `t` out of a blocking call or user mode so it passes its exit
 * work soon (signal.c); p->lock held. */
void signal_kick_thread(struct uthread *t);

/* Does p's SIGCHLD action say its children leave no zombie (SIG_IGN or
 * SA_NOCLDWAIT, POSIX)? Takes p->lock (signal.c). */
bool signal_child_autoreap(struct process *p);

/* Signals (signal.c): reset handled actions to default at exec. */
void signal_exec_reset(struct process *p);

#endif
