// SPDX-License-Identifier: MIT
/*
 * Why the order matters: `last` must be loaded BEFORE the hardware read,
 * and the counter read again whenever the CAS fails. Then `now` is always
 * younger than the `old` it is compared with, so now < low half of old
 * can only mean a wrap. Read first (as this code once did) and another
 * CPU can publish a newer value in between: the older `now` then looks
 * like a wrap and the result jumps a whole lap ahead (issue 9, defect 7).
 */
#include "hpet_counter.h"

#define LOW_MASK 0xffffffffULL
#define LAP (1ULL << 32)

uint64_t hpet_counter_extend(_Atomic uint64_t *last,
			     uint32_t (*read32)(void *ctx), void *ctx)
{
	uint64_t old = atomic_load_explicit(last, memory_order_acquire);
	for (;;) {
		uint32_t now = read32(ctx);
		uint64_t v = (old & ~LOW_MASK) | now;
		if (v < old)
			v += LAP; /* wrapped since `old` was read */
		/* On failure `old` is reloaded; the loop reads the counter
		 * again, after it. */
		if (atomic_compare_exchange_weak_explicit(
			    last, &old, v, memory_order_acq_rel,
			    memory_order_acquire))
			return v;
	}
}
