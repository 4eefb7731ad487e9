/* SPDX-License-Identifier: MIT */
/*
 * The hardware report: one block of log lines, each starting "report: ",
 * between a begin and an end line, that a user pastes into a bug report
 * (docs/real-hardware.md). It repeats what the boot found and decided,
 * with the reasons: the firmware (64-bit or 32-bit UEFI), CPU
 * identification and microcode, APIC mode, clock and timer choices,
 * calibration figures and spread, ACPI tables (with
 * OEM, revision and checksum), CPUs found and started with each AP's
 * start time, a memory map summary, the framebuffer mode, the keyboard,
 * and every warning logged so far (kernel/log_warn.h).
 *
 * Printed by the console command `report` and by the boot option
 * `report` (once the kernel is ready). docs/console.md lists the fields.
 */
#ifndef COHORT_REPORT_H
#define COHORT_REPORT_H

#include <stddef.h>
#include <stdint.h>

/* Print the report. Thread context (it prints ~50 lines, which must not
 * keep interrupts off that long); may be preempted and moved: what it
 * reads is read-only after boot, or copied under its lock. */
void report_print(void);

/* The console command: runs report_print() in a kernel thread, so the
 * interrupt that ran the command returns at once. Any context. */
void report_start(void);

/* boot_info.firmware_bits in words, as the boot log's "boot: firmware:"
 * line and the report say it: "64-bit UEFI", "32-bit UEFI (mixed mode:
 * the loader entered long mode)", or "unknown bitness N" written into
 * buf[size] (which the result then points to). Any context. */
const char *report_firmware(uint32_t bits, char *buf, size_t size);

#endif
