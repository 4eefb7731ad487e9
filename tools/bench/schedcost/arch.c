// SPDX-License-Identifier: MIT
/*
 * sched/arch.h for schedcost: one CPU, a clock stopped at 0, no interrupts.
 *
 * The benchmark calls class hooks directly, so almost none of this runs
 * while instructions are counted; it exists so the real sched/ sources link
 * unchanged. Locks are a plain flag (single-threaded host program), and
 * anything that would need a second CPU or a context switch is a bug here,
 * so it aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched.h"

uint64_t arch_now_ns(void)
{
	return 0;
}

int arch_this_cpu(void)
{
	return 0;
}

void arch_send_resched(int cpu)
{
	fprintf(stderr, "schedcost: unexpected resched IPI to cpu%d\n", cpu);
	abort();
}

void arch_set_timer(uint64_t deadline_ns)
{
	(void)deadline_ns;
}

void arch_switch(struct thread *prev, struct thread *next)
{
	(void)prev;
	(void)next;
	fprintf(stderr, "schedcost: unexpected context switch\n");
	abort();
}

static uint64_t irq_flags;

uint64_t arch_irq_save(void)
{
	uint64_t old = irq_flags;

	irq_flags = 1;
	return old;
}

void arch_irq_restore(uint64_t flags)
{
	irq_flags = flags;
}

bool arch_in_irq(void)
{
	return false;
}

bool arch_preemptible(void)
{
	return true;
}

void arch_spin_init(struct sched_lock *l, const char *name)
{
	memset(l, 0, sizeof(*l));
	l->name = name;
}

void arch_spin_lock(struct sched_lock *l)
{
	if (l->opaque[0]) {
		fprintf(stderr, "schedcost: lock %s taken twice\n", l->name);
		abort();
	}
	l->opaque[0] = 1;
}

void arch_spin_unlock(struct sched_lock *l)
{
	l->opaque[0] = 0;
}

bool arch_spin_held(const struct sched_lock *l)
{
	return l->opaque[0] != 0;
}

void *arch_alloc(size_t size)
{
	return calloc(1, size);
}

void arch_free(void *p)
{
	free(p);
}

void arch_log(const char *line)
{
	fprintf(stderr, "schedcost: %s\n", line);
}

void arch_trace_event(const struct sched_trace_rec *r)
{
	(void)r;
}

void arch_assert_fail(const char *cond, const char *file, int line)
{
	fprintf(stderr, "schedcost: assertion failed: %s at %s:%d\n", cond,
		file, line);
	abort();
}
