// SPDX-License-Identifier: MIT
/*
 * kernel/timer_select.c, the clockevent arithmetic: timer_deadline_tsc()
 * and timer_oneshot_count() for ordinary delays (exact against 128-bit
 * arithmetic), and the regression test for issue 9 defect 10: a thread
 * sleeping until UINT64_MAX - 1 ns gives a delta near 2^64 ns; the TSC
 * deadline must saturate (not wrap into the past, which fires at once,
 * re-arms, fires again: an interrupt storm), and the LAPIC count must be
 * the maximum, not whatever the 64-bit product wrapped to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "kernel/timer_select.h"

static const uint64_t tsc_freqs[] = { 1000000000ULL, 2596000000ULL,
				      3999000000ULL, 5000000000ULL };
static const uint64_t lapic_freqs[] = { 10000000ULL, 62500000ULL,
					1000000000ULL };

#define NFREQ(a) (sizeof(a) / sizeof(a[0]))

/* Uptime 1 hour; a sleep "until the end of time". */
#define NOW_NS (3600ULL * NSEC_PER_SEC)
#define FOREVER_NS (UINT64_MAX - 1)

static void test_deadline_tsc_short_delays(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQ(tsc_freqs); i++) {
		struct clockconv c = clockconv_make(tsc_freqs[i]);
		uint64_t now_tsc = NOW_NS / NSEC_PER_SEC * tsc_freqs[i];
		assert_int_equal(timer_deadline_tsc(now_tsc, 0, &c), now_tsc + 1);
		uint64_t d = timer_deadline_tsc(now_tsc, 1000000, &c); /* 1 ms */
		uint64_t want = tsc_freqs[i] / 1000;
		assert_true(d > now_tsc + want - 2 && d <= now_tsc + want + 1);
	}
}

static void test_sleep_until_forever_saturates_tsc_deadline(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQ(tsc_freqs); i++) {
		struct clockconv c = clockconv_make(tsc_freqs[i]);
		uint64_t now_tsc = NOW_NS / NSEC_PER_SEC * tsc_freqs[i];
		uint64_t d = timer_deadline_tsc(now_tsc, FOREVER_NS - NOW_NS, &c);
		/* Never in the past (an immediate interrupt, forever)... */
		assert_true(d > now_tsc);
		/* ...and as far out as the register goes. */
		assert_int_equal(d, UINT64_MAX);
	}
}

static void test_deadline_tsc_saturates_on_late_now(void **state)
{
	(void)state;
	struct clockconv c = clockconv_make(tsc_freqs[1]);
	/* The cycles fit, the sum does not. */
	assert_int_equal(timer_deadline_tsc(UINT64_MAX - 10, 1000000, &c),
			 UINT64_MAX);
}

static void test_oneshot_count_ordinary_and_forever(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQ(lapic_freqs); i++) {
		uint64_t hz = lapic_freqs[i];
		assert_int_equal(timer_oneshot_count(0, hz), 1);
		assert_int_equal(timer_oneshot_count(1000000, hz), hz / 1000);
		/* A long wait is cut to the maximum count (re-armed later),
		 * never a wrapped small count that fires early. */
		assert_int_equal(timer_oneshot_count(FOREVER_NS - NOW_NS, hz),
				 0xffffffffu);
		assert_int_equal(timer_oneshot_count(UINT64_MAX, hz), 0xffffffffu);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deadline_tsc_short_delays),
		cmocka_unit_test(test_sleep_until_forever_saturates_tsc_deadline),
		cmocka_unit_test(test_deadline_tsc_saturates_on_late_now),
		cmocka_unit_test(test_oneshot_count_ordinary_and_forever),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
