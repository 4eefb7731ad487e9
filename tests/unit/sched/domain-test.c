// SPDX-License-Identifier: MIT
/*
 * sched/domain.c, the domain builder: for machines from a laptop to 1024
 * CPUs and odd ones (a package whose LLC is split, cores without SMT, one
 * CPU, holes in ids, inconsistent ids, bad input), each CPU's chain, the
 * dropped levels, the groups, and the invariants of domain.h checked on
 * every CPU: spans strictly grow and end at the machine, groups partition
 * their domain's span in CPU order, parent/child links agree.
 *
 * Machines wider than the mask (CPUMASK_BITS, 256 until the 1024 limit
 * lands) are skipped with a message, not faked.
 *
 * Read next: sched/domain.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sched/domain.h"
#include "sched/sched.h"

#define MS NSEC_PER_MSEC

struct built {
	struct sched_domains sd;
	void *mem;
	int rc;
};

/* Regular machine: P packages x C cores x T threads, CPUs numbered with
 * SMT siblings adjacent; `nodes` per machine (a multiple or a divisor of
 * P), LLCs of `llc` cores (0: the package). Written independently of
 * schedsim's sim_spec_topology so each checks the other. */
static struct cpu_topo *regular(int P, int C, int T, int nodes, int llc)
{
	struct cpu_topo *t = calloc((size_t)(P * C * T), sizeof(*t));

	assert_non_null(t);
	if (!llc)
		llc = C;
	for (int p = 0; p < P; p++)
		for (int c = 0; c < C; c++)
			for (int h = 0; h < T; h++) {
				struct cpu_topo *x = &t[(p * C + c) * T + h];

				x->package = p;
				x->core = p * C + c;
				x->llc = p * 1000 + c / llc;
				x->node = nodes >= P ?
						  p * (nodes / P) +
							  c / (C / (nodes / P)) :
						  p / (P / nodes);
			}
	return t;
}

static void build(struct built *b, const struct cpu_topo *t, int n,
		  const uint8_t *dist, int nodes)
{
	size_t size = sched_domains_size(t, n, nodes);

	assert_true(size > 0);
	b->mem = aligned_alloc(8, (size + 7) & ~(size_t)7);
	assert_non_null(b->mem);
	b->rc = sched_domains_build(&b->sd, t, n, dist, nodes, b->mem, size);
	assert_true(b->rc >= 0);
}

static bool mask_equal(const struct cpumask *a, const struct cpumask *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static bool subset(const struct cpumask *a, const struct cpumask *b)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		if (a->bits[i] & ~b->bits[i])
			return false;
	return true;
}

/* Every invariant of domain.h, on every CPU. */
static void check_invariants(const struct sched_domains *sd, int n)
{
	struct cpumask all;

	cpumask_fill(&all, n);
	assert_int_equal(sd->nr_cpus, n);
	assert_true(mask_equal(&sd->machine->span, &all));
	assert_int_equal(sd->machine->weight, n);
	assert_null(sd->machine->parent);
	for (int c = 0; c < n; c++) {
		const struct sched_cpu_domains *cd = &sd->cpu[c];
		const struct sched_group *below = cd->self;

		assert_int_equal(cd->self->weight, 1);
		assert_int_equal(cd->self->first_cpu, c);
		assert_true(cpumask_test(&cd->self->span, c));
		assert_int_equal(cd->self->level, SD_CPU);
		if (n == 1)
			assert_int_equal(cd->nr, 0);
		else
			assert_true(cd->nr >= 1 && cd->nr <= SD_NR_LEVELS);
		for (int i = 0; i < cd->nr; i++) {
			const struct sched_domain *d = &cd->dom[i];
			const struct sched_group *g;
			struct cpumask u;
			int count = 0, last_first = -1, weight = 0;

			/* Strictly growing, containing the CPU, levels in
			 * order, links consistent. */
			assert_true(cpumask_test(&d->span->span, c));
			assert_true(subset(&below->span, &d->span->span));
			assert_true(d->span->weight > below->weight);
			assert_int_equal(d->span->weight,
					 cpumask_count(&d->span->span));
			assert_ptr_equal(below->parent, d->span);
			assert_ptr_equal(d->span, cd->at_level[d->level]);
			assert_int_equal(d->span->level, d->level);
			if (i) {
				assert_true(d->level > cd->dom[i - 1].level);
				assert_ptr_equal(d->child, &cd->dom[i - 1]);
				assert_ptr_equal(cd->dom[i - 1].parent, d);
			} else {
				assert_null(d->child);
			}
			assert_int_equal(d->interval_ns,
					 sched_domain_interval_ns(d->level));
			/* Groups partition the span, ordered, >= 2. */
			cpumask_clear(&u);
			for (g = d->groups; g; g = g->next) {
				assert_true(g->first_cpu > last_first);
				last_first = g->first_cpu;
				assert_false(cpumask_intersects(&u, &g->span));
				for_each_cpu(x, &g->span) u.bits[x / 64] |=
					1ull << (x % 64);
				assert_ptr_equal(g->parent, d->span);
				assert_int_equal(g->first_cpu,
						 cpumask_next(&g->span, 0));
				weight += g->weight;
				count++;
			}
			assert_int_equal(count, d->nr_groups);
			assert_true(count >= 2);
			assert_true(mask_equal(&u, &d->span->span));
			assert_int_equal(weight, d->span->weight);
			below = d->span;
		}
		/* The chain ends at the machine. */
		assert_ptr_equal(below, sd->machine);
		if (cd->nr)
			assert_null(cd->dom[cd->nr - 1].parent);
		for (int l = 0; l < SD_NR_LEVELS; l++)
			assert_true(cpumask_test(&cd->at_level[l]->span, c));
	}
}

/* CPU c's chain as "level:weight/groups ..." for compact expectations. */
static void chain(const struct sched_domains *sd, int c, char *out,
		  size_t len)
{
	size_t k = 0;

	out[0] = 0;
	for (int i = 0; i < sd->cpu[c].nr; i++) {
		const struct sched_domain *d = &sd->cpu[c].dom[i];

		k += (size_t)snprintf(out + k, len - k, "%s%s:%d/%d",
				      i ? " " : "",
				      sched_domain_level_name(d->level),
				      d->span->weight, d->nr_groups);
	}
}

static void expect_chain(const struct sched_domains *sd, int c,
			 const char *want)
{
	char got[128];

	chain(sd, c, got, sizeof(got));
	if (strcmp(got, want))
		fail_msg("cpu%d: chain '%s', want '%s'", c, got, want);
}

/* sched/arch.h's allocator, as the simulator's (domain.c needs only it). */
static int allocs;

void *arch_alloc(size_t size)
{
	allocs++;
	return calloc(1, size);
}

void arch_free(void *p)
{
	if (p)
		allocs--;
	free(p);
}

static void test_create_destroy(void **state)
{
	struct cpu_topo *t = regular(2, 4, 2, 2, 0);
	struct sched_domains sd = { .nr_cpus = -7 };

	(void)state;
	assert_int_equal(sched_domains_create(&sd, t, 16, NULL, 2), 1);
	assert_int_equal(allocs, 1);
	check_invariants(&sd, 16);
	sched_domains_destroy(&sd);
	assert_int_equal(allocs, 0);
	assert_null(sd.cpu);
	/* Bad topology: nothing allocated, *sd untouched. */
	sd.nr_cpus = -7;
	t[3].node = 2;
	assert_int_equal(sched_domains_create(&sd, t, 16, NULL, 2), -EINVAL);
	assert_int_equal(allocs, 0);
	assert_int_equal(sd.nr_cpus, -7);
	free(t);
}

static void done(struct built *b, struct cpu_topo *t)
{
	free(b->mem);
	free(t);
}

static bool too_wide(int n)
{
	if (n <= CPUMASK_BITS)
		return false;
	print_message("skipped: %d CPUs > CPUMASK_BITS %d\n", n, CPUMASK_BITS);
	return true;
}

static void test_laptop_1x4x2(void **state)
{
	struct cpu_topo *t = regular(1, 4, 2, 1, 0);
	struct built b;

	(void)state;
	build(&b, t, 8, NULL, 1);
	assert_int_equal(b.rc, 0);
	check_invariants(&b.sd, 8);
	/* SMT and LLC only: node and machine are the LLC. */
	for (int c = 0; c < 8; c++)
		expect_chain(&b.sd, c, "smt:2/2 llc:8/4");
	assert_int_equal(b.sd.nr_groups, 8 + 4 + 1);
	assert_ptr_equal(b.sd.machine, b.sd.cpu[5].at_level[SD_LLC]);
	assert_int_equal(b.sd.machine->level, SD_LLC);
	assert_int_equal(b.sd.cpu[3].dom[0].span->first_cpu, 2);
	assert_int_equal(b.sd.cpu[3].dom[0].interval_ns, 4 * MS);
	assert_int_equal(b.sd.cpu[3].dom[1].interval_ns, 8 * MS);
	assert_int_equal(sched_domains_common_level(&b.sd, 2, 3), SD_SMT);
	assert_int_equal(sched_domains_common_level(&b.sd, 2, 4), SD_LLC);
	assert_int_equal(sched_domains_common_level(&b.sd, 6, 6), SD_CPU);
	done(&b, t);
}

static void test_2x8x2_two_nodes(void **state)
{
	static const uint8_t dist[4] = { 10, 21, 21, 10 };
	struct cpu_topo *t = regular(2, 8, 2, 2, 0);
	struct built b;

	(void)state;
	build(&b, t, 32, dist, 2);
	assert_int_equal(b.rc, 0);
	check_invariants(&b.sd, 32);
	/* Node == package == LLC: the node level is dropped. */
	for (int c = 0; c < 32; c++)
		expect_chain(&b.sd, c, "smt:2/2 llc:16/8 machine:32/2");
	assert_int_equal(b.sd.nr_groups, 32 + 16 + 2 + 1);
	assert_int_equal(b.sd.machine->children->first_cpu, 0);
	assert_int_equal(b.sd.machine->children->next->first_cpu, 16);
	assert_int_equal(b.sd.cpu[20].dom[2].interval_ns, 128 * MS);
	assert_false(b.sd.cpu[20].dom[2].newidle);
	assert_int_equal(b.sd.distance[1], 21);
	assert_int_equal(sched_domains_common_level(&b.sd, 3, 17),
			 SD_MACHINE);
	assert_int_equal(sched_domains_common_level(&b.sd, 3, 15), SD_LLC);
	done(&b, t);
}

/* Nodes inside a package (sub-NUMA clusters) and LLCs inside nodes: all
 * four levels. */
static void test_4_levels_2x16x2_snc(void **state)
{
	struct cpu_topo *t = regular(2, 16, 2, 4, 4);
	struct built b;

	(void)state;
	build(&b, t, 64, NULL, 4);
	assert_int_equal(b.rc, 1); /* 4 nodes, no distances: fallback */
	assert_int_equal(b.sd.distance[0 * 4 + 3], 20);
	assert_int_equal(b.sd.distance[2 * 4 + 2], 10);
	check_invariants(&b.sd, 64);
	for (int c = 0; c < 64; c++)
		expect_chain(&b.sd, c,
			     "smt:2/2 llc:8/4 node:16/2 machine:64/4");
	assert_true(b.sd.cpu[0].dom[2].newidle);
	assert_int_equal(b.sd.cpu[0].dom[2].interval_ns, 32 * MS);
	done(&b, t);
}

static void test_512_four_nodes(void **state)
{
	struct cpu_topo *t;
	struct built b;

	(void)state;
	if (too_wide(512))
		skip();
	t = regular(4, 64, 2, 4, 0);
	build(&b, t, 512, NULL, 4);
	check_invariants(&b.sd, 512);
	for (int c = 0; c < 512; c += 37)
		expect_chain(&b.sd, c, "smt:2/2 llc:128/64 machine:512/4");
	assert_int_equal(b.sd.nr_groups, 512 + 256 + 4 + 1);
	done(&b, t);
}

static void test_1024(void **state)
{
	struct cpu_topo *t;
	struct built b;

	(void)state;
	if (too_wide(1024))
		skip();
	t = regular(8, 64, 2, 8, 16);
	build(&b, t, 1024, NULL, 8);
	check_invariants(&b.sd, 1024);
	for (int c = 0; c < 1024; c += 53)
		expect_chain(&b.sd, c,
			     "smt:2/2 llc:32/16 node:128/4 machine:1024/8");
	assert_int_equal(b.sd.nr_groups, 1024 + 512 + 32 + 8 + 1);
	print_message("1024 CPUs: %zu bytes\n",
		      sched_domains_size(t, 1024, 8));
	done(&b, t);
}

/*
 * Package 0: 4 cores x 2 threads, its LLC split in two (cores 0-1, 2-3);
 * package 1: 4 cores, no SMT, one LLC. One node per package.
 */
static void test_asymmetric(void **state)
{
	struct cpu_topo t[12];
	struct built b;

	(void)state;
	for (int c = 0; c < 8; c++)
		t[c] = (struct cpu_topo){ .core = c / 2, .llc = c / 4,
					  .package = 0, .node = 0 };
	for (int c = 8; c < 12; c++)
		t[c] = (struct cpu_topo){ .core = c, .llc = 7, .package = 1,
					  .node = 1 };
	build(&b, t, 12, NULL, 2);
	check_invariants(&b.sd, 12);
	expect_chain(&b.sd, 0, "smt:2/2 llc:4/2 node:8/2 machine:12/2");
	expect_chain(&b.sd, 7, "smt:2/2 llc:4/2 node:8/2 machine:12/2");
	/* No SMT, and the LLC is the whole package and node. */
	expect_chain(&b.sd, 9, "llc:4/4 machine:12/2");
	assert_int_equal(b.sd.cpu[9].dom[0].groups->weight, 1);
	assert_int_equal(b.sd.machine->children->next->level, SD_LLC);
	/* 12 CPUs, 4 cores, 2+1 LLCs, package 0, the machine. */
	assert_int_equal(b.sd.nr_groups, 12 + 4 + 3 + 1 + 1);
	assert_ptr_equal(b.sd.cpu[9].at_level[SD_SMT], b.sd.cpu[9].self);
	free(b.mem);
}

static void test_one_cpu(void **state)
{
	struct cpu_topo t = { 0 };
	struct built b;

	(void)state;
	build(&b, &t, 1, NULL, 1);
	check_invariants(&b.sd, 1);
	assert_null(sched_domain_base(&b.sd, 0));
	assert_int_equal(b.sd.nr_groups, 1);
	assert_ptr_equal(b.sd.machine, b.sd.cpu[0].self);
	free(b.mem);
}

/* Sparse ids (as x2APIC-derived ones are) give the same domains as dense
 * ones; an LLC id reused in two packages is still two LLCs. */
static void test_holes_and_reused_ids(void **state)
{
	struct cpu_topo *dense = regular(2, 4, 2, 2, 0), t[16];
	struct built a, b;

	(void)state;
	for (int c = 0; c < 16; c++)
		t[c] = (struct cpu_topo){ .core = 1000 - 37 * (c / 2),
					  .llc = 5, /* both packages! */
					  .package = 3 + 9 * (c / 8),
					  .node = c / 8 };
	build(&a, dense, 16, NULL, 2);
	build(&b, t, 16, NULL, 2);
	check_invariants(&b.sd, 16);
	assert_int_equal(a.sd.nr_groups, b.sd.nr_groups);
	for (int c = 0; c < 16; c++) {
		char x[128], y[128];

		chain(&a.sd, c, x, sizeof(x));
		chain(&b.sd, c, y, sizeof(y));
		assert_string_equal(x, y);
		for (int i = 0; i < a.sd.cpu[c].nr; i++)
			assert_true(mask_equal(&a.sd.cpu[c].dom[i].span->span,
					       &b.sd.cpu[c].dom[i].span->span));
	}
	expect_chain(&b.sd, 0, "smt:2/2 llc:8/4 machine:16/2");
	done(&a, dense);
	free(b.mem);
}

static void test_bad_input(void **state)
{
	struct cpu_topo t[4] = { { .core = 0 }, { .core = 1 },
				 { .core = 2, .node = 1 },
				 { .core = 3, .node = 1 } };
	static const uint8_t bad_diag[4] = { 10, 20, 20, 0 };
	static const uint8_t bad_remote[4] = { 10, 10, 20, 10 };
	static const uint8_t good[4] = { 10, 32, 32, 10 };
	struct sched_domains sd = { .nr_cpus = -7 };
	size_t size = sched_domains_size(t, 4, 2);
	void *mem = aligned_alloc(8, (size + 7) & ~(size_t)7);

	(void)state;
	assert_non_null(mem);
	/* Node beyond the matrix, negative ids, no CPUs, too many: size 0
	 * and -EINVAL, *sd untouched. */
	assert_int_equal(sched_domains_size(t, 4, 1), 0);
	assert_int_equal(sched_domains_build(&sd, t, 4, NULL, 1, mem, size),
			 -EINVAL);
	t[1].core = -1;
	assert_int_equal(sched_domains_size(t, 4, 2), 0);
	assert_int_equal(sched_domains_build(&sd, t, 4, NULL, 2, mem, size),
			 -EINVAL);
	t[1].core = 1;
	assert_int_equal(sched_domains_size(t, 0, 1), 0);
	assert_int_equal(sched_domains_size(t, CPUMASK_BITS + 1, 1), 0);
	/* Too little memory, misaligned memory. */
	assert_int_equal(sched_domains_build(&sd, t, 4, NULL, 2, mem,
					     size - 1),
			 -EINVAL);
	assert_int_equal(sched_domains_build(&sd, t, 4, NULL, 2,
					     (char *)mem + 1, size - 8),
			 -EINVAL);
	assert_int_equal(sd.nr_cpus, -7);
	/* A bad SLIT: 10/20 instead, return 1 for the caller's log line. */
	assert_int_equal(sched_domains_build(&sd, t, 4, bad_diag, 2, mem, size),
			 1);
	assert_int_equal(sd.distance[3], 10);
	assert_int_equal(sd.distance[1], 20);
	assert_int_equal(sched_domains_build(&sd, t, 4, bad_remote, 2, mem,
					     size),
			 1);
	assert_int_equal(sd.distance[1], 20);
	assert_int_equal(sched_domains_build(&sd, t, 4, good, 2, mem, size),
			 0);
	assert_int_equal(sd.distance[2], 32);
	check_invariants(&sd, 4);
	/* One package, two nodes, no SMT, one LLC id: the node splits the
	 * LLC, and that span is named by its lowest level. */
	expect_chain(&sd, 0, "llc:2/2 machine:4/2");
	free(mem);
}

/* xorshift64*: deterministic, no libc randomness. */
static uint64_t rnd(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545F4914F6CDD1Dull;
}

/* Whatever the ids (firmware-derived, so anything), every invariant
 * holds: 300 random machines of 1..300 CPUs with ids from small ranges
 * (many coincidences, ids that contradict each other across levels). */
static void test_random_topologies(void **state)
{
	uint64_t seed = 0x5eed;

	(void)state;
	for (int round = 0; round < 300; round++) {
		int n = 1 + (int)(rnd(&seed) % 300);
		int nodes = 1 + (int)(rnd(&seed) % 4);
		int span = 1 + (int)(rnd(&seed) % 40);
		struct cpu_topo *t = calloc((size_t)n, sizeof(*t));
		struct built b;

		assert_non_null(t);
		for (int c = 0; c < n; c++) {
			t[c].core = (int)(rnd(&seed) % (uint64_t)span);
			t[c].llc = (int)(rnd(&seed) % 4);
			t[c].package = (int)(rnd(&seed) % 3);
			t[c].node = (int)(rnd(&seed) % (uint64_t)nodes);
		}
		build(&b, t, n, NULL, nodes);
		check_invariants(&b.sd, n);
		/* common_level agrees with the undropped spans. */
		for (int k = 0; k < 20 && n > 1; k++) {
			int a = (int)(rnd(&seed) % (uint64_t)n);
			int c = (int)(rnd(&seed) % (uint64_t)n);
			int l = sched_domains_common_level(&b.sd, a, c);

			if (a == c) {
				assert_int_equal(l, SD_CPU);
				continue;
			}
			assert_true(cpumask_test(&b.sd.cpu[a].at_level[l]->span,
						 c));
			if (l > SD_SMT)
				assert_false(cpumask_test(
					&b.sd.cpu[a].at_level[l - 1]->span, c));
		}
		done(&b, t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_laptop_1x4x2),
		cmocka_unit_test(test_2x8x2_two_nodes),
		cmocka_unit_test(test_4_levels_2x16x2_snc),
		cmocka_unit_test(test_512_four_nodes),
		cmocka_unit_test(test_1024),
		cmocka_unit_test(test_asymmetric),
		cmocka_unit_test(test_one_cpu),
		cmocka_unit_test(test_holes_and_reused_ids),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_random_topologies),
		cmocka_unit_test(test_create_destroy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
