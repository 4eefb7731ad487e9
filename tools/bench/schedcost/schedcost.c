// SPDX-License-Identifier: MIT
/*
 * schedcost: the workload behind tools/bench/schedcost/run.
 *
 *   schedcost CLASS NTHREADS OPS      CLASS: fair, rt or deadline
 *
 * Puts NTHREADS runnable threads of one class on CPU 0's run queue, then
 * runs three phases of OPS operations each, with the queue holding
 * NTHREADS threads whenever a measured operation starts (enqueue brings it
 * back to NTHREADS):
 *
 *   measure_enqueue   a random thread is taken out (helper), gets a fresh
 *                     random key, and the measured enqueue puts it back
 *   measure_pick      the measured pick_next removes the best thread; it
 *                     gets a fresh key and goes back (helper)
 *   measure_dequeue   the measured dequeue removes a random thread; it gets
 *                     a fresh key and goes back (helper)
 *
 * The hooks are called through the class ops table (sched_internal.h), the
 * same pointers core.c calls, with flags 0 (the requeue path: wakeup
 * placement would add a constant and, for deadline, rewrite the keys).
 * Keys: fair vruntime and deadline abs_deadline_ns are uniform random
 * 40-bit values, so inserts land anywhere in the tree; RT priorities are
 * uniform in 0..99 and fixed.
 *
 * Nothing here is timed. The run script counts instructions with callgrind
 * and reads the cost of each measure_* -> class-hook call edge, so this
 * file's loops, the RNG and the helpers are not part of the numbers.
 * Every measured and helper call is a separate function (NOIPA) for that
 * reason. Run natively it just checks the queues and prints a line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_internal.h"

static uint64_t rng_state = 0x5ced5ced5ced5cedull;

/* splitmix64: deterministic, so every run counts the same instructions. */
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#define KEY_MASK ((1ull << 40) - 1)

struct bench {
	const struct sched_class *cls;
	struct rq *rq;
	struct thread *threads;
	int n;
	int ops;
};

/* A fresh sort key for a thread that is not queued (no-op for RT). */
static void rekey(const struct bench *b, struct thread *t)
{
	if (b->cls == &fair_class)
		t->fair.vruntime = rng() & KEY_MASK;
	else if (b->cls == &dl_class)
		t->dl.abs_deadline_ns = rng() & KEY_MASK;
}

static struct thread *random_thread(const struct bench *b)
{
	return &b->threads[rng() % (uint64_t)b->n];
}

/* The run script finds calls by function name, so these must stay real,
 * unrenamed functions: no inlining, no .isra/.constprop clones. */
#define NOIPA __attribute__((noipa))

/* Bookkeeping calls: callgrind books them to these functions, not to the
 * measure_* edges the run script reads. */
NOIPA static void helper_enqueue(const struct bench *b, struct thread *t)
{
	b->cls->enqueue(b->rq, t, 0, 0);
}

NOIPA static void helper_dequeue(const struct bench *b, struct thread *t)
{
	b->cls->dequeue(b->rq, t);
}

NOIPA void measure_enqueue(const struct bench *b)
{
	for (int i = 0; i < b->ops; i++) {
		struct thread *t = random_thread(b);

		helper_dequeue(b, t);
		rekey(b, t);
		b->cls->enqueue(b->rq, t, 0, 0);
	}
}

NOIPA void measure_pick(const struct bench *b)
{
	for (int i = 0; i < b->ops; i++) {
		struct thread *t = b->cls->pick_next(b->rq, 0);

		if (!t) {
			fprintf(stderr, "schedcost: pick_next found nothing\n");
			exit(1);
		}
		rekey(b, t);
		helper_enqueue(b, t);
	}
}

NOIPA void measure_dequeue(const struct bench *b)
{
	for (int i = 0; i < b->ops; i++) {
		struct thread *t = random_thread(b);

		b->cls->dequeue(b->rq, t);
		rekey(b, t);
		helper_enqueue(b, t);
	}
}

static void thread_setup(struct thread *t, int i, const struct bench *b)
{
	struct sched_attr attr = { 0 };

	memset(t, 0, sizeof(*t));
	t->tid = i + 1;
	snprintf(t->name, sizeof(t->name), "t%d", i);
	thread_init_links(t);
	if (b->cls == &fair_class) {
		attr.policy = SCHED_POLICY_FAIR;
	} else if (b->cls == &rt_class) {
		attr.policy = SCHED_POLICY_FIFO;
		attr.rt_priority = (int)(rng() % SCHED_RT_NR_PRIO);
	} else {
		attr.policy = SCHED_POLICY_DEADLINE;
		attr.dl_runtime_ns = 100000;
		attr.dl_deadline_ns = attr.dl_period_ns = 10000000;
	}
	if (b->cls->check_attr(&attr) != 0) {
		fprintf(stderr, "schedcost: check_attr refused\n");
		exit(1);
	}
	b->cls->set_attr(t, &attr, 0);
	t->class = b->cls;
	t->policy = attr.policy;
	t->state = THREAD_RUNNABLE;
	t->cpu = b->rq->cpu;
	cpumask_set(&t->allowed, b->rq->cpu);
	rekey(b, t);
}

/* The queue must hold exactly n threads, in a valid structure. */
static void check_queue(const struct bench *b)
{
	int ok;

	if (b->cls == &fair_class)
		ok = rb_check(&b->rq->fair.tree, fair_less) == 0 &&
		     b->rq->fair.tree.count == (unsigned)b->n;
	else if (b->cls == &dl_class)
		ok = rb_check(&b->rq->dl.tree, dl_less) == 0 &&
		     b->rq->dl.tree.count == (unsigned)b->n;
	else
		ok = b->rq->rt.nr_queued == (unsigned)b->n;
	if (!ok) {
		fprintf(stderr, "schedcost: run queue inconsistent\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static struct thread idle;
	struct bench b = { 0 };

	if (argc != 4) {
		fprintf(stderr, "usage: schedcost fair|rt|deadline NTHREADS OPS\n");
		return 2;
	}
	if (!strcmp(argv[1], "fair"))
		b.cls = &fair_class;
	else if (!strcmp(argv[1], "rt"))
		b.cls = &rt_class;
	else if (!strcmp(argv[1], "deadline"))
		b.cls = &dl_class;
	b.n = atoi(argv[2]);
	b.ops = atoi(argv[3]);
	if (!b.cls || b.n < 1 || b.ops < 1) {
		fprintf(stderr, "schedcost: bad arguments\n");
		return 2;
	}

	sched_init(1);
	sched_cpu_online(0, &idle);
	b.rq = cpu_rq(0);
	b.threads = calloc((size_t)b.n, sizeof(*b.threads));
	if (!b.threads) {
		fprintf(stderr, "schedcost: out of memory\n");
		return 1;
	}
	arch_spin_lock(&b.rq->lock); /* hooks run with rq->lock held */
	for (int i = 0; i < b.n; i++) {
		thread_setup(&b.threads[i], i, &b);
		helper_enqueue(&b, &b.threads[i]);
	}
	check_queue(&b);

	measure_enqueue(&b);
	check_queue(&b);
	measure_pick(&b);
	check_queue(&b);
	measure_dequeue(&b);
	check_queue(&b);

	arch_spin_unlock(&b.rq->lock);
	printf("schedcost: %s n=%d ops=%d ok\n", b.cls->name, b.n, b.ops);
	free(b.threads);
	return 0;
}
