// SPDX-License-Identifier: MIT
#include "time.h"

#include "../drivers/hpet.h"
#include "../drivers/lapic.h"
#include "../drivers/pit.h"
#include "../drivers/pmtimer.h"
#include "../drivers/rtc.h"
#include "../drivers/tsc.h"
#include "arch/x86.h"
#include "cmdline.h"
#include "lib/string.h"
#include "lib/sort.h"
#include "log.h"
#include "log_warn.h"

enum clocksource { CS_TSC, CS_HPET };

/* Written once by time_init() on the BSP before other CPUs run. */
static struct time_calibration cal;
static enum clocksource cs = CS_TSC;
/* Why `cs`, for the hardware report. Written once by time_init() on the
 * boot CPU before the APs start; read-only afterwards. */
static const char *cs_reason = "not calibrated";
static struct clockconv tsc_conv, hpet_conv;
static uint64_t hpet_zero; /* HPET count at time_init: now_ns() zero */
static uint64_t tsc_zero;

const char *clock_ref_name(enum clock_ref r)
{
	switch (r) {
	case CLOCK_REF_HPET:
		return "hpet";
	case CLOCK_REF_PMTIMER:
		return "pmtimer";
	case CLOCK_REF_PIT:
		return "pit";
	case CLOCK_REF_NONE:
		break;
	}
	return "none";
}

/* One window: spin on the reference for about `us`, return the elapsed
 * reference time in ns and the TSC and LAPIC-timer deltas over it. */
static uint64_t window(enum clock_ref ref, uint64_t us, uint64_t *tsc_d,
		       uint64_t *lapic_d, bool lapic)
{
	uint64_t t0, t1, ns = 0;
	uint32_t l0 = 0, l1 = 0;

	if (lapic)
		lapic_timer_oneshot(0xffffffffu);
	switch (ref) {
	case CLOCK_REF_HPET: {
		uint64_t want = hpet_hz() * us / 1000000, h0 = hpet_read(), h1;
		t0 = rdtsc();
		l0 = lapic ? lapic_timer_current() : 0;
		do
			h1 = hpet_read();
		while (h1 - h0 < want);
		t1 = rdtsc();
		l1 = lapic ? lapic_timer_current() : 0;
		ns = (h1 - h0) * NSEC_PER_SEC / hpet_hz();
		break;
	}
	case CLOCK_REF_PMTIMER: {
		uint32_t want = (uint32_t)(PMTIMER_HZ * us / 1000000), p0, p1;
		p0 = pmtimer_read();
		t0 = rdtsc();
		l0 = lapic ? lapic_timer_current() : 0;
		do
			p1 = pmtimer_read();
		while (pmtimer_delta(p0, p1) < want);
		t1 = rdtsc();
		l1 = lapic ? lapic_timer_current() : 0;
		ns = (uint64_t)pmtimer_delta(p0, p1) * NSEC_PER_SEC / PMTIMER_HZ;
		break;
	}
	case CLOCK_REF_PIT: {
		uint16_t ticks = (uint16_t)((uint64_t)PIT_HZ * us / 1000000);
		l0 = lapic ? lapic_timer_current() : 0;
		uint64_t d = pit_measure_tsc(ticks);
		l1 = lapic ? lapic_timer_current() : 0;
		*tsc_d = d;
		*lapic_d = l0 - l1;
		if (lapic)
			lapic_timer_stop();
		return d ? (uint64_t)ticks * NSEC_PER_SEC / PIT_HZ : 0;
	}
	case CLOCK_REF_NONE:
		return 0;
	}
	if (lapic)
		lapic_timer_stop();
	*tsc_d = t1 - t0;
	*lapic_d = l0 - l1;
	return ns;
}

static void calibrate(bool lapic)
{
	uint64_t tsc[TIME_CAL_WINDOWS], lap[TIME_CAL_WINDOWS];
	int n = 0;

	cal.ref = hpet_present()    ? CLOCK_REF_HPET :
		  pmtimer_present() ? CLOCK_REF_PMTIMER :
				      CLOCK_REF_PIT;
	uint64_t us = cal.ref == CLOCK_REF_PIT ? TIME_CAL_PIT_WINDOW_US :
						 TIME_CAL_WINDOW_US;
	for (int i = 0; i < TIME_CAL_WINDOWS; i++) {
		uint64_t td, ld, ns = window(cal.ref, us, &td, &ld, lapic);
		if (!ns)
			continue;
		tsc[n] = td * NSEC_PER_SEC / ns;
		lap[n] = ld * NSEC_PER_SEC / ns;
		n++;
	}
	if (!n) {
		kwarn("time: the %s reference did not answer; keeping the early "
			"TSC estimate", clock_ref_name(cal.ref));
		cal.ref = CLOCK_REF_NONE;
		cal.tsc_hz = tsc_hz();
		cal.tsc_source = "early estimate";
		return;
	}
	sort_u64(tsc, n);
	sort_u64(lap, n);
	cal.tsc_hz = tsc[n / 2];
	cal.tsc_spread_ppm = (tsc[n - 1] - tsc[0]) * 1000000 / cal.tsc_hz;
	cal.tsc_source = "measured";
	if (lapic && lap[n / 2]) {
		cal.lapic_hz = lap[n / 2];
		cal.lapic_spread_ppm = (lap[n - 1] - lap[0]) * 1000000 / cal.lapic_hz;
	}
}

void time_init(bool lapic_usable)
{
	uint32_t max_ext = cpuid(0x80000000, 0).eax;
	cal.tsc_invariant = max_ext >= 0x80000007 &&
			    (cpuid(0x80000007, 0).edx & (1u << 8));

	calibrate(lapic_usable);
	/* A frequency the CPU states beats one we measure under emulation
	 * or SMIs; drivers/tsc.c already read it from CPUID if present. */
	const char *early = tsc_early_source();
	if (early[0] == 'c') {
		cal.tsc_hz = tsc_hz();
		cal.tsc_source = early;
	}
	tsc_conv = clockconv_make(cal.tsc_hz);
	tsc_zero = tsc_boot;

	const char *force = cmdline_get(&boot_cmdline, "clocksource");
	bool force_tsc = force && strcmp(force, "tsc") == 0;
	bool force_hpet = force && strcmp(force, "hpet") == 0;
	if (force_hpet && !hpet_present()) {
		kwarn("time: clocksource=hpet refused: there is no HPET");
		force_hpet = false;
	}
	if (force_tsc || (!force_hpet && (cal.tsc_invariant || !hpet_present()))) {
		cs = CS_TSC;
	} else {
		cs = CS_HPET;
		hpet_conv = clockconv_make(hpet_hz());
		/* Line the HPET's zero up with the TSC's so now_ns() does not
		 * jump at the switch. */
		hpet_zero = hpet_read() -
			    clockconv_to_cycles(&hpet_conv,
						clockconv_to_ns(&tsc_conv,
								rdtsc() - tsc_boot));
	}

	kprintf("time: calibrated against %s, median of %d windows of %lu us",
		clock_ref_name(cal.ref), TIME_CAL_WINDOWS,
		cal.ref == CLOCK_REF_PIT ? (unsigned long)TIME_CAL_PIT_WINDOW_US :
					   (unsigned long)TIME_CAL_WINDOW_US);
	kprintf("time:   tsc   %lu.%03lu MHz (%s, spread %lu ppm, %s)",
		cal.tsc_hz / 1000000, cal.tsc_hz / 1000 % 1000, cal.tsc_source,
		cal.tsc_spread_ppm, cal.tsc_invariant ? "invariant" : "not invariant");
	if (cal.lapic_hz)
		kprintf("time:   lapic %lu.%03lu MHz timer ticks at divide 16 "
			"(bus %lu.%03lu MHz, spread %lu ppm)",
			cal.lapic_hz / 1000000, cal.lapic_hz / 1000 % 1000,
			cal.lapic_hz * 16 / 1000000, cal.lapic_hz * 16 / 1000 % 1000,
			cal.lapic_spread_ppm);
	kprintf("time:   clocksource %s%s", cs == CS_HPET ? "hpet" : "tsc",
		force_tsc || force_hpet ? " (clocksource= on the command line)" :
		cs == CS_TSC && !cal.tsc_invariant ?
					  " (not invariant, and no HPET to fall back on)" :
		cs == CS_HPET ? " (TSC not invariant)" :
				"");
	cs_reason = force_tsc || force_hpet ? "clocksource= on the command line" :
		    cs == CS_TSC && !cal.tsc_invariant ?
						  "TSC not invariant, and no HPET to fall back on" :
		    cs == CS_HPET ? "TSC not invariant" :
				    "invariant TSC";
}

const char *time_clocksource_name(void)
{
	return cs == CS_HPET ? "hpet" : "tsc";
}

const char *time_clocksource_reason(void)
{
	return cs_reason;
}

const struct time_calibration *time_calibration(void)
{
	return &cal;
}

uint64_t now_ns(void)
{
	if (cs == CS_HPET)
		return clockconv_to_ns(&hpet_conv, hpet_read() - hpet_zero);
	if (!tsc_conv.hz)
		return uptime_ns(); /* before time_init: the early estimate */
	return clockconv_to_ns(&tsc_conv, rdtsc() - tsc_zero);
}

const struct clockconv *time_tsc_conv(void)
{
	return &tsc_conv;
}

void delay_us(uint64_t us)
{
	uint64_t end = now_ns() + us * 1000;
	while (now_ns() < end)
		cpu_relax();
}

/* Written once at boot (time_realtime_init), before user space. */
static uint64_t realtime_offset_ns;

void time_realtime_init(void)
{
	int64_t secs = rtc_read_epoch();
	uint64_t now = now_ns();
	if (secs < 0) {
		kprintf("time: no valid RTC date: CLOCK_REALTIME starts at 1970");
		return;
	}
	realtime_offset_ns = (uint64_t)secs * 1000000000ULL - now;
	kprintf("time: RTC says %ld s since 1970 (UTC)", (long)secs);
}

uint64_t time_realtime_offset_ns(void)
{
	return realtime_offset_ns;
}
