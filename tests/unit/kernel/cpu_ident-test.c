// SPDX-License-Identifier: MIT
/*
 * kernel/cpu_ident.c: family/model decoding on recorded CPUID values, and
 * the microcode revision read per vendor through a fake CPU that records
 * every MSR access: Intel writes 0, runs CPUID(1), reads the high half;
 * AMD only reads (its MSR 0x8B is read-only) and uses the low half; any
 * other vendor's MSR 0x8B is never touched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/cpu_ident.h"

/* ---- a fake CPU ---- */

struct fake_cpu {
	uint32_t vendor[3];	/* EBX, EDX, ECX of leaf 0 */
	uint32_t leaf1_eax, leaf1_ecx;
	uint32_t max_ext;
	const char *brand;	/* 48 bytes or NULL */
	uint64_t msr8b;		/* what rdmsr(0x8b) returns */
};

static const struct fake_cpu *cpu;
static char events[256];	/* "c1 w8b r8b ..." in order */

static void event(const char *e)
{
	strncat(events, e, sizeof(events) - strlen(events) - 1);
	strncat(events, " ", sizeof(events) - strlen(events) - 1);
}

static struct cpuid_regs fake_cpuid(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };
	(void)sub;
	if (leaf == 0) {
		r.eax = 0xd;
		r.ebx = cpu->vendor[0];
		r.edx = cpu->vendor[1];
		r.ecx = cpu->vendor[2];
	} else if (leaf == 1) {
		event("c1");
		r.eax = cpu->leaf1_eax;
		r.ecx = cpu->leaf1_ecx;
	} else if (leaf == 0x80000000u) {
		r.eax = cpu->max_ext;
	} else if (leaf >= 0x80000002u && leaf <= 0x80000004u && cpu->brand) {
		memcpy(&r, cpu->brand + (leaf - 0x80000002u) * 16, 16);
	}
	return r;
}

static uint64_t fake_rdmsr(uint32_t msr)
{
	char e[16];
	snprintf(e, sizeof(e), "r%x", msr);
	event(e);
	return msr == 0x8b ? cpu->msr8b : 0;
}

static void fake_wrmsr(uint32_t msr, uint64_t v)
{
	char e[32];
	snprintf(e, sizeof(e), "w%x=%llx", msr, (unsigned long long)v);
	event(e);
}

static const struct cpu_ident_hw hw = { fake_cpuid, fake_rdmsr, fake_wrmsr };

static void probe(const struct fake_cpu *c, struct cpu_ident *id)
{
	cpu = c;
	events[0] = 0;
	cpu_ident_probe(&hw, id);
}

#define INTEL { 0x756e6547, 0x49656e69, 0x6c65746e }
#define AMD { 0x68747541, 0x69746e65, 0x444d4163 }
#define CENTAUR { 0x746e6543, 0x48727561, 0x736c7561 } /* "CentaurHauls" */

static const char skylake_brand[49] =
	"Intel(R) Core(TM) i7-6700 CPU @ 3.40GHz\0\0\0\0\0\0\0\0";

/* Core i7-6700: CPUID(1) EAX 0x000506e3 -> family 6, model 0x5e. */
static void test_intel_skylake(void **state)
{
	(void)state;
	struct fake_cpu c = { INTEL, 0x000506e3, 1u << 24, 0x80000008u,
			      skylake_brand, 0xd600000000ull };
	struct cpu_ident id;
	probe(&c, &id);
	assert_string_equal(id.vendor, "GenuineIntel");
	assert_int_equal(id.vendor_id, CPU_VENDOR_INTEL);
	assert_int_equal(id.family, 6);
	assert_int_equal(id.model, 0x5e);
	assert_int_equal(id.stepping, 3);
	assert_true(id.tsc_deadline);
	assert_false(id.hypervisor);
	assert_true(id.microcode_known);
	assert_int_equal(id.microcode, 0xd6);
	/* The write of 0 and a CPUID(1) come before the read. */
	assert_non_null(strstr(events, "w8b=0 c1 r8b"));
	assert_string_equal(id.brand, "Intel(R) Core(TM) i7-6700 CPU @ 3.40GHz");
}

/* Pentium 4 (0x00000f29): base family 0xF, extended family 0. */
static void test_intel_pentium4(void **state)
{
	(void)state;
	struct fake_cpu c = { INTEL, 0x00000f29, 0, 0x80000004u, 0, 0 };
	struct cpu_ident id;
	probe(&c, &id);
	assert_int_equal(id.family, 0xf);
	assert_int_equal(id.model, 2);
	assert_int_equal(id.stepping, 9);
}

/* Ryzen 9 5950X (0x00a20f10): family 0xF + 0xA = 0x19, model 0x21.
 * The patch level is the low half, and the MSR is read-only: no write. */
static void test_amd_zen3(void **state)
{
	(void)state;
	struct fake_cpu c = { AMD, 0x00a20f10, 1u << 31, 0x80000020u, 0,
			      0xffffffff0a201025ull };
	struct cpu_ident id;
	probe(&c, &id);
	assert_string_equal(id.vendor, "AuthenticAMD");
	assert_int_equal(id.vendor_id, CPU_VENDOR_AMD);
	assert_int_equal(id.family, 0x19);
	assert_int_equal(id.model, 0x21);
	assert_int_equal(id.stepping, 0);
	assert_true(id.hypervisor);
	assert_false(id.tsc_deadline);
	assert_true(id.microcode_known);
	assert_int_equal(id.microcode, 0x0a201025);
	assert_null(strstr(events, "w8b"));
	assert_non_null(strstr(events, "r8b"));
	assert_string_equal(id.brand, "");
}

/* Athlon 64 (K8, 0x00020f12): the extended model applies at family 0xF. */
static void test_amd_k8(void **state)
{
	(void)state;
	struct fake_cpu c = { AMD, 0x00020f12, 0, 0x80000018u, 0, 0 };
	struct cpu_ident id;
	probe(&c, &id);
	assert_int_equal(id.family, 0xf);
	assert_int_equal(id.model, 0x21);
	assert_int_equal(id.stepping, 2);
}

/* Hygon Dhyana (0x00900f01, "HygonGenuine"): AMD's rules, family 0x18. */
static void test_hygon_reads_like_amd(void **state)
{
	(void)state;
	struct fake_cpu c = { { 0x6f677948, 0x6e65476e, 0x656e6975 },
			      0x00900f01, 0, 0x8000001fu, 0, 0x900006bull };
	struct cpu_ident id;
	probe(&c, &id);
	assert_string_equal(id.vendor, "HygonGenuine");
	assert_int_equal(id.vendor_id, CPU_VENDOR_AMD);
	assert_int_equal(id.family, 0x18);
	assert_int_equal(id.model, 0);
	assert_true(id.microcode_known);
	assert_int_equal(id.microcode, 0x900006b);
	assert_null(strstr(events, "w8b"));
}

/* Any other vendor: MSR 0x8B is not touched at all. */
static void test_other_vendor_msr_untouched(void **state)
{
	(void)state;
	struct fake_cpu c = { CENTAUR, 0x000006f2, 0, 0x80000004u, 0, 0 };
	struct cpu_ident id;
	probe(&c, &id);
	assert_string_equal(id.vendor, "CentaurHauls");
	assert_int_equal(id.vendor_id, CPU_VENDOR_OTHER);
	assert_false(id.microcode_known);
	assert_null(strstr(events, "8b"));
	assert_int_equal(id.family, 6);
	assert_int_equal(id.model, 0xf);
}

/* A vendor string that only starts like Intel's is not Intel. */
static void test_partial_vendor_match(void **state)
{
	(void)state;
	struct fake_cpu c = { { 0x756e6547, 0, 0 }, 0x000506e3, 0, 0, 0, 0 };
	struct cpu_ident id;
	probe(&c, &id);
	assert_int_equal(id.vendor_id, CPU_VENDOR_OTHER);
	assert_null(strstr(events, "8b"));
}

/* Leaf 0x80000000 EAX that is not of the form 0x8000xxxx (old CPUs echo
 * a basic leaf's data there): no extended leaves, so no brand string is
 * read from them. */
static void test_junk_max_extended_leaf(void **state)
{
	(void)state;
	struct fake_cpu c = { INTEL, 0x00000f29, 0, 0xffffffffu,
			      skylake_brand, 0 };
	struct cpu_ident id;
	probe(&c, &id);
	assert_string_equal(id.brand, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intel_skylake),
		cmocka_unit_test(test_intel_pentium4),
		cmocka_unit_test(test_amd_zen3),
		cmocka_unit_test(test_amd_k8),
		cmocka_unit_test(test_hygon_reads_like_amd),
		cmocka_unit_test(test_other_vendor_msr_untouched),
		cmocka_unit_test(test_partial_vendor_match),
		cmocka_unit_test(test_junk_max_extended_leaf),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
