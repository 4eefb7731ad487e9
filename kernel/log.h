/* SPDX-License-Identifier: MIT */
/*
 * The kernel log: one line per call, prefixed with uptime and CPU,
 *   [    0.012345] cpu0: message
 * written to the serial console and the screen (drivers/fbcon.h) under the
 * log lock so lines from different
 * CPUs never interleave. After panic_begin() the lock is bypassed: the
 * panicking CPU must be able to print even if the lock holder is dead.
 */
#ifndef COHORT_LOG_H
#define COHORT_LOG_H

#include <stdarg.h>

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vkprintf(const char *fmt, va_list ap);

/* Raw text, no prefix, no newline added (banners, continuation). */
void log_raw(const char *s);
/* `len` raw bytes (any values, NULs too), no prefix, under the log lock:
 * /dev/console output and its echo. */
void log_write(const char *s, unsigned long len);

/* Whether the log goes to serial as well as to the screen (console=fb
 * turns it off; drivers/fbcon.c). Takes the log lock: not from code that
 * holds it. Panic reports go to serial regardless. */
void log_set_serial(int on);

/* Stop using the log lock (called once by the panicking CPU, and by
 * kernel/power.c once the other CPUs are stopped). */
void log_panic_mode(void);

/* test=power-stop only: take the log lock, set *held, and spin with it
 * held until an NMI stops this CPU. Never returns. */
void log_hold_for_test(int *held) __attribute__((noreturn));

#endif
