// SPDX-License-Identifier: MIT
/*
 * The deadline class: earliest deadline first with constant-bandwidth-server
 * budget enforcement and per-CPU admission control.
 *
 * Each thread has (runtime, deadline, period): every period it may use
 * `runtime` of CPU, to be finished `deadline` after the period started.
 *
 * Guarantees:
 * - EDF: among queued deadline threads on a CPU, the earliest absolute
 *   deadline runs; a wakeup with an earlier deadline preempts at once.
 * - CBS (Abeni & Buttazzo 1998): a thread that overruns its runtime is
 *   throttled until its next period, so it cannot take bandwidth promised
 *   to others. A thread waking with too little time to its old deadline for
 *   its remaining budget gets a fresh deadline and full budget (the CBS
 *   wakeup rule), which keeps its bandwidth at runtime/deadline.
 * - Admission: threads are partitioned, each charged to one home CPU inside
 *   its affinity mask (worst fit: the least loaded CPU, the lowest id among
 *   equals, first among the CPUs of the thread's node, then, if none of
 *   them has room, among all; found through per-64-CPU summaries of free bandwidth, so a
 *   decision at 1024 CPUs reads the 16 summaries and the blocks that can
 *   still win, not every CPU: dl_worst_fit). A CPU never holds
 *   more than the bound (default 95%) of deadline bandwidth. With implicit
 *   deadlines (deadline == period) and bound <= 100%, Liu & Layland's EDF
 *   result gives: no deadline is missed on that CPU. A request that fits
 *   nowhere gets -EBUSY and one log line naming the CPU and the excess.
 *   Because a deadline thread runs only on its home CPU, affinity masks are
 *   sound here (Linux refuses them; it admits against a whole root domain).
 * - Misses: a job that completes (thread_yield) after its deadline counts
 *   one miss in the thread's statistics.
 *
 * Bandwidths are fixed point (SCHED_BW_SHIFT); products of two times use
 * 128-bit integers (times are bounded by SCHED_DL_MAX_TIME_NS).
 *
 * Read next: idle.c, then balance.c.
 */
#include "sched/sched_internal.h"

/* Admitted bandwidth per CPU, sched_possible_cpus entries. The table is
 * (re)allocated by dl_reset() from sched_init(), before any CPU comes
 * online; each entry is guarded by sched_attr_lock. */
static uint64_t *dl_cpu_bw_sum;

/*
 * The home search's summary (issue 13): per block of 64 CPU ids (one
 * cpumask word), the smallest dl_cpu_bw_sum in it, i.e. the most free
 * bandwidth any of its CPUs has. Offline CPUs count (their sum is 0), so
 * the minimum is a lower bound for the block's online CPUs, which is all
 * the search needs: a block whose bound cannot beat the best CPU found so
 * far is skipped without reading its CPUs. Guarded by sched_attr_lock,
 * like the sums, and updated with them (dl_bw_charge/release: O(64)).
 */
#define DL_BLOCK 64
static uint64_t *dl_block_min;
static int dl_nr_blocks;

void dl_reset(void)
{
	arch_free(dl_cpu_bw_sum);
	arch_free(dl_block_min);
	dl_cpu_bw_sum = arch_alloc((size_t)sched_possible_cpus *
				   sizeof(*dl_cpu_bw_sum));
	dl_nr_blocks = (sched_possible_cpus + DL_BLOCK - 1) / DL_BLOCK;
	dl_block_min = arch_alloc((size_t)dl_nr_blocks *
				  sizeof(*dl_block_min));
	SCHED_ASSERT(dl_cpu_bw_sum != NULL && dl_block_min != NULL);
}

uint64_t dl_bw_of(uint64_t runtime_ns, uint64_t period_ns)
{
	return (runtime_ns << SCHED_BW_SHIFT) / period_ns;
}

uint64_t dl_cpu_bw(int cpu)
{
	return dl_cpu_bw_sum[cpu];
}

/* Recompute the minimum of cpu's block (64 reads, independent of the CPU
 * count). */
static void dl_block_update(int cpu)
{
	int b = cpu / DL_BLOCK, end = (b + 1) * DL_BLOCK;
	uint64_t m = UINT64_MAX;

	if (end > sched_possible_cpus)
		end = sched_possible_cpus;
	for (int c = b * DL_BLOCK; c < end; c++)
		if (dl_cpu_bw_sum[c] < m)
			m = dl_cpu_bw_sum[c];
	dl_block_min[b] = m;
}

void dl_bw_charge(int cpu, uint64_t bw)
{
	ASSERT_HELD(&sched_attr_lock);
	dl_cpu_bw_sum[cpu] += bw;
	dl_block_update(cpu);
}

void dl_bw_release(int cpu, uint64_t bw)
{
	ASSERT_HELD(&sched_attr_lock);
	SCHED_ASSERT(dl_cpu_bw_sum[cpu] >= bw);
	dl_cpu_bw_sum[cpu] -= bw;
	dl_block_update(cpu);
}

int dl_check_blocks(void)
{
	ASSERT_HELD(&sched_attr_lock);
	for (int b = 0; b < dl_nr_blocks; b++) {
		uint64_t saved = dl_block_min[b];

		dl_block_update(b * DL_BLOCK);
		if (dl_block_min[b] != saved) {
			dl_block_min[b] = saved;
			return -1;
		}
	}
	return 0;
}

/*
 * Worst fit over the online CPUs of `mask`: the smallest sum (old_bw taken
 * off old_cpu's), the lowest id among equals; -1 if the mask has no online
 * CPU. The same answer as a scan of every CPU, without one: blocks are
 * visited in id order and a block is read only if its bound could still
 * win (a smaller sum, or an equal one at a lower id than the best so far,
 * which a later block never has). So O(blocks + 64 x blocks read): on an
 * empty or evenly loaded machine one block is read.
 */
static int dl_worst_fit(const struct cpumask *mask, int old_cpu,
			uint64_t old_bw, uint64_t *best_sum_out)
{
	uint64_t best_sum = UINT64_MAX;
	int best = -1;
	int words = (__atomic_load_n(&sched_nr_cpus, __ATOMIC_ACQUIRE) +
		     DL_BLOCK - 1) / DL_BLOCK;

	for (int b = 0; b < words; b++) {
		uint64_t bits = mask->bits[b] &
				__atomic_load_n(&sched_online_mask.bits[b],
						__ATOMIC_ACQUIRE);
		uint64_t bound = dl_block_min[b];

		if (!bits)
			continue;
		if (old_cpu >= 0 && old_cpu / DL_BLOCK == b &&
		    dl_cpu_bw_sum[old_cpu] - old_bw < bound)
			bound = dl_cpu_bw_sum[old_cpu] - old_bw;
		if (bound >= best_sum)
			continue; /* equal sums here have higher ids */
		for (; bits; bits &= bits - 1) {
			int cpu = b * DL_BLOCK + __builtin_ctzll(bits);
			uint64_t sum = dl_cpu_bw_sum[cpu] -
				       (cpu == old_cpu ? old_bw : 0);

			if (sum < best_sum) {
				best_sum = sum;
				best = cpu;
			}
		}
	}
	*best_sum_out = best_sum;
	return best;
}

/* Log bandwidths as "12.345%": thousandths of a percent per unit. */
#define BW_MILLIPERCENT 100000

/* Bandwidth as whole and thousandths of a percent (integers only). */
static void bw_percent(uint64_t bw, unsigned *whole, unsigned *milli)
{
	uint64_t pm = (bw * BW_MILLIPERCENT + (SCHED_BW_ONE >> 1)) >>
		      SCHED_BW_SHIFT; /* rounded to nearest */

	*whole = (unsigned)(pm / 1000);
	*milli = (unsigned)(pm % 1000);
}

int dl_admit(uint64_t bw, const struct cpumask *mask, int old_cpu,
	     uint64_t old_bw, int node, int *home_cpu)
{
	uint64_t bound = sched_tunables.dl_bound_bw;
	uint64_t best_sum = UINT64_MAX;
	struct cpumask in_node;
	int best = -1;

	ASSERT_HELD(&sched_attr_lock);
	/* Staying home avoids a migration; take it when it fits. */
	if (old_cpu >= 0 && cpu_online(old_cpu) &&
	    cpumask_test(mask, old_cpu) &&
	    dl_cpu_bw_sum[old_cpu] - old_bw + bw <= bound) {
		*home_cpu = old_cpu;
		return 0;
	}
	DEBUG_CHECK(dl_check_blocks());
	/* The thread's node first (its memory; issue 13): worst fit among
	 * the node's CPUs, if one has room; else worst fit over the whole
	 * mask, as without nodes. Each CPU's admission stays exact. */
	if (sched_topo_node_mask(node, mask, &in_node)) {
		best = dl_worst_fit(&in_node, old_cpu, old_bw, &best_sum);
		if (best >= 0 && best_sum + bw <= bound) {
			*home_cpu = best;
			return 0;
		}
	}
	best = dl_worst_fit(mask, old_cpu, old_bw, &best_sum);
	if (best < 0)
		return -EINVAL; /* no online CPU in the mask (caller checks) */
	if (best_sum + bw > bound) {
		unsigned nw, nm, bw_w, bw_m, xw, xm;

		bw_percent(best_sum + bw, &nw, &nm);
		bw_percent(bound, &bw_w, &bw_m);
		bw_percent(best_sum + bw - bound, &xw, &xm);
		sched_log("sched: deadline admission refused: cpu%d would "
			  "carry %u.%03u%% > bound %u.%03u%% (excess %u.%03u%%)",
			  best, nw, nm, bw_w, bw_m, xw, xm);
		return -EBUSY;
	}
	*home_cpu = best;
	return 0;
}

bool dl_less(const struct rb_node *a, const struct rb_node *b)
{
	return container_of(a, struct thread, dl.node)->dl.abs_deadline_ns <
	       container_of(b, struct thread, dl.node)->dl.abs_deadline_ns;
}

void dl_rq_init(struct rq *rq)
{
	rb_root_init(&rq->dl.tree);
	list_init(&rq->dl.throttled);
	rq->dl.nr_throttled = 0;
}

static void dl_new_job(struct thread *t, uint64_t now_ns)
{
	t->dl.job_release_ns = now_ns;
	t->dl.job_deadline_ns = now_ns + t->dl.deadline_ns;
	t->dl.abs_deadline_ns = t->dl.job_deadline_ns;
	t->dl.budget_ns = (int64_t)t->dl.runtime_ns;
	t->dl.throttled = false;
}

/* Give a throttled thread its next server period. */
static void dl_replenish(struct thread *t)
{
	struct dl_entity *d = &t->dl;

	while (d->budget_ns <= 0) {
		d->budget_ns += (int64_t)d->runtime_ns;
		d->abs_deadline_ns += d->period_ns;
	}
	d->throttled = false;
}

/*
 * CBS wakeup rule: keep (deadline, budget) only if the remaining budget
 * over the time left to the deadline does not exceed runtime/deadline,
 * i.e. budget * deadline <= (abs_deadline - now) * runtime.
 */
static void dl_wakeup(struct thread *t, uint64_t now_ns)
{
	struct dl_entity *d = &t->dl;

	if (now_ns >= d->job_release_ns + d->period_ns) {
		/* A new job of a periodic thread. */
		dl_new_job(t, now_ns);
		return;
	}
	if (d->budget_ns <= 0) {
		/* It blocked out of budget (throttled as it blocked). CBS
		 * gives budget back only at the next server period: with
		 * budget <= 0, budget / (deadline - now) is below any
		 * runtime / period, so it keeps its deadline and stays
		 * throttled until replenish_ns. A full budget here let a
		 * thread that blocks often take more than it was admitted
		 * for. */
		if (now_ns < d->replenish_ns) {
			d->throttled = true;
			return;
		}
		dl_replenish(t);
	}
	if (now_ns >= d->abs_deadline_ns ||
	    (unsigned __int128)d->budget_ns * d->deadline_ns >
		    (unsigned __int128)(d->abs_deadline_ns - now_ns) *
			    d->runtime_ns) {
		d->abs_deadline_ns = now_ns + d->deadline_ns;
		d->budget_ns = (int64_t)d->runtime_ns;
		d->throttled = false;
	}
}

static void dl_enqueue(struct rq *rq, struct thread *t, int flags,
		       uint64_t now_ns)
{
	if (flags & ENQUEUE_WAKEUP)
		dl_wakeup(t, now_ns);
	if (t->dl.throttled) {
		list_add_tail(&rq->dl.throttled, &t->dl.throttle_node);
		rq->dl.nr_throttled++;
	} else {
		rb_insert(&rq->dl.tree, &t->dl.node, dl_less);
	}
}

static void dl_dequeue(struct rq *rq, struct thread *t)
{
	if (t->dl.throttled) {
		list_del(&t->dl.throttle_node);
		rq->dl.nr_throttled--;
	} else {
		rb_erase(&rq->dl.tree, &t->dl.node);
	}
}

static struct thread *dl_pick_next(struct rq *rq, uint64_t now_ns)
{
	struct rb_node *n = rb_first(&rq->dl.tree);
	struct thread *t;

	(void)now_ns;
	if (!n)
		return NULL;
	t = container_of(n, struct thread, dl.node);
	rb_erase(&rq->dl.tree, n);
	return t;
}


static void dl_put_prev(struct rq *rq, struct thread *t, uint64_t now_ns)
{
	if (t->dl.throttled && t->dl.replenish_ns <= now_ns) {
		/* Its next server period has already begun. */
		dl_replenish(t);
	} else if (t->dl.throttled) {
		/* Still runnable with no budget: CBS parks it. */
		t->stats.throttle_events++;
		sched_trace(now_ns, rq->cpu, STE_THROTTLE, t, NULL,
			    t->dl.budget_ns);
	}
	dl_enqueue(rq, t, 0, now_ns);
}

static void dl_update_curr(struct rq *rq, struct thread *curr,
			   uint64_t delta_ns, uint64_t now_ns)
{
	struct dl_entity *d = &curr->dl;

	if (curr->class != &dl_class)
		return;
	(void)now_ns;
	d->budget_ns -= (int64_t)delta_ns;
	if (d->budget_ns <= 0 && !d->throttled) {
		/* Out of budget. If the job also ends now (thread_yield right
		 * after), dl_job_done lifts this; otherwise put_prev parks it
		 * and counts the throttle. */
		d->throttled = true;
		/* The server's next period starts where this one ends. */
		d->replenish_ns = d->abs_deadline_ns - d->deadline_ns +
				  d->period_ns;
		rq->need_resched = true;
	}
}

static void dl_tick(struct rq *rq, struct thread *curr, uint64_t now_ns)
{
	struct list_node *pos, *next;
	struct rb_node *left;

	for (pos = rq->dl.throttled.next; pos != &rq->dl.throttled;
	     pos = next) {
		struct thread *t = container_of(pos, struct thread,
						dl.throttle_node);
		next = pos->next;
		if (t->dl.replenish_ns > now_ns)
			continue;
		dl_dequeue(rq, t);
		dl_replenish(t);
		dl_enqueue(rq, t, 0, now_ns);
	}
	if (curr->class == &dl_class && curr->dl.throttled)
		rq->need_resched = true;
	left = rb_first(&rq->dl.tree);
	if (left && (curr->class != &dl_class ||
		     container_of(left, struct thread, dl.node)->dl.abs_deadline_ns <
			     curr->dl.abs_deadline_ns))
		rq->need_resched = true;
}

static bool dl_wakeup_preempt(struct rq *rq, struct thread *t)
{
	return t->dl.abs_deadline_ns < rq->curr->dl.abs_deadline_ns;
}

static int dl_select_cpu(struct thread *t, int prev_cpu, uint64_t now_ns)
{
	(void)prev_cpu;
	(void)now_ns;
	/* Partitioned: admission chose the CPU. */
	return t->dl.home_cpu;
}

static struct thread *dl_pull(struct rq *dst, struct rq *src)
{
	/* Partitioned EDF never migrates a deadline thread: its bandwidth
	 * is charged to one CPU only, which is what admission relies on. */
	(void)dst;
	(void)src;
	return NULL;
}

static uint64_t dl_next_event_ns(struct rq *rq, uint64_t now_ns)
{
	uint64_t ev = SCHED_TIMER_NONE;
	struct list_node *pos;
	struct thread *c = rq->curr;

	list_for_each(pos, &rq->dl.throttled) {
		struct thread *t = container_of(pos, struct thread,
						dl.throttle_node);
		if (t->dl.replenish_ns < ev)
			ev = t->dl.replenish_ns;
	}
	/* Budget exhaustion of the running thread. */
	if (c->class == &dl_class && c->dl.budget_ns > 0 &&
	    now_ns + (uint64_t)c->dl.budget_ns < ev)
		ev = now_ns + (uint64_t)c->dl.budget_ns;
	return ev;
}

/* Smallest runtime accepted: below this the timer and switch costs
 * dominate and the reservation means nothing (Linux uses 1 us too). */
#define DL_MIN_RUNTIME_NS NSEC_PER_USEC

static int dl_check_attr(const struct sched_attr *attr)
{
	if (attr->nice || attr->rt_priority) {
		sched_log("sched: attr: deadline takes no nice/priority");
		return -EINVAL;
	}
	if (attr->dl_runtime_ns > SCHED_DL_MAX_TIME_NS ||
	    attr->dl_deadline_ns > SCHED_DL_MAX_TIME_NS ||
	    attr->dl_period_ns > SCHED_DL_MAX_TIME_NS) {
		sched_log("sched: attr: deadline times above %llu ns",
			  (unsigned long long)SCHED_DL_MAX_TIME_NS);
		return -ERANGE;
	}
	if (attr->dl_runtime_ns < DL_MIN_RUNTIME_NS ||
	    attr->dl_runtime_ns > attr->dl_deadline_ns ||
	    attr->dl_deadline_ns > attr->dl_period_ns) {
		sched_log("sched: attr: need %llu <= runtime (%llu) <= "
			  "deadline (%llu) <= period (%llu)",
			  (unsigned long long)DL_MIN_RUNTIME_NS,
			  (unsigned long long)attr->dl_runtime_ns,
			  (unsigned long long)attr->dl_deadline_ns,
			  (unsigned long long)attr->dl_period_ns);
		return -EINVAL;
	}
	return 0;
}

static void dl_set_attr(struct thread *t, const struct sched_attr *attr,
			uint64_t now_ns)
{
	t->dl.runtime_ns = attr->dl_runtime_ns;
	t->dl.deadline_ns = attr->dl_deadline_ns;
	t->dl.period_ns = attr->dl_period_ns;
	t->dl.bw = dl_bw_of(attr->dl_runtime_ns, attr->dl_period_ns);
	t->dl.throttled = false;
	dl_new_job(t, now_ns);
}

uint64_t dl_job_done(struct thread *t, uint64_t now_ns)
{
	uint64_t release_ns = t->dl.job_release_ns + t->dl.period_ns;

	if (now_ns > t->dl.job_deadline_ns) {
		t->stats.dl_misses++;
		cpu_rq(t->cpu)->stats.dl_misses++; /* caller holds its lock */
		sched_trace(now_ns, t->cpu, STE_MISS, t, NULL,
			    (long long)(now_ns - t->dl.job_deadline_ns));
	}
	if (release_ns > now_ns) {
		/* The job is over until the next release: an exhausted
		 * budget throttles nothing, and what is left of the budget is
		 * not carried over. */
		t->dl.throttled = false;
		t->dl.budget_ns = 0;
		return release_ns;
	}
	/* Overran into the next period: that job is already released. The
	 * server keeps its current deadline and budget (CBS); only the job
	 * bookkeeping moves, so an overrunning thread gains nothing. */
	t->dl.job_release_ns = release_ns;
	t->dl.job_deadline_ns = release_ns + t->dl.deadline_ns;
	return 0;
}

const struct sched_class dl_class = {
	.name = "deadline",
	.enqueue = dl_enqueue,
	.dequeue = dl_dequeue,
	.pick_next = dl_pick_next,
	.put_prev = dl_put_prev,
	.update_curr = dl_update_curr,
	.tick = dl_tick,
	.wakeup_preempt = dl_wakeup_preempt,
	.select_cpu = dl_select_cpu,
	.pull = dl_pull,
	.next_event_ns = dl_next_event_ns,
	.check_attr = dl_check_attr,
	.set_attr = dl_set_attr,
};
