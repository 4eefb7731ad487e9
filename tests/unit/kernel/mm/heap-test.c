// SPDX-License-Identifier: MIT
/*
 * kernel/mm/heap.c over a fake page provider (aligned_alloc, with a count of
 * pages outstanding and a check that every free matches an allocation).
 * Covers: 16-byte alignment; size 0 and absurd sizes; every size-class
 * boundary (objects of one class never overlap, large objects take the
 * right number of pages); contents survive other traffic; double frees,
 * interior, foreign and smashed pointers are refused without changing
 * anything; large objects give their pages back; freed small objects are
 * poisoned with 0x6b; bytes/objects accounting; provider failure; and a
 * randomized mix (fixed seed) checking contents and accounting.
 *
 * Pages the heap frees are kept (quarantined) until the end of the test, so
 * a double free of a large object reads memory we still own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/mm/heap.h"

#define POISON 0x6b

/* ---- Fake page provider ---- */

#define MAX_BLOCKS 4096

static struct block {
	unsigned char *p;
	size_t count;
	int live;
} blocks[MAX_BLOCKS];
static int nblocks;
static long pages_out;   /* handed to the heap and not given back */
static long provider_calls;
static int fail_alloc;   /* make the provider fail */

static void *fake_alloc_pages(size_t count)
{
	provider_calls++;
	if (fail_alloc || nblocks == MAX_BLOCKS)
		return NULL;
	unsigned char *p = aligned_alloc(HEAP_PAGE, count * HEAP_PAGE);
	assert_non_null(p);
	memset(p, 0xcc, count * HEAP_PAGE);
	blocks[nblocks++] = (struct block){ p, count, 1 };
	pages_out += (long)count;
	return p;
}

static void fake_free_pages(void *p, size_t count)
{
	for (int i = 0; i < nblocks; i++) {
		if (blocks[i].p != p)
			continue;
		/* The heap must give back exactly what it got, once. */
		assert_true(blocks[i].live);
		assert_int_equal(blocks[i].count, count);
		blocks[i].live = 0;
		pages_out -= (long)count;
		return;
	}
	fail_msg("free_pages(%p, %zu): not from this provider", p, count);
}

static struct heap h;

static int setup(void **state)
{
	(void)state;
	memset(&h, 0, sizeof(h));
	h.alloc_pages = fake_alloc_pages;
	h.free_pages = fake_free_pages;
	nblocks = 0;
	pages_out = provider_calls = 0;
	fail_alloc = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < nblocks; i++)
		free(blocks[i].p);
	nblocks = 0;
	return 0;
}

/* Class size (header included) the heap uses for a small request. */
static size_t class_of(size_t size)
{
	size_t c = 16;
	while (c < size + 16)
		c *= 2;
	return c;
}

static size_t large_pages(size_t size)
{
	return (size + 16 + HEAP_PAGE - 1) / HEAP_PAGE;
}

static void fill(void *p, size_t n, unsigned seed)
{
	unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(seed * 31 + i * 7 + 1);
}

static int intact(const void *p, size_t n, unsigned seed)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)(seed * 31 + i * 7 + 1))
			return 0;
	return 1;
}

/* ---- Sizes ---- */

static void test_size_zero_returns_null(void **state)
{
	(void)state;
	assert_null(heap_alloc(&h, 0));
	assert_int_equal(h.objects_in_use, 0);
	assert_int_equal(provider_calls, 0);
}

static void test_absurd_sizes_return_null(void **state)
{
	(void)state;
	assert_null(heap_alloc(&h, SIZE_MAX));
	assert_null(heap_alloc(&h, SIZE_MAX / 2 + 1));
	assert_null(heap_alloc(&h, SIZE_MAX - 15));
	assert_int_equal(h.objects_in_use, 0);
	assert_int_equal(h.bytes_in_use, 0);
	assert_int_equal(provider_calls, 0);
}

static void test_results_are_16_byte_aligned(void **state)
{
	(void)state;
	for (size_t size = 1; size <= 5000; size += size < 64 ? 1 : 37) {
		void *p = heap_alloc(&h, size);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
	}
}

static const size_t boundaries[] = {
	1,    15,   16,	  17,	32,   33,   48,	  49,	112,  113,   240,
	241,  496,  497,  1008, 1009, 2031, 2032, 2033, 4079, 4080, 4081,
	8176, 8177, 100000,
};
#define NBOUNDARIES (sizeof(boundaries) / sizeof(boundaries[0]))

/* Objects of one size never overlap: fill several, check them all. */
static void test_every_size_class_boundary_holds_its_size(void **state)
{
	(void)state;
	enum { K = 5 };

	for (size_t b = 0; b < NBOUNDARIES; b++) {
		size_t size = boundaries[b];
		void *p[K];
		for (unsigned k = 0; k < K; k++) {
			p[k] = heap_alloc(&h, size);
			assert_non_null(p[k]);
			assert_int_equal(heap_size(p[k]), size);
			fill(p[k], size, k + (unsigned)b * K);
		}
		for (unsigned k = 0; k < K; k++) {
			if (!intact(p[k], size, k + (unsigned)b * K))
				fprintf(stderr, "size %zu: object %u overwritten\n",
					size, k);
			assert_true(intact(p[k], size, k + (unsigned)b * K));
			assert_int_equal(heap_size(p[k]), size);
		}
		for (unsigned k = 0; k < K; k++)
			assert_int_equal(heap_free(&h, p[k]), 0);
	}
	assert_int_equal(h.objects_in_use, 0);
	assert_int_equal(h.bytes_in_use, 0);
}

static void test_small_classes_carve_whole_pages(void **state)
{
	(void)state;
	const size_t sizes[] = { 1, 16, 17, 100, 1009, 2032 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		setup(NULL);
		size_t per_page = HEAP_PAGE / class_of(sizes[i]);
		for (size_t n = 0; n < per_page; n++)
			assert_non_null(heap_alloc(&h, sizes[i]));
		assert_int_equal(pages_out, 1);
		assert_non_null(heap_alloc(&h, sizes[i]));
		assert_int_equal(pages_out, 2);
		teardown(NULL);
	}
}

static void test_large_objects_take_the_right_page_count(void **state)
{
	(void)state;
	const size_t sizes[] = { 2033, 4079, 4080, 4081, 8176, 8177, 100000 };
	const long want[] = { 1, 1, 1, 2, 2, 3, 25 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		long before = pages_out;
		void *p = heap_alloc(&h, sizes[i]);
		assert_non_null(p);
		assert_int_equal(pages_out - before, want[i]);
		assert_int_equal(want[i], (long)large_pages(sizes[i]));
		memset(p, 0x42, sizes[i]); /* ASan: the block is big enough */
		assert_int_equal(heap_free(&h, p), 0);
		assert_int_equal(pages_out, before);
	}
}

/* ---- Contents and reuse ---- */

static void test_contents_survive_other_traffic(void **state)
{
	(void)state;
	enum { N = 64 };
	void *keep[N];
	size_t size[N];

	for (unsigned i = 0; i < N; i++) {
		size[i] = boundaries[i % NBOUNDARIES] + i;
		keep[i] = heap_alloc(&h, size[i]);
		assert_non_null(keep[i]);
		fill(keep[i], size[i], i);
	}
	/* Churn: allocate, write and free lots of other objects. */
	for (unsigned round = 0; round < 20; round++) {
		void *tmp[N];
		for (unsigned i = 0; i < N; i++) {
			size_t s = boundaries[(i + round) % NBOUNDARIES];
			tmp[i] = heap_alloc(&h, s);
			assert_non_null(tmp[i]);
			memset(tmp[i], 0xee, s);
		}
		for (unsigned i = 0; i < N; i++)
			assert_int_equal(heap_free(&h, tmp[i]), 0);
	}
	for (unsigned i = 0; i < N; i++) {
		assert_true(intact(keep[i], size[i], i));
		assert_int_equal(heap_size(keep[i]), size[i]);
		assert_int_equal(heap_free(&h, keep[i]), 0);
	}
}

static void test_freed_small_objects_are_reused(void **state)
{
	(void)state;
	void *p = heap_alloc(&h, 100);
	long pages = pages_out;

	for (int i = 0; i < 10000; i++) {
		void *q = heap_alloc(&h, 50 + (size_t)(i % 60));
		assert_non_null(q);
		assert_int_equal(heap_free(&h, q), 0);
	}
	assert_int_equal(pages_out, pages);
	assert_int_equal(heap_free(&h, p), 0);
}

/* ---- Bad frees ---- */

static void expect_refused(void *p)
{
	uint64_t bytes = h.bytes_in_use, objects = h.objects_in_use;
	long pages = pages_out;

	assert_int_equal(heap_free(&h, p), -1);
	assert_int_equal(h.bytes_in_use, bytes);
	assert_int_equal(h.objects_in_use, objects);
	assert_int_equal(pages_out, pages);
}

static void test_free_null_is_a_no_op(void **state)
{
	(void)state;
	assert_int_equal(heap_free(&h, NULL), 0);
	assert_int_equal(h.objects_in_use, 0);
	assert_int_equal(heap_size(NULL), 0);
}

static void test_double_free_is_refused(void **state)
{
	(void)state;
	void *keep = heap_alloc(&h, 24);
	void *p = heap_alloc(&h, 24);
	void *big = heap_alloc(&h, 10000);
	assert_non_null(keep);

	assert_int_equal(heap_free(&h, p), 0);
	expect_refused(p);
	assert_int_equal(heap_size(p), 0);

	assert_int_equal(heap_free(&h, big), 0);
	expect_refused(big); /* pages quarantined by the fake provider */

	assert_int_equal(h.objects_in_use, 1);
	assert_int_equal(heap_free(&h, keep), 0);
}

static void test_interior_pointers_are_refused(void **state)
{
	(void)state;
	unsigned char *small = heap_alloc(&h, 200);
	unsigned char *big = heap_alloc(&h, 20000);
	memset(small, 0, 200);
	memset(big, 0, 20000);

	expect_refused(small + 1);
	expect_refused(small + 8);
	expect_refused(small + 16);
	expect_refused(small + 128);
	expect_refused(big + 16);
	expect_refused(big + 4096);
	expect_refused(big + 19984);
	assert_int_equal(heap_size(small + 16), 0);
	assert_int_equal(heap_size(big + 4096), 0);

	/* The real objects are unharmed. */
	assert_int_equal(heap_size(small), 200);
	assert_int_equal(heap_free(&h, small), 0);
	assert_int_equal(heap_free(&h, big), 0);
	assert_int_equal(h.objects_in_use, 0);
}

static void test_foreign_pointers_are_refused(void **state)
{
	(void)state;
	/* heap_free reads the 16 bytes before the pointer: keep them ours. */
	static _Alignas(16) unsigned char foreign[256];
	unsigned char *heap_buf = malloc(64);
	assert_non_null(heap_buf);

	void *live = heap_alloc(&h, 40);
	memset(foreign, 0, sizeof(foreign));
	expect_refused(foreign + 16);
	expect_refused(foreign + 17);
	memset(foreign, 0xff, sizeof(foreign));
	expect_refused(foreign + 64);
	memset(heap_buf, 0x6b, 64);
	expect_refused(heap_buf + 32);
	assert_int_equal(heap_size(foreign + 16), 0);
	free(heap_buf);
	assert_int_equal(heap_free(&h, live), 0);
}

static void test_smashed_header_is_refused(void **state)
{
	(void)state;
	unsigned char *p = heap_alloc(&h, 64);
	unsigned char saved[16];

	memcpy(saved, p - 16, 16);
	memset(p - 16, 0, 16); /* a buffer underrun by the caller */
	expect_refused(p);
	assert_int_equal(heap_size(p), 0);
	memcpy(p - 16, saved, 16);
	assert_int_equal(heap_size(p), 64);
	assert_int_equal(heap_free(&h, p), 0);
}

/* ---- Pages, poison, accounting ---- */

static void test_large_objects_return_their_pages(void **state)
{
	(void)state;
	void *small = heap_alloc(&h, 10); /* its page stays with the heap */
	long base = pages_out;

	void *a = heap_alloc(&h, 100000);
	void *b = heap_alloc(&h, 5000);
	assert_int_equal(pages_out, base + 25 + 2);
	assert_int_equal(heap_free(&h, a), 0);
	assert_int_equal(pages_out, base + 2);
	assert_int_equal(heap_free(&h, b), 0);
	assert_int_equal(pages_out, base);

	for (int i = 0; i < 50; i++) {
		void *c = heap_alloc(&h, 4096 * (size_t)(1 + i % 5));
		assert_non_null(c);
		assert_int_equal(heap_free(&h, c), 0);
	}
	assert_int_equal(pages_out, base);
	assert_int_equal(heap_free(&h, small), 0);
}

static void test_freed_small_objects_are_poisoned(void **state)
{
	(void)state;
	const size_t sizes[] = { 1, 16, 100, 500, 2032 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = heap_alloc(&h, sizes[i]);
		unsigned char *keep = heap_alloc(&h, sizes[i]); /* page stays */
		size_t usable = class_of(sizes[i]) - 16;
		memset(p, 0x11, usable);
		assert_int_equal(heap_free(&h, p), 0);
		/* The first word holds the free-list link; the rest of the
		 * object, up to the end of its class, is poison. */
		for (size_t j = sizeof(void *); j < usable; j++) {
			if (p[j] != POISON)
				fprintf(stderr, "size %zu: byte %zu is %#x\n",
					sizes[i], j, p[j]);
			assert_int_equal(p[j], POISON);
		}
		assert_int_equal(heap_free(&h, keep), 0);
	}
}

static void test_accounting_tracks_live_objects(void **state)
{
	(void)state;
	void *a = heap_alloc(&h, 10);
	void *b = heap_alloc(&h, 3000);
	void *c = heap_alloc(&h, 2032);
	assert_int_equal(h.objects_in_use, 3);
	assert_int_equal(h.bytes_in_use, 10 + 3000 + 2032);

	assert_int_equal(heap_free(&h, b), 0);
	assert_int_equal(h.objects_in_use, 2);
	assert_int_equal(h.bytes_in_use, 10 + 2032);

	expect_refused(b);
	heap_alloc(&h, 0);
	assert_int_equal(h.objects_in_use, 2);

	assert_int_equal(heap_free(&h, a), 0);
	assert_int_equal(heap_free(&h, c), 0);
	assert_int_equal(h.objects_in_use, 0);
	assert_int_equal(h.bytes_in_use, 0);
}

static void test_provider_failure_returns_null(void **state)
{
	(void)state;
	fail_alloc = 1;
	assert_null(heap_alloc(&h, 10));
	assert_null(heap_alloc(&h, 100000));
	assert_int_equal(h.objects_in_use, 0);
	assert_int_equal(h.bytes_in_use, 0);

	fail_alloc = 0;
	void *p = heap_alloc(&h, 10);
	assert_non_null(p);
	/* Objects left on the free list still work when pages run out. */
	fail_alloc = 1;
	void *q = heap_alloc(&h, 10);
	assert_non_null(q);
	assert_null(heap_alloc(&h, 5000));
	assert_int_equal(h.objects_in_use, 2);
	assert_int_equal(heap_free(&h, p), 0);
	assert_int_equal(heap_free(&h, q), 0);
}

/* ---- Randomized ---- */

static uint64_t rng = 0xda942042e4dd58b5ULL; /* fixed seed */

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void test_random_alloc_free_keeps_contents_and_counts(void **state)
{
	(void)state;
	enum { SLOTS = 200 };
	static struct {
		unsigned char *p;
		size_t size;
		unsigned seed;
	} slot[SLOTS];
	uint64_t bytes = 0, objects = 0;
	long small_pages = 0;

	memset(slot, 0, sizeof(slot));
	for (unsigned op = 0; op < 20000; op++) {
		unsigned k = (unsigned)(next_rand() % SLOTS);
		if (slot[k].p) {
			assert_true(intact(slot[k].p, slot[k].size, slot[k].seed));
			assert_int_equal(heap_size(slot[k].p), slot[k].size);
			assert_int_equal(heap_free(&h, slot[k].p), 0);
			bytes -= slot[k].size;
			objects--;
			slot[k].p = NULL;
		} else {
			size_t size = next_rand() % 16 == 0 ?
					      1 + next_rand() % 20000 :
					      1 + next_rand() % 2100;
			unsigned char *p = heap_alloc(&h, size);
			assert_non_null(p);
			assert_int_equal((uintptr_t)p % 16, 0);
			fill(p, size, op);
			slot[k].p = p;
			slot[k].size = size;
			slot[k].seed = op;
			bytes += size;
			objects++;
		}
		assert_int_equal(h.bytes_in_use, bytes);
		assert_int_equal(h.objects_in_use, objects);
	}
	for (unsigned k = 0; k < SLOTS; k++)
		if (slot[k].p) {
			assert_true(intact(slot[k].p, slot[k].size, slot[k].seed));
			assert_int_equal(heap_free(&h, slot[k].p), 0);
		}
	assert_int_equal(h.objects_in_use, 0);
	assert_int_equal(h.bytes_in_use, 0);
	/* Only small-object pages remain; large ones all came back. */
	for (int i = 0; i < nblocks; i++)
		if (blocks[i].live) {
			assert_int_equal(blocks[i].count, 1);
			small_pages++;
		}
	assert_int_equal(pages_out, small_pages);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka and our notes in order */
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_size_zero_returns_null),
		T(test_absurd_sizes_return_null),
		T(test_results_are_16_byte_aligned),
		T(test_every_size_class_boundary_holds_its_size),
		T(test_small_classes_carve_whole_pages),
		T(test_large_objects_take_the_right_page_count),
		T(test_contents_survive_other_traffic),
		T(test_freed_small_objects_are_reused),
		T(test_free_null_is_a_no_op),
		T(test_double_free_is_refused),
		T(test_interior_pointers_are_refused),
		T(test_foreign_pointers_are_refused),
		T(test_smashed_header_is_refused),
		T(test_large_objects_return_their_pages),
		T(test_freed_small_objects_are_poisoned),
		T(test_accounting_tracks_live_objects),
		T(test_provider_failure_returns_null),
		T(test_random_alloc_free_keeps_contents_and_counts),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
