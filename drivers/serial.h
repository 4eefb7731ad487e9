/* SPDX-License-Identifier: MIT */
/*
 * 16550 UART on COM1 (I/O 0x3f8), 115200 8N1, polled output. This is the
 * kernel's primary console: every test reads it. If the scratch register
 * does not hold a value (no UART, as on many laptops) output is dropped so
 * the kernel still boots. Input: serial_getc() polls; with
 * serial_enable_rx_interrupt() the UART raises IRQ 4 (kernel/console.c).
 *
 * Not locked: callers serialise (kernel/log.c holds the log lock).
 */
#ifndef COHORT_DRIVERS_SERIAL_H
#define COHORT_DRIVERS_SERIAL_H

#include <stddef.h>

/* Program the UART; returns 1 if one answered. */
int serial_init(void);
void serial_write(const char *s, size_t len);
/* Raise ISA IRQ 4 when a byte arrives; -1 if there is no UART. */
int serial_enable_rx_interrupt(void);
/* A received byte, or -1 if none is waiting. */
int serial_getc(void);

#endif
