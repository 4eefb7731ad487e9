// SPDX-License-Identifier: MIT
/*
 * schedsim reports over a finished run. Each report is its own function
 * (declared in stats.h with its definition of what it measures); they
 * read the simulator's threads and the scheduler's statistics and change
 * no scheduling state (the fair-share report only brings run-time
 * accounting up to date, as a timer event would).
 *
 * Read next: stats.h (definitions), main.c (--fair-share).
 */
#include "tools/schedsim/stats.h"

#include <string.h>

#include "sched/sched_internal.h"

/* ---- Fair share (issue 13) ------------------------------------------------ */

/* Runnable for its whole life: fair, and its script only runs. */
static bool is_fair_hog(const struct sim_thread *st)
{
	if (st->create_err || st->spec.attr.policy != SCHED_POLICY_FAIR)
		return false;
	for (int a = 0; a < st->spec.nactions; a++)
		if (st->spec.actions[a].kind != SIM_ACT_RUN &&
		    st->spec.actions[a].kind != SIM_ACT_LOOP)
			return false;
	return true;
}

int sim_fair_share(struct sim *s, struct sim_fair_share *r)
{
	uint64_t dur = s->spec.duration_ns, left, wsum;
	uint64_t life[SIM_MAX_THREADS];
	bool capped[SIM_MAX_THREADS];

	memset(r, 0, sizeof(*r));
	r->worst = -1;
	sim_current = s;
	sched_account_all();
	r->capacity_ns = (uint64_t)s->spec.ncpus * dur;
	for (int i = 0; i < s->nthreads; i++) {
		struct sim_thread *st = &s->threads[i];

		if (!is_fair_hog(st)) {
			r->other_ns += st->t.stats.run_ns;
			continue;
		}
		struct sim_fair_share_thread *h = &r->th[r->n];

		h->idx = i;
		h->weight = fair_weight_of_nice(st->spec.attr.nice);
		h->run_ns = st->t.stats.run_ns;
		life[r->n] = st->spec.arrive_ns < dur ?
				     dur - st->spec.arrive_ns : 0;
		capped[r->n] = false;
		r->n++;
	}
	r->fair_ns = r->capacity_ns > r->other_ns ?
			     r->capacity_ns - r->other_ns : 0;

	/* Water-filling: cap whoever is due more than its lifetime, share
	 * the rest by weight among the others, until nobody exceeds. */
	for (bool again = true; again;) {
		again = false;
		left = r->fair_ns;
		wsum = 0;
		for (int k = 0; k < r->n; k++) {
			if (capped[k])
				left -= left > life[k] ? life[k] : left;
			else
				wsum += r->th[k].weight;
		}
		for (int k = 0; k < r->n; k++) {
			struct sim_fair_share_thread *h = &r->th[k];

			if (capped[k]) {
				h->share_ns = life[k];
				continue;
			}
			h->share_ns = wsum ? (uint64_t)((unsigned __int128)left *
							h->weight / wsum) :
					     0;
			if (h->share_ns > life[k]) {
				capped[k] = true;
				again = true;
			}
		}
	}
	for (int k = 0; k < r->n; k++) {
		struct sim_fair_share_thread *h = &r->th[k];
		uint64_t d = h->run_ns > h->share_ns ? h->run_ns - h->share_ns :
						       h->share_ns - h->run_ns;

		h->err_ppm = h->share_ns ? (uint32_t)(d * 1000000 /
						      h->share_ns) :
					   (d ? 1000000 : 0);
		if (r->worst < 0 || h->err_ppm > r->max_err_ppm) {
			r->max_err_ppm = h->err_ppm;
			r->worst = k;
		}
	}
	return r->n;
}

void sim_print_fair_share(const struct sim *s, const struct sim_fair_share *r,
			  FILE *out)
{
	fprintf(out, "\nfair share: %d CPUs x %llu us = %llu us; RT, deadline "
		"and other use %llu us; fair hogs share %llu us\n",
		s->spec.ncpus,
		(unsigned long long)(s->spec.duration_ns / 1000),
		(unsigned long long)(r->capacity_ns / 1000),
		(unsigned long long)(r->other_ns / 1000),
		(unsigned long long)(r->fair_ns / 1000));
	fprintf(out, "%-10s %6s %10s %10s %8s\n", "thread", "weight", "run_us",
		"share_us", "error%");
	for (int k = 0; k < r->n; k++) {
		const struct sim_fair_share_thread *h = &r->th[k];
		long long signed_err = h->run_ns >= h->share_ns ?
					       (long long)h->err_ppm :
					       -(long long)h->err_ppm;

		fprintf(out, "%-10s %6u %10llu %10llu %+8.2f\n",
			s->threads[h->idx].spec.name, h->weight,
			(unsigned long long)(h->run_ns / 1000),
			(unsigned long long)(h->share_ns / 1000),
			(double)signed_err / 10000.0);
	}
	if (r->worst >= 0)
		fprintf(out, "fair share: max error %.2f%% (%s)\n",
			r->max_err_ppm / 10000.0,
			s->threads[r->th[r->worst].idx].spec.name);
}
