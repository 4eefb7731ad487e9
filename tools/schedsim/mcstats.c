// SPDX-License-Identifier: MIT
/*
 * schedsim's many-core reports (contract in mcstats.h). Host only: reads
 * the scheduler's state between events (the simulator is single-threaded,
 * nothing runs concurrently), never changes it, so a run with --stats
 * makes exactly the decisions of a run without.
 *
 * Read next: docs/scheduler.md "Reports".
 */
#include "tools/schedsim/mcstats.h"

#include <stdlib.h>
#include <string.h>

#include "sched/sched_internal.h"

int sim_stats_attach(struct sim *s, uint64_t settle_ns)
{
	struct sim_stats *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	st->thr = calloc((size_t)s->nthreads + 1, sizeof(*st->thr));
	st->wc_since = calloc((size_t)s->spec.ncpus, sizeof(*st->wc_since));
	if (!st->thr || !st->wc_since) {
		free(st->thr);
		free(st->wc_since);
		free(st);
		return -1;
	}
	st->settle_ns = settle_ns ? settle_ns : s->spec.duration_ns / 2;
	for (int i = 0; i < s->nthreads; i++)
		st->thr[i].last_cpu = -1;
	s->stats = st;
	return 0;
}

void sim_stats_detach(struct sim *s)
{
	if (!s->stats)
		return;
	free(s->stats->thr);
	free(s->stats->wc_since);
	free(s->stats->tid_map);
	free(s->stats);
	s->stats = NULL;
}

/* A thread waiting in a queue that may run now (throttled RT or deadline
 * work waits for its window, not for a CPU). */
static bool waiting_runnable(const struct thread *t)
{
	if (t->state != THREAD_RUNNABLE || t == cpu_rq(t->cpu)->curr)
		return false;
	if (t->class == &rt_class && cpu_rq(t->cpu)->rt.throttled)
		return false;
	if (t->class == &dl_class && t->dl.throttled)
		return false;
	return true;
}

void sim_stats_advance(struct sim *s, uint64_t to_ns)
{
	struct sim_stats *st = s->stats;
	struct cpumask idle, want, now_wasting;
	int n = s->spec.ncpus, nidle = 0;
	unsigned queued = 0;

	if (!st || to_ns <= s->now_ns)
		return;
	cpumask_clear(&idle);
	cpumask_clear(&want);
	for (int c = 0; c < n; c++) {
		if (s->cpu[c].curr == &s->cpu[c].idle) {
			cpumask_set(&idle, c);
			nidle++;
		}
		queued += cpu_rq(c)->nr_queued;
	}
	if (nidle && queued)
		for (int i = 0; i < s->nthreads; i++) {
			struct thread *t = &s->threads[i].t;

			if (!s->threads[i].started || s->threads[i].create_err ||
			    !waiting_runnable(t))
				continue;
			if (t->class == &dl_class) {
				cpumask_set(&want, t->dl.home_cpu);
				continue;
			}
			for (int w = 0; w < CPUMASK_WORDS; w++)
				want.bits[w] |= t->allowed.bits[w];
		}
	for (int w = 0; w < CPUMASK_WORDS; w++)
		now_wasting.bits[w] = want.bits[w] & idle.bits[w];
	/* Stretches: per CPU, from the first wasted instant to the last. */
	for (int w = 0; w < CPUMASK_WORDS; w++) {
		uint64_t changed = now_wasting.bits[w] ^ st->wasting.bits[w];

		while (changed) {
			int c = w * 64 + __builtin_ctzll(changed);

			changed &= changed - 1;
			if (c >= n)
				continue;
			if (cpumask_test(&now_wasting, c)) {
				st->wc_since[c] = s->now_ns;
				st->wc_stretches++;
			} else if (s->now_ns - st->wc_since[c] > st->wc_worst_ns) {
				st->wc_worst_ns = s->now_ns - st->wc_since[c];
			}
		}
	}
	st->wasting = now_wasting;
	st->wc_waste_ns += (uint64_t)cpumask_count(&now_wasting) *
			   (to_ns - s->now_ns);
}

enum sim_mig_level sim_mig_level(const struct sim *s, int a, int b)
{
	const struct cpu_topo *x = &s->topo[a], *y = &s->topo[b];

	if (x->node != y->node)
		return SIM_MIG_REMOTE;
	if (x->package != y->package || x->llc != y->llc)
		return SIM_MIG_NODE;
	if (x->core != y->core)
		return SIM_MIG_LLC;
	return SIM_MIG_CORE;
}

const char *sim_mig_level_name(enum sim_mig_level l)
{
	static const char *const names[] = { "core", "llc", "node",
					     "remote" };
	return l < SIM_MIG_LEVELS ? names[l] : "?";
}

void sim_stats_switch(struct sim *s, struct sim_thread *next, int cpu)
{
	struct sim_stats *st = s->stats;
	struct sim_thread_mig *m;
	enum sim_mig_level l;

	if (!st || !next)
		return;
	m = &st->thr[next - s->threads];
	m->runs++;
	if (m->last_cpu >= 0 && m->last_cpu != cpu) {
		l = sim_mig_level(s, m->last_cpu, cpu);
		m->by_level[l]++;
		st->by_level[l]++;
		if (l == SIM_MIG_REMOTE && s->now_ns >= st->settle_ns) {
			m->remote_settled++;
			st->remote_settled++;
		}
	}
	m->last_cpu = cpu;
	if (next->t.tid >= st->tid_map_n) {
		int n = next->t.tid * 2 + 64;
		int *map = realloc(st->tid_map, (size_t)n * sizeof(int));

		if (!map)
			return; /* the wake-up report misses this thread */
		for (int i = st->tid_map_n; i < n; i++)
			map[i] = -1;
		st->tid_map = map;
		st->tid_map_n = n;
	}
	if (next->t.tid >= 0)
		st->tid_map[next->t.tid] = (int)(next - s->threads);
}

void sim_stats_wake(struct sim *s, int tid, int cpu)
{
	struct sim_stats *st = s->stats;
	const struct sim_thread_mig *m;
	enum sim_mig_level l;

	/* A thread that never ran has no CPU to leave (it was never in the
	 * map: a wake-up always follows a run). */
	if (!st || tid < 0 || tid >= st->tid_map_n || st->tid_map[tid] < 0 ||
	    cpu < 0 || cpu >= s->spec.ncpus)
		return;
	m = &st->thr[st->tid_map[tid]];
	if (m->last_cpu < 0 || m->last_cpu == cpu)
		return;
	l = sim_mig_level(s, m->last_cpu, cpu);
	st->wake_by_level[l]++;
	if (l == SIM_MIG_REMOTE && s->now_ns >= st->settle_ns)
		st->wake_remote_settled++;
}

/* ---- Output ----------------------------------------------------------------- */

static uint64_t thread_switches(const struct sim_thread *st)
{
	return st->t.stats.voluntary_switches +
	       st->t.stats.involuntary_switches;
}

static uint64_t thread_migrations(const struct sim_stats *st, int i)
{
	uint64_t m = 0;

	for (int l = 0; l < SIM_MIG_LEVELS; l++)
		m += st->thr[i].by_level[l];
	return m;
}

struct summary {
	uint64_t min, max, sum;
	int n;
};

static void sum_add(struct summary *x, uint64_t v)
{
	if (!x->n || v < x->min)
		x->min = v;
	if (!x->n || v > x->max)
		x->max = v;
	x->sum += v;
	x->n++;
}

/* The longest stretch, counting those still open at the end of the run. */
static uint64_t wc_worst(const struct sim *s)
{
	const struct sim_stats *st = s->stats;
	uint64_t worst = st->wc_worst_ns;

	for (int c = 0; c < s->spec.ncpus; c++)
		if (cpumask_test(&st->wasting, c) &&
		    s->now_ns - st->wc_since[c] > worst)
			worst = s->now_ns - st->wc_since[c];
	return worst;
}

/* stats.c's fair-share report, and for each thread its entry or NULL. */
static struct sim_fair_share fair;

static const struct sim_fair_share_thread **fair_by_thread(struct sim *s)
{
	const struct sim_fair_share_thread **by =
		calloc((size_t)s->nthreads + 1, sizeof(*by));

	if (!by)
		return NULL;
	sim_fair_share(s, &fair);
	for (int k = 0; k < fair.n; k++)
		by[fair.th[k].idx] = &fair.th[k];
	return by;
}

static long long signed_ppm(const struct sim_fair_share_thread *h)
{
	return h->run_ns >= h->share_ns ? (long long)h->err_ppm :
					  -(long long)h->err_ppm;
}

void sim_stats_print(struct sim *s, FILE *out)
{
	const struct sim_stats *st = s->stats;
	uint64_t capacity = (uint64_t)s->spec.ncpus * s->spec.duration_ns;
	const struct sim_fair_share_thread **by;
	struct summary sw = { 0 }, mig = { 0 };

	if (!st || !(by = fair_by_thread(s)))
		return;
	fprintf(out, "\nstats: %d CPUs, %d node(s), %d threads, %llu ms\n",
		s->spec.ncpus, s->nr_nodes, s->nthreads,
		(unsigned long long)(s->spec.duration_ns / NSEC_PER_MSEC));
	fprintf(out,
		"work conservation: %llu us idle with an allowed waiter "
		"(%llu ppm of capacity), %llu stretches, longest %llu us\n",
		(unsigned long long)(st->wc_waste_ns / 1000),
		(unsigned long long)(capacity ? st->wc_waste_ns * 1000000 /
							capacity :
						0),
		(unsigned long long)st->wc_stretches,
		(unsigned long long)(wc_worst(s) / 1000));
	fprintf(out, "migrations by level:");
	for (int l = 0; l < SIM_MIG_LEVELS; l++)
		fprintf(out, " %s %llu", sim_mig_level_name(l),
			(unsigned long long)st->by_level[l]);
	fprintf(out, "; cross-node after %llu ms: %llu\n",
		(unsigned long long)(st->settle_ns / NSEC_PER_MSEC),
		(unsigned long long)st->remote_settled);
	fprintf(out, "wake-up placements off the last CPU by level:");
	for (int l = 0; l < SIM_MIG_LEVELS; l++)
		fprintf(out, " %s %llu", sim_mig_level_name(l),
			(unsigned long long)st->wake_by_level[l]);
	fprintf(out, "; cross-node after %llu ms: %llu\n",
		(unsigned long long)(st->settle_ns / NSEC_PER_MSEC),
		(unsigned long long)st->wake_remote_settled);
	for (int i = 0; i < s->nthreads; i++) {
		if (s->threads[i].create_err)
			continue;
		sum_add(&sw, thread_switches(&s->threads[i]));
		sum_add(&mig, thread_migrations(st, i));
	}
	if (sw.n)
		fprintf(out,
			"per thread: switches min %llu mean %llu max %llu; "
			"migrations min %llu mean %llu max %llu\n",
			(unsigned long long)sw.min,
			(unsigned long long)(sw.sum / (uint64_t)sw.n),
			(unsigned long long)sw.max, (unsigned long long)mig.min,
			(unsigned long long)(mig.sum / (uint64_t)mig.n),
			(unsigned long long)mig.max);
	if (fair.worst >= 0)
		fprintf(out,
			"fair share: %d always-runnable fair threads, worst "
			"error %+.2f%% (%s)\n",
			fair.n, (double)signed_ppm(&fair.th[fair.worst]) / 1e4,
			s->threads[fair.th[fair.worst].idx].spec.name);
	if (s->nthreads <= 64) {
		fprintf(out, "\n%-15s %8s %6s %6s %6s %6s %6s %7s %9s\n",
			"thread", "switches", "migr", "core", "llc", "node",
			"remote", "settled", "share_err");
		for (int i = 0; i < s->nthreads; i++) {
			const struct sim_thread_mig *m = &st->thr[i];
			char err[16] = "-";

			if (s->threads[i].create_err)
				continue;
			if (by[i])
				snprintf(err, sizeof(err), "%+.2f%%",
					 (double)signed_ppm(by[i]) / 1e4);
			fprintf(out,
				"%-15s %8llu %6llu %6llu %6llu %6llu %6llu "
				"%7llu %9s\n",
				s->threads[i].spec.name,
				(unsigned long long)thread_switches(
					&s->threads[i]),
				(unsigned long long)thread_migrations(st, i),
				(unsigned long long)m->by_level[SIM_MIG_CORE],
				(unsigned long long)m->by_level[SIM_MIG_LLC],
				(unsigned long long)m->by_level[SIM_MIG_NODE],
				(unsigned long long)m->by_level[SIM_MIG_REMOTE],
				(unsigned long long)m->remote_settled, err);
		}
	}
	free(by);
}

/* Names are scenario words (no spaces), escaped anyway. */
static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

void sim_stats_json(struct sim *s, const char *scenario, FILE *out)
{
	const struct sim_stats *st = s->stats;
	const struct sim_fair_share_thread **by;

	if (!st || !(by = fair_by_thread(s)))
		return;
	fprintf(out, "{\"scenario\": ");
	json_str(out, scenario);
	fprintf(out,
		", \"cpus\": %d, \"nodes\": %d, \"threads\": %d, "
		"\"duration_ns\": %llu, \"settle_ns\": %llu, \"events\": %llu,\n"
		" \"work_conservation\": {\"waste_ns\": %llu, "
		"\"worst_ns\": %llu, \"stretches\": %llu},\n"
		" \"fair_share_max_error_ppm\": %llu,\n"
		" \"migrations\": {",
		s->spec.ncpus, s->nr_nodes, s->nthreads,
		(unsigned long long)s->spec.duration_ns,
		(unsigned long long)st->settle_ns,
		(unsigned long long)s->events,
		(unsigned long long)st->wc_waste_ns,
		(unsigned long long)wc_worst(s),
		(unsigned long long)st->wc_stretches,
		(unsigned long long)fair.max_err_ppm);
	for (int l = 0; l < SIM_MIG_LEVELS; l++)
		fprintf(out, "\"%s\": %llu, ", sim_mig_level_name(l),
			(unsigned long long)st->by_level[l]);
	fprintf(out, "\"remote_settled\": %llu},\n \"wake_migrations\": {",
		(unsigned long long)st->remote_settled);
	for (int l = 0; l < SIM_MIG_LEVELS; l++)
		fprintf(out, "\"%s\": %llu, ", sim_mig_level_name(l),
			(unsigned long long)st->wake_by_level[l]);
	fprintf(out, "\"remote_settled\": %llu},\n \"per_thread\": [\n",
		(unsigned long long)st->wake_remote_settled);
	for (int i = 0; i < s->nthreads; i++) {
		const struct sim_thread *t = &s->threads[i];
		const struct sim_thread_mig *m = &st->thr[i];

		fprintf(out, "  {\"name\": ");
		json_str(out, t->spec.name);
		fprintf(out,
			", \"refused\": %d, \"run_ns\": %llu, \"switches\": %llu, "
			"\"migrations\": {\"core\": %llu, \"llc\": %llu, "
			"\"node\": %llu, \"remote\": %llu}, "
			"\"remote_settled\": %llu",
			t->create_err, (unsigned long long)t->t.stats.run_ns,
			(unsigned long long)thread_switches(t),
			(unsigned long long)m->by_level[0],
			(unsigned long long)m->by_level[1],
			(unsigned long long)m->by_level[2],
			(unsigned long long)m->by_level[3],
			(unsigned long long)m->remote_settled);
		if (by[i])
			fprintf(out, ", \"share_ns\": %llu, \"share_error_ppm\": %lld",
				(unsigned long long)by[i]->share_ns,
				signed_ppm(by[i]));
		fprintf(out, "}%s\n", i + 1 < s->nthreads ? "," : "");
	}
	fprintf(out, " ]}\n");
	free(by);
}
