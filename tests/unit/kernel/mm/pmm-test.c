// SPDX-License-Identifier: MIT
/*
 * kernel/mm/pmm.c, the pure bitmap core: bitmap sizing; only added and
 * unreserved pages are ever handed out; overlapping adds count once;
 * contiguous runs (also across bitmap words); next-fit order and its
 * wrap-around; every kind of bad free (not allocated, reserved, out of
 * range, double) fails and changes nothing; exhaust and refill; and a
 * randomized run (fixed seed) against a reference model of page states,
 * comparing results, counters and both bitmaps. pmm_core_alloc_below():
 * runs never end above the limit, it fails cleanly (nothing changed) when
 * only pages at or above the limit are free, it leaves pmm_core_alloc's
 * next-fit hint alone, and a randomized mix of both allocators against the
 * same model. Filling from a boot memory map: a non-allocatable entry that
 * overlaps a usable one is never handed out, in either order; the bitmap
 * is never placed on such an overlap. The bitmap lives in a heap block of
 * exactly pmm_bitmap_bytes() so ASan checks its bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/boot_info.h"
#include "kernel/mm/pmm.h"

static struct pmm p;
static void *storage;

static void init(uint64_t npages)
{
	free(storage);
	size_t bytes = pmm_bitmap_bytes(npages);
	storage = malloc(bytes ? bytes : 1);
	assert_non_null(storage);
	memset(storage, 0xa5, bytes ? bytes : 1); /* init must not rely on 0s */
	pmm_core_init(&p, storage, npages);
}

static int teardown(void **state)
{
	(void)state;
	free(storage);
	storage = NULL;
	return 0;
}

static int page_used(uint64_t i)
{
	return (p.used[i / 64] >> (i % 64)) & 1;
}

/* ---- Sizing and initial state ---- */

static void test_bitmap_bytes_covers_both_bitmaps(void **state)
{
	(void)state;
	assert_int_equal(pmm_bitmap_bytes(0), 0);
	assert_int_equal(pmm_bitmap_bytes(1), 16);
	assert_int_equal(pmm_bitmap_bytes(64), 16);
	assert_int_equal(pmm_bitmap_bytes(65), 32);
	assert_int_equal(pmm_bitmap_bytes(128), 32);
	assert_int_equal(pmm_bitmap_bytes(1ULL << 20), 2 * (1 << 20) / 8);
}

static void test_fresh_allocator_has_nothing(void **state)
{
	(void)state;
	init(256);
	assert_int_equal(p.npages, 256);
	assert_int_equal(p.free_pages, 0);
	assert_int_equal(p.usable_pages, 0);
	assert_int_equal(pmm_core_alloc(&p, 1), -1);
	assert_int_equal(pmm_core_free(&p, 0, 1), -1);
}

static void test_zero_pages_tracked(void **state)
{
	(void)state;
	init(0);
	pmm_core_add(&p, 0, 10);
	assert_int_equal(p.free_pages, 0);
	assert_int_equal(pmm_core_alloc(&p, 1), -1);
	assert_int_equal(pmm_core_free(&p, 0, 1), -1);
}

/* ---- Adding and reserving ---- */

static void test_only_added_pages_are_handed_out(void **state)
{
	(void)state;
	init(256);
	pmm_core_add(&p, 10, 10);
	pmm_core_add(&p, 130, 3);
	assert_int_equal(p.free_pages, 13);
	assert_int_equal(p.usable_pages, 13);

	uint8_t seen[256] = { 0 };
	for (int i = 0; i < 13; i++) {
		int64_t pfn = pmm_core_alloc(&p, 1);
		assert_true((pfn >= 10 && pfn < 20) || (pfn >= 130 && pfn < 133));
		assert_int_equal(seen[pfn], 0);
		seen[pfn] = 1;
		assert_int_equal(p.free_pages, 12 - i);
	}
	assert_int_equal(pmm_core_alloc(&p, 1), -1);
	assert_int_equal(p.usable_pages, 13);
}

static void test_add_past_npages_is_clipped(void **state)
{
	(void)state;
	init(100);
	pmm_core_add(&p, 95, 50);
	assert_int_equal(p.usable_pages, 5);
	pmm_core_add(&p, 100, 10);
	pmm_core_add(&p, 1000, 10);
	assert_int_equal(p.usable_pages, 5);
	assert_int_equal(pmm_core_alloc(&p, 5), 95);
	assert_int_equal(pmm_core_alloc(&p, 1), -1);
}

static void test_overlapping_add_is_counted_once(void **state)
{
	(void)state;
	init(128);
	pmm_core_add(&p, 0, 10);
	pmm_core_add(&p, 5, 10);
	pmm_core_add(&p, 0, 15);
	assert_int_equal(p.usable_pages, 15);
	assert_int_equal(p.free_pages, 15);
	assert_int_equal(pmm_core_alloc(&p, 15), 0);
	assert_int_equal(pmm_core_alloc(&p, 1), -1);
}

static void test_re_adding_an_allocated_page_keeps_it_allocated(void **state)
{
	(void)state;
	init(64);
	pmm_core_add(&p, 0, 4);
	assert_int_equal(pmm_core_alloc(&p, 4), 0);
	pmm_core_add(&p, 0, 4);
	assert_int_equal(p.free_pages, 0);
	assert_int_equal(pmm_core_alloc(&p, 1), -1);
	assert_int_equal(pmm_core_free(&p, 0, 4), 0);
	assert_int_equal(p.free_pages, 4);
}

static void test_reserved_pages_are_never_handed_out(void **state)
{
	(void)state;
	init(200);
	pmm_core_add(&p, 0, 200);
	pmm_core_reserve(&p, 0, 1);
	pmm_core_reserve(&p, 60, 10); /* across a bitmap word */
	pmm_core_reserve(&p, 199, 5); /* past the end: clipped */
	assert_int_equal(p.usable_pages, 188);
	assert_int_equal(p.free_pages, 188);

	int64_t pfn;
	int n = 0;
	while ((pfn = pmm_core_alloc(&p, 1)) >= 0) {
		assert_true(pfn != 0 && !(pfn >= 60 && pfn < 70) && pfn != 199);
		n++;
	}
	assert_int_equal(n, 188);
	assert_int_equal(p.free_pages, 0);
}

static void test_reserve_of_never_added_pages_changes_nothing(void **state)
{
	(void)state;
	init(128);
	pmm_core_add(&p, 10, 10);
	pmm_core_reserve(&p, 0, 10);
	pmm_core_reserve(&p, 20, 100);
	pmm_core_reserve(&p, 500, 10);
	assert_int_equal(p.usable_pages, 10);
	assert_int_equal(p.free_pages, 10);
}

static void test_reserving_an_allocated_page_withdraws_it(void **state)
{
	(void)state;
	init(64);
	pmm_core_add(&p, 0, 8);
	assert_int_equal(pmm_core_alloc(&p, 2), 0);
	pmm_core_reserve(&p, 1, 1);
	assert_int_equal(p.usable_pages, 7);
	assert_int_equal(p.free_pages, 6); /* it was not free */
	assert_int_equal(pmm_core_free(&p, 1, 1), -1);
	assert_int_equal(pmm_core_free(&p, 0, 2), -1); /* half reserved */
	assert_int_equal(pmm_core_free(&p, 0, 1), 0);
	assert_int_equal(p.free_pages, 7);
}

/* ---- Allocation order and runs ---- */

static void test_contiguous_runs_skip_short_holes(void **state)
{
	(void)state;
	init(256);
	pmm_core_add(&p, 0, 10);
	pmm_core_add(&p, 20, 20);
	pmm_core_add(&p, 50, 4);

	assert_int_equal(pmm_core_alloc(&p, 15), 20); /* [0,10) is too short */
	assert_int_equal(pmm_core_alloc(&p, 6), 0); /* [35,40) too short: wrap */
	assert_int_equal(pmm_core_alloc(&p, 5), 35); /* [6,10) too short */
	/* Eight pages free, [6,10) and [50,54), but no run of five. */
	assert_int_equal(p.free_pages, 8);
	assert_int_equal(pmm_core_alloc(&p, 5), -1);
	assert_int_equal(p.free_pages, 8);
	assert_int_equal(pmm_core_alloc(&p, 4), 50);
	assert_int_equal(pmm_core_alloc(&p, 4), 6);
	assert_int_equal(p.free_pages, 0);
}

static void test_run_may_cross_bitmap_words(void **state)
{
	(void)state;
	init(256);
	pmm_core_add(&p, 60, 80); /* [60, 140): words 0, 1 and 2 */
	assert_int_equal(pmm_core_alloc(&p, 80), 60);
	for (uint64_t i = 60; i < 140; i++)
		assert_true(page_used(i));
	assert_int_equal(pmm_core_free(&p, 60, 80), 0);
	assert_int_equal(p.free_pages, 80);
}

static void test_run_never_extends_past_npages(void **state)
{
	(void)state;
	init(70); /* last word half used */
	pmm_core_add(&p, 0, 70);
	assert_int_equal(pmm_core_alloc(&p, 71), -1);
	assert_int_equal(pmm_core_alloc(&p, 60), 0);
	assert_int_equal(pmm_core_alloc(&p, 11), -1);
	assert_int_equal(pmm_core_alloc(&p, 10), 60);
	assert_int_equal(pmm_core_alloc(&p, 1), -1);
}

static void test_zero_and_oversized_requests_fail(void **state)
{
	(void)state;
	init(64);
	pmm_core_add(&p, 0, 64);
	assert_int_equal(pmm_core_alloc(&p, 0), -1);
	assert_int_equal(pmm_core_alloc(&p, 65), -1);
	assert_int_equal(pmm_core_alloc(&p, UINT64_MAX), -1);
	assert_int_equal(p.free_pages, 64);
}

static void test_next_fit_continues_after_last_allocation(void **state)
{
	(void)state;
	init(64);
	pmm_core_add(&p, 0, 64);
	assert_int_equal(pmm_core_alloc(&p, 1), 0);
	assert_int_equal(pmm_core_alloc(&p, 1), 1);
	assert_int_equal(pmm_core_free(&p, 0, 1), 0);
	/* Page 0 is free again, but the search goes on from page 2. */
	assert_int_equal(pmm_core_alloc(&p, 1), 2);
	assert_int_equal(pmm_core_alloc(&p, 3), 3);
	assert_int_equal(pmm_core_alloc(&p, 1), 6);
}

static void test_next_fit_wraps_around(void **state)
{
	(void)state;
	init(64);
	pmm_core_add(&p, 0, 64);
	for (int i = 0; i < 64; i++)
		assert_int_equal(pmm_core_alloc(&p, 1), i);
	assert_int_equal(pmm_core_free(&p, 5, 1), 0);
	assert_int_equal(pmm_core_free(&p, 40, 3), 0);
	assert_int_equal(pmm_core_alloc(&p, 1), 5); /* wrapped to the start */
	assert_int_equal(pmm_core_alloc(&p, 2), 40);
	assert_int_equal(pmm_core_alloc(&p, 1), 42);
	assert_int_equal(pmm_core_alloc(&p, 1), -1);

	/* A run that starts before the hint and ends after it is found by
	 * the wrapped search. */
	init(64);
	pmm_core_add(&p, 0, 64);
	assert_int_equal(pmm_core_alloc(&p, 10), 0);
	assert_int_equal(pmm_core_alloc(&p, 54), 10);
	assert_int_equal(pmm_core_free(&p, 5, 10), 0);
	assert_int_equal(pmm_core_alloc(&p, 10), 5);
}

/* ---- Bad frees ---- */

/* A bad free returns -1 and changes neither counters nor bitmaps. */
static void expect_bad_free(uint64_t pfn, uint64_t count)
{
	size_t bytes = pmm_bitmap_bytes(p.npages);
	uint8_t before[1024];
	assert_true(bytes <= sizeof(before));
	memcpy(before, storage, bytes);
	uint64_t free_before = p.free_pages, usable_before = p.usable_pages;

	assert_int_equal(pmm_core_free(&p, pfn, count), -1);
	assert_int_equal(p.free_pages, free_before);
	assert_int_equal(p.usable_pages, usable_before);
	assert_memory_equal(storage, before, bytes);
}

static void test_bad_frees_fail_and_change_nothing(void **state)
{
	(void)state;
	init(128);
	pmm_core_add(&p, 0, 100);
	pmm_core_reserve(&p, 50, 10);
	assert_int_equal(pmm_core_alloc(&p, 4), 0); /* [0,4) allocated */

	expect_bad_free(10, 1);		/* free, never allocated */
	expect_bad_free(50, 1);		/* reserved */
	expect_bad_free(110, 1);	/* never added */
	expect_bad_free(128, 1);	/* past npages */
	expect_bad_free(UINT64_MAX, 1);
	expect_bad_free(0, 0);		/* nothing */
	expect_bad_free(0, 5);		/* runs into a free page */
	expect_bad_free(3, 2);
	expect_bad_free(0, 129);	/* past npages */
	expect_bad_free(1, UINT64_MAX); /* pfn + count wraps */
	expect_bad_free(127, 2);

	assert_int_equal(pmm_core_free(&p, 0, 4), 0);
	assert_int_equal(p.free_pages, 90);
}

static void test_double_free_fails(void **state)
{
	(void)state;
	init(64);
	pmm_core_add(&p, 0, 64);
	int64_t a = pmm_core_alloc(&p, 3);
	assert_int_equal(pmm_core_free(&p, (uint64_t)a, 3), 0);
	expect_bad_free((uint64_t)a, 3);
	expect_bad_free((uint64_t)a + 1, 1);
	assert_int_equal(p.free_pages, 64);
}

static void test_part_of_a_run_may_be_freed(void **state)
{
	(void)state;
	init(64);
	pmm_core_add(&p, 0, 64);
	assert_int_equal(pmm_core_alloc(&p, 8), 0);
	assert_int_equal(pmm_core_free(&p, 2, 3), 0);
	assert_int_equal(p.free_pages, 59);
	expect_bad_free(0, 8);
	assert_int_equal(pmm_core_free(&p, 0, 2), 0);
	assert_int_equal(pmm_core_free(&p, 5, 3), 0);
	assert_int_equal(p.free_pages, 64);
}

/* ---- Exhaust and refill ---- */

static void test_exhaust_and_refill(void **state)
{
	(void)state;
	enum { N = 200 };
	init(N);
	pmm_core_add(&p, 0, N);

	for (int round = 0; round < 3; round++) {
		uint8_t seen[N] = { 0 };
		for (int i = 0; i < N; i++) {
			int64_t pfn = pmm_core_alloc(&p, 1);
			assert_in_range(pfn, 0, N - 1);
			assert_int_equal(seen[pfn], 0);
			seen[pfn] = 1;
		}
		assert_int_equal(p.free_pages, 0);
		assert_int_equal(pmm_core_alloc(&p, 1), -1);
		for (int i = 0; i < N; i++)
			assert_int_equal(pmm_core_free(&p, (uint64_t)i, 1), 0);
		assert_int_equal(p.free_pages, N);
	}
	assert_int_equal(pmm_core_alloc(&p, N), 0); /* all of it, in one run */
	assert_int_equal(pmm_core_free(&p, 0, N), 0);
}

/* ---- Allocating below a limit ---- */

/* Snapshot of everything an allocator call may change. */
struct snapshot {
	uint8_t bitmaps[1024];
	uint64_t free_pages, usable_pages, hint;
};

static void take(struct snapshot *s)
{
	size_t bytes = pmm_bitmap_bytes(p.npages);
	assert_true(bytes <= sizeof(s->bitmaps));
	memcpy(s->bitmaps, storage, bytes);
	s->free_pages = p.free_pages;
	s->usable_pages = p.usable_pages;
	s->hint = p.hint;
}

static void expect_unchanged(const struct snapshot *s)
{
	assert_memory_equal(storage, s->bitmaps, pmm_bitmap_bytes(p.npages));
	assert_int_equal(p.free_pages, s->free_pages);
	assert_int_equal(p.usable_pages, s->usable_pages);
	assert_int_equal(p.hint, s->hint);
}

/* A failing alloc_below returns -1 and changes nothing. */
static void expect_below_fails(uint64_t count, uint64_t limit)
{
	struct snapshot s;
	take(&s);
	assert_int_equal(pmm_core_alloc_below(&p, count, limit), -1);
	expect_unchanged(&s);
}

static void test_alloc_below_never_ends_above_limit(void **state)
{
	(void)state;
	static const uint64_t limits[] = { 1, 5, 63, 64, 65, 100, 128, 199 };
	static const uint64_t counts[] = { 1, 2, 3, 7, 64 };
	for (size_t li = 0; li < sizeof(limits) / sizeof(limits[0]); li++)
		for (size_t ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++) {
			uint64_t limit = limits[li], count = counts[ci];
			init(200);
			pmm_core_add(&p, 0, 200);
			uint64_t got_pages = 0;
			int64_t pfn;
			while ((pfn = pmm_core_alloc_below(&p, count, limit)) >= 0) {
				assert_true((uint64_t)pfn + count <= limit);
				for (uint64_t i = 0; i < count; i++)
					assert_true(page_used((uint64_t)pfn + i));
				got_pages += count;
				assert_int_equal(p.free_pages, 200 - got_pages);
			}
			/* It stopped only when no free run of `count` was
			 * left below the limit, and never touched a page at
			 * or above it. */
			if (count <= limit)
				assert_true(got_pages > 0);
			for (uint64_t s = 0; s + count <= limit; s++) {
				uint64_t run = 0;
				while (run < count && !page_used(s + run))
					run++;
				assert_true(run < count);
			}
			for (uint64_t i = limit; i < 200; i++)
				assert_false(page_used(i));
			assert_int_equal(p.usable_pages, 200);
		}
}

static void test_alloc_below_run_ends_exactly_at_limit(void **state)
{
	(void)state;
	init(128);
	pmm_core_add(&p, 0, 128);
	assert_int_equal(pmm_core_alloc_below(&p, 64, 64), 0);
	assert_int_equal(pmm_core_alloc_below(&p, 1, 64), -1);
	init(128);
	pmm_core_add(&p, 60, 68);
	assert_int_equal(pmm_core_alloc_below(&p, 4, 64), 60);
	assert_int_equal(pmm_core_free(&p, 60, 4), 0);
	assert_int_equal(pmm_core_alloc_below(&p, 5, 65), 60);
}

static void test_alloc_below_fails_cleanly_when_only_high_pages_free(void **state)
{
	(void)state;
	init(256);
	pmm_core_add(&p, 100, 156); /* nothing below pfn 100 exists */
	expect_below_fails(1, 100);
	expect_below_fails(1, 50);
	expect_below_fails(1, 1);
	assert_int_equal(p.free_pages, 156);

	/* Pages below the limit exist but are all taken. */
	init(256);
	pmm_core_add(&p, 0, 256);
	assert_int_equal(pmm_core_alloc(&p, 100), 0);
	expect_below_fails(1, 100);
	expect_below_fails(4, 100);
	assert_int_equal(p.free_pages, 156);
	assert_int_equal(pmm_core_alloc_below(&p, 1, 101), 100);

	/* Pages below the limit exist but are reserved. */
	init(256);
	pmm_core_add(&p, 0, 256);
	pmm_core_reserve(&p, 0, 64);
	expect_below_fails(1, 64);
	assert_int_equal(pmm_core_alloc_below(&p, 1, 65), 64);
}

static void test_alloc_below_rejects_run_straddling_limit(void **state)
{
	(void)state;
	init(256);
	pmm_core_add(&p, 90, 40); /* [90, 130) */
	expect_below_fails(20, 100); /* [90, 110) would cross it */
	expect_below_fails(11, 100);
	assert_int_equal(pmm_core_alloc_below(&p, 10, 100), 90);
	expect_below_fails(1, 100);
	assert_int_equal(p.free_pages, 30);
}

static void test_alloc_below_skips_short_holes_under_limit(void **state)
{
	(void)state;
	init(256);
	pmm_core_add(&p, 0, 3);
	pmm_core_add(&p, 10, 3);
	pmm_core_add(&p, 40, 8);
	pmm_core_add(&p, 100, 50);
	int64_t pfn = pmm_core_alloc_below(&p, 5, 64);
	assert_true(pfn >= 40 && pfn + 5 <= 48);
	expect_below_fails(8, 64); /* 3 + 3 + 3 free, but no run of 8 */
}

static void test_alloc_below_bad_arguments_fail(void **state)
{
	(void)state;
	init(128);
	pmm_core_add(&p, 0, 128);
	expect_below_fails(0, 128);		/* nothing */
	expect_below_fails(0, 0);
	expect_below_fails(1, 0);		/* limit below count */
	expect_below_fails(10, 9);
	expect_below_fails(129, UINT64_MAX);	/* more than there is */
	expect_below_fails(UINT64_MAX, UINT64_MAX);
	assert_int_equal(p.free_pages, 128);
}

static void test_alloc_below_limit_past_npages_is_clamped(void **state)
{
	(void)state;
	init(70); /* last word half used */
	pmm_core_add(&p, 0, 70);
	expect_below_fails(71, UINT64_MAX);
	assert_int_equal(pmm_core_alloc_below(&p, 70, UINT64_MAX), 0);
	expect_below_fails(1, UINT64_MAX);
	assert_int_equal(p.free_pages, 0);

	init(70);
	pmm_core_add(&p, 60, 10);
	expect_below_fails(11, 1000);
	assert_int_equal(pmm_core_alloc_below(&p, 10, 1000), 60);
	assert_int_equal(p.free_pages, 0);
}

static void test_alloc_below_leaves_next_fit_hint_alone(void **state)
{
	(void)state;
	init(64);
	pmm_core_add(&p, 0, 64);
	assert_int_equal(pmm_core_alloc(&p, 10), 0); /* hint -> 10 */
	assert_int_equal(pmm_core_free(&p, 0, 5), 0);
	assert_int_equal(p.hint, 10);

	/* Only [0, 2) can satisfy this. */
	assert_int_equal(pmm_core_alloc_below(&p, 2, 2), 0);
	assert_int_equal(p.hint, 10);
	/* Next fit goes on from 10, not from the end of that run (2). */
	assert_int_equal(pmm_core_alloc(&p, 1), 10);
	assert_int_equal(pmm_core_alloc(&p, 1), 11);

	/* An alloc_below ahead of the hint does not move it either. */
	int64_t pfn = pmm_core_alloc_below(&p, 3, 64);
	assert_true(pfn >= 0 && pfn + 3 <= 64);
	assert_int_equal(p.hint, 12);
}

static void test_alloc_below_counts_and_frees(void **state)
{
	(void)state;
	init(300);
	pmm_core_add(&p, 0, 300);
	pmm_core_reserve(&p, 0, 16);
	assert_int_equal(p.usable_pages, 284);
	assert_int_equal(p.free_pages, 284);

	int64_t a = pmm_core_alloc_below(&p, 7, 128);
	int64_t b = pmm_core_alloc_below(&p, 64, 128);
	assert_true(a >= 16 && a + 7 <= 128);
	assert_true(b >= 16 && b + 64 <= 128);
	assert_true(a + 7 <= b || b + 64 <= a); /* no overlap */
	assert_int_equal(p.free_pages, 284 - 71);
	assert_int_equal(p.usable_pages, 284);

	/* Freed like any other run, once. */
	assert_int_equal(pmm_core_free(&p, (uint64_t)b, 64), 0);
	expect_bad_free((uint64_t)b, 64);
	assert_int_equal(pmm_core_free(&p, (uint64_t)a, 7), 0);
	assert_int_equal(p.free_pages, 284);
	assert_int_equal(p.usable_pages, 284);
}

/* ---- Randomized, against a reference model ---- */

enum { ABSENT, FREE, ALLOCATED };

#define MODEL_PAGES 300 /* not a multiple of 64 */

static uint8_t model[MODEL_PAGES];
static uint64_t model_hint;

static uint64_t rng = 0x853c49e6748fea9bULL; /* fixed seed */

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t model_count(int state)
{
	uint64_t n = 0;
	for (int i = 0; i < MODEL_PAGES; i++)
		n += model[i] == state;
	return n;
}

static int model_run_free(uint64_t start, uint64_t count)
{
	for (uint64_t i = start; i < start + count; i++)
		if (model[i] != FREE)
			return 0;
	return 1;
}

/* Next fit: the first run starting at or after the hint, else the first
 * run starting before it. */
static int64_t model_alloc(uint64_t count)
{
	if (count == 0 || count > model_count(FREE))
		return -1;
	int64_t found = -1;
	for (uint64_t s = model_hint; s + count <= MODEL_PAGES && found < 0; s++)
		if (model_run_free(s, count))
			found = (int64_t)s;
	for (uint64_t s = 0; s < model_hint && s + count <= MODEL_PAGES &&
			     found < 0;
	     s++)
		if (model_run_free(s, count))
			found = (int64_t)s;
	if (found < 0)
		return -1;
	for (uint64_t i = 0; i < count; i++)
		model[found + i] = ALLOCATED;
	model_hint = (uint64_t)found + count;
	return found;
}

static int model_free(uint64_t pfn, uint64_t count)
{
	if (count == 0 || pfn >= MODEL_PAGES || count > MODEL_PAGES - pfn)
		return -1;
	for (uint64_t i = pfn; i < pfn + count; i++)
		if (model[i] != ALLOCATED)
			return -1;
	for (uint64_t i = pfn; i < pfn + count; i++)
		model[i] = FREE;
	return 0;
}

static void model_add(uint64_t pfn, uint64_t count)
{
	for (uint64_t i = pfn; i < pfn + count && i < MODEL_PAGES; i++)
		if (model[i] == ABSENT)
			model[i] = FREE;
}

static void model_reserve(uint64_t pfn, uint64_t count)
{
	for (uint64_t i = pfn; i < pfn + count && i < MODEL_PAGES; i++)
		model[i] = ABSENT;
}

static void compare_with_model(int op)
{
	uint64_t nfree = model_count(FREE), nalloc = model_count(ALLOCATED);
	if (p.free_pages != nfree || p.usable_pages != nfree + nalloc)
		fprintf(stderr, "op %d: free %llu/%llu usable %llu/%llu\n", op,
			(unsigned long long)p.free_pages,
			(unsigned long long)nfree,
			(unsigned long long)p.usable_pages,
			(unsigned long long)(nfree + nalloc));
	assert_int_equal(p.free_pages, nfree);
	assert_int_equal(p.usable_pages, nfree + nalloc);
	for (uint64_t i = 0; i < MODEL_PAGES; i++) {
		int used = (p.used[i / 64] >> (i % 64)) & 1;
		int usable = (p.usable[i / 64] >> (i % 64)) & 1;
		if (used != (model[i] != FREE) || usable != (model[i] != ABSENT))
			fprintf(stderr, "op %d: page %llu used %d usable %d, model %d\n",
				op, (unsigned long long)i, used, usable,
				model[i]);
		assert_int_equal(used, model[i] != FREE);
		assert_int_equal(usable, model[i] != ABSENT);
	}
}

static void test_random_operations_match_reference_model(void **state)
{
	(void)state;
	struct {
		uint64_t pfn, count;
	} live[MODEL_PAGES];
	int nlive = 0, allocs = 0, good_frees = 0, bad_frees = 0;

	init(MODEL_PAGES);
	memset(model, ABSENT, sizeof(model));
	model_hint = 0;
	pmm_core_add(&p, 0, 100);
	model_add(0, 100);

	for (int op = 0; op < 5000; op++) {
		unsigned r = next_rand() % 100;
		if (r < 5) { /* add a range */
			uint64_t pfn = next_rand() % (MODEL_PAGES + 20);
			uint64_t count = next_rand() % 40;
			pmm_core_add(&p, pfn, count);
			model_add(pfn, count);
		} else if (r < 8) { /* reserve a range */
			uint64_t pfn = next_rand() % (MODEL_PAGES + 20);
			uint64_t count = next_rand() % 8;
			pmm_core_reserve(&p, pfn, count);
			model_reserve(pfn, count);
			/* Live runs that lost a page can no longer be freed
			 * whole; the model decides, so keep them listed. */
		} else if (r < 55) { /* allocate */
			uint64_t count = next_rand() % 10 == 0 ?
						 1 + next_rand() % 40 :
						 1 + next_rand() % 4;
			int64_t want = model_alloc(count);
			int64_t got = pmm_core_alloc(&p, count);
			if (want != got)
				fprintf(stderr, "op %d: alloc(%llu) = %lld, model %lld\n",
					op, (unsigned long long)count,
					(long long)got, (long long)want);
			assert_int_equal(got, want);
			if (got >= 0) {
				allocs++;
				if (nlive < MODEL_PAGES) {
					live[nlive].pfn = (uint64_t)got;
					live[nlive].count = count;
					nlive++;
				}
			}
		} else if (r < 90 && nlive > 0) { /* free a live run */
			int k = (int)(next_rand() % (uint64_t)nlive);
			uint64_t pfn = live[k].pfn, count = live[k].count;
			live[k] = live[--nlive];
			int want = model_free(pfn, count);
			assert_int_equal(pmm_core_free(&p, pfn, count), want);
			want == 0 ? good_frees++ : bad_frees++;
		} else { /* free something random: usually bad */
			uint64_t pfn = next_rand() % (MODEL_PAGES + 10);
			uint64_t count = next_rand() % 6;
			int want = model_free(pfn, count);
			assert_int_equal(pmm_core_free(&p, pfn, count), want);
			want == 0 ? good_frees++ : bad_frees++;
		}
		compare_with_model(op);
	}
	/* The mix really exercised every path. */
	assert_true(allocs > 1000);
	assert_true(good_frees > 500);
	assert_true(bad_frees > 100);
}

/* Some free run of `count` pages ends at or below `limit`. */
static int model_fits_below(uint64_t count, uint64_t limit)
{
	if (limit > MODEL_PAGES)
		limit = MODEL_PAGES;
	for (uint64_t s = 0; s + count <= limit; s++)
		if (model_run_free(s, count))
			return 1;
	return 0;
}

/* alloc_below may pick any run that fits; it must pick one if one exists,
 * and must leave next fit (the model's hint) where it was. */
static void test_random_alloc_below_mixed_with_alloc(void **state)
{
	(void)state;
	struct {
		uint64_t pfn, count;
	} live[MODEL_PAGES];
	int nlive = 0, below_ok = 0, below_fail = 0, allocs = 0;

	init(MODEL_PAGES);
	memset(model, ABSENT, sizeof(model));
	model_hint = 0;
	pmm_core_add(&p, 0, MODEL_PAGES);
	model_add(0, MODEL_PAGES);
	pmm_core_reserve(&p, 0, 3);
	model_reserve(0, 3);

	for (int op = 0; op < 5000; op++) {
		unsigned r = next_rand() % 100;
		if (r < 30) { /* alloc below a limit */
			uint64_t count = 1 + next_rand() % 6;
			uint64_t limit = next_rand() % (MODEL_PAGES + 40);
			int fits = count <= limit && model_fits_below(count, limit);
			int64_t got = pmm_core_alloc_below(&p, count, limit);
			if ((got >= 0) != fits)
				fprintf(stderr, "op %d: alloc_below(%llu, %llu) = %lld, "
						"model %s\n",
					op, (unsigned long long)count,
					(unsigned long long)limit, (long long)got,
					fits ? "fits" : "does not fit");
			assert_int_equal(got >= 0, fits);
			if (got >= 0) {
				assert_true((uint64_t)got + count <= limit);
				assert_true(model_run_free((uint64_t)got, count));
				for (uint64_t i = 0; i < count; i++)
					model[got + i] = ALLOCATED;
				live[nlive].pfn = (uint64_t)got;
				live[nlive].count = count;
				nlive++;
				below_ok++;
			} else {
				below_fail++;
			}
		} else if (r < 60) { /* next-fit alloc */
			uint64_t count = 1 + next_rand() % 6;
			int64_t want = model_alloc(count);
			int64_t got = pmm_core_alloc(&p, count);
			if (want != got)
				fprintf(stderr, "op %d: alloc(%llu) = %lld, model %lld\n",
					op, (unsigned long long)count,
					(long long)got, (long long)want);
			assert_int_equal(got, want);
			if (got >= 0) {
				live[nlive].pfn = (uint64_t)got;
				live[nlive].count = count;
				nlive++;
				allocs++;
			}
		} else if (nlive > 0) { /* free a live run */
			int k = (int)(next_rand() % (uint64_t)nlive);
			uint64_t pfn = live[k].pfn, count = live[k].count;
			live[k] = live[--nlive];
			assert_int_equal(model_free(pfn, count), 0);
			assert_int_equal(pmm_core_free(&p, pfn, count), 0);
		}
		assert_int_equal(p.hint, model_hint);
		compare_with_model(op);
	}
	assert_true(below_ok > 500);
	assert_true(below_fail > 100);
	assert_true(allocs > 500);
}

/* ---- pmm_core_add_map, pmm_place_bitmap (issue 12) ---- */

static struct boot_mmap_entry ent(uint64_t phys, uint64_t pages,
				  uint32_t type)
{
	return (struct boot_mmap_entry){ .phys = phys, .pages = pages,
					 .type = type };
}

/* Every page the allocator will hand out, one at a time. */
static uint64_t drain(uint8_t *handed, uint64_t npages)
{
	uint64_t n = 0;
	int64_t pfn;
	while ((pfn = pmm_core_alloc(&p, 1)) >= 0) {
		assert_true((uint64_t)pfn < npages);
		handed[pfn] = 1;
		n++;
	}
	return n;
}

/*
 * A reserved descriptor inside a conventional one (firmware maps do
 * this), listed after it or before it: the overlap is never handed out.
 */
static void test_map_overlapping_reserved_entry_is_withdrawn(void **state)
{
	(void)state;
	const uint32_t withdrawn[] = { BOOT_MEM_RESERVED, BOOT_MEM_ACPI_NVS,
				       BOOT_MEM_MMIO, BOOT_MEM_KERNEL,
				       BOOT_MEM_RUNTIME, BOOT_MEM_BAD };
	for (size_t t = 0; t < sizeof(withdrawn) / sizeof(withdrawn[0]); t++) {
		for (int order = 0; order < 2; order++) {
			struct boot_mmap_entry m[3] = {
				ent(0, 0x100, BOOT_MEM_USABLE),
				ent(0x80 * 4096, 0x10, withdrawn[t]),
				ent(0x100 * 4096, 0x40, BOOT_MEM_LOADER),
			};
			if (order) { /* reserved first */
				struct boot_mmap_entry x = m[0];
				m[0] = m[1];
				m[1] = x;
			}
			uint8_t handed[0x200] = { 0 };
			init(0x200);
			pmm_core_add_map(&p, m, 3);
			assert_int_equal(p.usable_pages, 0x140 - 0x10);
			assert_int_equal(drain(handed, 0x200), 0x140 - 0x10);
			for (uint64_t i = 0x80; i < 0x90; i++) {
				if (handed[i])
					fprintf(stderr, "type %u order %d: "
						"reserved pfn %#llx handed "
						"out\n", withdrawn[t], order,
						(unsigned long long)i);
				assert_false(handed[i]);
			}
		}
	}
}

static void test_map_reserved_entry_past_npages_is_clipped(void **state)
{
	(void)state;
	struct boot_mmap_entry m[] = {
		ent(0, 0x40, BOOT_MEM_USABLE),
		ent(0x30 * 4096, 0x1000, BOOT_MEM_RESERVED), /* runs past */
	};
	uint8_t handed[0x40] = { 0 };

	init(0x40);
	pmm_core_add_map(&p, m, 2);
	assert_int_equal(drain(handed, 0x40), 0x30);
}

static void test_bitmap_never_placed_on_an_overlapping_entry(void **state)
{
	(void)state;
	struct boot_mmap_entry m[] = {
		ent(0x100000, 0x100, BOOT_MEM_USABLE),
		ent(0x100000, 2, BOOT_MEM_RESERVED), /* first two pages */
		ent(0x104000, 1, BOOT_MEM_ACPI_NVS), /* a hole further on */
	};

	/* 2 pages: after the reserved pair, [0x102000, 0x104000). */
	assert_int_equal(pmm_place_bitmap(m, 3, 2 * 4096, 0x100000, ~0ULL),
			 0x102000);
	/* 3 pages do not fit before the NVS page: after it. */
	assert_int_equal(pmm_place_bitmap(m, 3, 3 * 4096, 0x100000, ~0ULL),
			 0x105000);
	/* Listed in any order. */
	struct boot_mmap_entry r[] = { m[2], m[1], m[0] };
	assert_int_equal(pmm_place_bitmap(r, 3, 3 * 4096, 0x100000, ~0ULL),
			 0x105000);
	/* Nothing fits below `end`. */
	assert_int_equal(pmm_place_bitmap(m, 3, 0x100 * 4096, 0x100000,
					  ~0ULL),
			 0);
	/* `min` is honoured. */
	assert_int_equal(pmm_place_bitmap(m, 3, 4096, 0x150000, ~0ULL),
			 0x150000);
}

/*
 * Regression (was a bug): a non-allocatable entry that runs to the very
 * end of the address space (the loader keeps one ending exactly at 2^64)
 * has an end that computes as 0, so it blocked nothing and the bitmap
 * went on top of it, though pmm_core_add_map() withdraws those pages.
 */
static void test_bitmap_not_placed_on_an_entry_ending_at_2_64(void **state)
{
	(void)state;
	struct boot_mmap_entry m[] = {
		ent(0x100000, 0x100, BOOT_MEM_USABLE),
		/* [0x180000, 2^64) */
		ent(0x180000, (1ULL << 52) - 0x180, BOOT_MEM_RESERVED),
	};

	assert_int_equal(pmm_place_bitmap(m, 2, 4096, 0x100000, ~0ULL),
			 0x100000);
	/* 0x81 pages only fit across the reserved start: nowhere. */
	assert_int_equal(pmm_place_bitmap(m, 2, 0x81 * 4096, 0x100000, ~0ULL),
			 0);
	assert_int_equal(pmm_place_bitmap(m, 2, 4096, 0x180000, ~0ULL), 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka and our notes in order */
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_teardown(f, teardown)
		T(test_bitmap_bytes_covers_both_bitmaps),
		T(test_fresh_allocator_has_nothing),
		T(test_zero_pages_tracked),
		T(test_only_added_pages_are_handed_out),
		T(test_add_past_npages_is_clipped),
		T(test_overlapping_add_is_counted_once),
		T(test_re_adding_an_allocated_page_keeps_it_allocated),
		T(test_reserved_pages_are_never_handed_out),
		T(test_reserve_of_never_added_pages_changes_nothing),
		T(test_reserving_an_allocated_page_withdraws_it),
		T(test_contiguous_runs_skip_short_holes),
		T(test_run_may_cross_bitmap_words),
		T(test_run_never_extends_past_npages),
		T(test_zero_and_oversized_requests_fail),
		T(test_next_fit_continues_after_last_allocation),
		T(test_next_fit_wraps_around),
		T(test_bad_frees_fail_and_change_nothing),
		T(test_double_free_fails),
		T(test_part_of_a_run_may_be_freed),
		T(test_exhaust_and_refill),
		T(test_random_operations_match_reference_model),
		T(test_alloc_below_never_ends_above_limit),
		T(test_alloc_below_run_ends_exactly_at_limit),
		T(test_alloc_below_fails_cleanly_when_only_high_pages_free),
		T(test_alloc_below_rejects_run_straddling_limit),
		T(test_alloc_below_skips_short_holes_under_limit),
		T(test_alloc_below_bad_arguments_fail),
		T(test_alloc_below_limit_past_npages_is_clamped),
		T(test_alloc_below_leaves_next_fit_hint_alone),
		T(test_alloc_below_counts_and_frees),
		T(test_random_alloc_below_mixed_with_alloc),
		T(test_map_overlapping_reserved_entry_is_withdrawn),
		T(test_map_reserved_entry_past_npages_is_clipped),
		T(test_bitmap_never_placed_on_an_overlapping_entry),
		T(test_bitmap_not_placed_on_an_entry_ending_at_2_64),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
