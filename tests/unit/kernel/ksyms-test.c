// SPDX-License-Identifier: MIT
/*
 * kernel/ksyms.c, ksym_find over symbol blobs built here in the format of
 * kernel/ksyms.h (what tools/gen-ksyms.py emits): exact and inner
 * addresses, before the first symbol, past a sized or unsized last symbol,
 * gaps between symbols, a large table against a linear search, and
 * malformed blobs (short, bad magic, empty, count too large, name offset out
 * of range, name without a NUL before the end). Each blob sits in a heap
 * block of exactly its size so ASan catches reads past it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/ksyms.h"

struct sym {
	uint64_t addr;
	uint32_t size;
	const char *name;
};

#define BASE 0xffffffff80001000ULL

/* kmain, helper (with a gap after it), an unsized assembly label, and a
 * sized last function. */
static const struct sym syms[] = {
	{ BASE + 0x000, 0x100, "kmain" },
	{ BASE + 0x100, 0x40, "helper" },
	{ BASE + 0x200, 0, "isr_common" },
	{ BASE + 0x300, 0x80, "last_fn" },
};
#define NSYMS ((int)(sizeof(syms) / sizeof(syms[0])))

static uint8_t *blob;
static size_t blob_size;

/* Lay out header, entries and names as gen-ksyms.py does, padded to 8. */
static void build(const struct sym *s, int n)
{
	size_t names = 0;
	for (int i = 0; i < n; i++)
		names += strlen(s[i].name) + 1;
	size_t size = sizeof(struct ksym_header) + n * sizeof(struct ksym) +
		      names;
	size = (size + 7) & ~(size_t)7;

	free(blob);
	blob = calloc(1, size);
	assert_non_null(blob);
	blob_size = size;

	struct ksym_header *h = (struct ksym_header *)blob;
	h->magic = KSYMS_MAGIC;
	h->count = (uint64_t)n;
	struct ksym *e = (struct ksym *)(h + 1);
	size_t off = sizeof(*h) + n * sizeof(*e);
	for (int i = 0; i < n; i++) {
		e[i].addr = s[i].addr;
		e[i].size = s[i].size;
		e[i].name_off = (uint32_t)off;
		strcpy((char *)blob + off, s[i].name);
		off += strlen(s[i].name) + 1;
	}
}

static struct ksym_header *hdr(void)
{
	return (struct ksym_header *)blob;
}

static struct ksym *entry(int i)
{
	return (struct ksym *)(hdr() + 1) + i;
}

static int setup(void **state)
{
	(void)state;
	build(syms, NSYMS);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(blob);
	blob = NULL;
	return 0;
}

static uint64_t offset;

static const char *find(uint64_t addr)
{
	offset = 0xdeadbeef;
	return ksym_find(blob, blob_size, addr, &offset);
}

static void expect(uint64_t addr, const char *name, uint64_t off)
{
	const char *got = find(addr);
	if (!got || strcmp(got, name) != 0 || offset != off)
		fprintf(stderr, "%#llx: got %s+%#llx, want %s+%#llx\n",
			(unsigned long long)addr, got ? got : "NULL",
			(unsigned long long)offset, name,
			(unsigned long long)off);
	assert_non_null(got);
	assert_string_equal(got, name);
	assert_int_equal(offset, off);
}

static void expect_none(uint64_t addr)
{
	const char *got = find(addr);
	if (got)
		fprintf(stderr, "%#llx: got %s, want NULL\n",
			(unsigned long long)addr, got);
	assert_null(got);
	assert_int_equal(offset, 0xdeadbeef); /* not written */
}

/* ---- Lookups in a well-formed blob ---- */

static void test_exact_address_gives_offset_zero(void **state)
{
	(void)state;
	for (int i = 0; i < NSYMS; i++)
		expect(syms[i].addr, syms[i].name, 0);
}

static void test_address_inside_a_function(void **state)
{
	(void)state;
	expect(BASE + 0x10, "kmain", 0x10);
	expect(BASE + 0xff, "kmain", 0xff);
	expect(BASE + 0x13f, "helper", 0x3f);
	expect(BASE + 0x37f, "last_fn", 0x7f);
}

static void test_gap_after_a_sized_symbol_names_that_symbol(void **state)
{
	(void)state;
	/* helper is 0x40 long but has a successor: the documented rule only
	 * drops addresses past a sized symbol with no successor. */
	expect(BASE + 0x140, "helper", 0x40);
	expect(BASE + 0x1ff, "helper", 0xff);
}

static void test_unsized_symbol_extends_to_the_next(void **state)
{
	(void)state;
	expect(BASE + 0x2ff, "isr_common", 0xff);
}

static void test_before_the_first_symbol_is_not_found(void **state)
{
	(void)state;
	expect_none(BASE - 1);
	expect_none(0);
	expect_none(0x1000);
}

static void test_past_a_sized_last_symbol_is_not_found(void **state)
{
	(void)state;
	expect_none(BASE + 0x380);
	expect_none(BASE + 0x10000);
	expect_none(UINT64_MAX);
}

static void test_past_an_unsized_last_symbol_is_found(void **state)
{
	(void)state;
	const struct sym s[] = {
		{ BASE, 0x10, "first" },
		{ BASE + 0x100, 0, "_end_label" },
	};
	build(s, 2);
	expect(BASE + 0x100, "_end_label", 0);
	expect(BASE + 0x5000, "_end_label", 0x4f00);
	expect(UINT64_MAX, "_end_label", UINT64_MAX - (BASE + 0x100));
	expect(BASE + 0x20, "first", 0x20);
}

static void test_single_symbol_table(void **state)
{
	(void)state;
	const struct sym s[] = { { BASE, 0x20, "only" } };
	build(s, 1);
	expect_none(BASE - 1);
	expect(BASE, "only", 0);
	expect(BASE + 0x1f, "only", 0x1f);
	expect_none(BASE + 0x20);
}

static void test_large_table_matches_linear_search(void **state)
{
	(void)state;
	enum { N = 1000 };
	static struct sym s[N];
	static char names[N][16];
	uint64_t addr = BASE;

	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "fn_%d", i);
		s[i] = (struct sym){ addr, (uint32_t)(0x10 + i % 7 * 0x10),
				     names[i] };
		addr += 0x10 + (uint64_t)(i % 13) * 0x20;
	}
	build(s, N);

	for (uint64_t a = BASE - 0x40; a < addr + 0x200; a += 3) {
		int k = -1;
		for (int i = 0; i < N && s[i].addr <= a; i++)
			k = i;
		if (k < 0 || (k == N - 1 && a - s[k].addr >= s[k].size))
			expect_none(a);
		else
			expect(a, s[k].name, a - s[k].addr);
	}
}

/* ---- Malformed blobs ---- */

static void test_blob_smaller_than_header_is_refused(void **state)
{
	(void)state;
	for (size_t size = 0; size < sizeof(struct ksym_header); size++) {
		uint8_t *b = malloc(size ? size : 1);
		assert_non_null(b);
		memcpy(b, blob, size);
		offset = 0xdeadbeef;
		assert_null(ksym_find(b, size, BASE, &offset));
		assert_int_equal(offset, 0xdeadbeef);
		free(b);
	}
	assert_null(ksym_find(NULL, 0, BASE, &offset));
}

static void test_bad_magic_is_refused(void **state)
{
	(void)state;
	for (int byte = 0; byte < 8; byte++) {
		build(syms, NSYMS);
		blob[byte] ^= 0x01;
		expect_none(BASE);
		expect_none(BASE + 0x10);
	}
}

static void test_empty_table_is_refused(void **state)
{
	(void)state;
	hdr()->count = 0;
	expect_none(BASE);
	expect_none(UINT64_MAX);
}

static void test_count_too_large_for_the_size_is_refused(void **state)
{
	(void)state;
	/* Header and NSYMS entries fit; one more would run into names, and
	 * more than the whole blob can hold must be refused. */
	uint64_t fits = (blob_size - sizeof(struct ksym_header)) /
			sizeof(struct ksym);
	hdr()->count = fits + 1;
	expect_none(BASE);
	hdr()->count = UINT64_MAX;
	expect_none(BASE);
	hdr()->count = UINT64_MAX / sizeof(struct ksym) + 2; /* product wraps */
	expect_none(BASE);
	hdr()->count = 1ULL << 60;
	expect_none(BASE);

	/* A blob cut short inside the entries. */
	hdr()->count = NSYMS;
	blob_size = sizeof(struct ksym_header) + 2 * sizeof(struct ksym);
	expect_none(BASE);
}

static void test_name_offset_out_of_range_is_refused(void **state)
{
	(void)state;
	entry(1)->name_off = (uint32_t)blob_size;
	expect_none(BASE + 0x100);
	entry(1)->name_off = UINT32_MAX;
	expect_none(BASE + 0x100);
	/* Other symbols are still found. */
	expect(BASE, "kmain", 0);
	expect(BASE + 0x300, "last_fn", 0);
}

static void test_name_without_nul_inside_the_blob_is_refused(void **state)
{
	(void)state;
	/* Drop the padding and the last name's NUL: "last_fn" then ends
	 * exactly at the end of the blob. */
	size_t end = entry(3)->name_off + strlen("last_fn");
	blob_size = end;
	uint8_t *b = malloc(blob_size); /* exact size for ASan */
	assert_non_null(b);
	memcpy(b, blob, blob_size);
	free(blob);
	blob = b;
	expect_none(BASE + 0x300);
	expect_none(BASE + 0x310);
	expect(BASE + 0x100, "helper", 0); /* its NUL is inside */

	/* A name offset pointing at the last byte, which is not NUL. */
	entry(0)->name_off = (uint32_t)(blob_size - 1);
	expect_none(BASE);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka and our notes in order */
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_exact_address_gives_offset_zero),
		T(test_address_inside_a_function),
		T(test_gap_after_a_sized_symbol_names_that_symbol),
		T(test_unsized_symbol_extends_to_the_next),
		T(test_before_the_first_symbol_is_not_found),
		T(test_past_a_sized_last_symbol_is_not_found),
		T(test_past_an_unsized_last_symbol_is_found),
		T(test_single_symbol_table),
		T(test_large_table_matches_linear_search),
		T(test_blob_smaller_than_header_is_refused),
		T(test_bad_magic_is_refused),
		T(test_empty_table_is_refused),
		T(test_count_too_large_for_the_size_is_refused),
		T(test_name_offset_out_of_range_is_refused),
		T(test_name_without_nul_inside_the_blob_is_refused),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
