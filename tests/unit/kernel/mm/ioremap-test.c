// SPDX-License-Identifier: MIT
/*
 * kernel/mm/ioremap.c on the host, with vmm_map_page() and kprintf()
 * stubbed: ioremap() hands out window space page-aligned with a guard
 * page after each range, keeps the offset inside the first page, asks for
 * the cache type given, and refuses what does not fit without spoiling
 * the window for the callers after it (the LAPIC, IOAPICs and HPET are
 * mapped after the framebuffer, whose size comes from the firmware), and
 * refuses physical addresses the CPU cannot address.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernel/arch/x86.h"
#include "kernel/mm/ioremap.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/vmm.h"

static int maps, fail_maps, logs;
static uint64_t last_virt, last_phys, last_flags;

int vmm_map_page(uint64_t virt, uint64_t phys, uint64_t flags)
{
	if (fail_maps)
		return -1;
	maps++;
	last_virt = virt;
	last_phys = phys;
	last_flags = flags;
	return 0;
}

void kprintf(const char *fmt, ...)
{
	(void)fmt;
	logs++;
}

static void test_maps_pages_with_the_type_and_a_guard(void **state)
{
	(void)state;
	maps = 0;
	uint8_t *a = ioremap(0xfee00010, 8, IOREMAP_UC);
	assert_non_null(a);
	assert_int_equal(maps, 1);
	assert_int_equal((uint64_t)a & 0xfff, 0x10);
	assert_int_equal(last_phys, 0xfee00000);
	assert_int_equal(last_flags, VMM_WRITE | VMM_NX | IOREMAP_UC);
	maps = 0;
	uint8_t *b = ioremap(0x80000000, 3 * PAGE_SIZE + 1, IOREMAP_WC);
	assert_non_null(b);
	assert_int_equal(maps, 4);
	assert_int_equal(last_phys, 0x80003000);
	assert_int_equal(last_flags, VMM_WRITE | VMM_NX | IOREMAP_WC);
	/* A guard page between the two ranges. */
	assert_true((uint64_t)b >= ((uint64_t)a & ~0xfffULL) + 2 * PAGE_SIZE);
	assert_null(ioremap(0x1000, 0, IOREMAP_UC));
	assert_null(ioremap(~0ULL - 10, 100, IOREMAP_UC)); /* wraps */
}

static void test_too_large_leaves_the_window_usable(void **state)
{
	(void)state;
	/* A framebuffer the firmware says is larger than the window. */
	logs = 0;
	assert_null(ioremap(0x4000000000ULL, IOREMAP_SIZE, IOREMAP_WC));
	assert_int_equal(logs, 1);
	/* The LAPIC after it still gets mapped. */
	maps = 0;
	void *lapic = ioremap(0xfee00000, PAGE_SIZE, IOREMAP_UC);
	assert_non_null(lapic);
	assert_int_equal(maps, 1);
	assert_true((uint64_t)lapic >= IOREMAP_BASE &&
		    (uint64_t)lapic < IOREMAP_BASE + IOREMAP_SIZE);
}

/* An HPET table (64-bit address) or a GOP mode with an address past what
 * the CPU can address: a PTE with bits set above MAXPHYADDR faults with
 * a reserved-bit #PF on the first access (a panic), and bits 52..63 would
 * be cut off by the PTE's address mask and map something else. Refused
 * with a log line instead, as the direct map's bounds check did before. */
static void test_past_the_physical_address_width_refused(void **state)
{
	(void)state;
	uint32_t bits = 36;
	if (cpuid(0x80000000, 0).eax >= 0x80000008)
		bits = cpuid(0x80000008, 0).eax & 0xff;
	maps = 0;
	logs = 0;
	assert_null(ioremap(1ULL << bits, PAGE_SIZE, IOREMAP_UC));
	assert_null(ioremap((1ULL << bits) - PAGE_SIZE, 2 * PAGE_SIZE,
			    IOREMAP_UC));
	assert_null(ioremap(0xfed0000000000000ULL, 1024, IOREMAP_UC));
	assert_int_equal(maps, 0);
	assert_int_equal(logs, 3);
	/* The last page below the limit is fine. */
	assert_non_null(ioremap((1ULL << bits) - PAGE_SIZE, PAGE_SIZE,
				IOREMAP_UC));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_pages_with_the_type_and_a_guard),
		cmocka_unit_test(test_too_large_leaves_the_window_usable),
		cmocka_unit_test(test_past_the_physical_address_width_refused),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
