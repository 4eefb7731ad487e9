/* SPDX-License-Identifier: MIT */
/*
 * Platform bring-up on the boot CPU: ACPI tables -> CPU list, interrupt
 * controllers, clocks and timers, in that order, with a logged fallback
 * for everything a real PC may lack:
 *   no ACPI / no MADT      -> one CPU, LAPIC at its MSR address, no IOAPIC
 *   no usable LAPIC        -> no per-CPU timer (logged; one CPU)
 *   no HPET                -> PM timer or PIT for calibration, PIT boot tick
 *   no FADT PM timer       -> PIT for calibration
 *   no i8042 (FADT, probe) -> no PS/2 keyboard (drivers/i8042.h)
 * Read next: kernel/time.h, kernel/timer.h, smp/ (which uses the CPU list).
 */
#ifndef COHORT_PLATFORM_H
#define COHORT_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"
#include "cpu_list.h"

struct boot_info;

struct platform {
	/* Usable CPUs in MADT order (BSP first), at most MAX_CPUS. */
	struct platform_cpu cpu[MAX_CPUS];
	int ncpus;
	int madt_usable;  /* usable CPUs the MADT listed, before any cap */
	bool have_madt;
	bool have_ioapic;
	uint32_t bsp_apic_id;
};

extern struct platform platform;

/* Per-CPU platform set-up after lapic_init_cpu() (APs; the BSP does it in
 * platform_init): LINT NMI wiring from the MADT for this CPU's ACPI uid. */
void platform_cpu_init(struct cpu *c);

/* Everything above, then interrupts on. Runs once on the BSP. */
void platform_init(const struct boot_info *bi);

struct acpi_info;
/* What acpi_parse() found at boot (all zero without ACPI). Written by
 * platform_init() only; read-only afterwards (the hardware report). */
const struct acpi_info *platform_acpi(void);

/* test=dmap-hole only: what the ACPI parser gets for a table at
 * [phys, phys + len): a pointer into the direct map, or NULL if that
 * range is not mapped there. */
const void *platform_acpi_map_for_test(uint64_t phys, uint64_t len);

#endif
