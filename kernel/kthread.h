/* SPDX-License-Identifier: MIT */
/*
 * Kernel threads: a struct thread (sched/) plus a kernel stack and the
 * saved stack pointer the context switch needs. The scheduler owns the
 * scheduling state; this file owns the memory.
 *
 * Read next: kernel/sched_glue.c (how sched/ reaches the machine).
 */
#ifndef COHORT_KTHREAD_H
#define COHORT_KTHREAD_H

#include "../sched/sched.h"

/* 16 KiB, in a guarded slot of the stack region (kernel/mm/kstack.h):
 * running off the bottom is a "stack overflow in thread X" report. */
#define KTHREAD_STACK_PAGES 4

/* What arch_ctx points to for every thread, idle threads included. */
struct kctx {
	uint64_t rsp;	/* saved by switch_stack while not running */
	uint64_t stack_top; /* kstack_alloc()'s result; 0 for idle threads */
	/* A user thread's machine state (kernel/proc/uctx.h), NULL for a
	 * kernel thread. Set before the thread starts; read-only after. */
	struct uctx *uctx;
};

struct kthread {
	struct thread t;
	struct kctx ctx;
	void (*fn)(void *);
	void *arg;
};

/*
 * Create and start a kernel thread running fn(arg); it exits when fn
 * returns. `attr`/`mask` as thread_create() (NULL = fair nice 0 / any CPU).
 * Returns the thread, or NULL with *err set (-ENOMEM, or thread_create's
 * -EINVAL/-ERANGE/-EBUSY); nothing is left allocated on error.
 */
struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg,
			      const struct sched_attr *attr,
			      const struct cpumask *mask, int *err);

/* Join `t` (blocking until it exits), copy its final statistics to
 * `stats` if not NULL, free it, and return its exit code. */
int kthread_join(struct thread *t, struct sched_thread_stats *stats);

#endif
