/* SPDX-License-Identifier: MIT */
/*
 * HPET (IA-PC HPET specification 1.0a): a global main counter of at least
 * 10 MHz, used as the calibration reference, as the clocksource when the
 * TSC is not invariant, and (timer 0, legacy replacement route to ISA
 * IRQ 0) as the boot tick before the per-CPU LAPIC timers take over.
 */
#ifndef COHORT_DRIVERS_HPET_H
#define COHORT_DRIVERS_HPET_H

#include <stdbool.h>
#include <stdint.h>

/* Map and enable the HPET at `phys`. Returns 0, or -1 (logged) if the
 * registers make no sense (period 0 or above 100 ns, all-ones reads). */
int hpet_init(uint64_t phys);
bool hpet_present(void);
uint64_t hpet_hz(void);
/* Main counter, extended to 64 bits if the hardware counter is 32-bit
 * (callers must read it at least once per wrap, ~40 s at 100 MHz; the
 * boot tick and the scheduler's tick do). Safe on any CPU. */
uint64_t hpet_read(void);
/* Timer 0 periodic at `hz` through legacy replacement (ISA IRQ 0). */
int hpet_tick_start(uint32_t hz);
void hpet_tick_stop(void);

#endif
