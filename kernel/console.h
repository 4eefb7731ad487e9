/* SPDX-License-Identifier: MIT */
/*
 * The serial console's input side: COM1's receive interrupt (ISA IRQ 4,
 * routed through the IOAPIC to the boot CPU) feeds a line editor that
 * echoes what is typed and runs a command on Enter. Commands are listed by
 * `help`; docs/console.md describes them.
 */
#ifndef COHORT_CONSOLE_H
#define COHORT_CONSOLE_H

#define CONSOLE_LINE_MAX 128

/* Route COM1's IRQ and enable its receive interrupt. BSP, once. */
void console_init(void);

#endif
