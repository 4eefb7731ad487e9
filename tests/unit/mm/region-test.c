// SPDX-License-Identifier: MIT
/*
 * kernel/mm/region.c, the VM-region set: lookups; MAP_FIXED insertion
 * that splits and replaces what it overlaps; removal of a hole inside one
 * region and across several; protection changes on part of a region;
 * merging of indistinguishable neighbours (and never of file regions);
 * file offsets following every split; top-down free-range search; stack
 * growth; and a randomized run (fixed seed) of every edit against a
 * page-array model, checking the set's invariants after each step. The
 * array is a heap block of exactly `cap` entries so ASan checks that no
 * edit writes past the room region_room() promised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/mm/region.h"

#define P 4096ULL

static struct vm_region_set s;

static void init(int cap)
{
	free(s.v);
	s.v = malloc(sizeof(*s.v) * (size_t)cap);
	assert_non_null(s.v);
	s.n = 0;
	s.cap = cap;
}

static int teardown(void **state)
{
	(void)state;
	free(s.v);
	s.v = NULL;
	return 0;
}

static struct vm_region anon(uint64_t a, uint64_t b, unsigned prot)
{
	return (struct vm_region){ .start = a * P, .end = b * P, .prot = prot };
}

static void insert(struct vm_region r)
{
	assert_true(region_room(&s));
	region_insert(&s, &r);
	assert_int_equal(region_check(&s), 0);
}

static void expect(int i, uint64_t a, uint64_t b, unsigned prot)
{
	assert_true(i < s.n);
	assert_int_equal(s.v[i].start, a * P);
	assert_int_equal(s.v[i].end, b * P);
	assert_int_equal(s.v[i].prot, prot);
}

static void test_find_and_above(void **state)
{
	(void)state;
	init(8);
	insert(anon(10, 20, VM_READ));
	insert(anon(30, 40, VM_READ | VM_WRITE));
	assert_null(region_find(&s, 9 * P));
	assert_ptr_equal(region_find(&s, 10 * P), &s.v[0]);
	assert_ptr_equal(region_find(&s, 20 * P - 1), &s.v[0]);
	assert_null(region_find(&s, 20 * P));
	assert_ptr_equal(region_above(&s, 20 * P), &s.v[1]);
	assert_null(region_above(&s, 40 * P));
	assert_true(region_overlaps(&s, 19 * P, 31 * P));
	assert_false(region_overlaps(&s, 20 * P, 30 * P));
	assert_true(region_covered(&s, 12 * P, 18 * P));
	assert_false(region_covered(&s, 12 * P, 31 * P));
	assert_true(region_covered(&s, 5 * P, 5 * P));
}

static void test_fixed_insert_splits_the_middle(void **state)
{
	(void)state;
	init(8);
	insert(anon(10, 20, VM_READ));
	insert(anon(14, 16, VM_READ | VM_WRITE));
	assert_int_equal(s.n, 3);
	expect(0, 10, 14, VM_READ);
	expect(1, 14, 16, VM_READ | VM_WRITE);
	expect(2, 16, 20, VM_READ);
}

static void test_fixed_insert_replaces_several(void **state)
{
	(void)state;
	init(8);
	insert(anon(10, 20, VM_READ));
	insert(anon(22, 24, VM_WRITE));
	insert(anon(26, 30, VM_READ));
	insert(anon(15, 28, VM_EXEC));
	assert_int_equal(s.n, 3);
	expect(0, 10, 15, VM_READ);
	expect(1, 15, 28, VM_EXEC);
	expect(2, 28, 30, VM_READ);
}

static void test_equal_neighbours_merge(void **state)
{
	(void)state;
	init(8);
	insert(anon(10, 20, VM_READ | VM_WRITE));
	insert(anon(20, 30, VM_READ | VM_WRITE)); /* brk growth */
	assert_int_equal(s.n, 1);
	expect(0, 10, 30, VM_READ | VM_WRITE);
	/* A protection round trip leaves one region again. */
	region_protect(&s, 12 * P, 14 * P, VM_READ);
	assert_int_equal(s.n, 3);
	region_protect(&s, 12 * P, 14 * P, VM_READ | VM_WRITE);
	assert_int_equal(s.n, 1);
	/* Different flags never merge. */
	struct vm_region r = anon(30, 32, VM_READ | VM_WRITE);
	r.flags = VM_SHARED;
	insert(r);
	assert_int_equal(s.n, 2);
}

static const uint8_t file[10 * 4096];

static void test_file_offsets_follow_splits(void **state)
{
	(void)state;
	init(8);
	struct vm_region r = anon(10, 20, VM_READ);
	r.file_data = file;
	r.file_off = 2 * P;
	r.file_limit = sizeof(file);
	insert(r);
	region_remove(&s, 12 * P, 13 * P);
	assert_int_equal(region_check(&s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0].file_off, 2 * P);
	assert_int_equal(s.v[1].start, 13 * P);
	assert_int_equal(s.v[1].file_off, 5 * P);
	assert_int_equal(s.v[1].file_limit, sizeof(file));
	/* Two file pieces that touch do not merge (they may come from
	 * different files or offsets). */
	region_protect(&s, 10 * P, 20 * P, VM_READ);
	struct vm_region r2 = anon(12, 13, VM_READ);
	r2.file_data = file;
	r2.file_off = 4 * P;
	r2.file_limit = sizeof(file);
	insert(r2);
	assert_int_equal(s.n, 3);
}

static void test_remove_hole_and_span(void **state)
{
	(void)state;
	init(8);
	insert(anon(10, 20, VM_READ));
	region_remove(&s, 12 * P, 14 * P);
	assert_int_equal(s.n, 2);
	expect(0, 10, 12, VM_READ);
	expect(1, 14, 20, VM_READ);
	insert(anon(30, 40, VM_WRITE));
	region_remove(&s, 11 * P, 35 * P);
	assert_int_equal(region_check(&s), 0);
	assert_int_equal(s.n, 2);
	expect(0, 10, 11, VM_READ);
	expect(1, 35, 40, VM_WRITE);
	region_remove(&s, 0, 100 * P);
	assert_int_equal(s.n, 0);
	region_remove(&s, 0, 100 * P); /* nothing there: no change */
	assert_int_equal(s.n, 0);
}

static void test_protect_part(void **state)
{
	(void)state;
	init(8);
	insert(anon(10, 20, VM_READ | VM_WRITE));
	insert(anon(30, 40, VM_READ | VM_WRITE | VM_EXEC));
	region_protect(&s, 15 * P, 35 * P, VM_READ);
	assert_int_equal(region_check(&s), 0);
	assert_int_equal(s.n, 4);
	expect(0, 10, 15, VM_READ | VM_WRITE);
	expect(1, 15, 20, VM_READ);
	expect(2, 30, 35, VM_READ);
	expect(3, 35, 40, VM_READ | VM_WRITE | VM_EXEC);
}

static void test_find_free_top_down(void **state)
{
	(void)state;
	init(8);
	/* Empty: the top of the window. */
	assert_int_equal(region_find_free(&s, 4 * P, 10 * P, 100 * P), 96 * P);
	insert(anon(90, 100, VM_READ));
	insert(anon(60, 85, VM_READ));
	/* The gap 85..90 takes 5 pages, not 6. */
	assert_int_equal(region_find_free(&s, 5 * P, 10 * P, 100 * P), 85 * P);
	assert_int_equal(region_find_free(&s, 6 * P, 10 * P, 100 * P), 54 * P);
	/* A region straddling hi. */
	assert_int_equal(region_find_free(&s, 2 * P, 10 * P, 95 * P), 88 * P);
	/* Bounded below. */
	assert_int_equal(region_find_free(&s, 51 * P, 10 * P, 100 * P), 0);
	assert_int_equal(region_find_free(&s, 50 * P, 10 * P, 100 * P), 10 * P);
	assert_int_equal(region_find_free(&s, 0, 10 * P, 100 * P), 0);
	assert_int_equal(region_find_free(&s, 200 * P, 10 * P, 100 * P), 0);
	/* A region straddling lo. */
	insert(anon(5, 12, VM_READ));
	assert_int_equal(region_find_free(&s, 48 * P, 10 * P, 100 * P), 12 * P);
	assert_int_equal(region_find_free(&s, 49 * P, 10 * P, 100 * P), 0);
}

static void test_grow_down(void **state)
{
	(void)state;
	init(8);
	struct vm_region st = anon(90, 100, VM_READ | VM_WRITE);
	st.flags = VM_GROWSDOWN;
	insert(st);
	assert_ptr_equal(region_grow_down(&s, &s.v[0], 80 * P), &s.v[0]);
	assert_int_equal(region_check(&s), 0);
	expect(0, 80, 100, VM_READ | VM_WRITE);
	/* Growing until it touches an identical region below merges the
	 * two; the region returned is the merged one. */
	struct vm_region below = anon(60, 70, VM_READ | VM_WRITE);
	below.flags = VM_GROWSDOWN;
	insert(below);
	assert_int_equal(s.n, 2);
	struct vm_region *r = region_grow_down(&s, &s.v[1], 70 * P);
	assert_int_equal(region_check(&s), 0);
	assert_int_equal(s.n, 1);
	assert_ptr_equal(r, &s.v[0]);
	expect(0, 60, 100, VM_READ | VM_WRITE);
}

/* ---- Randomized against a page model ---- */

#define MODEL_PAGES 64

struct page_model {
	int mapped;
	unsigned prot, flags;
	const uint8_t *file; /* file byte offset of the page below */
	uint64_t file_off;
};

static struct page_model model[MODEL_PAGES];

static uint64_t rng = 12345;
static uint64_t rnd(uint64_t n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (rng >> 33) % n;
}

static void compare_with_model(void)
{
	assert_int_equal(region_check(&s), 0);
	for (int p = 0; p < MODEL_PAGES; p++) {
		struct vm_region *r = region_find(&s, (uint64_t)p * P);
		assert_int_equal(r != NULL, model[p].mapped);
		if (!r)
			continue;
		assert_int_equal(r->prot, model[p].prot);
		assert_int_equal(r->flags, model[p].flags);
		assert_ptr_equal(r->file_data, model[p].file);
		if (r->file_data)
			assert_int_equal(r->file_off + ((uint64_t)p * P - r->start),
					 model[p].file_off);
	}
}

static void test_random_edits_match_model(void **state)
{
	(void)state;
	/* Worst case: every page its own region, plus the slack. */
	init(MODEL_PAGES + REGION_SLACK);
	memset(model, 0, sizeof(model));
	for (int step = 0; step < 20000; step++) {
		uint64_t a = rnd(MODEL_PAGES), b = a + 1 + rnd(MODEL_PAGES - a);
		int op = (int)rnd(4);
		assert_true(region_room(&s));
		if (op == 0) {
			struct vm_region r = anon(a, b, (unsigned)rnd(8));
			r.flags = rnd(3) == 0 ? VM_SHARED : 0;
			if (rnd(3) == 0) {
				r.file_data = file;
				r.file_off = rnd(5) * P;
				r.file_limit = sizeof(file);
			}
			region_insert(&s, &r);
			for (uint64_t p = a; p < b; p++)
				model[p] = (struct page_model){
					1, r.prot, r.flags, r.file_data,
					r.file_off + (p - a) * P
				};
		} else if (op == 1) {
			region_remove(&s, a * P, b * P);
			for (uint64_t p = a; p < b; p++)
				model[p].mapped = 0;
		} else if (op == 2) {
			unsigned prot = (unsigned)rnd(8);
			region_protect(&s, a * P, b * P, prot);
			for (uint64_t p = a; p < b; p++)
				model[p].prot = prot;
		} else {
			uint64_t len = (1 + rnd(8)) * P;
			uint64_t got = region_find_free(&s, len, 4 * P,
							MODEL_PAGES * P);
			/* The model's answer: the highest free run. */
			uint64_t want = 0;
			for (int64_t top = MODEL_PAGES; top - (int64_t)(len / P) >= 4;
			     top--) {
				int ok = 1;
				for (int64_t p = top - (int64_t)(len / P); p < top; p++)
					ok &= !model[p].mapped;
				if (ok) {
					want = (uint64_t)(top * (int64_t)P) - len;
					break;
				}
			}
			assert_int_equal(got, want);
		}
		compare_with_model();
		assert_true(s.n <= MODEL_PAGES);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_find_and_above, teardown),
		cmocka_unit_test_teardown(test_fixed_insert_splits_the_middle, teardown),
		cmocka_unit_test_teardown(test_fixed_insert_replaces_several, teardown),
		cmocka_unit_test_teardown(test_equal_neighbours_merge, teardown),
		cmocka_unit_test_teardown(test_file_offsets_follow_splits, teardown),
		cmocka_unit_test_teardown(test_remove_hole_and_span, teardown),
		cmocka_unit_test_teardown(test_protect_part, teardown),
		cmocka_unit_test_teardown(test_find_free_top_down, teardown),
		cmocka_unit_test_teardown(test_grow_down, teardown),
		cmocka_unit_test_teardown(test_random_edits_match_model, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
