/* SPDX-License-Identifier: MIT */
/*
 * The contract between smp/trampoline.asm and smp/boot.c: where the
 * parameter block sits in the trampoline page and what it holds. Every
 * offset here is also a %define in the assembly; the STATIC_ASSERTs keep
 * the two in step.
 */
#ifndef COHORT_SMP_TRAMPOLINE_H
#define COHORT_SMP_TRAMPOLINE_H

#include <stddef.h>
#include <stdint.h>

#define TRAMP_PARAMS_OFFSET 0xe00

/* One slot per CPU to start: the AP finds its own by APIC id (in probe
 * mode it claims the next one with `lock xadd` on params.claimed and
 * writes its APIC id in). apic_id, stack_top and cpu: written by the BSP
 * before any INIT (apic_id by the claiming AP in probe mode), read-only
 * afterwards; the BSP never frees or reuses them, so an AP that arrives
 * after the slot was withdrawn may still take the stack to park on.
 * state: enum smp_slot_state (smp/slot.h), changed only by the CAS
 * operations there: ARMED by the BSP before INIT, then exactly one of
 * ACCEPTED (by the AP, in ap_entry) or WITHDRAWN (by the BSP, when it
 * stops waiting). The trampoline does not touch it. */
struct tramp_cpu {
	uint32_t apic_id;
	uint32_t state;
	uint64_t stack_top;
	uint64_t cpu; /* struct cpu *, passed to ap_entry */
};

struct tramp_params {
	uint16_t gdt_limit;  /* 0x00 */
	uint32_t gdt_base;   /* 0x02 page offset; + T by the BSP */
	uint16_t pad0;
	uint32_t far32_off;  /* 0x08 page offset; + T */
	uint16_t far32_sel;
	uint16_t pad1;
	uint32_t far64_off;  /* 0x10 page offset; + T */
	uint16_t far64_sel;
	uint16_t pad2;
	uint64_t cr3_low;    /* 0x18 temporary PML4 below 4 GiB */
	uint64_t cr3;	     /* 0x20 the kernel's PML4 */
	uint64_t entry;	     /* 0x28 ap_entry */
	uint64_t cpus;	     /* 0x30 struct tramp_cpu[] (kernel address) */
	uint32_t ncpus;	     /* 0x38 */
	uint32_t alive;	     /* 0x3c APs that reached the trampoline */
	uint32_t probe;	     /* 0x40 nonzero: an AP with no slot claims one */
	uint32_t claimed;    /* 0x44 slots claimed in probe mode */
} __attribute__((packed));

_Static_assert(offsetof(struct tramp_params, gdt_base) == 0x02, "trampoline.asm");
_Static_assert(offsetof(struct tramp_params, far32_off) == 0x08, "trampoline.asm");
_Static_assert(offsetof(struct tramp_params, far64_off) == 0x10, "trampoline.asm");
_Static_assert(offsetof(struct tramp_params, cr3_low) == 0x18, "trampoline.asm");
_Static_assert(offsetof(struct tramp_params, cr3) == 0x20, "trampoline.asm");
_Static_assert(offsetof(struct tramp_params, entry) == 0x28, "trampoline.asm");
_Static_assert(offsetof(struct tramp_params, cpus) == 0x30, "trampoline.asm");
_Static_assert(offsetof(struct tramp_params, ncpus) == 0x38, "trampoline.asm");
_Static_assert(offsetof(struct tramp_params, alive) == 0x3c, "trampoline.asm");
_Static_assert(offsetof(struct tramp_params, probe) == 0x40, "trampoline.asm");
_Static_assert(offsetof(struct tramp_params, claimed) == 0x44, "trampoline.asm");
_Static_assert(sizeof(struct tramp_params) <= 0x60, "GDT follows at 0x60");
_Static_assert(sizeof(struct tramp_cpu) == 24, "trampoline.asm TC_SIZE");
_Static_assert(offsetof(struct tramp_cpu, stack_top) == 8, "trampoline.asm");
_Static_assert(offsetof(struct tramp_cpu, cpu) == 16, "trampoline.asm");

extern const char trampoline_start[], trampoline_end[];

#endif
