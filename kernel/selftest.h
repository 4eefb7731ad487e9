/* SPDX-License-Identifier: MIT */
/*
 * In-kernel self-tests, chosen with `test=NAME` on the command line. Each
 * runs after boot and ends the run through the exit protocol: pass -> QEMU
 * exit 33, fail -> 35 (drivers/qemu_exit.h). Tests that provoke a fatal
 * error (fault, panic) never return: the fatal path itself exits with 35,
 * and the system test checks the report.
 */
#ifndef COHORT_SELFTEST_H
#define COHORT_SELFTEST_H

/* Run test `name` (never returns). */
void selftest_run(const char *name) __attribute__((noreturn));

#endif
