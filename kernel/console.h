/* SPDX-License-Identifier: MIT */
/*
 * The console's input side: COM1's receive interrupt (ISA IRQ 4) and the
 * PS/2 keyboard's (ISA IRQ 1, drivers/i8042.c), both routed through the
 * IOAPIC to the boot CPU, feed console_input(): a line editor that echoes
 * what is typed and runs a command on Enter, or /dev/console when a
 * program reads it. Commands are listed by `help`; docs/console.md
 * describes them.
 */
#ifndef COHORT_CONSOLE_H
#define COHORT_CONSOLE_H

#define CONSOLE_LINE_MAX 128

/* Route COM1's IRQ and enable its receive interrupt. BSP, once. */
void console_init(void);

/* One input byte, as a serial terminal sends it ('\r' for Enter, 0x08 or
 * 0x7f to erase, control bytes): to /dev/console when a program reads it,
 * else to the kernel console's line editor (docs/console.md). Called only
 * from interrupt handlers routed to the boot CPU (COM1's, the PS/2
 * keyboard's), interrupts off: the line editor has no lock, and this is
 * what serialises it. May run a command, which prints. */
void console_input(int c);

#endif
