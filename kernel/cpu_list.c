// SPDX-License-Identifier: MIT
/*
 * The CPU list the kernel starts (cpu_list.h has the contracts). Pure: no
 * globals, logging through the caller's function, so the host tests run
 * it on MADTs no QEMU can boot (more CPUs than MAX_CPUS).
 */
#include "cpu_list.h"

#include "../acpi/acpi.h"
#include "lib/printf.h"

int cpu_list_from_madt(const struct acpi_madt *m, uint32_t bsp_apic_id,
		       struct platform_cpu *out, int limit, int *usable,
		       cpu_list_log_fn log, void *log_ctx)
{
	int n = 1, left_out = m->ncpus_dropped;

	out[0] = (struct platform_cpu){ bsp_apic_id, 0 };
	*usable = m->ncpus_dropped;
	for (int i = 0; i < m->ncpus; i++) {
		if (!m->cpu[i].enabled)
			continue;
		++*usable;
		if (m->cpu[i].apic_id == bsp_apic_id) {
			out[0].acpi_uid = m->cpu[i].acpi_uid;
			continue;
		}
		if (n == limit) {
			left_out++;
			continue;
		}
		out[n++] = (struct platform_cpu){ m->cpu[i].apic_id,
						  m->cpu[i].acpi_uid };
	}
	if (left_out) {
		char line[160];

		k_snprintf(line, sizeof(line),
			   "platform: %d more CPUs than the kernel's limit of "
			   "%d listed; they stay offline", left_out, limit);
		log(log_ctx, line);
	}
	return n;
}

int cpu_list_cap(int n, const uint64_t *nr_cpus, cpu_list_log_fn log,
		 void *log_ctx)
{
	char line[160];
	uint64_t max;

	if (!nr_cpus)
		return n;
	max = *nr_cpus;
	if (max == 0) {
		log(log_ctx, "smp: nr_cpus=0 means the boot CPU alone; using 1");
		max = 1;
	}
	if ((uint64_t)n <= max)
		return n;
	k_snprintf(line, sizeof(line),
		   "smp: nr_cpus=%lu: %d of %d CPUs left offline (the kernel "
		   "uses %lu)", (unsigned long)max, n - (int)max, n,
		   (unsigned long)max);
	log(log_ctx, line);
	return (int)max;
}
