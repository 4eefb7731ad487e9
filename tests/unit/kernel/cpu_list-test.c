// SPDX-License-Identifier: MIT
/*
 * kernel/cpu_list.c: the CPU list the kernel starts, from MADTs no QEMU
 * can boot. BSP first and MADT order; online-capable slots skipped; more
 * enabled CPUs than the limit (MAX_CPUS, 1024) give exactly one warning
 * line in all, counting those the MADT parser did not keep either; the
 * nr_cpus= cap and its one line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acpi/acpi.h"
#include "kernel/cpu_list.h"
#include "kernel/cpumask.h"

#define LINES_MAX 8

struct log_capture {
	int n;
	char line[LINES_MAX][160];
};

static void capture(void *ctx, const char *line)
{
	struct log_capture *c = ctx;
	if (c->n < LINES_MAX)
		snprintf(c->line[c->n], sizeof(c->line[0]), "%s", line);
	c->n++;
}

static struct acpi_madt madt;
static struct platform_cpu list[MAX_CPUS];

static void add_cpu(uint32_t apic_id, uint32_t uid, bool enabled)
{
	madt.cpu[madt.ncpus++] = (struct acpi_cpu){
		.apic_id = apic_id,
		.acpi_uid = uid,
		.enabled = enabled,
		.online_capable = !enabled,
	};
}

static void test_bsp_first_then_madt_order(void **state)
{
	struct log_capture lc = { 0 };
	int usable, n;

	(void)state;
	memset(&madt, 0, sizeof(madt));
	add_cpu(4, 10, true);
	add_cpu(0, 11, true);  /* the BSP, listed second */
	add_cpu(9, 12, false); /* a hot-plug slot: never started */
	add_cpu(2, 13, true);
	n = cpu_list_from_madt(&madt, 0, list, MAX_CPUS, &usable, capture, &lc);
	assert_int_equal(n, 3);
	assert_int_equal(usable, 3);
	assert_int_equal(list[0].apic_id, 0);
	assert_int_equal(list[0].acpi_uid, 11);
	assert_int_equal(list[1].apic_id, 4);
	assert_int_equal(list[2].apic_id, 2);
	assert_int_equal(lc.n, 0); /* nothing left out: nothing said */
}

/* The largest machine the parser can describe, and more: 1024 kept and
 * 88 only counted by the parser. The kernel lists exactly its limit, and
 * says so once, not once per CPU. */
static void test_more_cpus_than_the_limit_warn_once(void **state)
{
	struct log_capture lc = { 0 };
	int usable, n;

	(void)state;
	assert_true(ACPI_MAX_CPUS >= MAX_CPUS);
	memset(&madt, 0, sizeof(madt));
	for (int i = 0; i < ACPI_MAX_CPUS; i++)
		add_cpu((uint32_t)i, (uint32_t)i, true);
	madt.ncpus_dropped = 88;
	n = cpu_list_from_madt(&madt, 0, list, MAX_CPUS, &usable, capture, &lc);
	assert_int_equal(n, MAX_CPUS);
	assert_int_equal(usable, ACPI_MAX_CPUS + 88);
	assert_int_equal(list[MAX_CPUS - 1].apic_id, MAX_CPUS - 1);
	assert_int_equal(lc.n, 1);
	assert_string_equal(lc.line[0],
			    "platform: 88 more CPUs than the kernel's limit of "
			    "1024 listed; they stay offline");
}

/* A BSP that is not first in the MADT still leaves room for limit - 1
 * others; the one it displaced is the one left out. */
static void test_limit_counts_the_bsp(void **state)
{
	struct log_capture lc = { 0 };
	int usable, n;

	(void)state;
	memset(&madt, 0, sizeof(madt));
	for (int i = 0; i < 6; i++)
		add_cpu((uint32_t)i, 0, true);
	n = cpu_list_from_madt(&madt, 5, list, 4, &usable, capture, &lc);
	assert_int_equal(n, 4);
	assert_int_equal(usable, 6);
	assert_int_equal(list[0].apic_id, 5);
	assert_int_equal(list[3].apic_id, 2);
	assert_int_equal(lc.n, 1);
	assert_string_equal(lc.line[0], "platform: 2 more CPUs than the kernel's "
					"limit of 4 listed; they stay offline");
}

static void test_nr_cpus_cap(void **state)
{
	struct log_capture lc = { 0 };
	uint64_t v;

	(void)state;
	assert_int_equal(cpu_list_cap(4, NULL, capture, &lc), 4);
	v = 4;
	assert_int_equal(cpu_list_cap(4, &v, capture, &lc), 4);
	v = 1024;
	assert_int_equal(cpu_list_cap(80, &v, capture, &lc), 80);
	assert_int_equal(lc.n, 0); /* no cap, no line */
	v = 2;
	assert_int_equal(cpu_list_cap(4, &v, capture, &lc), 2);
	assert_int_equal(lc.n, 1);
	assert_string_equal(lc.line[0], "smp: nr_cpus=2: 2 of 4 CPUs left "
					"offline (the kernel uses 2)");
	v = 0;
	assert_int_equal(cpu_list_cap(4, &v, capture, &lc), 1);
	assert_int_equal(lc.n, 3);
	assert_string_equal(lc.line[1],
			    "smp: nr_cpus=0 means the boot CPU alone; using 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bsp_first_then_madt_order),
		cmocka_unit_test(test_more_cpus_than_the_limit_warn_once),
		cmocka_unit_test(test_limit_counts_the_bsp),
		cmocka_unit_test(test_nr_cpus_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
