/* SPDX-License-Identifier: MIT */
/*
 * The interrupt vector map, in one place (mirrored in docs/interrupts.md).
 *
 * Higher vectors have higher priority in the LAPIC (priority class =
 * vector >> 4), so IPIs that must get through while device interrupts are
 * being handled sit at the top, and the spurious vector is 0xff (its low
 * four bits must be 1111 on older xAPICs; SDM Vol. 3A 10.9).
 */
#ifndef COHORT_VECTORS_H
#define COHORT_VECTORS_H

/* 0x00-0x1f: CPU exceptions (kernel/trap.c). */

/* 0x20-0x2f: the legacy 8259 PICs, remapped here and masked; only their
 * spurious IRQ 7 / 15 can still arrive. */
#define VEC_PIC_BASE 0x20
#define VEC_PIC_SPURIOUS_MASTER 0x27
#define VEC_PIC_SPURIOUS_SLAVE 0x2f

/* 0x30-0x3f: ISA IRQ n (after MADT overrides) arrives as 0x30 + n. */
#define VEC_ISA_BASE 0x30
#define VEC_ISA_COUNT 16
/* 0x40-0xdf: other IOAPIC GSIs (PCI, later). */
#define VEC_GSI_BASE 0x40

/* LAPIC-local sources. */
#define VEC_LAPIC_TIMER 0xe0

/* Inter-processor interrupts (smp/). */
#define VEC_IPI_RESCHEDULE 0xf0
#define VEC_IPI_CALL_FUNCTION 0xf1
#define VEC_IPI_TLB_SHOOTDOWN 0xf2
#define VEC_IPI_STOP 0xf3

#define VEC_LAPIC_ERROR 0xfe
#define VEC_LAPIC_SPURIOUS 0xff

#endif
