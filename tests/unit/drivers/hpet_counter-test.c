// SPDX-License-Identifier: MIT
/*
 * drivers/hpet_counter.c, the 32-bit HPET counter extension: a plain
 * sequence extends across a real wrap; and the regression test for issue 9
 * defect 7: while CPU A extends, "CPU B" reads a newer counter value and
 * publishes it inside A's window (between A's hardware read and A's
 * update). A must not take B's newer `last` for a wrap and return a value
 * ~2^32 ticks (43 s at 100 MHz; ~300 s at 14.3 MHz) in the future.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "drivers/hpet_counter.h"

#define WRAP (1ULL << 32)

/* A fake 32-bit counter. Each read returns the current value, then
 * advances it by `step`. If `inject` is set, the first read of CPU A runs
 * CPU B's whole extension right after A's hardware read returns its
 * value: the interleaving the real hardware allows. */
struct fake {
	uint32_t counter;
	uint32_t step;
	_Atomic uint64_t *last;
	bool inject;
	uint64_t b_result;
	int reads;
};

static uint32_t read_plain(void *ctx)
{
	struct fake *f = ctx;
	uint32_t v = f->counter;
	f->counter += f->step;
	f->reads++;
	return v;
}

static uint32_t read_a(void *ctx)
{
	struct fake *f = ctx;
	uint32_t v = read_plain(f);
	if (f->inject) {
		f->inject = false;
		/* CPU B reads later than A, so sees a larger counter, and
		 * publishes it before A loads or updates `last`. */
		f->b_result = hpet_counter_extend(f->last, read_plain, f);
	}
	return v;
}

static void test_sequence_extends_across_wrap(void **state)
{
	(void)state;
	_Atomic uint64_t last = 0xfffffff0ULL;
	struct fake f = { .counter = 0xfffffff8u, .step = 0x10, .last = &last };
	assert_int_equal(hpet_counter_extend(&last, read_plain, &f), 0xfffffff8ULL);
	/* The hardware counter wrapped to 0x8: one more lap. */
	assert_int_equal(hpet_counter_extend(&last, read_plain, &f), WRAP + 0x8);
	assert_int_equal(hpet_counter_extend(&last, read_plain, &f), WRAP + 0x18);
}

static void test_hpet32_concurrent_read_no_false_wrap(void **state)
{
	(void)state;
	_Atomic uint64_t last = 0x1000;
	struct fake f = { .counter = 0x2000, .step = 0x100, .last = &last,
			  .inject = true };
	uint64_t a = hpet_counter_extend(&last, read_a, &f);
	/* B read 0x2100 (after A's 0x2000) and published it. */
	assert_int_equal(f.b_result, 0x2100);
	/* A's answer is a real counter value of this lap, not one lap on. */
	assert_true(a < WRAP);
	assert_true(a >= 0x2000);
	/* And what every later reader extends from did not jump either. */
	assert_true(atomic_load(&last) < WRAP);
	assert_true(atomic_load(&last) >= f.b_result);
	/* A later plain read moves on from there. */
	uint64_t c = hpet_counter_extend(&last, read_plain, &f);
	assert_true(c > f.b_result && c < WRAP);
}

/* The same window, with B's value published just before a wrap and A's
 * read before it: A must still not count a lap. */
static void test_hpet32_concurrent_read_near_wrap(void **state)
{
	(void)state;
	_Atomic uint64_t last = 0xffff0000ULL;
	struct fake f = { .counter = 0xffffff00u, .step = 0x80, .last = &last,
			  .inject = true };
	uint64_t a = hpet_counter_extend(&last, read_a, &f);
	assert_int_equal(f.b_result, 0xffffff80ULL);
	assert_true(a >= 0xffffff00ULL && a < WRAP + 0x1000);
	assert_true(atomic_load(&last) < WRAP + 0x1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequence_extends_across_wrap),
		cmocka_unit_test(test_hpet32_concurrent_read_no_false_wrap),
		cmocka_unit_test(test_hpet32_concurrent_read_near_wrap),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
