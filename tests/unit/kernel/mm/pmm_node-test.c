// SPDX-License-Identifier: MIT
/*
 * kernel/mm/pmm_node.c, the NUMA side of the page allocator, and the pmm
 * core calls it builds on (pmm_core_alloc_range, pmm_core_usable_in,
 * pmm_core_free_in): splitting the tracked pages by SRAT memory ranges
 * (exact tables for two nodes, node-0 gaps with their one line, merged
 * neighbours), hostile ranges (overlapping, inside another, covering no
 * usable page, naming no node, wrapping past 2^64, above every page, a
 * node with memory and no CPU: trimmed or dropped with one line, never a
 * failed build), page -> node lookup against a linear scan, the fallback
 * order by distance (ties by id, own node first even when another is at
 * distance 10), node-bound allocation (never outside the node's ranges,
 * next fit within the node, exhaustion then -1), per-node accounting of
 * runs across ranges, the resident-page counters and the home node; and
 * a randomized run (fixed seed) of arbitrary SRAT tables checking the
 * map's invariants (sorted, disjoint, covering every page; a page's node
 * is one of the ranges that hold it, or 0).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/mm/pmm_node.h"

#define PG 4096ULL

static struct pmm p;
static void *storage;
static struct pmm_node_map map;
static char lines[32][160];
static int nlines;

static void log_cb(void *ctx, const char *msg)
{
	(void)ctx;
	if (nlines < 32)
		snprintf(lines[nlines], sizeof(lines[0]), "%s", msg);
	nlines++;
}

static int has_line(const char *needle)
{
	for (int i = 0; i < nlines && i < 32; i++)
		if (strstr(lines[i], needle))
			return 1;
	return 0;
}

static void init(uint64_t npages)
{
	free(storage);
	size_t bytes = pmm_bitmap_bytes(npages);
	storage = malloc(bytes ? bytes : 1);
	assert_non_null(storage);
	pmm_core_init(&p, storage, npages);
	nlines = 0;
}

static int teardown(void **state)
{
	(void)state;
	free(storage);
	storage = NULL;
	return 0;
}

/* n nodes, 10 local, `remote` elsewhere. */
static struct topo_nodes nodes_of(int n, int remote)
{
	struct topo_nodes t;
	memset(&t, 0, sizeof(t));
	t.n = n;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			t.distance[i][j] = i == j ? 10 : (uint8_t)remote;
	t.from_srat = true;
	return t;
}

static void build(const struct pmm_node_srat *s, int n, int nnodes)
{
	struct topo_nodes t = nodes_of(nnodes, 20);
	pmm_node_map_build(&map, &p, s, n, &t, NULL, log_cb, NULL);
}

static void assert_range(int i, uint64_t start, uint64_t end, int node)
{
	assert_true(i < map.n);
	assert_int_equal(map.r[i].start, start);
	assert_int_equal(map.r[i].end, end);
	assert_int_equal(map.r[i].node, node);
}

/* The invariants of every built map. */
static void check_map(void)
{
	assert_true(map.n >= 1);
	assert_int_equal(map.r[0].start, 0);
	assert_int_equal(map.r[map.n - 1].end, p.npages);
	for (int i = 0; i < map.n; i++) {
		assert_true(map.r[i].start < map.r[i].end);
		assert_true(map.r[i].node >= 0 && map.r[i].node < map.nnodes);
		if (i)
			assert_int_equal(map.r[i].start, map.r[i - 1].end);
	}
}

/* ---- Splitting the memory by SRAT ranges ---- */

/* QEMU's two-node layout in small: node 0 [0, 0xa0000) (reserved low
 * memory) and [1 MiB, 4 MiB), node 1 [4 MiB, 8 MiB); usable from 1 MiB. */
static void test_two_nodes_split_exactly(void **state)
{
	(void)state;
	init(2048);
	pmm_core_add(&p, 256, 2048 - 256);
	struct pmm_node_srat s[] = {
		{ 0x100000, 0x300000, 0 },
		{ 0x400000, 0x400000, 1 },
		{ 0, 0xa0000, 0 },
	};
	build(s, 3, 2);
	check_map();
	/* The low range holds no usable page: dropped, with a line; the
	 * gap below 1 MiB then merges into node 0's range. */
	assert_true(has_line("holds no page the allocator manages"));
	assert_int_equal(map.n, 2);
	assert_range(0, 0, 1024, 0);
	assert_range(1, 1024, 2048, 1);
	assert_false(has_line("in no SRAT range")); /* the gap has no RAM */
	assert_int_equal(pmm_node_of_pfn(&map, 0), 0);
	assert_int_equal(pmm_node_of_pfn(&map, 1023), 0);
	assert_int_equal(pmm_node_of_pfn(&map, 1024), 1);
	assert_int_equal(pmm_node_of_pfn(&map, 2047), 1);
	assert_int_equal(pmm_node_of_pfn(&map, 5000), 0); /* past the map */
}

static void test_pages_in_no_range_go_to_node_0_with_one_line(void **state)
{
	(void)state;
	init(1000);
	pmm_core_add(&p, 0, 1000);
	struct pmm_node_srat s[] = {
		{ 100 * PG, 100 * PG, 1 },
		{ 500 * PG, 100 * PG, 1 },
	};
	build(s, 2, 2);
	check_map();
	assert_int_equal(map.n, 5);
	assert_range(0, 0, 100, 0);
	assert_range(1, 100, 200, 1);
	assert_range(2, 200, 500, 0);
	assert_range(3, 500, 600, 1);
	assert_range(4, 600, 1000, 0);
	assert_int_equal(nlines, 1);
	assert_true(has_line("mem: 800 usable pages are in no SRAT range: node 0"));
}

static void test_no_ranges_is_one_node_0_range_and_no_line(void **state)
{
	(void)state;
	init(300);
	pmm_core_add(&p, 0, 300);
	build(NULL, 0, 1);
	check_map();
	assert_int_equal(map.n, 1);
	assert_range(0, 0, 300, 0);
	assert_int_equal(nlines, 0);
}

static void test_unaligned_range_takes_its_partial_pages(void **state)
{
	(void)state;
	init(100);
	pmm_core_add(&p, 0, 100);
	struct pmm_node_srat s[] = { { 10 * PG + 1, 5 * PG, 1 } };
	build(s, 1, 2);
	check_map();
	/* Bytes 10*PG+1 .. 15*PG touch pages 10..15. */
	assert_int_equal(pmm_node_of_pfn(&map, 9), 0);
	assert_int_equal(pmm_node_of_pfn(&map, 10), 1);
	assert_int_equal(pmm_node_of_pfn(&map, 15), 1);
	assert_int_equal(pmm_node_of_pfn(&map, 16), 0);
}

/* ---- Hostile SRAT ranges ---- */

static void test_overlapping_range_is_trimmed(void **state)
{
	(void)state;
	init(400);
	pmm_core_add(&p, 0, 400);
	struct pmm_node_srat s[] = {
		{ 150 * PG, 250 * PG, 1 }, /* overlaps the first */
		{ 0, 200 * PG, 0 },
	};
	build(s, 2, 2);
	check_map();
	assert_int_equal(map.n, 2);
	assert_range(0, 0, 200, 0); /* the earlier start keeps 150..199 */
	assert_range(1, 200, 400, 1);
	assert_true(has_line("overlaps the one before: trimmed"));
}

static void test_range_inside_another_is_ignored(void **state)
{
	(void)state;
	init(400);
	pmm_core_add(&p, 0, 400);
	struct pmm_node_srat s[] = {
		{ 0, 400 * PG, 1 },
		{ 100 * PG, 10 * PG, 0 },
	};
	build(s, 2, 2);
	check_map();
	assert_int_equal(map.n, 1);
	assert_range(0, 0, 400, 1);
	assert_true(has_line("overlaps the one before: ignored"));
}

static void test_range_of_unknown_node_is_ignored(void **state)
{
	(void)state;
	init(100);
	pmm_core_add(&p, 0, 100);
	struct pmm_node_srat s[] = {
		{ 0, 50 * PG, -1 },
		{ 50 * PG, 50 * PG, 7 }, /* only 2 nodes */
	};
	build(s, 2, 2);
	check_map();
	assert_int_equal(map.n, 1);
	assert_range(0, 0, 100, 0);
	assert_int_equal(nlines, 2);
	assert_true(has_line("names no known node: ignored"));
}

static void test_range_wrapping_past_2_64_and_above_ram(void **state)
{
	(void)state;
	init(100);
	pmm_core_add(&p, 0, 100);
	struct pmm_node_srat s[] = {
		{ 60 * PG, UINT64_MAX, 1 },	  /* wraps: to the end */
		{ 1ULL << 40, 1ULL << 30, 1 },	  /* above every page */
		{ UINT64_MAX - 10, 100, 1 },	  /* both */
	};
	build(s, 3, 2);
	check_map();
	assert_int_equal(map.n, 2);
	assert_range(0, 0, 60, 0);
	assert_range(1, 60, 100, 1);
	assert_true(has_line("covers no usable RAM: ignored"));
}

/* A range whose length runs past 2^64 is kept up to the end of memory,
 * but it is hostile input like the others: one line says so (it used to
 * be trimmed silently, against pmm_node.h's "one line each"). */
static void test_wrapping_range_is_cut_with_one_line(void **state)
{
	(void)state;
	init(100);
	pmm_core_add(&p, 0, 100);
	struct pmm_node_srat s[] = { { 0, 60 * PG, 0 },
				     { 60 * PG, UINT64_MAX - 5, 1 } };
	build(s, 2, 2);
	check_map();
	assert_range(1, 60, 100, 1);
	assert_int_equal(nlines, 1);
	assert_true(has_line("runs past 2^64: cut at the end of memory"));
}

static void test_node_without_cpu_gets_a_line_and_stays(void **state)
{
	(void)state;
	init(200);
	pmm_core_add(&p, 0, 200);
	struct pmm_node_srat s[] = { { 0, 100 * PG, 0 }, { 100 * PG, 100 * PG, 1 } };
	struct topo_nodes t = nodes_of(2, 20);
	bool has_cpu[2] = { true, false };
	pmm_node_map_build(&map, &p, s, 2, &t, has_cpu, log_cb, NULL);
	check_map();
	assert_int_equal(map.n, 2);
	assert_true(has_line("mem: node 1 has memory but no CPU"));
	/* Reached as node 0's fallback. */
	assert_int_equal(map.order[0][1], 1);
}

static void test_more_ranges_than_kept_and_null_log(void **state)
{
	(void)state;
	init(1000);
	pmm_core_add(&p, 0, 1000);
	struct pmm_node_srat s[PMM_NODE_MAX_SRAT + 10];
	for (int i = 0; i < PMM_NODE_MAX_SRAT + 10; i++)
		s[i] = (struct pmm_node_srat){ (uint64_t)i * 10 * PG, 5 * PG,
					       1 + i % 3 };
	struct topo_nodes t = nodes_of(4, 20);
	pmm_node_map_build(&map, &p, s, PMM_NODE_MAX_SRAT + 10, &t, NULL, NULL,
			   NULL);
	check_map();
	assert_true(map.n <= PMM_NODE_MAX_RANGES);
	assert_int_equal(pmm_node_of_pfn(&map, 0), 1);
	assert_int_equal(pmm_node_of_pfn(&map, 5), 0);
	/* Range 64 (pfn 640) is beyond the kept ones: node 0. */
	assert_int_equal(pmm_node_of_pfn(&map, 640), 0);
}

/* ---- Lookup ---- */

static void test_lookup_matches_linear_scan(void **state)
{
	(void)state;
	init(3000);
	pmm_core_add(&p, 0, 3000);
	struct pmm_node_srat s[40];
	for (int i = 0; i < 40; i++)
		s[i] = (struct pmm_node_srat){ (uint64_t)(i * 70 + 3) * PG,
					       (uint64_t)(30 + i) * PG, i % 4 };
	build(s, 40, 4);
	check_map();
	for (uint64_t pfn = 0; pfn < 3100; pfn++) {
		int want = 0;
		for (int i = 0; i < map.n; i++)
			if (pfn >= map.r[i].start && pfn < map.r[i].end)
				want = map.r[i].node;
		assert_int_equal(pmm_node_of_pfn(&map, pfn), want);
	}
}

/* ---- Fallback order ---- */

static void test_fallback_order_by_distance_ties_by_id(void **state)
{
	(void)state;
	init(64);
	pmm_core_add(&p, 0, 64);
	struct topo_nodes t = nodes_of(4, 20);
	/* 0-1 close (15), 0-3 far (30), 0-2 20; and a SLIT that puts node 2
	 * at distance 10 from node 3: its own node still comes first. */
	t.distance[0][1] = t.distance[1][0] = 15;
	t.distance[0][3] = t.distance[3][0] = 30;
	t.distance[3][2] = 10;
	pmm_node_map_build(&map, &p, NULL, 0, &t, NULL, log_cb, NULL);
	const uint8_t want0[] = { 0, 1, 2, 3 }, want3[] = { 3, 2, 1, 0 },
		      want1[] = { 1, 0, 2, 3 }, want2[] = { 2, 0, 1, 3 };
	assert_memory_equal(map.order[0], want0, 4);
	assert_memory_equal(map.order[1], want1, 4);
	assert_memory_equal(map.order[2], want2, 4);
	/* 3: itself, then 2 (10), then 1 (20), then 0 (30). */
	assert_memory_equal(map.order[3], want3, 4);
}

static void test_no_nodes_is_one_node(void **state)
{
	(void)state;
	init(64);
	pmm_core_add(&p, 0, 64);
	pmm_node_map_build(&map, &p, NULL, 0, NULL, NULL, NULL, NULL);
	assert_int_equal(map.nnodes, 1);
	assert_int_equal(map.order[0][0], 0);
	check_map();
}

/* ---- Node-bound allocation and accounting ---- */

static void test_alloc_stays_in_node_until_empty(void **state)
{
	(void)state;
	init(300);
	pmm_core_add(&p, 0, 300);
	/* Node 1 in two pieces: [50, 100) and [200, 230). */
	struct pmm_node_srat s[] = {
		{ 50 * PG, 50 * PG, 1 }, { 200 * PG, 30 * PG, 1 },
	};
	build(s, 2, 2);
	uint64_t hint = 0;
	int got = 0;
	int64_t pfn;
	while ((pfn = pmm_node_alloc(&map, &p, 1, 1, &hint)) >= 0) {
		assert_int_equal(pmm_node_of_pfn(&map, (uint64_t)pfn), 1);
		got++;
	}
	assert_int_equal(got, 80);
	assert_int_equal(p.free_pages, 220);
	/* Node 0 still serves, and never from node 1's pages. */
	hint = 0;
	pfn = pmm_node_alloc(&map, &p, 0, 1, &hint);
	assert_int_equal(pfn, 0);
	/* Freed node-1 page before the hint: found after the wrap. */
	assert_int_equal(pmm_core_free(&p, 60, 1), 0);
	hint = 229;
	assert_int_equal(pmm_node_alloc(&map, &p, 1, 1, &hint), 60);
	assert_int_equal(hint, 61);
}

static void test_alloc_run_never_crosses_into_another_node(void **state)
{
	(void)state;
	init(200);
	pmm_core_add(&p, 0, 200);
	struct pmm_node_srat s[] = { { 0, 100 * PG, 0 }, { 100 * PG, 100 * PG, 1 } };
	build(s, 2, 2);
	/* Node 0's only free run is 98..99: a 4-page run there would spill
	 * into node 1. */
	for (uint64_t i = 0; i < 98; i++)
		assert_int_equal(pmm_core_alloc_range(&p, 1, 0, 98), (int64_t)i);
	uint64_t hint = 0;
	assert_int_equal(pmm_node_alloc(&map, &p, 0, 4, &hint), -1);
	assert_int_equal(pmm_node_alloc(&map, &p, 0, 2, &hint), 98);
	hint = 0;
	assert_int_equal(pmm_node_alloc(&map, &p, 1, 4, &hint), 100);
}

static void test_core_range_calls(void **state)
{
	(void)state;
	init(200);
	pmm_core_add(&p, 10, 100); /* 10..109 */
	pmm_core_reserve(&p, 50, 10);
	assert_int_equal(pmm_core_usable_in(&p, 0, 200), 90);
	assert_int_equal(pmm_core_usable_in(&p, 0, 64), 44);
	assert_int_equal(pmm_core_usable_in(&p, 64, 128), 46);
	assert_int_equal(pmm_core_usable_in(&p, 50, 60), 0);
	assert_int_equal(pmm_core_free_in(&p, 0, 200), 90);
	assert_int_equal(pmm_core_alloc_range(&p, 5, 45, 60), 45);
	assert_int_equal(pmm_core_free_in(&p, 0, 200), 85);
	assert_int_equal(pmm_core_alloc_range(&p, 1, 45, 60), -1);
	assert_int_equal(pmm_core_alloc_range(&p, 0, 0, 200), -1);
	assert_int_equal(pmm_core_alloc_range(&p, 3, 108, 500), -1);
	assert_int_equal(pmm_core_alloc_range(&p, 2, 108, 500), 108);
	/* The next-fit hint of pmm_core_alloc is untouched. */
	assert_int_equal(p.hint, 0);
}

static void test_account_splits_runs_across_ranges(void **state)
{
	(void)state;
	init(300);
	pmm_core_add(&p, 0, 300);
	struct pmm_node_srat s[] = { { 100 * PG, 100 * PG, 1 } };
	build(s, 1, 2);
	uint64_t per[TOPO_MAX_NODES] = { 0 };
	pmm_node_account(&map, 90, 20, 1, per);
	assert_int_equal(per[0], 10);
	assert_int_equal(per[1], 10);
	pmm_node_account(&map, 95, 200, -1, per); /* 0: 5 + 95, 1: 100 */
	assert_int_equal((int64_t)per[0], 10 - 100);
	assert_int_equal((int64_t)per[1], 10 - 100);
	pmm_node_account(&map, 290, 20, 1, per); /* 10 past the map: node 0 */
	assert_int_equal((int64_t)per[0], 10 - 100 + 20);
}

/* ---- Resident pages and the home node ---- */

static void test_resident_home_moves_on_strictly_more(void **state)
{
	(void)state;
	struct pmm_node_resident r;
	memset(&r, 0, sizeof(r));
	pmm_node_resident_add(&r, 1, 1);
	assert_int_equal(r.home, 1);
	pmm_node_resident_add(&r, 0, 1);
	assert_int_equal(r.home, 1); /* tie: stays */
	pmm_node_resident_add(&r, 0, 1);
	assert_int_equal(r.home, 0);
	pmm_node_resident_add(&r, 0, -1);
	pmm_node_resident_add(&r, 0, -1);
	assert_int_equal(r.home, 0); /* unmapping never moves it */
	assert_int_equal(pmm_node_home(&r, 2), 1);
	assert_int_equal(r.home, 1);
	/* Ties everywhere: the current home stays. */
	pmm_node_resident_add(&r, 0, 1);
	assert_int_equal(pmm_node_home(&r, 2), 1);
	/* Counts never go below 0; bad nodes are ignored. */
	pmm_node_resident_add(&r, 3, -1);
	assert_int_equal(r.pages[3], 0);
	pmm_node_resident_add(&r, -1, 1);
	pmm_node_resident_add(&r, TOPO_MAX_NODES, 1);
	/* Home outside the node count (fewer nodes now): the lowest max. */
	r.home = 5;
	memset(r.pages, 0, sizeof(r.pages));
	r.pages[1] = 4;
	r.pages[2] = 4;
	assert_int_equal(pmm_node_home(&r, 3), 1);
}

/* ---- Randomized SRAT tables ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void test_random_tables_keep_the_invariants(void **state)
{
	(void)state;
	for (int round = 0; round < 300; round++) {
		uint64_t npages = 1 + rnd() % 2000;
		init(npages);
		for (int k = 0; k < 6; k++)
			pmm_core_add(&p, rnd() % npages, rnd() % 400);
		pmm_core_reserve(&p, rnd() % npages, rnd() % 100);
		int n = (int)(rnd() % 12), nnodes = 1 + (int)(rnd() % 4);
		struct pmm_node_srat s[12];
		for (int i = 0; i < n; i++) {
			uint64_t base = rnd() % 5 == 0 ? rnd() :
							 (rnd() % (npages + 50)) * PG;
			uint64_t len = rnd() % 5 == 0 ? rnd() : (rnd() % 600) * PG;
			s[i] = (struct pmm_node_srat){ base + rnd() % 3, len,
						       (int)(rnd() % 6) - 1 };
		}
		build(s, n, nnodes);
		check_map();
		for (uint64_t pfn = 0; pfn < npages; pfn++) {
			int node = pmm_node_of_pfn(&map, pfn);
			if (node == 0)
				continue;
			/* Node k != 0: some valid range of node k holds it. */
			int found = 0;
			for (int i = 0; i < n; i++) {
				if (s[i].node != node || !s[i].length)
					continue;
				uint64_t a = s[i].base / PG, b;
				if (s[i].length > UINT64_MAX - s[i].base)
					b = UINT64_MAX;
				else
					b = (s[i].base + s[i].length - 1) / PG + 1;
				found |= pfn >= a && pfn < b;
			}
			assert_true(found);
		}
		for (int k = 0; k < nnodes; k++)
			assert_int_equal(map.order[k][0], k);
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T(test_two_nodes_split_exactly),
		T(test_pages_in_no_range_go_to_node_0_with_one_line),
		T(test_no_ranges_is_one_node_0_range_and_no_line),
		T(test_unaligned_range_takes_its_partial_pages),
		T(test_overlapping_range_is_trimmed),
		T(test_range_inside_another_is_ignored),
		T(test_range_of_unknown_node_is_ignored),
		T(test_range_wrapping_past_2_64_and_above_ram),
		T(test_wrapping_range_is_cut_with_one_line),
		T(test_node_without_cpu_gets_a_line_and_stays),
		T(test_more_ranges_than_kept_and_null_log),
		T(test_lookup_matches_linear_scan),
		T(test_fallback_order_by_distance_ties_by_id),
		T(test_no_nodes_is_one_node),
		T(test_alloc_stays_in_node_until_empty),
		T(test_alloc_run_never_crosses_into_another_node),
		T(test_core_range_calls),
		T(test_account_splits_runs_across_ranges),
		T(test_resident_home_moves_on_strictly_more),
		T(test_random_tables_keep_the_invariants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
