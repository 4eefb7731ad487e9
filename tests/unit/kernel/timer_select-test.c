// SPDX-License-Identifier: MIT
/*
 * kernel/timer_select.c: the TSC-deadline errata list (every row, one
 * revision below and at the minimum, checked against our own copy of
 * Linux's deadline_match[]); rows that only match some steppings; models
 * and families that are not listed; non-Intel CPUs and hypervisors never
 * hit the list; forced modes (timer=deadline refused with a reason when
 * the CPUID bit is clear, honoured with a warning on errata CPUs;
 * periodic and one-shot always honoured when a LAPIC exists); no LAPIC gives TIMER_MODE_NONE; auto prefers
 * TSC-deadline; and timer_mode_name().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/timer_select.h"

#define ANY 0xff

/* Linux arch/x86/kernel/apic/apic.c deadline_match[] (family 6 Intel). */
static const struct {
	uint32_t model, stepping, min_microcode;
	const char *name;
} errata[] = {
	{ 0x3f, 0x02, 0x0000003a, "Haswell-X EP" },
	{ 0x3f, 0x04, 0x0000000f, "Haswell-X EX" },
	{ 0x4f, ANY, 0x0b000020, "Broadwell-X" },
	{ 0x56, 0x02, 0x00000011, "Broadwell-D s2" },
	{ 0x56, 0x03, 0x0700000e, "Broadwell-D s3" },
	{ 0x56, 0x04, 0x0f00000c, "Broadwell-D s4" },
	{ 0x56, 0x05, 0x0e000003, "Broadwell-D s5" },
	{ 0x55, 0x03, 0x01000136, "Skylake-X s3" },
	{ 0x55, 0x04, 0x02000014, "Skylake-X s4" },
	{ 0x3c, ANY, 0x00000022, "Haswell" },
	{ 0x45, ANY, 0x00000020, "Haswell-L" },
	{ 0x46, ANY, 0x00000017, "Haswell-G" },
	{ 0x3d, ANY, 0x00000025, "Broadwell" },
	{ 0x47, ANY, 0x00000017, "Broadwell-G" },
	{ 0x4e, ANY, 0x000000b2, "Skylake-L" },
	{ 0x5e, ANY, 0x000000b2, "Skylake" },
	{ 0x8e, ANY, 0x00000052, "Kaby Lake-L" },
	{ 0x9e, ANY, 0x00000052, "Kaby Lake" },
};
#define NERRATA (sizeof(errata) / sizeof(errata[0]))

/* The steppings to try for a row: its own, or a spread for ANY. */
static const uint32_t any_steppings[] = { 0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 15 };

/* An Intel family 6 CPU with TSC-deadline in CPUID, on bare metal. */
static struct timer_facts intel(uint32_t model, uint32_t stepping,
				uint32_t microcode)
{
	struct timer_facts f = {
		.has_lapic = true,
		.has_tsc_deadline = true,
		.hypervisor = false,
		.intel = true,
		.family = 6,
		.model = model,
		.stepping = stepping,
		.microcode = microcode,
		.force = TIMER_FORCE_AUTO,
	};
	return f;
}

static enum timer_mode choose(const struct timer_facts *f, const char **why)
{
	*why = "not written"; /* timer_choose_mode must always set it */
	return timer_choose_mode(f, why);
}

static bool has_prefix(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- tsc_deadline_min_microcode ---- */

static void test_every_errata_row_reports_its_minimum(void **state)
{
	(void)state;
	for (size_t i = 0; i < NERRATA; i++) {
		if (errata[i].stepping != ANY) {
			assert_int_equal(tsc_deadline_min_microcode(
						 6, errata[i].model,
						 errata[i].stepping),
					 errata[i].min_microcode);
			continue;
		}
		for (size_t s = 0; s < sizeof(any_steppings) / sizeof(any_steppings[0]); s++)
			assert_int_equal(tsc_deadline_min_microcode(
						 6, errata[i].model, any_steppings[s]),
					 errata[i].min_microcode);
	}
}

static void test_haswell_x_only_steppings_2_and_4(void **state)
{
	(void)state;
	for (uint32_t s = 0; s < 16; s++) {
		uint32_t want = s == 2 ? 0x3a : s == 4 ? 0x0f : 0;
		assert_int_equal(tsc_deadline_min_microcode(6, 0x3f, s), want);
	}
}

static void test_skylake_x_only_steppings_3_and_4(void **state)
{
	(void)state;
	for (uint32_t s = 0; s < 16; s++) {
		uint32_t want = s == 3 ? 0x01000136 : s == 4 ? 0x02000014 : 0;
		assert_int_equal(tsc_deadline_min_microcode(6, 0x55, s), want);
	}
}

static void test_broadwell_d_only_steppings_2_to_5(void **state)
{
	(void)state;
	static const uint32_t want[16] = {
		[2] = 0x00000011, [3] = 0x0700000e,
		[4] = 0x0f00000c, [5] = 0x0e000003,
	};
	for (uint32_t s = 0; s < 16; s++)
		assert_int_equal(tsc_deadline_min_microcode(6, 0x56, s), want[s]);
}

static void test_unlisted_models_need_nothing(void **state)
{
	(void)state;
	/* Sandy Bridge 0x2a, Ivy Bridge 0x3a, Ivy Bridge-EP 0x3e, Comet
	 * Lake 0xa5, Ice Lake 0x7e, Alder Lake 0x97, Sapphire Rapids 0x8f,
	 * Goldmont 0x5c, 0 and 0xff, and models that only match a listed
	 * one in their low 8 bits. */
	static const uint32_t models[] = {
		0x2a, 0x3a, 0x3e, 0xa5, 0x7e, 0x97, 0x8f, 0x5c, 0x00, 0xff,
		0x13c, 0x155, 0x13f,
	};
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		for (uint32_t s = 0; s < 16; s++)
			assert_int_equal(tsc_deadline_min_microcode(6, models[i], s), 0);
	/* Stepping numbers that only alias a listed one in the low byte. */
	assert_int_equal(tsc_deadline_min_microcode(6, 0x3f, 0x102), 0);
	assert_int_equal(tsc_deadline_min_microcode(6, 0x55, 0x103), 0);
}

static void test_other_families_never_match(void **state)
{
	(void)state;
	static const uint32_t families[] = { 0, 4, 5, 7, 15, 0x10, 0x17, 0x19, 0x1a, 0x106 };
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
		for (size_t i = 0; i < NERRATA; i++) {
			uint32_t s = errata[i].stepping == ANY ? 0 : errata[i].stepping;
			assert_int_equal(tsc_deadline_min_microcode(
						 families[f], errata[i].model, s),
					 0);
		}
}

/* ---- timer_choose_mode: the errata list ---- */

/* One below the minimum: one-shot with the errata reason; at it and above:
 * TSC-deadline, nothing to explain. */
static void expect_row(uint32_t model, uint32_t stepping, uint32_t min,
		       const char *name)
{
	const char *why;
	struct timer_facts f = intel(model, stepping, min - 1);
	enum timer_mode m = choose(&f, &why);
	if (m != TIMER_MODE_LAPIC_ONESHOT)
		fprintf(stderr, "%s (model %#x stepping %u) microcode %#x: %s\n",
			name, model, stepping, min - 1, timer_mode_name(m));
	assert_int_equal(m, TIMER_MODE_LAPIC_ONESHOT);
	assert_non_null(why);
	assert_non_null(strstr(why, "errata"));
	assert_non_null(strstr(why, "microcode"));

	f.microcode = 0;
	assert_int_equal(choose(&f, &why), TIMER_MODE_LAPIC_ONESHOT);

	f.microcode = min;
	m = choose(&f, &why);
	if (m != TIMER_MODE_TSC_DEADLINE)
		fprintf(stderr, "%s (model %#x stepping %u) microcode %#x: %s\n",
			name, model, stepping, min, timer_mode_name(m));
	assert_int_equal(m, TIMER_MODE_TSC_DEADLINE);
	assert_null(why);

	f.microcode = UINT32_MAX;
	assert_int_equal(choose(&f, &why), TIMER_MODE_TSC_DEADLINE);
	assert_null(why);
}

static void test_errata_rows_below_and_at_minimum(void **state)
{
	(void)state;
	for (size_t i = 0; i < NERRATA; i++) {
		if (errata[i].stepping != ANY) {
			expect_row(errata[i].model, errata[i].stepping,
				   errata[i].min_microcode, errata[i].name);
			continue;
		}
		for (size_t s = 0; s < sizeof(any_steppings) / sizeof(any_steppings[0]); s++)
			expect_row(errata[i].model, any_steppings[s],
				   errata[i].min_microcode, errata[i].name);
	}
}

static void test_unlisted_stepping_of_listed_model_gets_deadline(void **state)
{
	(void)state;
	const char *why;
	struct timer_facts f = intel(0x3f, 3, 0); /* Haswell-X, stepping 3 */
	assert_int_equal(choose(&f, &why), TIMER_MODE_TSC_DEADLINE);
	assert_null(why);
	f = intel(0x55, 7, 0); /* Cascade Lake: Skylake-X model, stepping 7 */
	assert_int_equal(choose(&f, &why), TIMER_MODE_TSC_DEADLINE);
	f = intel(0x56, 1, 0);
	assert_int_equal(choose(&f, &why), TIMER_MODE_TSC_DEADLINE);
}

static void test_non_intel_never_consults_the_list(void **state)
{
	(void)state;
	const char *why;
	for (size_t i = 0; i < NERRATA; i++) {
		uint32_t s = errata[i].stepping == ANY ? 1 : errata[i].stepping;
		struct timer_facts f = intel(errata[i].model, s, 0);
		f.intel = false; /* e.g. AMD, or Zhaoxin/Centaur family 6 */
		assert_int_equal(choose(&f, &why), TIMER_MODE_TSC_DEADLINE);
		assert_null(why);
	}
}

static void test_non_family_6_never_consults_the_list(void **state)
{
	(void)state;
	const char *why;
	for (size_t i = 0; i < NERRATA; i++) {
		uint32_t s = errata[i].stepping == ANY ? 1 : errata[i].stepping;
		struct timer_facts f = intel(errata[i].model, s, 0);
		f.family = 15;
		assert_int_equal(choose(&f, &why), TIMER_MODE_TSC_DEADLINE);
		assert_null(why);
		f.family = 0x13;
		assert_int_equal(choose(&f, &why), TIMER_MODE_TSC_DEADLINE);
	}
}

static void test_hypervisor_ignores_the_list(void **state)
{
	(void)state;
	const char *why;
	for (size_t i = 0; i < NERRATA; i++) {
		uint32_t s = errata[i].stepping == ANY ? 1 : errata[i].stepping;
		struct timer_facts f = intel(errata[i].model, s, 0);
		f.hypervisor = true;
		assert_int_equal(choose(&f, &why), TIMER_MODE_TSC_DEADLINE);
		assert_null(why);
		f.force = TIMER_FORCE_DEADLINE;
		assert_int_equal(choose(&f, &why), TIMER_MODE_TSC_DEADLINE);
		assert_null(why);
	}
}

/* ---- timer_choose_mode: auto ---- */

static void test_auto_picks_tsc_deadline_when_available(void **state)
{
	(void)state;
	const char *why;
	struct timer_facts f = intel(0xa5, 2, 0xf4); /* Comet Lake */
	assert_int_equal(choose(&f, &why), TIMER_MODE_TSC_DEADLINE);
	assert_null(why);
	f.intel = false;
	f.family = 0x19; /* AMD Zen 3 */
	f.model = 0x21;
	assert_int_equal(choose(&f, &why), TIMER_MODE_TSC_DEADLINE);
	assert_null(why);
}

static void test_auto_without_cpuid_bit_is_oneshot(void **state)
{
	(void)state;
	const char *why;
	struct timer_facts f = intel(0xa5, 2, 0xf4);
	f.has_tsc_deadline = false;
	assert_int_equal(choose(&f, &why), TIMER_MODE_LAPIC_ONESHOT);
	assert_null(why); /* nothing unusual to explain */
	/* Even on an errata CPU with old microcode. */
	f = intel(0x3c, 3, 0);
	f.has_tsc_deadline = false;
	assert_int_equal(choose(&f, &why), TIMER_MODE_LAPIC_ONESHOT);
	assert_null(why);
}

/* ---- timer_choose_mode: forced ---- */

static void test_force_deadline_honoured_when_usable(void **state)
{
	(void)state;
	const char *why;
	struct timer_facts f = intel(0x3c, 3, 0x22); /* Haswell, fixed */
	f.force = TIMER_FORCE_DEADLINE;
	assert_int_equal(choose(&f, &why), TIMER_MODE_TSC_DEADLINE);
	assert_null(why);
}

static void test_force_deadline_refused_without_cpuid_bit(void **state)
{
	(void)state;
	const char *why;
	struct timer_facts f = intel(0xa5, 2, 0xf4);
	f.has_tsc_deadline = false;
	f.force = TIMER_FORCE_DEADLINE;
	assert_int_equal(choose(&f, &why), TIMER_MODE_LAPIC_ONESHOT);
	assert_true(has_prefix(why, "timer=deadline refused"));
	assert_non_null(strstr(why, "CPUID"));
	/* A hypervisor does not make up for a missing bit. */
	f.hypervisor = true;
	assert_int_equal(choose(&f, &why), TIMER_MODE_LAPIC_ONESHOT);
	assert_true(has_prefix(why, "timer=deadline refused"));
}

/* Errata make TSC-deadline risky, not impossible: a forced
 * timer=deadline is honoured, with a warning that names the errata. */
static void test_force_deadline_honoured_with_warning_on_errata(void **state)
{
	(void)state;
	const char *why;
	for (size_t i = 0; i < NERRATA; i++) {
		uint32_t s = errata[i].stepping == ANY ? 1 : errata[i].stepping;
		struct timer_facts f = intel(errata[i].model, s,
					     errata[i].min_microcode - 1);
		f.force = TIMER_FORCE_DEADLINE;
		assert_int_equal(choose(&f, &why), TIMER_MODE_TSC_DEADLINE);
		assert_true(has_prefix(why, "timer=deadline: using TSC-deadline "
					    "despite the errata"));
	}
}

static void test_force_periodic_and_oneshot_always_honoured(void **state)
{
	(void)state;
	static const struct {
		enum timer_force force;
		enum timer_mode mode;
	} forces[] = {
		{ TIMER_FORCE_PERIODIC, TIMER_MODE_LAPIC_PERIODIC },
		{ TIMER_FORCE_ONESHOT, TIMER_MODE_LAPIC_ONESHOT },
	};
	const char *why;
	for (size_t k = 0; k < 2; k++) {
		/* Every combination of the facts, as long as a LAPIC exists. */
		for (unsigned bits = 0; bits < 16; bits++) {
			struct timer_facts f = intel(0x3c, 3, 0); /* errata */
			f.has_tsc_deadline = bits & 1;
			f.hypervisor = bits & 2;
			f.intel = bits & 4;
			f.microcode = bits & 8 ? UINT32_MAX : 0;
			f.force = forces[k].force;
			assert_int_equal(choose(&f, &why), forces[k].mode);
			assert_null(why);
		}
	}
}

/* ---- No LAPIC ---- */

static void test_no_lapic_means_no_timer_whatever_forced(void **state)
{
	(void)state;
	static const enum timer_force forces[] = {
		TIMER_FORCE_AUTO, TIMER_FORCE_DEADLINE, TIMER_FORCE_ONESHOT,
		TIMER_FORCE_PERIODIC,
	};
	const char *why;
	for (size_t k = 0; k < 4; k++) {
		struct timer_facts f = intel(0xa5, 2, 0xf4);
		f.has_lapic = false;
		f.force = forces[k];
		assert_int_equal(choose(&f, &why), TIMER_MODE_NONE);
		assert_non_null(why);
		assert_non_null(strstr(why, "APIC"));
	}
}

/* ---- Names ---- */

static void test_mode_names(void **state)
{
	(void)state;
	assert_string_equal(timer_mode_name(TIMER_MODE_TSC_DEADLINE), "tsc-deadline");
	assert_string_equal(timer_mode_name(TIMER_MODE_LAPIC_ONESHOT), "lapic-oneshot");
	assert_string_equal(timer_mode_name(TIMER_MODE_LAPIC_PERIODIC), "lapic-periodic");
	assert_string_equal(timer_mode_name(TIMER_MODE_NONE), "none");
	int bogus = 42;
	assert_string_equal(timer_mode_name((enum timer_mode)bogus), "none");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_errata_row_reports_its_minimum),
		cmocka_unit_test(test_haswell_x_only_steppings_2_and_4),
		cmocka_unit_test(test_skylake_x_only_steppings_3_and_4),
		cmocka_unit_test(test_broadwell_d_only_steppings_2_to_5),
		cmocka_unit_test(test_unlisted_models_need_nothing),
		cmocka_unit_test(test_other_families_never_match),
		cmocka_unit_test(test_errata_rows_below_and_at_minimum),
		cmocka_unit_test(test_unlisted_stepping_of_listed_model_gets_deadline),
		cmocka_unit_test(test_non_intel_never_consults_the_list),
		cmocka_unit_test(test_non_family_6_never_consults_the_list),
		cmocka_unit_test(test_hypervisor_ignores_the_list),
		cmocka_unit_test(test_auto_picks_tsc_deadline_when_available),
		cmocka_unit_test(test_auto_without_cpuid_bit_is_oneshot),
		cmocka_unit_test(test_force_deadline_honoured_when_usable),
		cmocka_unit_test(test_force_deadline_refused_without_cpuid_bit),
		cmocka_unit_test(test_force_deadline_honoured_with_warning_on_errata),
		cmocka_unit_test(test_force_periodic_and_oneshot_always_honoured),
		cmocka_unit_test(test_no_lapic_means_no_timer_whatever_forced),
		cmocka_unit_test(test_mode_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
