// SPDX-License-Identifier: MIT
/*
 * kernel/topology_boot.c: the BSP's topology summary against the online
 * mask it reads, with the kernel around it faked: cpus[], the online
 * mask, the heap (calloc, so ASan sees every overrun), the log and
 * platform_acpi() (no SRAT). Each CPU's c->topo is decoded from a small
 * leaf 0x0B table (2 threads per core, 2 cores per package), as
 * topology_cpu_init() would have done at bring-up.
 *
 * The online mask is scripted per test: a CPU can be "late", offline the
 * first time anyone reads its bit and online from then on. That is an AP
 * that found its trampoline slot just before smp_boot_aps() gave up on
 * it (withdrawing a slot stops only APs that have not read it yet) or,
 * in probe mode, one that claims a slot after the wait: it marks itself
 * online after the BSP has moved on, possibly in the middle of the
 * summary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acpi/acpi.h"
#include "kernel/cpu.h"
#include "kernel/topology.h"
#include "kernel/topology_boot.h"

/* ---- fakes ------------------------------------------------------------ */

#define NCPUS 4

struct cpu *cpus[MAX_CPUS];
int cpu_possible_count;
static struct cpu cpu_structs[NCPUS];
static struct acpi_info acpi;

static bool online[NCPUS]; /* online from the start */
static int late_cpu = -1;  /* offline at its first read, online after */
static int late_reads;

static bool fake_online(int cpu)
{
	if (cpu == late_cpu)
		return late_reads++ > 0;
	return cpu >= 0 && cpu < NCPUS && online[cpu];
}

bool cpu_online(int cpu)
{
	return fake_online(cpu);
}

/* One read of every bit, as the kernel's copies the mask word by word. */
void cpu_online_snapshot(struct cpumask *out)
{
	cpumask_clear(out);
	for (int i = 0; i < NCPUS; i++)
		if (fake_online(i))
			cpumask_set(out, i);
}

void *kzalloc(size_t size)
{
	return calloc(1, size ? size : 1);
}

void kfree(void *p)
{
	free(p);
}

static char last_line[256];

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_line, sizeof(last_line), fmt, ap);
	va_end(ap);
}

void kwarn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_line, sizeof(last_line), fmt, ap);
	va_end(ap);
}

const struct acpi_info *platform_acpi(void)
{
	return &acpi;
}

/* No SRAT in these tests: acpi/srat.c's answer for an absent table. */
int64_t acpi_srat_pxm_of(const struct acpi_srat *s, uint32_t apic_id)
{
	(void)s;
	(void)apic_id;
	return -1;
}

/* The summary's table is allocated once and never freed (kernel
 * lifetime); each test here runs the summary again, so the earlier
 * tables are left behind on purpose. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

/* ---- helpers ---------------------------------------------------------- */

/* Leaf 0x0B: SMT shift 1 (2 threads), core shift 2 (2 cores). */
static void setup_cpus(void)
{
	struct topo_cpuid t = { 0 };

	topo_cpuid_add(&t, 0, 0, 0xb, 0x756e6547, 0x6c65746e, 0x49656e69);
	topo_cpuid_add(&t, 0xb, 0, 1, 2, 0x100, 0);
	topo_cpuid_add(&t, 0xb, 1, 2, 4, 0x201, 0);
	memset(cpus, 0, sizeof(cpus));
	memset(cpu_structs, 0, sizeof(cpu_structs));
	memset(&acpi, 0, sizeof(acpi));
	cpu_possible_count = NCPUS;
	for (int i = 0; i < NCPUS; i++) {
		cpu_structs[i].id = i;
		cpu_structs[i].apic_id = (uint32_t)i;
		topo_decode(&t, (uint32_t)i, &cpu_structs[i].topo);
		cpus[i] = &cpu_structs[i];
		online[i] = true;
	}
	late_cpu = -1;
	late_reads = 0;
}

/* ---- tests ------------------------------------------------------------ */

static void test_all_online(void **state)
{
	struct cpu_topo d[NCPUS];

	(void)state;
	setup_cpus();
	topology_boot_summary();
	assert_true(topology_ready());
	assert_string_equal(topology_line(),
			    "1 package, 1 node, 2 cores, 4 threads; LLC: 1 group "
			    "of 4 (CPUID 0x0b, LLC package, no SRAT: one node)");
	assert_int_equal(topology_describe(d, NCPUS), NCPUS);
	assert_int_equal(d[3].core, 1);
	assert_int_equal(d[3].thread, 1);
}

/* A CPU that never came online (a failed AP) is a hole: -1 ids. */
static void test_hole_gets_no_entry(void **state)
{
	struct cpu_topo d[NCPUS];

	(void)state;
	setup_cpus();
	online[2] = false;
	topology_boot_summary();
	assert_null(topology_cpu(2));
	assert_non_null(topology_cpu(3));
	assert_int_equal(topology_describe(d, NCPUS), NCPUS);
	assert_int_equal(d[2].core, -1);
	assert_int_equal(d[2].package, -1);
	assert_int_equal(d[3].core, 1);
	assert_int_equal(d[3].thread, 0);
}

/*
 * CPU 2 marks itself online while the summary runs (offline at its first
 * read, online at the next). The summary counted the online CPUs in one
 * pass and sized its scratch by that count, then read the mask again to
 * fill the scratch: one more CPU than it allocated for, written past
 * the end (ASan: heap-buffer-overflow in topology_boot_summary). It must
 * act on one set of CPUs throughout, as docs/smp.md asks of any such
 * sequence.
 */
static void test_cpu_online_during_summary(void **state)
{
	struct cpu_topo d[NCPUS];

	(void)state;
	setup_cpus();
	late_cpu = 2;
	topology_boot_summary();
	assert_true(topology_ready());
	/* The set the summary saw: CPUs 0, 1, 3. */
	assert_null(topology_cpu(2));
	assert_int_equal(topology_describe(d, NCPUS), NCPUS);
	assert_int_equal(d[2].core, -1);
	assert_int_equal(d[3].core, 1);
	assert_string_equal(topology_line(),
			    "1 package, 1 node, 2 cores, 3 threads; LLC: 1 group "
			    "of 3 (CPUID 0x0b, LLC package, no SRAT: one node)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_online),
		cmocka_unit_test(test_hole_gets_no_entry),
		cmocka_unit_test(test_cpu_online_during_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
