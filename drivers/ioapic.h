/* SPDX-License-Identifier: MIT */
/*
 * I/O APICs (Intel 82093AA datasheet; ACPI 6.5 5.2.12.3, 5.2.12.5).
 *
 * Each IOAPIC owns the global system interrupts (GSIs) [gsi_base,
 * gsi_base + pins). ISA IRQs map to GSIs 1:1 unless the MADT has an
 * interrupt source override, which may also change polarity and trigger
 * (classic example: PIT IRQ 0 -> GSI 2). All pins start masked; a device
 * driver asks for its IRQ with isa_irq_route().
 */
#ifndef COHORT_DRIVERS_IOAPIC_H
#define COHORT_DRIVERS_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_MAX 16
#define ISA_IRQS 16

struct isa_override {
	uint8_t irq;
	uint32_t gsi;
	bool active_low;
	bool level;
};

/* Register an IOAPIC, mask all its pins, and log id/address/GSIs/pins.
 * Returns the pin count, or -1 (logged) if it does not answer. */
int ioapic_add(uint32_t id, uint64_t phys, uint32_t gsi_base);
int ioapic_count(void);
/* Remember an MADT interrupt source override for ISA IRQ `o->irq`. */
void ioapic_add_override(const struct isa_override *o);

/* Program a GSI: vector, destination (physical APIC id), electrical
 * properties; unmasked. -1 if no IOAPIC owns the GSI. */
int ioapic_route_gsi(uint32_t gsi, uint8_t vector, uint32_t dest_apic_id,
		     bool active_low, bool level);
int ioapic_mask_gsi(uint32_t gsi, bool masked);

/* The GSI and electrical properties of ISA IRQ `irq` after overrides
 * (ISA default: same number, active high, edge). */
struct isa_override isa_irq_lookup(uint8_t irq);
/* Route ISA IRQ `irq` to `vector` on `dest_apic_id`; returns the GSI or -1. */
int isa_irq_route(uint8_t irq, uint8_t vector, uint32_t dest_apic_id);

#endif
