/* SPDX-License-Identifier: MIT */
/*
 * ACPI power-management timer (ACPI 6.5 4.8.3.3): a free-running 24- or
 * 32-bit counter at 3.579545 MHz in I/O space. Used only as a calibration
 * reference when there is no HPET; it wraps too fast (4.7 s at 24 bits)
 * to be a clocksource without a tick to extend it.
 */
#ifndef COHORT_DRIVERS_PMTIMER_H
#define COHORT_DRIVERS_PMTIMER_H

#include <stdbool.h>
#include <stdint.h>

#define PMTIMER_HZ 3579545

void pmtimer_init(uint16_t port, bool is_32bit);
bool pmtimer_present(void);
uint32_t pmtimer_read(void);
/* Ticks from a to b, handling one wrap. */
uint32_t pmtimer_delta(uint32_t a, uint32_t b);

#endif
