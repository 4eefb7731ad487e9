/* SPDX-License-Identifier: MIT */
/*
 * The test exit protocol: QEMU's isa-debug-exit device at port 0xf4 ends
 * the emulator with status (value << 1) | 1, so 0x10 -> 33 (success) and
 * 0x11 -> 35 (failure). The port is written only under a hypervisor
 * (CPUID.1:ECX bit 31); on a real PC, or with no such device, the CPU
 * halts instead. Never returns.
 */
#ifndef COHORT_DRIVERS_QEMU_EXIT_H
#define COHORT_DRIVERS_QEMU_EXIT_H

#define QEMU_EXIT_PORT 0xf4
#define QEMU_EXIT_SUCCESS 0x10
#define QEMU_EXIT_FAILURE 0x11

void qemu_exit(int code) __attribute__((noreturn));

#endif
