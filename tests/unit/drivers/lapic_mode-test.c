// SPDX-License-Identifier: MIT
/*
 * drivers/lapic_mode.c, lapic_choose_mode(): firmware already in x2APIC
 * keeps x2APIC and refuses apic=xapic (the reason names the firmware); APIC
 * ids above 254 need x2APIC, or get NONE without it; apic=x2apic refused
 * without CPUID support; no APIC at all gives NONE; auto prefers x2APIC
 * when the CPU has it; every refused force returns what auto would pick.
 * Finally every combination of the facts against a table written from
 * drivers/lapic.h's rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/lapic.h"

static struct lapic_facts facts(bool apic, bool x2apic, bool fw_on,
				uint32_t max_id, enum lapic_force force)
{
	struct lapic_facts f = {
		.cpu_has_apic = apic,
		.cpu_has_x2apic = x2apic,
		.fw_x2apic_on = fw_on,
		.max_apic_id = max_id,
		.force = force,
	};
	return f;
}

static enum lapic_mode choose(struct lapic_facts f, const char **why)
{
	*why = "not written"; /* lapic_choose_mode must always set it */
	return lapic_choose_mode(&f, why);
}

static bool has_prefix(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- Auto ---- */

static void test_auto_prefers_x2apic_when_cpu_has_it(void **state)
{
	(void)state;
	const char *why;
	assert_int_equal(choose(facts(true, true, false, 3, LAPIC_FORCE_AUTO), &why),
			 LAPIC_MODE_X2APIC);
	assert_null(why);
}

static void test_auto_uses_xapic_without_x2apic(void **state)
{
	(void)state;
	const char *why;
	assert_int_equal(choose(facts(true, false, false, 3, LAPIC_FORCE_AUTO), &why),
			 LAPIC_MODE_XAPIC);
	assert_null(why);
	/* 254 is the highest id xAPIC can address. */
	assert_int_equal(choose(facts(true, false, false, 254, LAPIC_FORCE_AUTO), &why),
			 LAPIC_MODE_XAPIC);
	assert_null(why);
}

static void test_no_apic_at_all_is_none(void **state)
{
	(void)state;
	static const enum lapic_force forces[] = {
		LAPIC_FORCE_AUTO, LAPIC_FORCE_XAPIC, LAPIC_FORCE_X2APIC,
	};
	const char *why;
	for (size_t k = 0; k < 3; k++) {
		/* Even if CPUID claims x2APIC (inconsistent, but possible
		 * under a misconfigured hypervisor). */
		for (int x2 = 0; x2 < 2; x2++) {
			assert_int_equal(choose(facts(false, x2, false, 0, forces[k]),
						&why),
					 LAPIC_MODE_NONE);
			assert_non_null(why);
			assert_non_null(strstr(why, "no local APIC"));
		}
	}
}

/* ---- Firmware already in x2APIC ---- */

static void test_firmware_x2apic_stays_x2apic(void **state)
{
	(void)state;
	const char *why;
	assert_int_equal(choose(facts(true, true, true, 3, LAPIC_FORCE_AUTO), &why),
			 LAPIC_MODE_X2APIC);
	assert_null(why);
	assert_int_equal(choose(facts(true, true, true, 3, LAPIC_FORCE_X2APIC), &why),
			 LAPIC_MODE_X2APIC);
	assert_null(why);
	/* EXTD set is proof enough, whatever CPUID says. */
	assert_int_equal(choose(facts(false, false, true, 3, LAPIC_FORCE_AUTO), &why),
			 LAPIC_MODE_X2APIC);
	assert_null(why);
	assert_int_equal(choose(facts(true, false, true, 300, LAPIC_FORCE_X2APIC), &why),
			 LAPIC_MODE_X2APIC);
	assert_null(why);
}

static void test_firmware_x2apic_refuses_apic_xapic(void **state)
{
	(void)state;
	const char *why;
	for (int x2 = 0; x2 < 2; x2++) {
		assert_int_equal(choose(facts(true, x2, true, 3, LAPIC_FORCE_XAPIC),
					&why),
				 LAPIC_MODE_X2APIC);
		assert_true(has_prefix(why, "apic=xapic refused"));
		assert_non_null(strstr(why, "firmware"));
	}
}

/* ---- APIC ids above 254 ---- */

static void test_high_apic_id_needs_x2apic(void **state)
{
	(void)state;
	static const uint32_t ids[] = { 255, 256, 1000, UINT32_MAX };
	const char *why;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		assert_int_equal(choose(facts(true, true, false, ids[i],
					      LAPIC_FORCE_AUTO),
					&why),
				 LAPIC_MODE_X2APIC);
		assert_null(why);
		assert_int_equal(choose(facts(true, true, false, ids[i],
					      LAPIC_FORCE_X2APIC),
					&why),
				 LAPIC_MODE_X2APIC);
		assert_null(why);
	}
}

static void test_high_apic_id_without_x2apic_is_none(void **state)
{
	(void)state;
	static const enum lapic_force forces[] = {
		LAPIC_FORCE_AUTO, LAPIC_FORCE_XAPIC, LAPIC_FORCE_X2APIC,
	};
	const char *why;
	for (size_t k = 0; k < 3; k++) {
		assert_int_equal(choose(facts(true, false, false, 255, forces[k]),
					&why),
				 LAPIC_MODE_NONE);
		assert_non_null(why);
		assert_non_null(strstr(why, "254"));
	}
}

static void test_high_apic_id_refuses_apic_xapic(void **state)
{
	(void)state;
	const char *why;
	assert_int_equal(choose(facts(true, true, false, 255, LAPIC_FORCE_XAPIC), &why),
			 LAPIC_MODE_X2APIC);
	assert_true(has_prefix(why, "apic=xapic refused"));
	assert_non_null(strstr(why, "254"));
	/* At 254 the force is fine. */
	assert_int_equal(choose(facts(true, true, false, 254, LAPIC_FORCE_XAPIC), &why),
			 LAPIC_MODE_XAPIC);
	assert_null(why);
}

/* ---- Forces ---- */

static void test_apic_xapic_honoured_when_possible(void **state)
{
	(void)state;
	const char *why;
	assert_int_equal(choose(facts(true, true, false, 7, LAPIC_FORCE_XAPIC), &why),
			 LAPIC_MODE_XAPIC);
	assert_null(why);
	assert_int_equal(choose(facts(true, false, false, 7, LAPIC_FORCE_XAPIC), &why),
			 LAPIC_MODE_XAPIC);
	assert_null(why);
}

static void test_apic_x2apic_refused_without_cpuid_support(void **state)
{
	(void)state;
	const char *why;
	assert_int_equal(choose(facts(true, false, false, 7, LAPIC_FORCE_X2APIC), &why),
			 LAPIC_MODE_XAPIC); /* what auto picks */
	assert_true(has_prefix(why, "apic=x2apic refused"));
	assert_non_null(strstr(why, "CPUID"));
}

static void test_apic_x2apic_honoured_with_cpuid_support(void **state)
{
	(void)state;
	const char *why;
	assert_int_equal(choose(facts(true, true, false, 0, LAPIC_FORCE_X2APIC), &why),
			 LAPIC_MODE_X2APIC);
	assert_null(why);
}

/* ---- Every combination against the documented rules ---- */

static enum lapic_mode auto_rule(const struct lapic_facts *f)
{
	if (!f->cpu_has_apic && !f->fw_x2apic_on)
		return LAPIC_MODE_NONE;
	if (f->fw_x2apic_on)
		return LAPIC_MODE_X2APIC;
	if (f->max_apic_id > 254)
		return f->cpu_has_x2apic ? LAPIC_MODE_X2APIC : LAPIC_MODE_NONE;
	return f->cpu_has_x2apic ? LAPIC_MODE_X2APIC : LAPIC_MODE_XAPIC;
}

static void test_all_combinations_follow_the_rules(void **state)
{
	(void)state;
	static const uint32_t ids[] = { 0, 1, 253, 254, 255, 256, 4095, UINT32_MAX };
	static const enum lapic_force forces[] = {
		LAPIC_FORCE_AUTO, LAPIC_FORCE_XAPIC, LAPIC_FORCE_X2APIC,
	};
	int refusals = 0;
	for (unsigned bits = 0; bits < 8; bits++)
		for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
			for (size_t k = 0; k < 3; k++) {
				struct lapic_facts f = facts(bits & 1, bits & 2,
							     bits & 4, ids[i],
							     forces[k]);
				const char *why;
				enum lapic_mode got = choose(f, &why);
				enum lapic_mode a = auto_rule(&f);
				bool xapic_ok = a != LAPIC_MODE_NONE &&
						!f.fw_x2apic_on &&
						f.max_apic_id <= 254;
				bool x2apic_ok = a != LAPIC_MODE_NONE &&
						 (f.cpu_has_x2apic ||
						  f.fw_x2apic_on);
				enum lapic_mode want = a;
				bool refused = false;
				if (f.force == LAPIC_FORCE_XAPIC && a != LAPIC_MODE_NONE) {
					want = xapic_ok ? LAPIC_MODE_XAPIC : a;
					refused = !xapic_ok;
				}
				if (f.force == LAPIC_FORCE_X2APIC && a != LAPIC_MODE_NONE) {
					want = x2apic_ok ? LAPIC_MODE_X2APIC : a;
					refused = !x2apic_ok;
				}
				if (got != want)
					fprintf(stderr, "apic %d x2apic %d fw %d id %u "
							"force %d: got %d, want %d\n",
						f.cpu_has_apic, f.cpu_has_x2apic,
						f.fw_x2apic_on, f.max_apic_id,
						f.force, got, want);
				assert_int_equal(got, want);
				/* A reason exactly when something was refused
				 * or nothing is usable. */
				if (refused || want == LAPIC_MODE_NONE)
					assert_non_null(why);
				else
					assert_null(why);
				if (refused) {
					refusals++;
					assert_true(has_prefix(why,
						f.force == LAPIC_FORCE_XAPIC ?
							"apic=xapic refused" :
							"apic=x2apic refused"));
				}
				/* Never xAPIC with an id it cannot reach. */
				if (f.max_apic_id > 254)
					assert_int_not_equal(got, LAPIC_MODE_XAPIC);
			}
	assert_true(refusals > 10);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_prefers_x2apic_when_cpu_has_it),
		cmocka_unit_test(test_auto_uses_xapic_without_x2apic),
		cmocka_unit_test(test_no_apic_at_all_is_none),
		cmocka_unit_test(test_firmware_x2apic_stays_x2apic),
		cmocka_unit_test(test_firmware_x2apic_refuses_apic_xapic),
		cmocka_unit_test(test_high_apic_id_needs_x2apic),
		cmocka_unit_test(test_high_apic_id_without_x2apic_is_none),
		cmocka_unit_test(test_high_apic_id_refuses_apic_xapic),
		cmocka_unit_test(test_apic_xapic_honoured_when_possible),
		cmocka_unit_test(test_apic_x2apic_refused_without_cpuid_support),
		cmocka_unit_test(test_apic_x2apic_honoured_with_cpuid_support),
		cmocka_unit_test(test_all_combinations_follow_the_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
