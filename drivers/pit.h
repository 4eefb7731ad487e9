/* SPDX-License-Identifier: MIT */
/*
 * The 8254 PIT, used only as a reference clock while calibrating faster
 * clocks at boot. Channel 2 is used because its gate and output are
 * readable through port 0x61 without interrupts (Intel 8254 datasheet;
 * the PC/AT wiring). Not safe to call from two CPUs at once.
 */
#ifndef COHORT_DRIVERS_PIT_H
#define COHORT_DRIVERS_PIT_H

#include <stdint.h>

#define PIT_HZ 1193182

/* Busy-wait `pit_ticks` (< 65536) PIT ticks; returns the TSC ticks that
 * elapsed, or 0 if the PIT output never rose (no PIT). */
uint64_t pit_measure_tsc(uint16_t pit_ticks);

/* Channel 0 as a periodic interrupt source (mode 2, ISA IRQ 0) at about
 * `hz`: the boot tick on machines without an HPET. */
void pit_tick_start(uint32_t hz);
void pit_tick_stop(void);

#endif
