/* SPDX-License-Identifier: MIT */
/*
 * The legacy 8259A pair. Cohort uses the IOAPIC (drivers/ioapic.c), so the
 * PICs are remapped away from the exception vectors (to 0x20-0x2f, so a
 * stray spurious IRQ 7/15 is recognisable) and fully masked.
 */
#ifndef COHORT_DRIVERS_PIC_H
#define COHORT_DRIVERS_PIC_H

#define PIC_VECTOR_BASE 0x20

void pic_disable(void);

#endif
