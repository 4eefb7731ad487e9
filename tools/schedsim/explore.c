// SPDX-License-Identifier: MIT
/*
 * explore: seeded random programs and interleavings over par (explore.h).
 *
 * Two PRNG streams come from the seed: one draws the programs (so dropping
 * an op while minimising leaves every other op as it was), the other
 * drives par's interleaving and clock.
 *
 * Read next: tests/unit/sched/explore-test.c.
 */
#include "tools/schedsim/explore.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_internal.h"
#include "tools/schedsim/par.h"

#define US 1000ULL

enum op_kind {
	OP_COMPUTE,	/* run for b ns */
	OP_SLEEP,	/* thread_sleep_for(b) */
	OP_BLOCK,	/* block on wait queue a */
	OP_WAKE_ONE,	/* wait_queue_wake_one(queue a) */
	OP_WAKE_ALL,	/* wait_queue_wake_all(queue a) */
	OP_WAKE,	/* thread_wake(worker target) */
	OP_ATTR,	/* thread_set_attr(worker target, attr from a, b) */
	OP_AFFINITY,	/* thread_set_affinity(worker target, mask b) */
	OP_YIELD,	/* thread_yield() */
	OP_SPAWN,	/* create a short-lived child */
	OP_JOIN,	/* join the oldest child */
	OP_KINDS,
};

static const char *const op_names[OP_KINDS] = {
	"compute", "sleep", "block", "wake_one", "wake_all", "wake",
	"set_attr", "set_affinity", "yield", "spawn", "join",
};

struct op {
	enum op_kind kind;
	int target;
	int a;
	uint64_t b;
};

#define NQUEUES 2
#define EXPLORE_BALANCE_NS (200 * US)
#define MAX_CHILDREN 3

struct program {
	int ncpus, nworkers, nops;
	unsigned switch_pct;
	struct op ops[EXPLORE_MAX_WORKERS][EXPLORE_MAX_OPS];
};

/* The run in progress (the host is single-threaded). */
static struct {
	struct par *p;
	const struct program *prog;
	const struct explore_drop *drop;
	struct wait_queue wq[NQUEUES];
	struct par_thread *workers[EXPLORE_MAX_WORKERS];
	bool done[EXPLORE_MAX_WORKERS];
	jmp_buf assert_jmp;
	char assert_msg[256];
} X;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static void gen(uint64_t seed, const struct explore_opts *o,
		struct program *pr)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;

	memset(pr, 0, sizeof(*pr));
	rnd(&s);
	pr->ncpus = o->ncpus ? o->ncpus : 2 + (int)(rnd(&s) % 3);
	pr->nworkers = o->nworkers ? o->nworkers : 2 + (int)(rnd(&s) % 4);
	pr->nops = o->nops ? o->nops : 4 + (int)(rnd(&s) % 13);
	pr->switch_pct = o->switch_pct ? o->switch_pct :
					 10 + (unsigned)(rnd(&s) % 60);
	if (pr->ncpus > PAR_MAX_CPUS)
		pr->ncpus = PAR_MAX_CPUS;
	if (pr->nworkers > EXPLORE_MAX_WORKERS)
		pr->nworkers = EXPLORE_MAX_WORKERS;
	if (pr->nops > EXPLORE_MAX_OPS)
		pr->nops = EXPLORE_MAX_OPS;
	for (int w = 0; w < pr->nworkers; w++)
		for (int i = 0; i < pr->nops; i++) {
			struct op *op = &pr->ops[w][i];

			op->kind = (enum op_kind)(rnd(&s) % OP_KINDS);
			op->target = (int)(rnd(&s) % (uint64_t)pr->nworkers);
			op->a = (int)(rnd(&s) % 4);
			op->b = rnd(&s);
			if (op->kind == OP_COMPUTE || op->kind == OP_SLEEP)
				op->b = 1 * US + op->b % (40 * US);
		}
}

static bool dropped(int w, int i)
{
	return X.drop && (X.drop->bits[w] >> i & 1);
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

static void attr_of(const struct op *op, struct sched_attr *a)
{
	memset(a, 0, sizeof(*a));
	switch (op->a) {
	case 0:
		a->policy = SCHED_POLICY_FAIR;
		a->nice = (int)(op->b % 11) - 5;
		break;
	case 1:
		a->policy = SCHED_POLICY_RR;
		a->rt_priority = 1 + (int)(op->b % 20);
		break;
	case 2:
		a->policy = SCHED_POLICY_FIFO;
		a->rt_priority = 1 + (int)(op->b % 20);
		break;
	default:
		a->policy = SCHED_POLICY_DEADLINE;
		a->dl_runtime_ns = 20 * US + op->b % (80 * US);
		a->dl_deadline_ns = a->dl_period_ns =
			500 * US + (op->b >> 16) % (1500 * US);
		break;
	}
}

static void mask_of(const struct op *op, int ncpus, struct cpumask *m)
{
	cpumask_clear(m);
	for (int c = 0; c < ncpus; c++)
		if (op->b >> c & 1)
			cpumask_set(m, c);
	if (cpumask_empty(m))
		cpumask_set(m, op->a % ncpus);
}

static void child_body(struct par *p, struct par_thread *self)
{
	(void)self;
	par_compute_until(p, p->now_ns + 10 * US);
	thread_sleep_for(10 * US);
	par_compute_until(p, p->now_ns + 5 * US);
}

static void worker_body(struct par *p, struct par_thread *self)
{
	const struct program *pr = X.prog;
	int w = (int)(uintptr_t)self->arg;
	struct par_thread *kids[MAX_CHILDREN];
	int nkids = 0, err;

	for (int i = 0; i < pr->nops && !p->failures; i++) {
		const struct op *op = &pr->ops[w][i];
		struct thread *target = &X.workers[op->target]->t;
		struct sched_attr a;
		struct cpumask m;

		if (dropped(w, i))
			continue;
		switch (op->kind) {
		case OP_COMPUTE:
			par_compute_until(p, p->now_ns + op->b);
			break;
		case OP_SLEEP:
			thread_sleep_for(op->b);
			break;
		case OP_BLOCK:
			wait_queue_block_if(&X.wq[op->a % NQUEUES], never,
					    NULL);
			break;
		case OP_WAKE_ONE:
			wait_queue_wake_one(&X.wq[op->a % NQUEUES]);
			break;
		case OP_WAKE_ALL:
			wait_queue_wake_all(&X.wq[op->a % NQUEUES]);
			break;
		case OP_WAKE:
			thread_wake(target);
			break;
		case OP_ATTR:
			attr_of(op, &a);
			thread_set_attr(target, &a); /* -EBUSY, -EINVAL: fine */
			break;
		case OP_AFFINITY:
			mask_of(op, pr->ncpus, &m);
			thread_set_affinity(target, &m);
			break;
		case OP_YIELD:
			thread_yield();
			break;
		case OP_SPAWN:
			if (nkids < MAX_CHILDREN &&
			    (kids[nkids] = par_thread_create(
				     p, "child", child_body, NULL, NULL, NULL,
				     &err)))
				nkids++;
			break;
		case OP_JOIN:
			if (nkids) {
				par_join(p, kids[0]);
				memmove(kids, kids + 1,
					(size_t)--nkids * sizeof(kids[0]));
			}
			break;
		case OP_KINDS:
			break;
		}
		par_relax(p); /* an interrupt window between ops */
	}
	while (nkids)
		par_join(p, kids[--nkids]);
	X.done[w] = true;
}

static void wake_queues(void *arg)
{
	(void)arg;
	for (int q = 0; q < NQUEUES; q++)
		wait_queue_wake_all(&X.wq[q]);
}

static bool all_done(const struct program *pr)
{
	for (int w = 0; w < pr->nworkers; w++)
		if (!X.done[w])
			return false;
	return true;
}

/* Called by the simulator's arch_assert_fail while a run is on. */
static void explore_assert(const char *msg)
{
	snprintf(X.assert_msg, sizeof(X.assert_msg), "%s", msg);
	longjmp(X.assert_jmp, 1);
}

static int final_checks(struct par *p, const struct program *pr)
{
	par_reap_all(p);
	for (int i = 0; i < PAR_MAX_THREADS; i++)
		if (p->threads[i].in_use) {
			par_fail(p, "thread %s (tid %d) not reaped, state %d",
				 p->threads[i].t.name, p->threads[i].t.tid,
				 p->threads[i].t.state);
			return -1;
		}
	if (sched_check_all() != 0) {
		par_fail(p, "sched_check_all failed at the end");
		return -1;
	}
	for (int c = 0; c < pr->ncpus; c++) {
		struct rq *rq = cpu_rq(c);

		if (dl_cpu_bw(c) != 0) {
			par_fail(p, "cpu%d: deadline bandwidth %llu left "
				    "admitted after every thread exited",
				 c, (unsigned long long)dl_cpu_bw(c));
			return -1;
		}
		if (rq->nr_queued || rb_first(&rq->sleepers) ||
		    rq->curr != rq->idle) {
			par_fail(p, "cpu%d: not idle and empty at the end", c);
			return -1;
		}
	}
	for (int q = 0; q < NQUEUES; q++)
		if (!list_empty(&X.wq[q].waiters)) {
			par_fail(p, "wait queue %d not empty at the end", q);
			return -1;
		}
	return 0;
}

extern void (*par_assert_hook)(const char *msg);

int explore_one(uint64_t seed, const struct explore_opts *o,
		const struct explore_drop *drop, struct explore_result *r)
{
	static struct program pr;
	struct par *p;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	gen(seed, o, &pr);
	memset(&X, 0, sizeof(X));
	X.prog = &pr;
	X.drop = drop;
	if (o->smt_nodes) {
		struct cpu_topo topo[PAR_MAX_CPUS];

		for (int c = 0; c < pr.ncpus; c++)
			topo[c] = (struct cpu_topo){ .package = c / 4,
						     .llc = c / 4,
						     .core = c / 2,
						     .thread = c % 2,
						     .node = c / 4 };
		p = X.p = par_create_topo(pr.ncpus, topo,
					  (pr.ncpus + 3) / 4);
	} else {
		p = X.p = par_create(pr.ncpus);
	}
	if (!p) {
		snprintf(r->reason, sizeof(r->reason), "par_create failed");
		r->failed = true;
		return -1;
	}
	p->random = true;
	p->quiet = !getenv("EXPLORE_VERBOSE"); /* sched/'s log lines */
	p->trace = !p->quiet;		       /* and its trace */
	p->rng = seed * 0xd1342543de82ef95ULL + 1;
	p->switch_pct = pr.switch_pct;
	p->max_step_ns = 20 * US;
	/* A short balance interval makes the work-conservation check sharp
	 * at this time scale (programs run for hundreds of us): an idle CPU
	 * next to a waiter for longer than this is a failure. */
	sched_tunable_set("balance_interval_ns", EXPLORE_BALANCE_NS);
	for (int q = 0; q < NQUEUES; q++)
		wait_queue_init(&X.wq[q], "explore");
	for (int w = 0; w < pr.nworkers; w++) {
		char name[16];
		int err;

		snprintf(name, sizeof(name), "w%d", w);
		X.workers[w] = par_spawn(p, w % pr.ncpus, name, worker_body,
					 (void *)(uintptr_t)w, NULL, NULL,
					 &err);
		if (!X.workers[w]) {
			par_fail(p, "cannot spawn worker %d: %d", w, err);
			break;
		}
	}
	par_assert_hook = explore_assert;
	if (setjmp(X.assert_jmp)) {
		par_fail(p, "%s", X.assert_msg);
		ret = -1;
		goto out;
	}
	for (int round = 0; !p->failures; round++) {
		if (par_run(p, 0) != 0)
			break;
		if (all_done(&pr))
			break;
		if (round > 1000) {
			par_fail(p, "workers never finish");
			break;
		}
		/* Quiescent with workers blocked on the queues: an outside
		 * event (an interrupt handler) wakes them. */
		bool waiting = false;

		for (int q = 0; q < NQUEUES; q++)
			waiting |= !list_empty(&X.wq[q].waiters);
		if (!waiting) {
			par_fail(p, "stuck: workers not done, nothing pending "
				    "and no one on a wait queue");
			break;
		}
		par_irq_call(p, (int)(seed % (uint64_t)pr.ncpus), wake_queues,
			     NULL);
	}
	if (!p->failures)
		final_checks(p, &pr);
	ret = p->failures ? -1 : 0;
out:
	par_assert_hook = NULL;
	r->failed = ret != 0;
	snprintf(r->reason, sizeof(r->reason), "%s", p->fail);
	r->steps = p->steps;
	r->hooks = p->hooks;
	r->checks = p->checks_run;
	par_destroy(p);
	X.p = NULL;
	return ret;
}

/* Two failures are "the same bug" if their reasons match once numbers
 * (times, tids, CPU and worker ids) are ignored. */
static bool same_failure(const char *a, const char *b)
{
	for (;;) {
		while (*a >= '0' && *a <= '9')
			a++;
		while (*b >= '0' && *b <= '9')
			b++;
		if (*a != *b)
			return false;
		if (!*a)
			return true;
		a++;
		b++;
	}
}

void explore_minimize(uint64_t seed, const struct explore_opts *o,
		      struct explore_drop *drop)
{
	struct program pr;
	struct explore_result r;
	char want[256];

	gen(seed, o, &pr);
	if (explore_one(seed, o, drop, &r) == 0)
		return; /* nothing to minimise */
	snprintf(want, sizeof(want), "%s", r.reason);
	/* Drop one op at a time; keep the drop if the same failure stays. */
	for (int w = 0; w < pr.nworkers; w++)
		for (int i = 0; i < pr.nops; i++) {
			if (drop->bits[w] >> i & 1)
				continue;
			drop->bits[w] |= 1u << i;
			if (explore_one(seed, o, drop, &r) == 0 ||
			    !same_failure(r.reason, want))
				drop->bits[w] &= ~(1u << i);
		}
}

void explore_print(FILE *out, uint64_t seed, const struct explore_opts *o,
		   const struct explore_drop *drop)
{
	struct program pr;
	bool first = true;

	gen(seed, o, &pr);
	fprintf(out, "seed %llu: %d CPUs, %d workers, switch %u%%\n",
		(unsigned long long)seed, pr.ncpus, pr.nworkers,
		pr.switch_pct);
	for (int w = 0; w < pr.nworkers; w++) {
		fprintf(out, "  w%d:", w);
		for (int i = 0; i < pr.nops; i++) {
			const struct op *op = &pr.ops[w][i];

			if (drop->bits[w] >> i & 1)
				continue;
			fprintf(out, " %s", op_names[op->kind]);
			switch (op->kind) {
			case OP_COMPUTE:
			case OP_SLEEP:
				fprintf(out, "(%lluus)",
					(unsigned long long)(op->b / US));
				break;
			case OP_BLOCK:
			case OP_WAKE_ONE:
			case OP_WAKE_ALL:
				fprintf(out, "(q%d)", op->a % NQUEUES);
				break;
			case OP_WAKE:
				fprintf(out, "(w%d)", op->target);
				break;
			case OP_ATTR: {
				struct sched_attr a;

				attr_of(op, &a);
				fprintf(out, "(w%d,policy %d)", op->target,
					a.policy);
				break;
			}
			case OP_AFFINITY: {
				struct cpumask m;

				mask_of(op, pr.ncpus, &m);
				fprintf(out, "(w%d,mask 0x%llx)", op->target,
					(unsigned long long)m.bits[0]);
				break;
			}
			default:
				break;
			}
		}
		fprintf(out, "\n");
	}
	fprintf(out, "replay: tools/schedsim/build/schedsim --explore %llu",
		(unsigned long long)seed);
	if (o->ncpus)
		fprintf(out, " --cpus %d", o->ncpus);
	if (o->smt_nodes)
		fprintf(out, " --smt-nodes");
	for (int w = 0; w < pr.nworkers; w++)
		for (int i = 0; i < pr.nops; i++)
			if (drop->bits[w] >> i & 1) {
				fprintf(out, "%s%d.%d", first ? " --drop " : ",",
					w, i);
				first = false;
			}
	fprintf(out, "\n");
}

int explore_parse_drop(const char *s, struct explore_drop *drop)
{
	memset(drop, 0, sizeof(*drop));
	while (*s) {
		char *end;
		long w = strtol(s, &end, 10), i;

		if (end == s || *end != '.')
			return -1;
		s = end + 1;
		i = strtol(s, &end, 10);
		if (end == s || w < 0 || w >= EXPLORE_MAX_WORKERS || i < 0 ||
		    i >= EXPLORE_MAX_OPS)
			return -1;
		drop->bits[w] |= 1u << i;
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return 0;
}

int explore_seeds(uint64_t first, uint64_t count, const struct explore_opts *o,
		  FILE *out, uint64_t progress)
{
	uint64_t steps = 0, checks = 0;

	for (uint64_t k = 0; k < count; k++) {
		struct explore_result r;
		struct explore_drop drop = { { 0 } };
		uint64_t seed = first + k;

		if (explore_one(seed, o, &drop, &r) != 0) {
			fprintf(out, "explore: seed %llu FAILED: %s\n",
				(unsigned long long)seed, r.reason);
			fprintf(out, "explore: minimising...\n");
			explore_minimize(seed, o, &drop);
			explore_one(seed, o, &drop, &r);
			fprintf(out, "explore: minimal failure: %s\n",
				r.reason);
			explore_print(out, seed, o, &drop);
			return 1;
		}
		steps += r.steps;
		checks += r.checks;
		if (progress && (k + 1) % progress == 0)
			fprintf(out, "explore: %llu/%llu seeds passed "
				     "(%llu steps, %llu checks so far)\n",
				(unsigned long long)(k + 1),
				(unsigned long long)count,
				(unsigned long long)steps,
				(unsigned long long)checks);
	}
	fprintf(out, "explore: %llu seeds from %llu passed: %llu steps, "
		     "%llu whole-state checks\n",
		(unsigned long long)count, (unsigned long long)first,
		(unsigned long long)steps, (unsigned long long)checks);
	return 0;
}
