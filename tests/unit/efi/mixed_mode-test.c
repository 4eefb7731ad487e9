// SPDX-License-Identifier: MIT
/*
 * efi/handoff.c, the helpers both loaders share for 32-bit (mixed-mode)
 * firmware (docs/ia32-uefi.md 3.2, 3.5, 3.8):
 *   efi_status_widen   IA-32 and x86-64 error, warning
 *                      and success codes, junk above a 32-bit status;
 *   cpu_check          every required CPUID bit missing in turn, no
 *                      extended leaf 0x80000001 (0, 0x80000000, a basic
 *                      leaf's data), QEMU's pentium3 and qemu64 values,
 *                      every bit missing at once, the exact refusal text;
 *   ia32_switch_fill   descriptors, GDTR, EFER with and without NX, the
 *                      far pointer, the offsets the assembly uses, and the
 *                      refusals (cr3 at/above 4 GiB or unaligned, a block
 *                      ending past 4 GiB) leaving the block untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "efi/handoff.h"

/* ---- efi_status_widen ---- */

static void test_widen_64_bit_statuses_are_unchanged(void **state)
{
	(void)state;
	assert_int_equal(efi_status_widen(0, 64), 0);
	assert_int_equal(efi_status_widen(0x8000000000000002ULL, 64),
			 EBS_EFI_INVALID_PARAMETER);
	assert_int_equal(efi_status_widen(0x8000000000000005ULL, 64),
			 EBS_EFI_BUFFER_TOO_SMALL);
	/* EFI_WARN_BUFFER_TOO_SMALL (4) */
	assert_int_equal(efi_status_widen(4, 64), 4);
	assert_true((efi_status_widen(0x8000000000000015ULL, 64) >> 63));
	assert_false((efi_status_widen(4, 64) >> 63));
	assert_false((efi_status_widen(0, 64) >> 63));
	/* Bit 31 of a 64-bit status is not the error bit. */
	assert_int_equal(efi_status_widen(0x80000002ULL, 64), 0x80000002ULL);
	assert_false((efi_status_widen(0x80000002ULL, 64) >> 63));
}

static void test_widen_32_bit_errors_move_to_bit_63(void **state)
{
	(void)state;
	assert_int_equal(efi_status_widen(0x80000002ULL, 32),
			 EBS_EFI_INVALID_PARAMETER);
	assert_int_equal(efi_status_widen(0x80000005ULL, 32),
			 EBS_EFI_BUFFER_TOO_SMALL);
	assert_int_equal(efi_status_widen(0x80000015ULL, 32), EBS_EFI_ABORTED);
	/* EFI_NOT_FOUND: any code, not only the ones ebs_run knows. */
	assert_int_equal(efi_status_widen(0x8000000eULL, 32),
			 0x800000000000000eULL);
	assert_true((efi_status_widen(0x80000002ULL, 32) >> 63));
}

static void test_widen_32_bit_warnings_and_success_are_unchanged(void **state)
{
	(void)state;
	assert_int_equal(efi_status_widen(0, 32), EBS_EFI_SUCCESS);
	for (uint64_t w = 1; w <= 7; w++) { /* EFI_WARN_* (appendix D) */
		assert_int_equal(efi_status_widen(w, 32), w);
		assert_false((efi_status_widen(w, 32) >> 63));
	}
	assert_false((efi_status_widen(0, 32) >> 63));
}

/* A 32-bit UINTN in a 64-bit variable: only its low half means anything
 * (a wrapper that sign-extended would put junk there). */
static void test_widen_32_bit_ignores_the_upper_half(void **state)
{
	(void)state;
	assert_int_equal(efi_status_widen(0xffffffff80000002ULL, 32),
			 EBS_EFI_INVALID_PARAMETER);
	assert_int_equal(efi_status_widen(0x1234567800000000ULL, 32), 0);
	assert_int_equal(efi_status_widen(0xdead000000000004ULL, 32), 4);
}

/* ---- cpu_check ---- */

#define REQUIRED_EDX                                                      \
	(CPUID_1_EDX_PAE | CPUID_1_EDX_MSR | CPUID_1_EDX_TSC |            \
	 CPUID_1_EDX_APIC | CPUID_1_EDX_FXSR | CPUID_1_EDX_SSE |          \
	 CPUID_1_EDX_SSE2 | CPUID_1_EDX_CX8 | CPUID_1_EDX_CMOV)

/* QEMU 7.2's qemu64 model: leaf 1 EDX 0x078bfbfd, ECX 0x80a02001 (with
 * TCG's hypervisor bit); 0x80000000 EAX 0x8000000a (2.2 of the plan);
 * 0x80000001 EDX 0x2191abfd (LM, NX, SYSCALL, ...), ECX 0x00000065. */
static const struct cpuid_bits qemu64 = {
	.max_ext = 0x8000000a,
	.l1_edx = 0x078bfbfd,
	.l1_ecx = 0x80a02001,
	.e1_edx = 0x2191abfd,
	.e1_ecx = 0x00000065,
};

/* QEMU's pentium3 under the 32-bit OVMF (2.2): no extended leaves at all;
 * leaf 1 EDX has FPU..CMOV, FXSR and SSE but not SSE2 (QEMU sets APIC). */
static const struct cpuid_bits pentium3 = {
	.max_ext = 0,
	.l1_edx = 0x0383fbff,
	.l1_ecx = 0,
};

static void test_cpu_qemu64_passes(void **state)
{
	(void)state;
	const char *why = "stale";
	assert_int_equal(cpu_check(&qemu64, &why), 0);
	assert_null(why);
}

static void test_cpu_minimal_set_passes(void **state)
{
	(void)state;
	struct cpuid_bits c = { .max_ext = CPUID_EXT_LEAF_1,
				.l1_edx = REQUIRED_EDX,
				.e1_edx = CPUID_E1_EDX_LM };
	const char *why = "stale";
	/* NX, PAT, XSAVE, ... are optional. */
	assert_int_equal(cpu_check(&c, &why), 0);
	assert_null(why);
}

static void test_cpu_pentium3_is_refused_naming_lm_and_sse2(void **state)
{
	(void)state;
	const char *why = 0;
	/* The values are the ones the plan reports: check them first. */
	assert_true(pentium3.l1_edx & CPUID_1_EDX_PAE);
	assert_true(pentium3.l1_edx & CPUID_1_EDX_APIC);
	assert_true(pentium3.l1_edx & CPUID_1_EDX_SSE);
	assert_false(pentium3.l1_edx & CPUID_1_EDX_SSE2);
	assert_int_equal(cpu_check(&pentium3, &why), -1);
	assert_string_equal(why, "no 64-bit long mode (CPUID 0x80000001 not "
				 "available), no SSE2 (CPUID 1 EDX bit 26)");
}

/* The efi_test_no_lm case (a 64-bit CPU made to look like one without
 * extended leaves): exactly the sentence of docs/ia32-uefi.md 3.8. */
static void test_cpu_no_extended_leaves_is_the_plans_sentence(void **state)
{
	(void)state;
	struct cpuid_bits c = qemu64;
	const char *why = 0;
	char line[600];

	c.max_ext = 0;
	c.e1_edx = c.e1_ecx = 0;
	assert_int_equal(cpu_check(&c, &why), -1);
	assert_string_equal(why, "no 64-bit long mode (CPUID 0x80000001 not "
				 "available)");
	snprintf(line, sizeof(line),
		 "this CPU cannot run Cohort: %s; Cohort has only a 64-bit kernel",
		 why);
	assert_string_equal(line,
			    "this CPU cannot run Cohort: no 64-bit long mode "
			    "(CPUID 0x80000001 not available); Cohort has only "
			    "a 64-bit kernel");
}

static void test_cpu_max_ext_below_leaf_1_is_refused(void **state)
{
	(void)state;
	/* 0x80000000: extended leaves exist, but not 0x80000001. Then
	 * values that are not 0x8000xxxx at all (an old CPU returning a
	 * basic leaf's data), however large. */
	const uint32_t bad[] = { 0, 1, 0x0000000d, 0x7fffffff, 0x80000000,
				 0x80010001, 0xffffffff };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cpuid_bits c = qemu64;
		const char *why = 0;
		c.max_ext = bad[i];
		/* e1_edx still claims LM: it must not be read. */
		assert_int_equal(cpu_check(&c, &why), -1);
		assert_string_equal(why, "no 64-bit long mode (CPUID 0x80000001 "
					 "not available)");
	}
}

static void test_cpu_lm_bit_clear_is_refused(void **state)
{
	(void)state;
	struct cpuid_bits c = qemu64;
	const char *why = 0;
	c.e1_edx &= ~CPUID_E1_EDX_LM;
	assert_int_equal(cpu_check(&c, &why), -1);
	assert_string_equal(why, "no 64-bit long mode (CPUID 0x80000001 EDX "
				 "bit 29)");
}

/* Each required leaf-1 bit cleared alone: refused, naming that bit. */
static void test_cpu_each_required_bit_missing_in_turn(void **state)
{
	(void)state;
	static const struct {
		uint32_t bit;
		const char *why;
	} cases[] = {
		{ CPUID_1_EDX_PAE, "no PAE (CPUID 1 EDX bit 6)" },
		{ CPUID_1_EDX_MSR, "no MSR (CPUID 1 EDX bit 5)" },
		{ CPUID_1_EDX_TSC, "no TSC (CPUID 1 EDX bit 4)" },
		{ CPUID_1_EDX_APIC, "no APIC (CPUID 1 EDX bit 9)" },
		{ CPUID_1_EDX_FXSR, "no FXSR (CPUID 1 EDX bit 24)" },
		{ CPUID_1_EDX_SSE, "no SSE (CPUID 1 EDX bit 25)" },
		{ CPUID_1_EDX_SSE2, "no SSE2 (CPUID 1 EDX bit 26)" },
		{ CPUID_1_EDX_CX8, "no CX8 (CPUID 1 EDX bit 8)" },
		{ CPUID_1_EDX_CMOV, "no CMOV (CPUID 1 EDX bit 15)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cpuid_bits c = qemu64;
		const char *why = 0;
		c.l1_edx &= ~cases[i].bit;
		assert_int_equal(cpu_check(&c, &why), -1);
		assert_non_null(why);
		assert_string_equal(why, cases[i].why);
	}
}

/* Optional bits (NX, PAT, x2APIC, XSAVE, ...) missing: still fine. */
static void test_cpu_optional_bits_are_not_required(void **state)
{
	(void)state;
	struct cpuid_bits c = qemu64;
	const char *why = 0;
	c.e1_edx = CPUID_E1_EDX_LM; /* no NX, no SYSCALL bit */
	c.l1_ecx = 0;
	c.e1_ecx = 0;
	c.l1_edx = REQUIRED_EDX;
	assert_int_equal(cpu_check(&c, &why), 0);
	assert_null(why);
}

static void test_cpu_everything_missing_names_every_bit(void **state)
{
	(void)state;
	struct cpuid_bits c = { 0 };
	const char *why = 0;
	assert_int_equal(cpu_check(&c, &why), -1);
	assert_string_equal(why,
			    "no 64-bit long mode (CPUID 0x80000001 not available), "
			    "no PAE (CPUID 1 EDX bit 6), no MSR (CPUID 1 EDX bit 5), "
			    "no TSC (CPUID 1 EDX bit 4), no APIC (CPUID 1 EDX bit 9), "
			    "no FXSR (CPUID 1 EDX bit 24), no SSE (CPUID 1 EDX bit 25), "
			    "no SSE2 (CPUID 1 EDX bit 26), no CX8 (CPUID 1 EDX bit 8), "
			    "no CMOV (CPUID 1 EDX bit 15)");
}

/* A later call replaces the sentence; a pass clears *why. */
/* NX is read from leaf 0x80000001 under the same rule as long mode: a
 * CPU without that leaf has no NX, whatever the caller left in e1_edx. */
static void test_cpu_has_nx(void **state)
{
	(void)state;
	struct cpuid_bits c = qemu64;

	assert_true(cpu_has_nx(&qemu64));
	c.e1_edx &= ~CPUID_E1_EDX_NX;
	assert_false(cpu_has_nx(&c));
	c = pentium3;
	c.e1_edx = CPUID_E1_EDX_NX;
	assert_false(cpu_has_nx(&c));
}

static void test_cpu_check_reuses_its_buffer(void **state)
{
	(void)state;
	struct cpuid_bits c = { 0 };
	const char *why = 0;
	assert_int_equal(cpu_check(&c, &why), -1);
	c = qemu64;
	c.l1_edx &= ~CPUID_1_EDX_CMOV;
	assert_int_equal(cpu_check(&c, &why), -1);
	assert_string_equal(why, "no CMOV (CPUID 1 EDX bit 15)");
	assert_int_equal(cpu_check(&qemu64, &why), 0);
	assert_null(why);
}

/* ---- ia32_switch_fill ---- */

#define SW_PHYS 0x3e000000u
#define CR3 0x3d000000ULL
#define STACK_TOP (0xffff80003c010000ULL - 8)
#define ENTRY 0xffffffff80001000ULL
#define BOOT_INFO 0xffff80003b000000ULL
#define FAR 0x3f001234u

static void test_switch_offsets_match_the_assembly(void **state)
{
	(void)state;
	/* The same facts as the header's _Static_asserts, through the
	 * compiler that runs the tests (layout32.c covers -m32). */
	assert_int_equal(sizeof(struct ia32_switch), 88);
	assert_int_equal(offsetof(struct ia32_switch, gdt), IA32_SW_GDT);
	assert_int_equal(offsetof(struct ia32_switch, gdtr_limit), 34);
	assert_int_equal(offsetof(struct ia32_switch, gdtr_base), 36);
	assert_int_equal(offsetof(struct ia32_switch, cr3), 40);
	assert_int_equal(offsetof(struct ia32_switch, efer_set), 48);
	assert_int_equal(offsetof(struct ia32_switch, stack_top), 56);
	assert_int_equal(offsetof(struct ia32_switch, entry), 64);
	assert_int_equal(offsetof(struct ia32_switch, boot_info), 72);
	assert_int_equal(offsetof(struct ia32_switch, far_offset), 80);
	assert_int_equal(offsetof(struct ia32_switch, far_selector), 84);
}

static void test_switch_fill_values(void **state)
{
	(void)state;
	struct ia32_switch sw;
	memset(&sw, 0xa5, sizeof(sw));
	assert_int_equal(ia32_switch_fill(&sw, SW_PHYS, CR3, 1, STACK_TOP,
					  ENTRY, BOOT_INFO, FAR), 0);
	assert_int_equal(sw.gdt[0], 0);
	assert_int_equal(sw.gdt[1], 0x00cf9b000000ffffULL);
	assert_int_equal(sw.gdt[2], 0x00cf93000000ffffULL);
	assert_int_equal(sw.gdt[3], 0x00af9b000000ffffULL);
	assert_int_equal(sw.gdtr_pad, 0);
	assert_int_equal(sw.gdtr_limit, 31);
	assert_int_equal(sw.gdtr_base, SW_PHYS);
	assert_int_equal(sw.cr3, CR3);
	assert_int_equal(sw.efer_set, (1ULL << 8) | (1ULL << 11));
	assert_int_equal(sw.stack_top, STACK_TOP);
	assert_int_equal(sw.entry, ENTRY);
	assert_int_equal(sw.boot_info, BOOT_INFO);
	assert_int_equal(sw.far_offset, FAR);
	assert_int_equal(sw.far_selector, 0x18);
	assert_int_equal(sw.pad, 0);

	/* What lgdt and ljmp read, as bytes at the assembly's offsets. */
	const uint8_t *b = (const uint8_t *)&sw;
	uint16_t limit, sel;
	uint32_t base, off;
	memcpy(&limit, b + IA32_SW_GDTR, 2);
	memcpy(&base, b + IA32_SW_GDTR + 2, 4);
	memcpy(&off, b + IA32_SW_FAR, 4);
	memcpy(&sel, b + IA32_SW_FAR + 4, 2);
	assert_int_equal(limit, 31);
	assert_int_equal(base, SW_PHYS + IA32_SW_GDT);
	assert_int_equal(off, FAR);
	assert_int_equal(sel, IA32_SEL_CODE64);
	uint64_t q;
	memcpy(&q, b + IA32_SW_CR3, 8);
	assert_int_equal(q, CR3);
	memcpy(&q, b + IA32_SW_STACK_TOP, 8);
	assert_int_equal(q, STACK_TOP);
	memcpy(&q, b + IA32_SW_ENTRY, 8);
	assert_int_equal(q, ENTRY);
	memcpy(&q, b + IA32_SW_BOOT_INFO, 8);
	assert_int_equal(q, BOOT_INFO);
	/* The selectors name the right descriptors. */
	assert_int_equal(sw.gdt[IA32_SEL_CODE32 / 8], IA32_GDT_CODE32);
	assert_int_equal(sw.gdt[IA32_SEL_DATA / 8], IA32_GDT_DATA);
	assert_int_equal(sw.gdt[IA32_SEL_CODE64 / 8], IA32_GDT_CODE64);
}

/* The descriptor bits the switch depends on (SDM 3A 3.4.5). */
static void test_switch_descriptor_bits(void **state)
{
	(void)state;
	const uint64_t P = 1ULL << 47, S = 1ULL << 44, L = 1ULL << 53,
		       DB = 1ULL << 54, G = 1ULL << 55, CODE = 1ULL << 43;
	assert_true(IA32_GDT_CODE32 & P && IA32_GDT_CODE32 & S &&
		    IA32_GDT_CODE32 & CODE && IA32_GDT_CODE32 & DB &&
		    IA32_GDT_CODE32 & G);
	assert_false(IA32_GDT_CODE32 & L);
	assert_true(IA32_GDT_DATA & P && IA32_GDT_DATA & DB);
	assert_false(IA32_GDT_DATA & CODE);
	/* Long mode: L = 1 and D = 0 (D = 1 with L = 1 is reserved). */
	assert_true(IA32_GDT_CODE64 & L && IA32_GDT_CODE64 & P &&
		    IA32_GDT_CODE64 & CODE);
	assert_false(IA32_GDT_CODE64 & DB);
	/* DPL 0 everywhere. */
	assert_int_equal((IA32_GDT_CODE32 >> 45) & 3, 0);
	assert_int_equal((IA32_GDT_DATA >> 45) & 3, 0);
	assert_int_equal((IA32_GDT_CODE64 >> 45) & 3, 0);
}

/*
 * The accessed bit is set in advance in every descriptor. Loading a
 * selector whose descriptor has A = 0 makes the CPU write A = 1 into the
 * GDT (SDM 3A 3.4.5). The far jump to 0x18 runs on the kernel's tables,
 * which map the block read-only (arch_map_jump: PTE_P), and the firmware
 * leaves CR0.WP set (0x80010033, docs/ia32-uefi.md 2.2): that write
 * would page-fault with no IDT, a triple fault on real CPUs. (QEMU's TCG
 * does not set A on a CS load, so the system tests cannot see it; Linux
 * presets A in every GDT descriptor for the same reason.)
 */
static void test_switch_descriptors_are_already_accessed(void **state)
{
	(void)state;
	const uint64_t A = 1ULL << 40;
	struct ia32_switch sw;
	assert_int_equal(ia32_switch_fill(&sw, SW_PHYS, CR3, 1, STACK_TOP,
					  ENTRY, BOOT_INFO, FAR), 0);
	assert_true(sw.gdt[IA32_SEL_CODE32 / 8] & A);
	assert_true(sw.gdt[IA32_SEL_DATA / 8] & A);
	assert_true(sw.gdt[IA32_SEL_CODE64 / 8] & A);
}

static void test_switch_fill_without_nx(void **state)
{
	(void)state;
	struct ia32_switch sw;
	memset(&sw, 0xa5, sizeof(sw));
	assert_int_equal(ia32_switch_fill(&sw, SW_PHYS, CR3, 0, STACK_TOP,
					  ENTRY, BOOT_INFO, FAR), 0);
	assert_int_equal(sw.efer_set, IA32_EFER_LME);
	assert_int_equal(sw.efer_set & IA32_EFER_NXE, 0);
}

/* The block's gdt[] need not be at a page start: gdtr_base follows it. */
static void test_switch_gdtr_base_follows_the_block(void **state)
{
	(void)state;
	struct ia32_switch sw;
	assert_int_equal(ia32_switch_fill(&sw, 0x1000u + 0x40u, CR3, 1, 0, 0,
					  0, 0), 0);
	assert_int_equal(sw.gdtr_base, 0x1040u);
	/* The highest block that still ends at 4 GiB. */
	uint32_t top = (uint32_t)((1ULL << 32) - sizeof(sw));
	assert_int_equal(ia32_switch_fill(&sw, top, CR3, 1, 0, 0, 0, 0), 0);
	assert_int_equal(sw.gdtr_base, top);
}

static void assert_refused(uint32_t sw_phys, uint64_t cr3)
{
	struct ia32_switch sw, before;
	memset(&sw, 0x5a, sizeof(sw));
	before = sw;
	assert_int_equal(ia32_switch_fill(&sw, sw_phys, cr3, 1, STACK_TOP,
					  ENTRY, BOOT_INFO, FAR), -1);
	assert_memory_equal(&sw, &before, sizeof(sw));
}

static void test_switch_refusals_leave_the_block_alone(void **state)
{
	(void)state;
	assert_refused(SW_PHYS, 1ULL << 32);		 /* cr3 at 4 GiB */
	assert_refused(SW_PHYS, 0x140000000ULL);	 /* above */
	assert_refused(SW_PHYS, 0xfffffffffffff000ULL);
	assert_refused(SW_PHYS, CR3 + 8);		 /* not 4 KiB aligned */
	assert_refused(SW_PHYS, CR3 | 0x18);		 /* PWT/PCD-like bits */
	/* A block that would end past 4 GiB. */
	assert_refused(0xfffff000u + 4096u - 87u, CR3);
	assert_refused(0xffffffffu, CR3);
	/* The edges that pass. */
	struct ia32_switch sw;
	assert_int_equal(ia32_switch_fill(&sw, SW_PHYS, 0xfffff000ULL, 1, 0, 0,
					  0, 0), 0);
	assert_int_equal(sw.cr3, 0xfffff000ULL);
	assert_int_equal(ia32_switch_fill(&sw, SW_PHYS, 0, 1, 0, 0, 0, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test(f)
		T(test_widen_64_bit_statuses_are_unchanged),
		T(test_widen_32_bit_errors_move_to_bit_63),
		T(test_widen_32_bit_warnings_and_success_are_unchanged),
		T(test_widen_32_bit_ignores_the_upper_half),
		T(test_cpu_qemu64_passes),
		T(test_cpu_has_nx),
		T(test_cpu_minimal_set_passes),
		T(test_cpu_pentium3_is_refused_naming_lm_and_sse2),
		T(test_cpu_no_extended_leaves_is_the_plans_sentence),
		T(test_cpu_max_ext_below_leaf_1_is_refused),
		T(test_cpu_lm_bit_clear_is_refused),
		T(test_cpu_each_required_bit_missing_in_turn),
		T(test_cpu_optional_bits_are_not_required),
		T(test_cpu_everything_missing_names_every_bit),
		T(test_cpu_check_reuses_its_buffer),
		T(test_switch_offsets_match_the_assembly),
		T(test_switch_fill_values),
		T(test_switch_descriptor_bits),
		T(test_switch_descriptors_are_already_accessed),
		T(test_switch_fill_without_nx),
		T(test_switch_gdtr_base_follows_the_block),
		T(test_switch_refusals_leave_the_block_alone),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
