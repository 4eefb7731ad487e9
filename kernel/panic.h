/* SPDX-License-Identifier: MIT */
/*
 * Fatal errors. panic() is for corrupted kernel state only (never for bad
 * input from firmware, the command line or user space): it prints the
 * message and a symbolized frame-pointer backtrace, then ends the boot with
 * the failure exit code (drivers/qemu_exit.h), after stopping every other
 * CPU with an NMI (each prints where it was; smp/ipi.c).
 */
#ifndef COHORT_PANIC_H
#define COHORT_PANIC_H

#include <stdint.h>

void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Print "  #n  0xaddr  symbol+0xoff" lines walking the rbp chain from rbp. */
void backtrace_from(uint64_t rip, uint64_t rbp);
void backtrace(void);

/* Claim the right to print a fatal report (and turn interrupts off).
 * Returns PANIC_CLAIMED: go on with the report; PANIC_OTHER_CPU: another
 * CPU is reporting and will stop this one; PANIC_NESTED: this CPU already
 * claimed it, so the caller is a fault (or panic) inside the report. For
 * the last two, call panic_halt_or_nested(). */
#define PANIC_OTHER_CPU 0
#define PANIC_CLAIMED 1
#define PANIC_NESTED 2
int panic_begin(void);

/* After a panic_begin() that did not return PANIC_CLAIMED: on another
 * CPU's report, halt until its NMI stops us; on a nested fault, print one
 * "FATAL: <what> while reporting a fatal error; stopping" line, stop the
 * other CPUs and exit with the failure code (each step skipped if it
 * faults in turn, so the exit always happens). Never returns. */
void panic_halt_or_nested(int claim, const char *what)
	__attribute__((noreturn));

/* End a fatal report: stop the other CPUs (each prints where it was),
 * then exit with the failure code. */
void fatal_exit(void) __attribute__((noreturn));

/* Always on, in every build. */
#define ASSERT(cond)                                                          \
	do {                                                                  \
		if (!(cond))                                                  \
			panic("assertion '%s' failed at %s:%d", #cond,        \
			      __FILE__, __LINE__);                            \
	} while (0)

#define STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

#endif
