// SPDX-License-Identifier: MIT
/*
 * smp/slot.h: the start-up slot hand-off between the BSP and a late AP.
 * Each order of the two moves (AP accept, BSP withdraw) gives exactly one
 * winner and a final state that never changes again, a slot never armed
 * admits nobody, and a race of the two on real threads (many rounds,
 * started together by a barrier) never gives two winners or none.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "smp/slot.h"

static void ap_first_wins_and_bsp_sees_it(void **state)
{
	(void)state;
	uint32_t s = SMP_SLOT_ARMED;
	assert_true(smp_slot_accept(&s));
	assert_int_equal(s, SMP_SLOT_ACCEPTED);
	/* The BSP's close finds the AP in and leaves it in. */
	assert_int_equal(smp_slot_withdraw(&s), SMP_SLOT_ACCEPTED);
	assert_int_equal(s, SMP_SLOT_ACCEPTED);
	/* No second acceptance (one AP per slot, one decision). */
	assert_false(smp_slot_accept(&s));
	assert_int_equal(s, SMP_SLOT_ACCEPTED);
}

static void bsp_first_wins_and_late_ap_loses(void **state)
{
	(void)state;
	uint32_t s = SMP_SLOT_ARMED;
	assert_int_equal(smp_slot_withdraw(&s), SMP_SLOT_WITHDRAWN);
	assert_int_equal(s, SMP_SLOT_WITHDRAWN);
	/* However late it wakes, the AP cannot take it back. */
	assert_false(smp_slot_accept(&s));
	assert_int_equal(s, SMP_SLOT_WITHDRAWN);
	/* Closing twice is harmless. */
	assert_int_equal(smp_slot_withdraw(&s), SMP_SLOT_WITHDRAWN);
	assert_int_equal(s, SMP_SLOT_WITHDRAWN);
}

static void unarmed_slot_admits_nobody(void **state)
{
	(void)state;
	uint32_t s = SMP_SLOT_UNUSED;
	assert_false(smp_slot_accept(&s));
	assert_int_equal(smp_slot_withdraw(&s), SMP_SLOT_UNUSED);
	assert_false(smp_slot_accept(&s));
	assert_int_equal(s, SMP_SLOT_UNUSED);
}

#define ROUNDS 20000

static uint32_t race_slot[ROUNDS];
static bool ap_won[ROUNDS];
static uint32_t bsp_saw[ROUNDS];
static pthread_barrier_t start;

static void *ap_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_barrier_wait(&start);
		ap_won[i] = smp_slot_accept(&race_slot[i]);
	}
	return NULL;
}

static void race_has_exactly_one_winner(void **state)
{
	(void)state;
	pthread_t t;
	int ap_wins = 0;

	for (int i = 0; i < ROUNDS; i++)
		race_slot[i] = SMP_SLOT_ARMED;
	assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
	assert_int_equal(pthread_create(&t, NULL, ap_thread, NULL), 0);
	for (int i = 0; i < ROUNDS; i++) {
		pthread_barrier_wait(&start);
		bsp_saw[i] = smp_slot_withdraw(&race_slot[i]);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < ROUNDS; i++) {
		/* Both sides agree on the winner, and the word says so. */
		if (ap_won[i]) {
			assert_int_equal(bsp_saw[i], SMP_SLOT_ACCEPTED);
			assert_int_equal(race_slot[i], SMP_SLOT_ACCEPTED);
			ap_wins++;
		} else {
			assert_int_equal(bsp_saw[i], SMP_SLOT_WITHDRAWN);
			assert_int_equal(race_slot[i], SMP_SLOT_WITHDRAWN);
		}
	}
	print_message("race: AP won %d of %d rounds\n", ap_wins, ROUNDS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ap_first_wins_and_bsp_sees_it),
		cmocka_unit_test(bsp_first_wins_and_late_ap_loses),
		cmocka_unit_test(unarmed_slot_admits_nobody),
		cmocka_unit_test(race_has_exactly_one_winner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
