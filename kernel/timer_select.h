/* SPDX-License-Identifier: MIT */
/*
 * Which per-CPU clockevent to use: pure decisions, host unit-tested.
 *
 * TSC-deadline when CPUID.01H:ECX[24] says the LAPIC has it, unless the CPU
 * is on the known-errata list and its microcode is older than the fix
 * (the list Linux keeps in arch/x86/kernel/apic/apic.c, deadline_match[];
 * SDM errata HSD174 and relatives: the deadline timer can fire early or
 * not at all). Under a hypervisor the microcode revision means nothing, so
 * the list is not consulted there, as Linux does. Otherwise LAPIC
 * one-shot; LAPIC periodic only when asked for (`timer=periodic`).
 *
 * Also the arithmetic that turns "fire in delta_ns" into what the hardware
 * is programmed with (timer_deadline_tsc, timer_oneshot_count): pure, so
 * the host tests cover the extremes (a sleep until UINT64_MAX - 1).
 */
#ifndef COHORT_TIMER_SELECT_H
#define COHORT_TIMER_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/clockconv.h"

enum timer_mode {
	TIMER_MODE_NONE = 0,
	TIMER_MODE_TSC_DEADLINE,
	TIMER_MODE_LAPIC_ONESHOT,
	TIMER_MODE_LAPIC_PERIODIC,
};

enum timer_force {
	TIMER_FORCE_AUTO = 0,
	TIMER_FORCE_DEADLINE,
	TIMER_FORCE_ONESHOT,
	TIMER_FORCE_PERIODIC,
};

struct timer_facts {
	bool has_lapic;
	bool has_tsc_deadline; /* CPUID.01H:ECX[24] */
	bool hypervisor;       /* CPUID.01H:ECX[31] */
	bool intel;
	uint32_t family, model, stepping;
	uint32_t microcode;    /* IA32_BIOS_SIGN_ID[63:32] */
	enum timer_force force;
};

/* Minimum microcode revision with a working TSC-deadline timer for this
 * CPU, or 0 if it is not on the list. */
uint32_t tsc_deadline_min_microcode(uint32_t family, uint32_t model,
				    uint32_t stepping);

/* The mode to use; *why is set when the choice needs explaining (errata,
 * refused force), else NULL. */
enum timer_mode timer_choose_mode(const struct timer_facts *f, const char **why);

const char *timer_mode_name(enum timer_mode m);

/* IA32_TSC_DEADLINE value for an event `delta_ns` after the TSC read
 * `now_tsc`, with `tsc` converting ns to TSC cycles. Never 0 (which would
 * disarm) and never in the past: a delta too large for 64 bits saturates
 * at UINT64_MAX (in practice, never fires). */
uint64_t timer_deadline_tsc(uint64_t now_tsc, uint64_t delta_ns,
			    const struct clockconv *tsc);
/* LAPIC one-shot initial count for `delta_ns` at `lapic_hz` (the counting
 * rate after the divider): 1 .. 0xffffffff; longer waits are cut to the
 * maximum and re-armed when it expires. */
uint32_t timer_oneshot_count(uint64_t delta_ns, uint64_t lapic_hz);

#endif
