// SPDX-License-Identifier: MIT
/*
 * Per-CPU GDT and TSS (see gdt.h). Each CPU owns its copy because the TSS
 * descriptor is marked busy by `ltr` and the TSS holds per-CPU stacks.
 */
#include "gdt.h"

#include "arch/x86.h"
#include "cpu.h"

/* Descriptor bits (SDM Vol. 3A 3.4.5). */
#define SEG_PRESENT (1ULL << 47)
#define SEG_DPL3 (3ULL << 45)
#define SEG_CODE_DATA (1ULL << 44)
#define SEG_EXEC (1ULL << 43)
#define SEG_RW (1ULL << 41)
#define SEG_LONG (1ULL << 53)
#define SEG_TSS_AVAILABLE (9ULL << 40)

#define KCODE (SEG_PRESENT | SEG_CODE_DATA | SEG_EXEC | SEG_RW | SEG_LONG)
#define KDATA (SEG_PRESENT | SEG_CODE_DATA | SEG_RW)

const char *const ist_names[IST_COUNT] = {
	[IST_DOUBLE_FAULT - 1] = "#DF",
	[IST_NMI - 1] = "NMI",
	[IST_MACHINE_CHECK - 1] = "#MC",
};

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

void gdt_init(struct cpu *c, const uint64_t ist_top[IST_COUNT])
{
	struct gdt *g = &c->gdt;
	uint64_t tss = (uint64_t)&c->tss;

	g->entry[0] = 0;
	g->entry[GDT_KERNEL_CODE / 8] = KCODE;
	g->entry[GDT_KERNEL_DATA / 8] = KDATA;
	g->entry[GDT_USER_DATA / 8] = KDATA | SEG_DPL3;
	g->entry[GDT_USER_CODE / 8] = KCODE | SEG_DPL3;
	/* 16-byte system descriptor: limit, base 0-23, type, base 24-31,
	 * then base 32-63 in the next slot. */
	g->entry[GDT_TSS / 8] = (sizeof(struct tss) - 1) |
				((tss & 0xffffff) << 16) | SEG_TSS_AVAILABLE |
				SEG_PRESENT | ((tss >> 24 & 0xff) << 56);
	g->entry[GDT_TSS / 8 + 1] = tss >> 32;

	for (int i = 0; i < IST_COUNT; i++)
		c->tss.ist[i] = ist_top[i];
	/* No I/O permission bitmap: base past the limit. */
	c->tss.iomap_base = sizeof(struct tss);

	struct gdt_ptr p = { sizeof(*g) - 1, (uint64_t)g };
	__asm__ volatile(
		"lgdt %0\n\t"
		/* Far return to reload CS with the new code selector. */
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"mov %2, %%ds\n\t"
		"mov %2, %%es\n\t"
		"mov %2, %%ss\n\t"
		"mov %3, %%fs\n\t"
		"mov %3, %%gs\n\t"
		"ltr %w4"
		:
		: "m"(p), "i"(GDT_KERNEL_CODE), "r"(GDT_KERNEL_DATA), "r"(0),
		  "r"(GDT_TSS)
		: "rax", "memory");
	/* Loading %gs cleared the GS base: point it back at this CPU. */
	wrmsr(MSR_GS_BASE, (uint64_t)c);
}
