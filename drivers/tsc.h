/* SPDX-License-Identifier: MIT */
/*
 * Time-stamp counter: boot-time calibration and conversion to ns.
 *
 * tsc_calibrate() takes the frequency from CPUID leaf 0x15 (crystal x
 * ratio) or 0x16 (base MHz) when the CPU reports one, else measures it
 * against the PIT: the median of TSC_CAL_WINDOWS windows, with the spread
 * reported. This is the early estimate that gives the log its times;
 * kernel/time.c recalibrates against the HPET or ACPI PM timer and checks
 * for an invariant TSC. Conversions use a 32.32 fixed-point multiplier and a
 * 128-bit product, so they cannot overflow for any realistic uptime.
 */
#ifndef COHORT_DRIVERS_TSC_H
#define COHORT_DRIVERS_TSC_H

#include <stdint.h>

#define TSC_CAL_WINDOWS 5
#define TSC_CAL_WINDOW_US 10000

struct tsc_calibration {
	uint64_t hz;
	const char *source; /* "cpuid-15h", "cpuid-16h", "pit", "none" */
	uint64_t spread_ppm; /* (max - min) / median of the windows */
};

extern uint64_t tsc_boot; /* TSC at kernel entry: uptime zero */

/* Measure and remember the TSC frequency. Call once, on the BSP, with
 * interrupts off. */
struct tsc_calibration tsc_calibrate(void);

uint64_t tsc_hz(void);
/* Where tsc_calibrate() got the frequency: "cpuid-15h", "cpuid-16h",
 * "pit" or "none". */
const char *tsc_early_source(void);
/* Nanoseconds for a TSC delta (0 before calibration). */
uint64_t tsc_to_ns(uint64_t ticks);
/* Nanoseconds since kernel entry. */
uint64_t uptime_ns(void);

#endif
