/* SPDX-License-Identifier: MIT */
/*
 * Segment descriptors and the task state segment (Intel SDM Vol. 3A 3.4.5,
 * 7.7). Long mode ignores most of segmentation; what remains matters: CS
 * selects 64-bit mode and privilege, the TSS supplies the interrupt stack
 * table (IST) used for #DF, NMI and #MC so they run on a known-good stack
 * even when the current one is broken.
 */
#ifndef COHORT_GDT_H
#define COHORT_GDT_H

#include <stdint.h>

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_DATA 0x1b /* RPL 3; order fixed by SYSRET (later) */
#define GDT_USER_CODE 0x23
#define GDT_TSS 0x28
#define GDT_ENTRIES 7 /* null, kcode, kdata, udata, ucode, tss (2 slots) */

/* IST slots (1-based, as the IDT gate encodes them). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3
#define IST_COUNT 3

/* Stack sizes, in 4 KiB pages, each in a guarded slot of the stack region
 * (kernel/mm/kstack.h; docs/interrupts.md lists them). */
#define IST_STACK_PAGES 4 /* 16 KiB per IST stack, per CPU */
#define CPU_STACK_PAGES 4 /* an AP's boot stack = its idle thread's: 16 KiB */
#define BSP_STACK_PAGES 8 /* the BSP's: it also runs the boot path (32 KiB) */

/* "#DF", "NMI", "#MC": ist_names[slot - 1], for reports. */
extern const char *const ist_names[IST_COUNT];

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "TSS layout (SDM 3A fig. 7-11)");

struct gdt {
	uint64_t entry[GDT_ENTRIES];
};

struct cpu;

/* Build and load this CPU's GDT and TSS, reload the segment registers,
 * give the IST slots their stacks. Interrupts must be off. */
void gdt_init(struct cpu *c, const uint64_t ist_top[IST_COUNT]);

#endif
