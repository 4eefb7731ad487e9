/* SPDX-License-Identifier: MIT */
/*
 * In-kernel self-tests, chosen with `test=NAME` (or `test=A,B,C`, several
 * in one boot) on the command line. They run after boot and end the run
 * through the exit protocol: pass -> QEMU exit 33, fail -> 35
 * (drivers/qemu_exit.h). Tests that provoke a fatal error (fault, panic)
 * never return: the fatal path itself exits with 35, and the system test
 * checks the report.
 */
#ifndef COHORT_SELFTEST_H
#define COHORT_SELFTEST_H

/*
 * Run `list`: one test name, or several separated by commas
 * ("timer,ipi,callfunc"), in order, in this one boot (never returns).
 * Every name is checked first: an unknown or empty one anywhere fails
 * the run before any test starts, listing the known tests; so does
 * power-stop anywhere but last (it returns with the other CPUs stopped).
 * Each test logs
 * "test: NAME: PASS" or "FAIL" as it ends; the first failure stops the
 * list. A list of more than one ends with one summary line. The run then
 * exits once: 33 if every test passed, else 35.
 */
void selftest_run(const char *list) __attribute__((noreturn));

struct cpumask;

/*
 * Move the calling test thread to the highest online CPU, saving its
 * affinity in *was first if `was` is not NULL (to restore it for the next
 * test of a list). Tests that park "another CPU" start there on purpose:
 * the scheduler may leave the test thread on the last CPU, and "the last
 * CPU" chosen as the one to park then hung three of them (power-stop,
 * callfunc, panic-ap; kernel/cpu.h, cpu_online_other()).
 */
void selftest_start_on_last_cpu(struct cpumask *was);

#endif
