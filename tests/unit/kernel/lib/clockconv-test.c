// SPDX-License-Identifier: MIT
/*
 * kernel/lib/clockconv.h: the multipliers clockconv_make() derives (checked
 * against exact 128-bit arithmetic); each conversion of an input below 2^32
 * lands on the exact floor or one unit below (larger inputs: 1 + in / 2^32
 * below at most); ns -> cycles -> ns and cycles -> ns -> cycles round trips
 * lose no more than whole-unit quantization plus one unit per step; 10
 * years of uptime converts to ns within 1 part in 10^6 without overflow at
 * every frequency from 1 kHz to 10 GHz (and to cycles within the 32.32
 * multiplier's error); hz = 0 gives zeros; and
 * clockconv_div128() against __int128 division (fixed seed), including
 * saturation at UINT64_MAX. Frequencies: 1 kHz, the ACPI PM timer, the
 * classic HPET, QEMU's HPET and a spread of TSCs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "kernel/lib/clockconv.h"

typedef unsigned __int128 u128;

static const uint64_t freqs[] = {
	1000ULL,	/* 1 kHz */
	3579545ULL,	/* ACPI PM timer */
	14318180ULL,	/* classic HPET */
	100000000ULL,	/* HPET under QEMU */
	1000000000ULL,	/* 1 GHz */
	2250000000ULL,	/* 2.25 GHz */
	3999000000ULL,	/* 3.999 GHz */
	5000000000ULL,	/* 5 GHz */
	10000000000ULL, /* 10 GHz */
};
#define NFREQS (sizeof(freqs) / sizeof(freqs[0]))

/* 10 years = 10 * 365.25 * 86400 s */
#define TEN_YEARS_S 315576000ULL

static uint64_t rng = 0x9e3779b97f4a7c15ULL; /* fixed seed */

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Exact floor(cycles * 1e9 / hz) and floor(ns * hz / 1e9). */
static u128 exact_ns(uint64_t cycles, uint64_t hz)
{
	return (u128)cycles * NSEC_PER_SEC / hz;
}

static u128 exact_cycles(uint64_t ns, uint64_t hz)
{
	return (u128)ns * hz / NSEC_PER_SEC;
}

static void print_u128(const char *what, u128 v)
{
	fprintf(stderr, "%s = %llu * 2^64 + %llu\n", what,
		(unsigned long long)(uint64_t)(v >> 64),
		(unsigned long long)(uint64_t)v);
}

/*
 * got = floor(in * mult / 2^32) with mult at most 1 under the exact 32.32
 * multiplier, so got is the exact floor or up to 1 + in / 2^32 below it,
 * never above: one unit for any input below 2^32.
 */
static void expect_floor_within(uint64_t got, u128 exact, uint64_t hz,
				uint64_t in, const char *what)
{
	uint64_t tol = 1 + (in >> 32);
	if (!((u128)got <= exact && (u128)got + tol >= exact)) {
		fprintf(stderr, "%s(%llu) at %llu Hz = %llu\n", what,
			(unsigned long long)in, (unsigned long long)hz,
			(unsigned long long)got);
		print_u128("exact", exact);
	}
	assert_true((u128)got <= exact);
	assert_true((u128)got + tol >= exact);
}

/* ---- Multipliers ---- */

static void test_make_multipliers_are_exact_floors(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQS; i++) {
		uint64_t hz = freqs[i];
		struct clockconv c = clockconv_make(hz);
		assert_int_equal(c.hz, hz);
		assert_int_equal(c.ns_mult,
				 (uint64_t)(((u128)NSEC_PER_SEC << 32) / hz));
		assert_int_equal(c.cyc_mult,
				 (uint64_t)(((u128)hz << 32) / NSEC_PER_SEC));
	}
	/* Round numbers: 1 GHz is exactly 1.0 both ways. */
	struct clockconv g = clockconv_make(1000000000ULL);
	assert_int_equal(g.ns_mult, 1ULL << 32);
	assert_int_equal(g.cyc_mult, 1ULL << 32);
	struct clockconv q = clockconv_make(100000000ULL);
	assert_int_equal(q.ns_mult, 10ULL << 32);
}

static void test_zero_hz_gives_zero_multipliers_and_results(void **state)
{
	(void)state;
	struct clockconv c = clockconv_make(0);
	assert_int_equal(c.hz, 0);
	assert_int_equal(c.ns_mult, 0);
	assert_int_equal(c.cyc_mult, 0);
	const uint64_t in[] = { 0, 1, 1000, 1ULL << 40, UINT64_MAX };
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		assert_int_equal(clockconv_to_ns(&c, in[i]), 0);
		assert_int_equal(clockconv_to_cycles(&c, in[i]), 0);
	}
}

static void test_zero_converts_to_zero(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQS; i++) {
		struct clockconv c = clockconv_make(freqs[i]);
		assert_int_equal(clockconv_to_ns(&c, 0), 0);
		assert_int_equal(clockconv_to_cycles(&c, 0), 0);
	}
}

static void test_one_second_of_cycles_is_about_one_second(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQS; i++) {
		struct clockconv c = clockconv_make(freqs[i]);
		uint64_t ns = clockconv_to_ns(&c, freqs[i]);
		assert_true(ns <= NSEC_PER_SEC);
		assert_true(ns + 1 + (freqs[i] >> 32) >= NSEC_PER_SEC);
	}
}

/* ---- Each step, and round trips ---- */

/* Inputs below 2^32 units: the 32.32 multiplier's truncation then costs
 * less than one unit, so each conversion is the exact floor or one below.
 * Mix edge values with random ones of every magnitude. */
static uint64_t sample_below_2_32(int k)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 999, 1000, 1001, 999999, 1000000, 1000001,
		999999999, 1000000000, 1000000001, 0xffffffffULL,
	};
	if (k < (int)(sizeof(edges) / sizeof(edges[0])))
		return edges[k];
	uint64_t r = next_rand();
	return (r >> 32) >> (next_rand() % 32); /* log-uniform below 2^32 */
}

static void test_each_conversion_is_within_one_unit_of_exact(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQS; i++) {
		uint64_t hz = freqs[i];
		struct clockconv c = clockconv_make(hz);
		for (int k = 0; k < 20000; k++) {
			uint64_t v = sample_below_2_32(k);
			expect_floor_within(clockconv_to_ns(&c, v),
						  exact_ns(v, hz), hz, v, "to_ns");
			expect_floor_within(clockconv_to_cycles(&c, v),
						  exact_cycles(v, hz), hz, v,
						  "to_cycles");
		}
	}
}

/* Any count, as long as the exact result fits in 64 bits. */
static void test_each_conversion_full_range_random(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQS; i++) {
		uint64_t hz = freqs[i];
		struct clockconv c = clockconv_make(hz);
		for (int k = 0; k < 20000; k++) {
			uint64_t v = next_rand() >> (next_rand() % 64);
			if (exact_ns(v, hz) <= UINT64_MAX)
				expect_floor_within(clockconv_to_ns(&c, v),
						    exact_ns(v, hz), hz, v,
						    "to_ns");
			if (exact_cycles(v, hz) <= UINT64_MAX)
				expect_floor_within(clockconv_to_cycles(&c, v),
						    exact_cycles(v, hz), hz, v,
						    "to_cycles");
		}
	}
}

/* ceil(1e9 / hz): one cycle in ns; ceil(hz / 1e9): one ns in cycles. */
static uint64_t period_ns(uint64_t hz)
{
	return (NSEC_PER_SEC + hz - 1) / hz;
}

static uint64_t cycles_per_ns(uint64_t hz)
{
	return (hz + NSEC_PER_SEC - 1) / NSEC_PER_SEC;
}

/*
 * ns -> cycles -> ns never grows, and loses at most one cycle to whole-
 * cycle quantization plus one unit per conversion step: to_cycles is the
 * exact floor or one cycle under (plus ns / 2^32 from the multiplier, 0
 * here), to_ns the exact floor or one ns under (plus cycles / 2^32, which
 * is nonzero only above ~4.3e9 cycles, i.e. clocks above 1 GHz). So the
 * loss is under 2 periods + 2 ns (+ cycles / 2^32): a few ns at 1 GHz and
 * above, where a period is at most 1 ns; exactly 0 at 1 GHz.
 */
static void test_ns_to_cycles_to_ns_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQS; i++) {
		uint64_t hz = freqs[i];
		struct clockconv c = clockconv_make(hz);
		for (int k = 0; k < 20000; k++) {
			uint64_t ns = sample_below_2_32(k);
			uint64_t cyc = clockconv_to_cycles(&c, ns);
			uint64_t back = clockconv_to_ns(&c, cyc);
			uint64_t slack = 2 * period_ns(hz) + 2 + (cyc >> 32);
			if (back > ns || ns - back > slack)
				fprintf(stderr, "%llu Hz: %llu ns -> %llu cycles "
						"-> %llu ns\n",
					(unsigned long long)hz,
					(unsigned long long)ns,
					(unsigned long long)cyc,
					(unsigned long long)back);
			assert_true(back <= ns);
			assert_true(ns - back <= slack);
			if (hz == NSEC_PER_SEC)
				assert_int_equal(back, ns); /* 1:1 exactly */
		}
	}
}

/* The other way round: one ns worth of cycles lost to whole-ns
 * quantization, plus one unit per step (+ ns / 2^32 from the multiplier,
 * nonzero only for clocks under 1 GHz). */
static void test_cycles_to_ns_to_cycles_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQS; i++) {
		uint64_t hz = freqs[i];
		struct clockconv c = clockconv_make(hz);
		for (int k = 0; k < 20000; k++) {
			uint64_t cyc = sample_below_2_32(k);
			uint64_t ns = clockconv_to_ns(&c, cyc);
			uint64_t back = clockconv_to_cycles(&c, ns);
			uint64_t slack = 2 * cycles_per_ns(hz) + 2 + (ns >> 32);
			if (back > cyc || cyc - back > slack)
				fprintf(stderr, "%llu Hz: %llu cycles -> %llu ns "
						"-> %llu cycles\n",
					(unsigned long long)hz,
					(unsigned long long)cyc,
					(unsigned long long)ns,
					(unsigned long long)back);
			assert_true(back <= cyc);
			assert_true(cyc - back <= slack);
			if (hz == NSEC_PER_SEC)
				assert_int_equal(back, cyc);
		}
	}
}

/* ---- Long uptimes: no overflow ---- */

/* |got - exact| <= exact / 10^6 */
static void expect_within_ppm(uint64_t got, u128 exact, uint64_t hz,
			      const char *what)
{
	u128 diff = (u128)got > exact ? (u128)got - exact : exact - got;
	if (diff * 1000000 > exact) {
		fprintf(stderr, "%s at %llu Hz: got %llu\n", what,
			(unsigned long long)hz, (unsigned long long)got);
		print_u128("exact", exact);
	}
	assert_true(diff * 1000000 <= exact);
}

static void test_ten_years_of_cycles_to_ns_within_one_ppm(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQS; i++) {
		uint64_t hz = freqs[i];
		struct clockconv c = clockconv_make(hz);
		/* 10 years of cycles fits in 64 bits even at 10 GHz. */
		u128 cycles128 = (u128)TEN_YEARS_S * hz;
		assert_true(cycles128 <= UINT64_MAX);
		uint64_t cycles = (uint64_t)cycles128;

		expect_within_ppm(clockconv_to_ns(&c, cycles),
				  exact_ns(cycles, hz), hz, "to_ns(10 y)");
		assert_true(exact_ns(cycles, hz) ==
			    (u128)TEN_YEARS_S * NSEC_PER_SEC);
		/* And a few ragged counts around and below it. */
		for (int k = 0; k < 1000; k++) {
			uint64_t v = cycles - next_rand() % (cycles / 2);
			expect_within_ppm(clockconv_to_ns(&c, v),
					  exact_ns(v, hz), hz, "to_ns(~10 y)");
		}
	}
}

/*
 * ns -> cycles over 10 years: no overflow, and the error is what the 32.32
 * multiplier allows, under ns / 2^32 + 1 cycles. (That is 1 in cyc_mult
 * relative: well under 1 ppm from the PM timer up, but about 230 ppm at
 * 1 kHz, where cyc_mult is only 4294.)
 */
static void test_ten_years_of_ns_to_cycles_within_multiplier_error(void **state)
{
	(void)state;
	const uint64_t ns = TEN_YEARS_S * NSEC_PER_SEC;
	for (size_t i = 0; i < NFREQS; i++) {
		uint64_t hz = freqs[i];
		struct clockconv c = clockconv_make(hz);
		u128 exact = exact_cycles(ns, hz);
		assert_true(exact == (u128)TEN_YEARS_S * hz);
		uint64_t got = clockconv_to_cycles(&c, ns);
		assert_true((u128)got <= exact);
		assert_true(exact - got <= (ns >> 32) + 1);
		if (hz >= 3579545ULL)
			expect_within_ppm(got, exact, hz, "to_cycles(10 y)");
	}
}

/* ---- clockconv_div128 ---- */

static uint64_t ref_div(u128 n, uint64_t d)
{
	u128 q = n / d;
	return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

static void test_div128_small_and_edge_values(void **state)
{
	(void)state;
	assert_int_equal(clockconv_div128(0, 1), 0);
	assert_int_equal(clockconv_div128(0, UINT64_MAX), 0);
	assert_int_equal(clockconv_div128(7, 2), 3);
	assert_int_equal(clockconv_div128(6, 3), 2);
	assert_int_equal(clockconv_div128(5, 7), 0);
	assert_int_equal(clockconv_div128(UINT64_MAX, 1), UINT64_MAX);
	assert_int_equal(clockconv_div128(UINT64_MAX, UINT64_MAX), 1);
	assert_int_equal(clockconv_div128((u128)UINT64_MAX + 1, 2), 1ULL << 63);
	/* Largest quotient that still fits, and the first that does not. */
	u128 d = 1000000007ULL;
	assert_int_equal(clockconv_div128((u128)UINT64_MAX * d, 1000000007ULL),
			 UINT64_MAX);
	assert_int_equal(clockconv_div128((u128)UINT64_MAX * d + d - 1,
					  1000000007ULL),
			 UINT64_MAX);
	assert_int_equal(clockconv_div128(((u128)UINT64_MAX + 1) * d,
					  1000000007ULL),
			 UINT64_MAX); /* saturated */
	assert_int_equal(clockconv_div128(((u128)UINT64_MAX << 64), 3),
			 UINT64_MAX);
	assert_int_equal(clockconv_div128(~(u128)0, 1), UINT64_MAX);
	assert_int_equal(clockconv_div128(~(u128)0, UINT64_MAX),
			 UINT64_MAX); /* 2^64 + 1 */
	assert_int_equal(clockconv_div128((u128)1 << 127, 1ULL << 63),
			 UINT64_MAX); /* exactly 2^64 */
	assert_int_equal(clockconv_div128(((u128)1 << 127) - 1, 1ULL << 63),
			 UINT64_MAX); /* 2^64 - 1 */
}

static void test_div128_matches_int128_division_random(void **state)
{
	(void)state;
	int saturated = 0, fitting = 0;
	for (int k = 0; k < 200000; k++) {
		/* Vary the magnitudes so both outcomes are common. */
		u128 n = ((u128)next_rand() << 64) | next_rand();
		n >>= next_rand() % 128;
		uint64_t d = next_rand() >> (next_rand() % 64);
		if (d == 0)
			d = 1;
		uint64_t want = ref_div(n, d);
		uint64_t got = clockconv_div128(n, d);
		if (got != want) {
			print_u128("n", n);
			fprintf(stderr, "d = %llu: got %llu, want %llu\n",
				(unsigned long long)d,
				(unsigned long long)got,
				(unsigned long long)want);
		}
		assert_int_equal(got, want);
		if (n / d > UINT64_MAX)
			saturated++;
		else
			fitting++;
	}
	assert_true(saturated > 10000);
	assert_true(fitting > 10000);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_make_multipliers_are_exact_floors),
		cmocka_unit_test(test_zero_hz_gives_zero_multipliers_and_results),
		cmocka_unit_test(test_zero_converts_to_zero),
		cmocka_unit_test(test_one_second_of_cycles_is_about_one_second),
		cmocka_unit_test(test_each_conversion_is_within_one_unit_of_exact),
		cmocka_unit_test(test_each_conversion_full_range_random),
		cmocka_unit_test(test_ns_to_cycles_to_ns_round_trip),
		cmocka_unit_test(test_cycles_to_ns_to_cycles_round_trip),
		cmocka_unit_test(test_ten_years_of_cycles_to_ns_within_one_ppm),
		cmocka_unit_test(test_ten_years_of_ns_to_cycles_within_multiplier_error),
		cmocka_unit_test(test_div128_small_and_edge_values),
		cmocka_unit_test(test_div128_matches_int128_division_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
