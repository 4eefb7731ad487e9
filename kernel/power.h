/* SPDX-License-Identifier: MIT */
/*
 * Orderly stop: every other CPU is stopped (NMI) before the machine is
 * reset, powered off or halted, so no AP is left running code or holding
 * a lock when the boot CPU pulls the plug.
 *
 * Reset tries, in order, logging each step before it and each failure
 * after it: the FADT reset register (ACPI 6.5 5.2.9 RESET_REG, when it has
 * RESET_REG_SUP set), the keyboard controller's reset pulse (command 0xfe to
 * port 0x64), and a triple fault. Power-off is ACPI S5 (ACPI 6.5 7.4.2.6,
 * 16.1.7): the \_S5 SLP_TYP values acpi/ found in the DSDT (or an SSDT),
 * written with SLP_EN to PM1a_CNT and PM1b_CNT; a machine still running
 * POWER_OFF_WAIT_MS later is halted with a line saying so. Nothing here
 * runs AML: firmware whose \_PTS or _S5 needs an interpreter gets the
 * halt.
 * Read next: acpi/s5.c (the \_S5 scan), docs/console.md (the commands).
 */
#ifndef COHORT_POWER_H
#define COHORT_POWER_H

#include <stdint.h>

struct acpi_fadt;
struct acpi_s5;

/* How long power-off waits for the machine to go before it halts. */
#define POWER_OFF_WAIT_MS 3000

/*
 * Record what reset and power-off will use: the FADT's reset register and
 * PM1 control blocks and the \_S5 values (either may be absent: NULL or
 * present == false). Memory-space registers are mapped uncached here,
 * once (ioremap: one line if one cannot be). Called once on the boot CPU
 * during platform_init(), after ioremap() works and before the APs start.
 */
void power_init(const struct acpi_fadt *fadt, const struct acpi_s5 *s5);

/* Reset the machine: FADT reset register, else the keyboard controller,
 * else a triple fault. Any CPU, any context. Never returns. */
void machine_reboot(void) __attribute__((noreturn));
/* ACPI S5 soft-off; if that is not possible or does not happen within
 * POWER_OFF_WAIT_MS, say why and halt. Any CPU, any context. Never
 * returns. */
void machine_poweroff(void) __attribute__((noreturn));
/* Stop all CPUs for good (the boot CPU last). */
void machine_halt(void) __attribute__((noreturn));

/* test=power-stop: another CPU is stopped while it holds the log lock;
 * the stopping CPU must still log. 0 = pass (a failure hangs or panics
 * on the stuck lock). Needs 2 CPUs. */
int power_selftest_stop(void);

#endif
