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

/* Claim the right to print a fatal report. Returns 0 if another CPU (or
 * this one, recursively) already did: the caller should just halt. */
int panic_begin(void);

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
