/* SPDX-License-Identifier: MIT */
/*
 * Time: the clocksource behind now_ns(), and the boot-time calibration of
 * the TSC and LAPIC timer frequencies.
 *
 * Calibration reference, best first: HPET, ACPI PM timer, PIT. The TSC
 * frequency comes from CPUID 0x15/0x16 when the CPU reports it, else from
 * the reference. Each frequency is the median of TIME_CAL_WINDOWS short
 * windows; the spread ((max - min) / median) is logged with the results.
 *
 * Clocksource: the invariant TSC (CPUID 0x80000007:EDX[8]) when present,
 * else the HPET main counter, else the TSC anyway (logged). now_ns() is
 * monotonic and, with either source, agrees across CPUs (one global HPET;
 * invariant TSCs are synchronised by firmware: test=timer checks).
 */
#ifndef COHORT_TIME_H
#define COHORT_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/clockconv.h"

#define TIME_CAL_WINDOWS 5
#define TIME_CAL_WINDOW_US 2000	     /* HPET / PM timer windows */
#define TIME_CAL_PIT_WINDOW_US 10000 /* the PIT is read by polling: longer */

enum clock_ref {
	CLOCK_REF_NONE = 0,
	CLOCK_REF_HPET,
	CLOCK_REF_PMTIMER,
	CLOCK_REF_PIT,
};

struct time_calibration {
	enum clock_ref ref;
	uint64_t tsc_hz, lapic_hz; /* lapic_hz: timer ticks/s at divide 16 */
	uint64_t tsc_spread_ppm, lapic_spread_ppm;
	const char *tsc_source; /* "cpuid-15h", "cpuid-16h", "measured" */
	bool tsc_invariant;
};

/* Calibrate against the best reference present and choose the
 * clocksource. HPET / PM timer must be initialised first if present. The
 * LAPIC must be enabled (its timer is measured). Interrupts off. */
void time_init(bool lapic_usable);
const struct time_calibration *time_calibration(void);
const char *clock_ref_name(enum clock_ref r);
/* The clocksource behind now_ns() ("tsc" or "hpet") and why it was
 * chosen (constant strings), for the hardware report. After time_init(). */
const char *time_clocksource_name(void);
const char *time_clocksource_reason(void);

/* Nanoseconds since boot from the clocksource. Any CPU, any context. */
uint64_t now_ns(void);
/* Busy-wait (for hardware delays before timers exist: INIT/SIPI). */
void delay_us(uint64_t us);

/* CLOCK_REALTIME: read the RTC once (after time_init) and keep the
 * offset from now_ns() to Unix time. Logs the date, or that there is no
 * usable RTC (then the epoch starts at boot). */
void time_realtime_init(void);
/* now_ns() + this = nanoseconds since 1970-01-01 UTC. */
uint64_t time_realtime_offset_ns(void);

/* The calibrated TSC conversion (ns <-> cycles), for programming the
 * TSC-deadline timer (timer_deadline_tsc()). Set by time_init(). */
const struct clockconv *time_tsc_conv(void);

#endif
