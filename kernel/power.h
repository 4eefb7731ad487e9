/* SPDX-License-Identifier: MIT */
/*
 * Orderly stop: every other CPU is stopped (NMI) before the machine is
 * reset or halted, so no AP is left running code or holding a lock when
 * the boot CPU pulls the plug.
 */
#ifndef COHORT_POWER_H
#define COHORT_POWER_H

/* Reset the machine: FADT reset register if it is in I/O space, else the
 * PCI reset port 0xcf9, else the keyboard controller, else a triple
 * fault. Never returns. */
void machine_reboot(void) __attribute__((noreturn));
/* Stop all CPUs for good (the boot CPU last). */
void machine_halt(void) __attribute__((noreturn));

#endif
