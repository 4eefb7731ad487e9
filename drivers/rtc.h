/* SPDX-License-Identifier: MIT */
/*
 * The PC's CMOS real-time clock (MC146818-compatible, ports 0x70/0x71),
 * read once at boot to give CLOCK_REALTIME its starting point. Only the
 * date and time registers are read; the RTC's alarm and interrupt are not
 * used. The clock is taken to hold UTC (as Linux assumes by default).
 */
#ifndef COHORT_DRIVERS_RTC_H
#define COHORT_DRIVERS_RTC_H

#include <stdint.h>

/* Seconds since 1970-01-01 00:00 UTC, or -1 if the clock does not give a
 * stable, valid date (no RTC, or an update never settled). */
int64_t rtc_read_epoch(void);

/* Pure conversion (host-tested): a calendar date to epoch seconds, or -1
 * if a field is out of range. year is the full year (e.g. 2026). */
int64_t rtc_date_to_epoch(int year, int month, int day, int hour, int min,
			  int sec);

#endif
