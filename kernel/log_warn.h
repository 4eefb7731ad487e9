/* SPDX-License-Identifier: MIT */
/*
 * Warnings: log lines that say something went wrong or was refused, and
 * that the hardware report (kernel/report.c) must repeat. kwarn() logs
 * exactly as kprintf() does (same line, same prefix) and keeps a copy of
 * the message with its uptime in a fixed table, so a user who reads only
 * the report still sees every fallback the boot took.
 *
 * The table holds LOG_WARN_KEEP messages of at most LOG_WARN_LEN bytes;
 * later ones are counted, not kept (the first warnings usually explain
 * the later ones). Never allocates, so it works from the first line of
 * kernel_main.
 */
#ifndef COHORT_LOG_WARN_H
#define COHORT_LOG_WARN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_WARN_KEEP 32
#define LOG_WARN_LEN 160

/* kprintf(), and remember the message. Any CPU, any context. */
void kwarn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Warnings logged so far (kept or not). Any context. */
unsigned log_warn_count(void);
/* Copy kept warning i (0 = first) into buf and its uptime into *ns;
 * false if i is not kept. Any context. */
bool log_warn_get(unsigned i, char *buf, size_t size, uint64_t *ns);

#endif
