// SPDX-License-Identifier: MIT
#include "kthread.h"

#include "lib/string.h"
#include "mm/heap.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "panic.h"

#define ENOMEM 12

extern void kthread_trampoline(void);

/* Callee-saved registers switch_stack pops, in pop order, then its `ret`. */
struct switch_frame {
	uint64_t r15, r14, r13, r12, rbx, rbp;
	uint64_t ret;
};

/* The first thing every kernel thread runs (from kthread_trampoline). */
void kthread_start(void (*fn)(void *), void *arg) __attribute__((noreturn));
void kthread_start(void (*fn)(void *), void *arg)
{
	sched_finish_switch();
	/* The finish never switches; a reschedule it asked for (a woken
	 * joiner, a thread re-placed) happens here, interrupts still off. */
	sched_irq_exit();
	__asm__ volatile("sti" ::: "memory");
	fn(arg);
	thread_exit(0);
	panic("kthread: thread_exit returned");
}

struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg,
			      const struct sched_attr *attr,
			      const struct cpumask *mask, int *err)
{
	struct kthread *k = kzalloc(sizeof(*k));
	uint64_t top = k ? kstack_alloc(KTHREAD_STACK_PAGES, KSTACK_THREAD, -1,
					"thread") :
			   0;
	if (!k || !top) {
		kfree(k);
		*err = -ENOMEM;
		return 0;
	}
	k->fn = fn;
	k->arg = arg;
	k->ctx.stack_top = top;
	kstack_set_thread(top, &k->t);
	/* One zero word above the frame: where a backtrace stops. */
	struct switch_frame *f = (void *)(top - 16 - sizeof(*f));
	memset(f, 0, sizeof(*f) + 16);
	f->r12 = (uint64_t)fn;
	f->r13 = (uint64_t)arg;
	f->ret = (uint64_t)kthread_trampoline;
	k->ctx.rsp = (uint64_t)f;
	k->t.arch_ctx = &k->ctx;
	int r = thread_create(&k->t, name, attr, mask);
	if (r) {
		kstack_free(top);
		kfree(k);
		*err = r;
		return 0;
	}
	*err = 0;
	return &k->t;
}

int kthread_join(struct thread *t, struct sched_thread_stats *stats)
{
	int code = 0;
	/* -EAGAIN: we blocked and were woken; the thread may have exited. */
	while (thread_join(t, &code) == -EAGAIN)
		;
	if (stats)
		*stats = t->stats;
	struct kthread *k = (struct kthread *)t;
	/* The thread switched away for the last time before thread_join
	 * returned: no CPU is on this stack. */
	kstack_free(k->ctx.stack_top);
	kfree(k);
	return code;
}
