// SPDX-License-Identifier: MIT
#include "tsc.h"

#include "../kernel/arch/x86.h"
#include "../kernel/lib/clockconv.h"
#include "../kernel/lib/sort.h"
#include "pit.h"

uint64_t tsc_boot;
static struct clockconv conv;
static const char *early_source = "none";

struct tsc_calibration tsc_calibrate(void)
{
	struct tsc_calibration cal = { 0, "none", 0 };
	uint32_t max_leaf = cpuid(0, 0).eax;

	if (max_leaf >= 0x15) {
		struct cpuid_regs r = cpuid(0x15, 0);
		if (r.eax && r.ebx && r.ecx) {
			cal.hz = (uint64_t)r.ecx * r.ebx / r.eax;
			cal.source = "cpuid-15h";
		}
	}
	if (!cal.hz && max_leaf >= 0x16) {
		uint32_t mhz = cpuid(0x16, 0).eax & 0xffff;
		if (mhz) {
			cal.hz = (uint64_t)mhz * 1000000;
			cal.source = "cpuid-16h";
		}
	}
	if (!cal.hz) {
		uint64_t w[TSC_CAL_WINDOWS];
		const uint16_t pit_ticks =
			(uint16_t)((uint64_t)PIT_HZ * TSC_CAL_WINDOW_US / 1000000);
		int n = 0;
		for (int i = 0; i < TSC_CAL_WINDOWS; i++) {
			uint64_t t = pit_measure_tsc(pit_ticks);
			if (t)
				w[n++] = t * PIT_HZ / pit_ticks;
		}
		if (n) {
			sort_u64(w, n);
			cal.hz = w[n / 2];
			cal.source = "pit";
			cal.spread_ppm = (w[n - 1] - w[0]) * 1000000 / cal.hz;
		}
	}
	if (cal.hz)
		conv = clockconv_make(cal.hz);
	early_source = cal.source;
	return cal;
}

uint64_t tsc_hz(void)
{
	return conv.hz;
}

uint64_t tsc_to_ns(uint64_t ticks)
{
	return clockconv_to_ns(&conv, ticks);
}

uint64_t uptime_ns(void)
{
	return tsc_to_ns(rdtsc() - tsc_boot);
}

const char *tsc_early_source(void)
{
	return early_source;
}
