/* SPDX-License-Identifier: MIT */
/*
 * Which CPUs the kernel starts, as pure functions over what the firmware
 * and the command line say (host-tested: tests/unit/kernel/cpu_list-test.c).
 *
 * - cpu_list_from_madt(): the enabled MADT entries in MADT order, the BSP
 *   first, at most `limit` (MAX_CPUS); the CPUs left out past the limit,
 *   and those the MADT parser counted but did not keep, get one warning
 *   line in all, never one per CPU.
 * - cpu_list_cap(): the nr_cpus= cap on the count smp/ will start, with
 *   the one line saying how many stay offline and why.
 *
 * Online-capable MADT entries are hot-plug slots, never started
 * (docs/acpi.md). Read next: kernel/platform.c, smp/boot.c (the callers).
 */
#ifndef COHORT_CPU_LIST_H
#define COHORT_CPU_LIST_H

#include <stdint.h>

struct acpi_madt;

struct platform_cpu {
	uint32_t apic_id;
	uint32_t acpi_uid;
};

/* One line of text, no trailing newline (the kernel: kwarn/kprintf). */
typedef void (*cpu_list_log_fn)(void *ctx, const char *line);

/*
 * Fill out[0..limit) from m: out[0] is the BSP (APIC id bsp_apic_id, with
 * its ACPI uid if the MADT lists it, else 0), then every other enabled
 * entry in MADT order while room remains. Returns how many; *usable: the
 * enabled entries the MADT listed (the BSP's included), before any cap.
 * If any enabled CPU is left out (past `limit`, or past the parser's own
 * table), logs exactly one line naming the count and the limit.
 * limit >= 1.
 */
int cpu_list_from_madt(const struct acpi_madt *m, uint32_t bsp_apic_id,
		       struct platform_cpu *out, int limit, int *usable,
		       cpu_list_log_fn log, void *log_ctx);

/*
 * nr_cpus=: `n` CPUs are wanted; the option (NULL if absent, else its
 * value, already parsed) caps it. Returns the capped count (at least 1:
 * nr_cpus=0 means the boot CPU alone, as Linux treats it) and logs one
 * line when CPUs stay offline because of it, or when the value is 0.
 */
int cpu_list_cap(int n, const uint64_t *nr_cpus, cpu_list_log_fn log,
		 void *log_ctx);

#endif
