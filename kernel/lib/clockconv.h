/* SPDX-License-Identifier: MIT */
/*
 * Cycle <-> nanosecond conversion with a 32.32 fixed-point multiplier and a
 * 128-bit product, as Linux's clocksource mult/shift but with the shift
 * fixed at 32. For any clock from 1 kHz to 100 GHz and any count that
 * fits in 64 bits, the product fits in 128 bits, so nothing overflows for
 * centuries of uptime (tests/unit/kernel/lib/clockconv-test.c checks 10
 * years at 1 kHz .. 10 GHz; ns -> cycles loses precision below ~1 MHz, where
 * the 32.32 multiplier has few significant bits). Arch-free.
 */
#ifndef COHORT_LIB_CLOCKCONV_H
#define COHORT_LIB_CLOCKCONV_H

#include <stdint.h>

#include "units.h"

struct clockconv {
	uint64_t hz;
	uint64_t ns_mult;  /* ns  = cycles * ns_mult >> 32 */
	uint64_t cyc_mult; /* cyc = ns * cyc_mult >> 32 */
};

/* n / d for a 128-bit n, by shift and subtract: a 128-bit `/` would need
 * libgcc's __udivti3, which the kernel does not link. Runs only when a
 * frequency is set, so 128 iterations are fine. Saturates at UINT64_MAX. */
static inline uint64_t clockconv_div128(unsigned __int128 n, uint64_t d)
{
	unsigned __int128 q = 0, r = 0;
	for (int i = 127; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= (unsigned __int128)1 << i;
		}
	}
	return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

static inline struct clockconv clockconv_make(uint64_t hz)
{
	struct clockconv c = { hz, 0, 0 };
	if (hz) {
		c.ns_mult = clockconv_div128((unsigned __int128)NSEC_PER_SEC << 32, hz);
		c.cyc_mult = clockconv_div128((unsigned __int128)hz << 32, NSEC_PER_SEC);
	}
	return c;
}

static inline uint64_t clockconv_to_ns(const struct clockconv *c, uint64_t cycles)
{
	return (uint64_t)(((unsigned __int128)cycles * c->ns_mult) >> 32);
}

static inline uint64_t clockconv_to_cycles(const struct clockconv *c, uint64_t ns)
{
	return (uint64_t)(((unsigned __int128)ns * c->cyc_mult) >> 32);
}

#endif
