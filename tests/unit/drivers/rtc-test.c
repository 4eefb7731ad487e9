// SPDX-License-Identifier: MIT
/*
 * drivers/rtc.c: the calendar arithmetic that turns the CMOS clock's date
 * into CLOCK_REALTIME's epoch seconds. Known instants (date(1) agrees)
 * and out-of-range fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "drivers/rtc.h"

static void test_known_instants(void **state)
{
	(void)state;
	assert_int_equal(rtc_date_to_epoch(1970, 1, 1, 0, 0, 0), 0);
	assert_int_equal(rtc_date_to_epoch(1970, 1, 2, 0, 0, 1), 86401);
	/* date -u -d '2000-02-29 12:34:56' +%s */
	assert_int_equal(rtc_date_to_epoch(2000, 2, 29, 12, 34, 56), 951827696);
	/* 2100 is not a leap year: March 1st follows February 28th. */
	assert_int_equal(rtc_date_to_epoch(2100, 3, 1, 0, 0, 0) -
				 rtc_date_to_epoch(2100, 2, 28, 0, 0, 0),
			 86400);
	/* date -u -d '2026-11-30 23:00:00' +%s */
	assert_int_equal(rtc_date_to_epoch(2026, 11, 30, 23, 0, 0), 1796079600);
	/* date -u -d '2038-01-19 03:14:08' +%s: past 32-bit time_t. */
	assert_int_equal(rtc_date_to_epoch(2038, 1, 19, 3, 14, 8), 2147483648LL);
}

static void test_out_of_range_fields(void **state)
{
	(void)state;
	assert_int_equal(rtc_date_to_epoch(1969, 12, 31, 0, 0, 0), -1);
	assert_int_equal(rtc_date_to_epoch(2026, 0, 1, 0, 0, 0), -1);
	assert_int_equal(rtc_date_to_epoch(2026, 13, 1, 0, 0, 0), -1);
	assert_int_equal(rtc_date_to_epoch(2026, 1, 0, 0, 0, 0), -1);
	assert_int_equal(rtc_date_to_epoch(2026, 1, 32, 0, 0, 0), -1);
	assert_int_equal(rtc_date_to_epoch(2026, 1, 1, 24, 0, 0), -1);
	assert_int_equal(rtc_date_to_epoch(2026, 1, 1, 0, 60, 0), -1);
	assert_int_equal(rtc_date_to_epoch(2026, 1, 1, 0, 0, 61), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_instants),
		cmocka_unit_test(test_out_of_range_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
