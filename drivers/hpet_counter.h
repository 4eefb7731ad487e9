/* SPDX-License-Identifier: MIT */
/*
 * Extending a 32-bit HPET main counter to 64 bits (IA-PC HPET 1.0a 2.3.4:
 * the counter may be 32 bits wide; at 100 MHz it wraps every ~43 s).
 * Pure logic over a read-the-counter callback, so the host unit tests can
 * run "another CPU's" read inside the exact window between this CPU's
 * read and its update (tests/unit/drivers/hpet_counter-test.c).
 */
#ifndef COHORT_DRIVERS_HPET_COUNTER_H
#define COHORT_DRIVERS_HPET_COUNTER_H

#include <stdatomic.h>
#include <stdint.h>

/*
 * The 64-bit counter value now. `last` is the newest value any CPU has
 * returned (shared by all CPUs, updated with CAS); read32(ctx) reads the
 * hardware counter. Safe on any CPU concurrently, provided some CPU reads
 * at least once per wrap period. Never returns less than a value another
 * call already returned.
 */
uint64_t hpet_counter_extend(_Atomic uint64_t *last,
			     uint32_t (*read32)(void *ctx), void *ctx);

#endif
