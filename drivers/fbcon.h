/* SPDX-License-Identifier: MIT */
/*
 * The screen console: the kernel log (and everything else kernel/log.c
 * writes: the console's echo and command output, /dev/console) drawn on
 * the GOP framebuffer the loader reports in boot_info, next to serial.
 * Drawing is fbcon_core.c; this file maps the framebuffer write-combining
 * (kernel/mm/ioremap.h), finds RAM for the shadow buffer, applies the
 * `console=` option and replays the lines logged before it was ready.
 *
 * Rules:
 *  - fbcon_write() is called only by kernel/log.c, with the log lock held,
 *    or, after log_panic_mode(), by the reporting CPU with the lock held
 *    if it could get it within a bound and without it otherwise (the
 *    holder may be a CPU stopped mid-line, or one still drawing a long
 *    scroll: fbcon_core.h keeps two writers in bounds). fbcon takes no
 *    lock of its own, allocates nothing and calls nothing that logs, so
 *    a panic report reaches the screen whatever locks the failing CPU
 *    holds. Text a CPU logs while it is itself inside the drawing (a
 *    fault there, or the panic NMI arriving mid-line) goes to serial
 *    only, never recursing.
 *  - console_setup() runs once on the boot CPU with interrupts off and no
 *    other CPU started (kernel_main, after aspace_init): nothing else can
 *    log while it changes the console's state.
 */
#ifndef COHORT_DRIVERS_FBCON_H
#define COHORT_DRIVERS_FBCON_H

#include <stddef.h>

struct boot_info;

/*
 * Apply `console=` (opt: "serial", "fb", "serial,fb", "fb,serial" or NULL
 * for the default, both where both exist): start the screen console when
 * asked for and there is a usable framebuffer, and tell the log whether to
 * write to serial. A screen console that cannot start (no framebuffer,
 * unsupported pixel format, no memory) logs one line saying why, and the
 * log then stays on serial even under console=fb.
 */
void console_setup(const struct boot_info *bi, const char *opt);

/* kernel/log.c's second output (rules above). Before console_setup() the
 * text is kept (the first 16 KiB) and drawn when the screen starts. */
void fbcon_write(const char *s, size_t len);

/* 1 if the screen console draws. */
int fbcon_active(void);

/* bench=fbcon (docs/benchmarks.md, "Screen console"): log lines per
 * second to serial and screen, then to the screen alone; thread context. */
void fbcon_bench(void);

#endif
