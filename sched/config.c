// SPDX-License-Identifier: MIT
/*
 * The live scheduler tunables (config.h) and their validated setter, shared
 * by the kernel's command line and the simulator's scenario files.
 *
 * Guarantees: a value is either in its documented range and stored, or
 * refused with -EINVAL and one log line, with nothing changed.
 *
 * Read next: core.c.
 */
#include "sched/sched_internal.h"

#include "kernel/lib/string.h"

/* The defaults, once; the live copy starts as (and resets to) this. */
static const struct sched_tunables sched_tunables_default = {
	.tick_ns = NSEC_PER_SEC / SCHED_DEFAULT_TICK_HZ,
	.min_granularity_ns = SCHED_DEFAULT_MIN_GRANULARITY_NS,
	.fair_slice_ns = SCHED_DEFAULT_FAIR_SLICE_NS,
	.sleeper_credit_ns = SCHED_DEFAULT_SLEEPER_CREDIT_NS,
	.balance_interval_ns = SCHED_DEFAULT_BALANCE_INTERVAL_NS,
	.rt_runtime_ns = SCHED_DEFAULT_RT_RUNTIME_NS,
	.rt_period_ns = SCHED_DEFAULT_RT_PERIOD_NS,
	.rr_slice_ns = SCHED_DEFAULT_RR_SLICE_NS,
	.dl_bound_bw = SCHED_DEFAULT_DL_BOUND_BW,
	.nohz = SCHED_DEFAULT_NOHZ,
};

struct sched_tunables sched_tunables = sched_tunables_default;

void sched_tunables_reset(void)
{
	sched_tunables = sched_tunables_default;
}

/* Bounds for the time tunables: 1 us .. 10 s. Outside that the arithmetic
 * still works but the value is certainly a typo. */
#define TUNABLE_MIN_NS NSEC_PER_USEC
#define TUNABLE_MAX_NS (10 * NSEC_PER_SEC)

int sched_tunable_set(const char *name, uint64_t value)
{
	static const struct {
		const char *name;
		size_t offset;
	} times[] = {
		{ "min_granularity_ns", offsetof(struct sched_tunables, min_granularity_ns) },
		{ "fair_slice_ns", offsetof(struct sched_tunables, fair_slice_ns) },
		{ "sleeper_credit_ns", offsetof(struct sched_tunables, sleeper_credit_ns) },
		{ "balance_interval_ns", offsetof(struct sched_tunables, balance_interval_ns) },
		{ "rt_runtime_ns", offsetof(struct sched_tunables, rt_runtime_ns) },
		{ "rt_period_ns", offsetof(struct sched_tunables, rt_period_ns) },
		{ "rr_slice_ns", offsetof(struct sched_tunables, rr_slice_ns) },
	};

	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		if (strcmp(name, times[i].name) != 0)
			continue;
		if (value < TUNABLE_MIN_NS || value > TUNABLE_MAX_NS) {
			sched_log("sched: %s=%llu out of range [%llu, %llu]",
				  name, (unsigned long long)value,
				  (unsigned long long)TUNABLE_MIN_NS,
				  (unsigned long long)TUNABLE_MAX_NS);
			return -EINVAL;
		}
		*(uint64_t *)((char *)&sched_tunables + times[i].offset) = value;
		return 0;
	}
	if (strcmp(name, "tick_hz") == 0) {
		if (value < 10 || value > 10000) {
			sched_log("sched: tick_hz=%llu out of range [10, 10000]",
				  (unsigned long long)value);
			return -EINVAL;
		}
		sched_tunables.tick_ns = NSEC_PER_SEC / value;
		return 0;
	}
	if (strcmp(name, "dl_bound_ppm") == 0) {
		if (value == 0 || value > 1000000) {
			sched_log("sched: dl_bound_ppm=%llu out of range [1, 1000000]",
				  (unsigned long long)value);
			return -EINVAL;
		}
		sched_tunables.dl_bound_bw = (value << SCHED_BW_SHIFT) / 1000000;
		return 0;
	}
	if (strcmp(name, "nohz") == 0) {
		if (value > 1) {
			sched_log("sched: nohz=%llu must be 0 or 1",
				  (unsigned long long)value);
			return -EINVAL;
		}
		sched_tunables.nohz = value;
		return 0;
	}
	sched_log("sched: unknown tunable '%s'", name);
	return -EINVAL;
}

