// SPDX-License-Identifier: MIT
#include "timer_select.h"

/* The LAPIC's initial-count register is 32 bits (SDM 3A 10.5.4). */
#define LAPIC_MAX_COUNT 0xffffffffu

struct deadline_erratum {
	uint8_t model;
	uint8_t stepping; /* 0xff = any stepping */
	uint32_t min_microcode;
};

/* Intel family 6 CPUs whose TSC-deadline timer needs a microcode fix
 * (from Linux deadline_match[]; model names for reading). */
static const struct deadline_erratum deadline_errata[] = {
	{ 0x3f, 0x02, 0x0000003a }, /* Haswell-X EP */
	{ 0x3f, 0x04, 0x0000000f }, /* Haswell-X EX */
	{ 0x4f, 0xff, 0x0b000020 }, /* Broadwell-X */
	{ 0x56, 0x02, 0x00000011 }, /* Broadwell-D */
	{ 0x56, 0x03, 0x0700000e },
	{ 0x56, 0x04, 0x0f00000c },
	{ 0x56, 0x05, 0x0e000003 },
	{ 0x55, 0x03, 0x01000136 }, /* Skylake-X */
	{ 0x55, 0x04, 0x02000014 },
	{ 0x3c, 0xff, 0x00000022 }, /* Haswell */
	{ 0x45, 0xff, 0x00000020 }, /* Haswell-L */
	{ 0x46, 0xff, 0x00000017 }, /* Haswell-G */
	{ 0x3d, 0xff, 0x00000025 }, /* Broadwell */
	{ 0x47, 0xff, 0x00000017 }, /* Broadwell-G */
	{ 0x4e, 0xff, 0x000000b2 }, /* Skylake-L */
	{ 0x5e, 0xff, 0x000000b2 }, /* Skylake */
	{ 0x8e, 0xff, 0x00000052 }, /* Kaby Lake-L */
	{ 0x9e, 0xff, 0x00000052 }, /* Kaby Lake */
};

uint32_t tsc_deadline_min_microcode(uint32_t family, uint32_t model,
				    uint32_t stepping)
{
	if (family != 6)
		return 0;
	for (unsigned i = 0; i < sizeof(deadline_errata) / sizeof(deadline_errata[0]); i++) {
		const struct deadline_erratum *e = &deadline_errata[i];
		if (e->model == model &&
		    (e->stepping == 0xff || e->stepping == stepping))
			return e->min_microcode;
	}
	return 0;
}

const char *timer_mode_name(enum timer_mode m)
{
	switch (m) {
	case TIMER_MODE_TSC_DEADLINE:
		return "tsc-deadline";
	case TIMER_MODE_LAPIC_ONESHOT:
		return "lapic-oneshot";
	case TIMER_MODE_LAPIC_PERIODIC:
		return "lapic-periodic";
	case TIMER_MODE_NONE:
		break;
	}
	return "none";
}

enum timer_mode timer_choose_mode(const struct timer_facts *f, const char **why)
{
	*why = 0;
	if (!f->has_lapic) {
		*why = "no local APIC: no per-CPU timer";
		return TIMER_MODE_NONE;
	}
	bool deadline_ok = f->has_tsc_deadline;
	const char *deadline_why = "CPUID.01H:ECX[24] (TSC-deadline) is clear";
	if (deadline_ok && f->intel && !f->hypervisor) {
		uint32_t need = tsc_deadline_min_microcode(f->family, f->model,
							   f->stepping);
		if (need && f->microcode < need) {
			deadline_ok = false;
			deadline_why = "TSC-deadline disabled: this CPU model needs "
				       "newer microcode (TSC-deadline errata)";
		}
	}
	switch (f->force) {
	case TIMER_FORCE_PERIODIC:
		return TIMER_MODE_LAPIC_PERIODIC;
	case TIMER_FORCE_ONESHOT:
		return TIMER_MODE_LAPIC_ONESHOT;
	case TIMER_FORCE_DEADLINE:
		if (deadline_ok)
			return TIMER_MODE_TSC_DEADLINE;
		if (f->has_tsc_deadline) {
			/* Possible, only risky: the user asked, so do it. */
			*why = "timer=deadline: using TSC-deadline despite the "
			       "errata for this CPU model and microcode";
			return TIMER_MODE_TSC_DEADLINE;
		}
		*why = "timer=deadline refused: CPUID.01H:ECX[24] is clear; "
		       "using lapic-oneshot";
		return TIMER_MODE_LAPIC_ONESHOT;
	case TIMER_FORCE_AUTO:
		break;
	}
	if (deadline_ok)
		return TIMER_MODE_TSC_DEADLINE;
	if (f->has_tsc_deadline)
		*why = deadline_why;
	return TIMER_MODE_LAPIC_ONESHOT;
}

uint64_t timer_deadline_tsc(uint64_t now_tsc, uint64_t delta_ns,
			    const struct clockconv *tsc)
{
	/* In 128 bits: delta_ns near 2^64 (a sleep until UINT64_MAX - 1)
	 * times a multiplier above 2^32 (any TSC over 1 GHz) does not fit
	 * in 64, and a truncated deadline can land in the past: it fires at
	 * once, is re-armed for the same deadline, fires again (issue 9,
	 * defect 10). +1: a deadline in the past still fires (SDM 3A
	 * 10.5.4.1), but 0 would disarm. */
	unsigned __int128 cycles =
		((unsigned __int128)delta_ns * tsc->cyc_mult) >> 32;
	unsigned __int128 d = (unsigned __int128)now_tsc + cycles + 1;
	return d > UINT64_MAX ? UINT64_MAX : (uint64_t)d;
}

uint32_t timer_oneshot_count(uint64_t delta_ns, uint64_t lapic_hz)
{
	/* Compare before multiplying: delta_ns * lapic_hz overflows 64 bits
	 * for long waits, and a wrapped count fires early. (No 128-bit
	 * division: the kernel does not link libgcc's __udivti3.) Below the
	 * limit the product is at most ~2^32 * 1e9 < 2^63. */
	if (!lapic_hz || delta_ns >= LAPIC_MAX_COUNT * NSEC_PER_SEC / lapic_hz)
		return LAPIC_MAX_COUNT;
	uint64_t count = delta_ns * lapic_hz / NSEC_PER_SEC;
	return count ? (uint32_t)count : 1;
}
