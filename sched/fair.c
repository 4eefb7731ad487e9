// SPDX-License-Identifier: MIT
/*
 * The fair class: proportional sharing by virtual run time.
 *
 * Each thread's vruntime grows by its run time scaled by 1024 / weight, and
 * the weight comes from nice through Linux's table (each nice step is about
 * 1.25x, so one step is about 10% of CPU between two competitors). Queued
 * threads sit in an rbtree by vruntime; pick_next takes the leftmost, the
 * thread that has received the least weighted service, i.e. that has waited
 * longest relative to its share.
 *
 * vruntime is one scale across all CPUs (threads keep it when they migrate),
 * so balance.c can compare a waiter here with the threads running elsewhere:
 * the rotation "the thread that has waited longest replaces the thread that
 * has run longest" is a comparison of vruntimes (balance_rotation_target).
 * When the runnable count does not exceed the CPUs, nothing waits, this
 * class asks for no timer and nobody is switched.
 *
 * Wakeup placement: a waking or new thread gets
 *   max(own vruntime, floor - sleeper_credit)
 * where floor is the largest min_vruntime any CPU has reached. A long sleeper
 * thus gets at most sleeper_credit of advantage (it runs soon but cannot
 * monopolise), and a short sleeper keeps its own, larger, vruntime (sleeping
 * earns nothing beyond the credit). A new thread then starts one fair slice
 * behind the thread running where it is queued (fair_place_new).
 *
 * Read next: balance.c (the rotation and pulls), rt.c.
 */
#include "sched/sched_internal.h"

/* Linux's sched_prio_to_weight: nice -20 .. 19. */
static const uint32_t fair_nice_weights[40] = {
	88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
	9548,  7620,  6100,  4904,  3906,  3121,  2501,  1991,  1586,  1277,
	1024,  820,   655,   526,   423,   335,   272,   215,   172,   137,
	110,   87,    70,    56,    45,    36,    29,    23,    18,    15,
};

/* Largest min_vruntime any CPU has reached; placement floor for wakeups.
 * Only grows; updated with an atomic max so CPUs need no shared lock. */
static uint64_t fair_vfloor;

uint32_t fair_weight_of_nice(int nice)
{
	SCHED_ASSERT(nice >= SCHED_NICE_MIN && nice <= SCHED_NICE_MAX);
	return fair_nice_weights[nice - SCHED_NICE_MIN];
}

uint64_t fair_scale_delta(uint64_t delta_ns, uint32_t weight)
{
	if (weight == SCHED_NICE_0_WEIGHT)
		return delta_ns;
	/* delta_ns < 2^53 in any realistic stint, so no overflow. */
	return delta_ns * SCHED_NICE_0_WEIGHT / weight;
}

bool fair_less(const struct rb_node *a, const struct rb_node *b)
{
	return container_of(a, struct thread, fair.node)->fair.vruntime <
	       container_of(b, struct thread, fair.node)->fair.vruntime;
}

static struct thread *fair_leftmost(struct rq *rq)
{
	struct rb_node *n = rb_first(&rq->fair.tree);

	return n ? container_of(n, struct thread, fair.node) : NULL;
}

void fair_reset(void)
{
	fair_vfloor = 0;
}

void fair_rq_init(struct rq *rq)
{
	rb_root_init(&rq->fair.tree);
	rq->fair.queued_weight = 0;
	rq->fair.min_vruntime = __atomic_load_n(&fair_vfloor, __ATOMIC_RELAXED);
}

static void fair_raise_floor(uint64_t v)
{
	uint64_t old = __atomic_load_n(&fair_vfloor, __ATOMIC_RELAXED);

	while (old < v && !__atomic_compare_exchange_n(&fair_vfloor, &old, v,
						       true, __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		;
}

static void update_min_vruntime(struct rq *rq)
{
	struct thread *left = fair_leftmost(rq), *c = rq->curr;
	uint64_t v = rq->fair.min_vruntime;
	bool have = false;

	if (c->class == &fair_class) {
		v = c->fair.vruntime;
		have = true;
	}
	if (left && (!have || left->fair.vruntime < v)) {
		v = left->fair.vruntime;
		have = true;
	}
	if (have && v > rq->fair.min_vruntime) {
		rq->fair.min_vruntime = v;
		fair_raise_floor(v);
	}
}

static void fair_place(struct rq *rq, struct thread *t)
{
	uint64_t floor = __atomic_load_n(&fair_vfloor, __ATOMIC_RELAXED);
	uint64_t credit = sched_tunables.sleeper_credit_ns;

	if (rq->fair.min_vruntime > floor)
		floor = rq->fair.min_vruntime;
	floor = floor > credit ? floor - credit : 0;
	if (t->fair.vruntime < floor)
		t->fair.vruntime = floor;
}

/*
 * A new thread starts one fair slice behind the thread running where it
 * is queued (its creator, when it lands on the creator's CPU), as Linux's
 * START_DEBIT does. The creator usually has a few more steps before it
 * blocks (start the next worker, reach pthread_join or read the results);
 * a newcomer level with it won the next rotation, and the creator came
 * back a millisecond later by displacing a worker on another CPU (make
 * trace TRACE_USER="/bin/primes -w 2": a worker switched out inside its
 * timed section). On an idle CPU it runs at once all the same.
 */
static void fair_place_new(struct rq *rq, struct thread *t)
{
	struct thread *c = rq->curr;

	if (c != rq->idle && c->class == &fair_class &&
	    c->fair.vruntime > t->fair.vruntime)
		t->fair.vruntime = c->fair.vruntime;
	t->fair.vruntime += sched_tunables.fair_slice_ns;
}

static void fair_enqueue(struct rq *rq, struct thread *t, int flags,
			 uint64_t now_ns)
{
	(void)now_ns;
	if (flags & ENQUEUE_WAKEUP)
		fair_place(rq, t);
	if (flags & ENQUEUE_NEW)
		fair_place_new(rq, t);
	rb_insert(&rq->fair.tree, &t->fair.node, fair_less);
	rq->fair.queued_weight += t->fair.weight;
}

static void fair_dequeue(struct rq *rq, struct thread *t)
{
	rb_erase(&rq->fair.tree, &t->fair.node);
	rq->fair.queued_weight -= t->fair.weight;
}

static struct thread *fair_pick_next(struct rq *rq, uint64_t now_ns)
{
	struct thread *t = fair_leftmost(rq);

	(void)now_ns;
	if (t) {
		rb_erase(&rq->fair.tree, &t->fair.node);
		rq->fair.queued_weight -= t->fair.weight;
	}
	return t;
}

static void fair_put_prev(struct rq *rq, struct thread *t, uint64_t now_ns)
{
	(void)now_ns;
	rb_insert(&rq->fair.tree, &t->fair.node, fair_less);
	rq->fair.queued_weight += t->fair.weight;
}

static void fair_update_curr(struct rq *rq, struct thread *curr,
			     uint64_t delta_ns, uint64_t now_ns)
{
	(void)now_ns;
	if (curr->class != &fair_class)
		return;
	curr->fair.vruntime += fair_scale_delta(delta_ns, curr->fair.weight);
	update_min_vruntime(rq);
}

static void fair_tick(struct rq *rq, struct thread *curr, uint64_t now_ns)
{
	/* Slice expiry is a rotation decision and needs the other CPUs'
	 * state, so balance_tick() makes it right after the class ticks. */
	(void)rq;
	(void)curr;
	(void)now_ns;
}

static bool fair_wakeup_preempt(struct rq *rq, struct thread *t)
{
	/* Preempt only for a clear lead, so two threads at about the same
	 * vruntime do not switch on every wakeup. */
	return t->fair.vruntime + sched_tunables.min_granularity_ns <
	       rq->curr->fair.vruntime;
}

/* Fair load of cpu with t added (balance_fair_load), from racy reads of
 * the fields snapshots read. */
static uint64_t fair_load_with(int cpu, const struct thread *t,
			       uint64_t now_ns)
{
	struct rq *rq = cpu_rq(cpu);
	struct balance_load l = {
		.fair_weight = READ_ONCE(rq->fair.queued_weight) +
			       (READ_ONCE(rq->snap_rank) == RANK_FAIR ?
					READ_ONCE(rq->snap_weight) :
					0),
		.fair_capacity = (uint16_t)rq_fair_capacity(rq, now_ns),
	};

	/* t is neither queued nor running anywhere (woken, new, or
	 * re-placed), so no CPU counts it yet. */
	return balance_fair_load(&l, t->fair.weight);
}

/*
 * Soft affinity: the previous CPU if idle, else an idle allowed CPU; else
 * the previous CPU unless clearly worse; else the CPU where t's arrival
 * leaves the smallest fair load (fair weight per capacity net of RT/DL
 * use, issue 13). "Clearly worse": more than one nice-0 thread's load
 * above the best, which with nice-0 threads and no RT/DL use is "more
 * than one more runnable thread", as before.
 */
static int fair_select_cpu_flat(struct thread *t, int prev_cpu,
				uint64_t now_ns)
{
	int best = -1, idle = -1;
	uint64_t best_load = UINT64_MAX;

	for (int cpu = 0; cpu < sched_nr_cpus; cpu++) {
		unsigned nr;
		uint64_t load;

		if (!thread_can_run_on(t, cpu))
			continue;
		nr = READ_ONCE(cpu_rq(cpu)->nr_queued) +
		     (READ_ONCE(cpu_rq(cpu)->snap_rank) != RANK_IDLE);
		if (nr == 0 && (idle < 0 || cpu == prev_cpu))
			idle = cpu;
		load = fair_load_with(cpu, t, now_ns);
		if (load < best_load) {
			best_load = load;
			best = cpu;
		}
	}
	SCHED_ASSERT(best >= 0); /* the mask has an online CPU (validated) */
	if (idle >= 0)
		return idle;
	if (prev_cpu >= 0 && thread_can_run_on(t, prev_cpu) &&
	    fair_load_with(prev_cpu, t, now_ns) <= best_load + SCHED_CAPACITY)
		return prev_cpu;
	return best;
}

/*
 * The least loaded allowed CPU of the smallest group around base that has
 * one (its LLC, else its node, else the machine: hard affinity), as the
 * flat rule picks it: the first CPU by id with the smallest fair load with
 * t added. O(CPUs of that group). -1 if t may run nowhere.
 */
static int fair_least_loaded(const struct sched_topo *tp, struct thread *t,
			     int base, uint64_t now_ns, uint64_t *best_load)
{
	for (const struct sched_group *g = tp->sd.cpu[base].at_level[SD_LLC];
	     g; g = g->parent) {
		int best = -1;

		*best_load = UINT64_MAX;
		for (int w = g->first_cpu / 64; w < CPUMASK_WORDS; w++) {
			uint64_t bits = g->span.bits[w] & t->allowed.bits[w];

			while (bits) {
				int cpu = w * 64 + __builtin_ctzll(bits);
				uint64_t load;

				bits &= bits - 1;
				if (!thread_can_run_on(t, cpu))
					continue;
				load = fair_load_with(cpu, t, now_ns);
				if (load < *best_load) {
					*best_load = load;
					best = cpu;
				}
			}
		}
		if (best >= 0)
			return best;
	}
	return -1;
}

/*
 * With domains (sched/topo.c), nearest first and never a scan of the
 * machine: the previous CPU if idle; an idle core (every SMT sibling
 * idle), then an idle CPU, in the previous CPU's LLC, then in the rest of
 * its node, then in the nearest other node (never a remote node while a
 * local CPU t may use is idle); with no idle CPU anywhere, the previous
 * CPU unless clearly worse than the least loaded CPU of its LLC (the flat
 * rule, inside the LLC; the node or the machine only when t may use no
 * CPU of the LLC). On one LLC without SMT of up to 8 CPUs this chooses
 * exactly what the flat scan does: the same "idle" test (the masks mirror
 * snap_rank == RANK_IDLE && nr_queued == 0), the lowest idle CPU first,
 * the same load comparison over the same CPUs in the same order.
 */
static int fair_select_cpu(struct thread *t, int prev_cpu, uint64_t now_ns)
{
	struct sched_topo *tp = sched_topo();
	int base, cpu;
	uint64_t best_load;

	if (!tp)
		return fair_select_cpu_flat(t, prev_cpu, now_ns);
	/* Near prev even if t may not run there any more: its cache is. */
	base = prev_cpu >= 0 && prev_cpu < tp->nr_cpus ? prev_cpu :
							  arch_this_cpu();
	cpu = sched_select_idle(t, prev_cpu);
	if (cpu >= 0)
		return cpu;
	cpu = fair_least_loaded(tp, t, base, now_ns, &best_load);
	SCHED_ASSERT(cpu >= 0); /* the mask has an online CPU (validated) */
	if (prev_cpu >= 0 && thread_can_run_on(t, prev_cpu) &&
	    cpumask_test(&tp->sd.cpu[base].at_level[SD_LLC]->span, prev_cpu) &&
	    fair_load_with(prev_cpu, t, now_ns) <= best_load + SCHED_CAPACITY)
		return prev_cpu;
	return cpu;
}

static struct thread *fair_pull(struct rq *dst, struct rq *src)
{
	/* The longest-waiting thread that may run on dst. */
	for (struct rb_node *n = rb_first(&src->fair.tree); n; n = rb_next(n)) {
		struct thread *t = container_of(n, struct thread, fair.node);

		if (thread_can_run_on(t, dst->cpu))
			return t;
	}
	return NULL;
}

static uint64_t fair_next_event_ns(struct rq *rq, uint64_t now_ns)
{
	uint64_t end_ns;

	/* Nobody waits here: nothing to share, no timer (nohz). */
	if (rq->fair.tree.count == 0)
		return SCHED_TIMER_NONE;
	/* Behind RT or deadline work the waiters look for a fair thread
	 * well ahead of them elsewhere (balance_tick) at once, not a slice
	 * later: what that work takes here is what they must win back, and
	 * a nice-0 thread due almost a whole CPU cannot win back much
	 * (issue 13). If none is, they look again a slice later. (One CPU:
	 * there is nowhere to go.) */
	if (rq->curr != rq->idle && rq->curr->class != &fair_class &&
	    READ_ONCE(sched_nr_cpus) > 1) {
		end_ns = rq->curr_stint_start_ns + 1;
		if (end_ns <= now_ns)
			end_ns = now_ns + sched_tunables.fair_slice_ns;
		return end_ns;
	}
	end_ns = rq->curr_stint_start_ns + sched_tunables.fair_slice_ns;
	/* A rotation declined at the slice end: look again a slice later. */
	if (end_ns <= now_ns)
		end_ns = now_ns + sched_tunables.fair_slice_ns;
	return end_ns;
}

static int fair_check_attr(const struct sched_attr *attr)
{
	if (attr->nice < SCHED_NICE_MIN || attr->nice > SCHED_NICE_MAX) {
		sched_log("sched: attr: nice %d outside [%d, %d]", attr->nice,
			  SCHED_NICE_MIN, SCHED_NICE_MAX);
		return -EINVAL;
	}
	if (attr->rt_priority || attr->dl_runtime_ns || attr->dl_deadline_ns ||
	    attr->dl_period_ns) {
		sched_log("sched: attr: fair takes only nice");
		return -EINVAL;
	}
	return 0;
}

static void fair_set_attr(struct thread *t, const struct sched_attr *attr,
			  uint64_t now_ns)
{
	(void)now_ns;
	/* Entering the class: start at the system's virtual time, so it
	 * neither owes nor is owed anything. */
	if (t->class != &fair_class)
		t->fair.vruntime = __atomic_load_n(&fair_vfloor,
						   __ATOMIC_RELAXED);
	t->nice = attr->nice;
	t->fair.weight = fair_weight_of_nice(attr->nice);
}

/* thread_yield for a fair thread: go behind the current leftmost, a bounded
 * penalty (the gap to the leftmost) rather than a lie about run time. */
void fair_yield(struct rq *rq, struct thread *t)
{
	struct thread *left = fair_leftmost(rq);

	if (left && left->fair.vruntime >= t->fair.vruntime)
		t->fair.vruntime = left->fair.vruntime + 1;
}

const struct sched_class fair_class = {
	.name = "fair",
	.enqueue = fair_enqueue,
	.dequeue = fair_dequeue,
	.pick_next = fair_pick_next,
	.put_prev = fair_put_prev,
	.update_curr = fair_update_curr,
	.tick = fair_tick,
	.wakeup_preempt = fair_wakeup_preempt,
	.select_cpu = fair_select_cpu,
	.pull = fair_pull,
	.next_event_ns = fair_next_event_ns,
	.check_attr = fair_check_attr,
	.set_attr = fair_set_attr,
};
