/* SPDX-License-Identifier: MIT */
/*
 * Local APIC, behind one interface with two backends (Intel SDM Vol. 3A
 * chapter 10): xAPIC (registers in a 4 KiB MMIO page) and x2APIC
 * (registers as MSRs 0x800 + offset/16, 32-bit APIC ids, one 64-bit ICR
 * write per IPI with no delivery-status wait).
 *
 * Mode choice (lapic_choose_mode(), pure and unit-tested):
 *   - x2APIC when firmware already enabled it: IA32_APIC_BASE.EXTD set
 *     (recent Intel PCs enable and lock it; leaving x2APIC needs a full
 *     disable, which locked firmware forbids, so we never try);
 *   - x2APIC when an enabled CPU's APIC id is above 254 (xAPIC cannot
 *     address it; online-capable slots are never started, so theirs do
 *     not count: acpi_madt_max_apic_id());
 *   - else x2APIC when CPUID.1:ECX[21] says the CPU has it;
 *   - else xAPIC.
 * `apic=xapic` / `apic=x2apic` force a mode, or fail with a reason.
 *
 * What it does not do: timers are programmed through lapic_timer_*() but
 * chosen and calibrated in kernel/timer.c; IPIs above the raw send live in
 * smp/.
 */
#ifndef COHORT_DRIVERS_LAPIC_H
#define COHORT_DRIVERS_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

enum lapic_mode {
	LAPIC_MODE_NONE = 0,
	LAPIC_MODE_XAPIC,
	LAPIC_MODE_X2APIC,
};

enum lapic_force {
	LAPIC_FORCE_AUTO = 0,
	LAPIC_FORCE_XAPIC,
	LAPIC_FORCE_X2APIC,
};

struct lapic_facts {
	bool cpu_has_apic;    /* CPUID.1:EDX[9] */
	bool cpu_has_x2apic;  /* CPUID.1:ECX[21] */
	bool fw_x2apic_on;    /* IA32_APIC_BASE.EXTD already set */
	uint32_t max_apic_id; /* highest enabled CPU's id in the MADT */
	enum lapic_force force;
};

/* Decide the mode. On a refused force, *why explains and the returned
 * mode is what auto would pick (or NONE if impossible altogether). */
enum lapic_mode lapic_choose_mode(const struct lapic_facts *f, const char **why);

/* Registers (xAPIC MMIO offsets; the x2APIC MSR is 0x800 + offset / 16). */
enum {
	LAPIC_ID = 0x20,
	LAPIC_VERSION = 0x30,
	LAPIC_TPR = 0x80,
	LAPIC_EOI = 0xb0,
	LAPIC_SVR = 0xf0,
	LAPIC_ESR = 0x280,
	LAPIC_ICR_LOW = 0x300,
	LAPIC_ICR_HIGH = 0x310,
	LAPIC_LVT_TIMER = 0x320,
	LAPIC_LVT_LINT0 = 0x350,
	LAPIC_LVT_LINT1 = 0x360,
	LAPIC_LVT_ERROR = 0x370,
	LAPIC_TIMER_INITIAL = 0x380,
	LAPIC_TIMER_CURRENT = 0x390,
	LAPIC_TIMER_DIVIDE = 0x3e0,
};

#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_LVT_LEVEL (1u << 15)
#define LAPIC_LVT_ACTIVE_LOW (1u << 13)
#define LAPIC_LVT_NMI (4u << 8)
#define LAPIC_TIMER_ONESHOT (0u << 17)
#define LAPIC_TIMER_PERIODIC (1u << 17)
#define LAPIC_TIMER_TSC_DEADLINE (2u << 17)

/* ICR delivery modes and flags. */
#define LAPIC_ICR_FIXED (0u << 8)
#define LAPIC_ICR_NMI (4u << 8)
#define LAPIC_ICR_INIT (5u << 8)
#define LAPIC_ICR_STARTUP (6u << 8)
#define LAPIC_ICR_PENDING (1u << 12)
#define LAPIC_ICR_ASSERT (1u << 14)
#define LAPIC_ICR_LEVEL (1u << 15)
#define LAPIC_ICR_ALL_BUT_SELF (3u << 18)

/* Select and enable the mode on the boot CPU. `phys` is the MADT's LAPIC
 * address. Returns 0, or -1 with one log line if no LAPIC can be used. */
int lapic_init_bsp(uint64_t phys, uint32_t max_apic_id, enum lapic_force force);
/* Per CPU (BSP included): enable in the chosen mode, spurious and error
 * vectors, LINT0/1 masked or NMI per MADT, TPR 0. Interrupts off. */
void lapic_init_cpu(void);
/* Program LINTn as NMI (from an MADT LAPIC NMI entry). */
void lapic_set_nmi(int lint, bool active_low, bool level);

enum lapic_mode lapic_mode(void);
const char *lapic_mode_name(void);
/* Why lapic_init_bsp() chose that mode (a constant string), for the
 * hardware report. */
const char *lapic_mode_reason(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);
/* Send an IPI: `icr_low` carries vector, delivery mode and flags. xAPIC
 * waits for the previous IPI's delivery status to clear first. */
void lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);
/* The same to every CPU but this one (ICR destination shorthand 11b). */
void lapic_send_ipi_others(uint32_t icr_low);

/* Timer. The divider is fixed at 16 (calibration measures the result). */
void lapic_timer_oneshot(uint32_t count);
void lapic_timer_periodic(uint32_t count);
void lapic_timer_deadline(uint64_t tsc);
void lapic_timer_stop(void);
uint32_t lapic_timer_current(void);

#endif
