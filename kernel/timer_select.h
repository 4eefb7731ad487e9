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
 */
#ifndef COHORT_TIMER_SELECT_H
#define COHORT_TIMER_SELECT_H

#include <stdbool.h>
#include <stdint.h>

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

#endif
