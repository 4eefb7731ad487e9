// SPDX-License-Identifier: MIT
/*
 * Who made this CPU, which one it is and which microcode it runs: one
 * reading of CPUID leaves 0, 1 and 0x80000002-4 and of the microcode
 * revision MSR, shared by the timer's errata checks (kernel/timer.c) and
 * the hardware report (kernel/report.c).
 *
 * Family and model follow the SDM's rule (Vol. 2A, CPUID, "Display
 * Family/Model"), which AMD's APM (Vol. 3, CPUID Fn0000_0001_EAX) states
 * the same way: the extended family is added only when the base family
 * is 0xF; the extended model is prepended when the base family is 6 or
 * 0xF.
 *
 * The microcode revision is read the way each vendor documents it:
 * Intel (SDM 3A 10.11.7.1): write 0 to IA32_BIOS_SIGN_ID (0x8B), execute
 * CPUID(1), read the revision from the high half. AMD (BKDG/PPR,
 * MSR0000_008B PatchLevel, read-only; Hygon too, whose CPUs are AMD's
 * Zen): read the low half, never write.
 * Any other vendor: not read (its MSR 0x8B may not exist).
 *
 * The hardware access goes through struct cpu_ident_hw so that the rules
 * above are unit-tested with recorded CPUs (tests/unit/kernel/).
 */
#ifndef COHORT_CPU_IDENT_H
#define COHORT_CPU_IDENT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86.h"

#define CPU_IDENT_BRAND_LEN 48

enum cpu_vendor { CPU_VENDOR_OTHER, CPU_VENDOR_INTEL, CPU_VENDOR_AMD };

struct cpu_ident {
	char vendor[13];	/* CPUID(0) EBX EDX ECX, NUL-terminated */
	enum cpu_vendor vendor_id; /* Hygon counts as AMD */
	uint32_t family, model, stepping; /* display values (see above) */
	bool microcode_known;	/* false: vendor without a documented MSR */
	uint32_t microcode;
	bool hypervisor;	/* CPUID(1) ECX bit 31 */
	bool tsc_deadline;	/* CPUID(1) ECX bit 24 */
	char brand[CPU_IDENT_BRAND_LEN + 1]; /* "" if the CPU has none */
};

/* The three operations the probe needs; the kernel's are the instructions. */
struct cpu_ident_hw {
	struct cpuid_regs (*cpuid)(uint32_t leaf, uint32_t subleaf);
	uint64_t (*rdmsr)(uint32_t msr);
	void (*wrmsr)(uint32_t msr, uint64_t value);
};

/* Display family and model from CPUID(1) EAX. */
void cpu_ident_family_model(uint32_t eax, uint32_t *family, uint32_t *model);

/* Reads everything in struct cpu_ident through hw. Runs on one CPU and
 * describes that CPU: the caller keeps interrupts off if it must not
 * migrate (the Intel microcode read is a write-CPUID-read sequence). */
void cpu_ident_probe(const struct cpu_ident_hw *hw, struct cpu_ident *id);

/* cpu_ident_probe() with the real instructions, on the calling CPU,
 * interrupts off for the duration. */
void cpu_ident_read(struct cpu_ident *id);

#endif
