/* SPDX-License-Identifier: MIT */
/*
 * The switch block of the 32-bit loader (BOOTIA32.EFI): one page below
 * 4 GiB that holds everything the mode switch from the firmware's 32-bit
 * protected mode into long mode reads after ExitBootServices (our GDT, the
 * lgdt operand, CR3, the EFER bits, the kernel's stack, entry and
 * boot_info). handoff_ia32.S reads it through the IA32_SW_* offsets below;
 * C fills it with ia32_switch_fill() (efi/handoff.h). The offsets are
 * checked against the struct here (under every compiler that sees the
 * struct) and under both -m32 and -m64 by tests/unit/efi/layout32.c, so
 * the assembly and C cannot disagree.
 *
 * Only fixed-width integers and explicit pads: the layout is the same for
 * the 32-bit code that writes it and the 64-bit code that reads its tail.
 *
 * Specs: Intel SDM Vol. 3A 3.4.5 (segment descriptors), 3.5.1 (GDTR),
 * 5.2.1 (code-segment L bit), 10.8.5 "Initializing IA-32e Mode" (9.8.5 in
 * older editions). Design: docs/ia32-uefi.md 3.5.
 *
 * Assembly includes this file for the IA32_SW_* offsets, the selectors
 * and IA32_EFER_MSR (the struct is hidden under __ASSEMBLER__; the
 * descriptor and EFER bit values carry ULL suffixes and are for C only).
 */
#ifndef COHORT_EFI_IA32_SWITCH_H
#define COHORT_EFI_IA32_SWITCH_H

/* Byte offsets of the fields handoff_ia32.S reads. */
#define IA32_SW_GDT 0
#define IA32_SW_GDTR 34 /* the 6-byte lgdt operand: limit, then base */
#define IA32_SW_CR3 40
#define IA32_SW_EFER_SET 48
#define IA32_SW_STACK_TOP 56
#define IA32_SW_ENTRY 64
#define IA32_SW_BOOT_INFO 72
#define IA32_SW_FAR 80 /* the 6-byte ljmp operand: offset, then selector */
#define IA32_SWITCH_SIZE 88

/* Selectors into the block's GDT (index * 8, TI = 0, RPL = 0). */
#define IA32_SEL_CODE32 0x08
#define IA32_SEL_DATA 0x10
#define IA32_SEL_CODE64 0x18

/* Descriptors (SDM 3A 3.4.5): base 0, limit 4 GiB (G = 1), present, DPL 0.
 * CODE32: execute/read, D = 1. DATA: read/write, B = 1. CODE64: L = 1 and
 * D = 0 as long mode requires (SDM 3A 5.2.1). The accessed bit (40) is
 * set already: with A = 0 the CPU writes it into the GDT when a selector
 * is loaded, and the far jump to CODE64 runs on the kernel's tables,
 * which map this block read-only, with the firmware's CR0.WP set: a page
 * fault with no IDT (Linux presets A in its GDTs for the same reason). */
#define IA32_GDT_CODE32 0x00cf9b000000ffffULL
#define IA32_GDT_DATA 0x00cf93000000ffffULL
#define IA32_GDT_CODE64 0x00af9b000000ffffULL

/* IA32_EFER (MSR 0xc0000080) bits the switch sets (SDM 3A 2.2.1). */
#define IA32_EFER_MSR 0xc0000080
#define IA32_EFER_LME (1ULL << 8)
#define IA32_EFER_NXE (1ULL << 11)

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct ia32_switch {
	uint64_t gdt[4];	/* 0: null, 0x08 code32, 0x10 data, 0x18 code64 */
	uint16_t gdtr_pad;	/* 32: so gdtr_limit/base form the 6-byte operand at 34 */
	uint16_t gdtr_limit;	/* 34: sizeof(gdt) - 1 */
	uint32_t gdtr_base;	/* 36: this block's gdt[] */
	uint64_t cr3;		/* 40: PML4, below 4 GiB */
	uint64_t efer_set;	/* 48: EFER_LME | (EFER_NXE if the CPU has NX) */
	uint64_t stack_top;	/* 56: kernel boot stack, direct-map address */
	uint64_t entry;		/* 64: kernel entry (ELF e_entry) */
	uint64_t boot_info;	/* 72: boot_info, direct-map address */
	uint32_t far_offset;	/* 80: 32-bit address of the 64-bit label */
	uint16_t far_selector;	/* 84: IA32_SEL_CODE64 */
	uint16_t pad;		/* 86 */
};

_Static_assert(sizeof(struct ia32_switch) == IA32_SWITCH_SIZE,
	       "struct ia32_switch size");
_Static_assert(offsetof(struct ia32_switch, gdt) == IA32_SW_GDT,
	       "ia32_switch.gdt");
_Static_assert(offsetof(struct ia32_switch, gdtr_limit) == IA32_SW_GDTR,
	       "ia32_switch.gdtr_limit");
_Static_assert(offsetof(struct ia32_switch, gdtr_base) == IA32_SW_GDTR + 2,
	       "ia32_switch.gdtr_base");
_Static_assert(offsetof(struct ia32_switch, cr3) == IA32_SW_CR3,
	       "ia32_switch.cr3");
_Static_assert(offsetof(struct ia32_switch, efer_set) == IA32_SW_EFER_SET,
	       "ia32_switch.efer_set");
_Static_assert(offsetof(struct ia32_switch, stack_top) == IA32_SW_STACK_TOP,
	       "ia32_switch.stack_top");
_Static_assert(offsetof(struct ia32_switch, entry) == IA32_SW_ENTRY,
	       "ia32_switch.entry");
_Static_assert(offsetof(struct ia32_switch, boot_info) == IA32_SW_BOOT_INFO,
	       "ia32_switch.boot_info");
_Static_assert(offsetof(struct ia32_switch, far_offset) == IA32_SW_FAR,
	       "ia32_switch.far_offset");
_Static_assert(offsetof(struct ia32_switch, far_selector) == IA32_SW_FAR + 4,
	       "ia32_switch.far_selector");

/*
 * Fill *sw for the switch: the three descriptors, gdtr_limit 31 and
 * gdtr_base = sw_phys + offsetof(gdt) (the block's own physical address,
 * which is also its address in the firmware's identity map), cr3,
 * efer_set = EFER_LME | (nx ? EFER_NXE : 0), stack_top, entry, boot_info,
 * far_offset and far_selector IA32_SEL_CODE64; pads zero.
 * Returns 0, or -1 without writing anything when cr3 is not 4 KiB aligned,
 * or cr3 or any byte of the block [sw_phys, sw_phys + size) is at or above
 * 4 GiB (32-bit code loads CR3 and the GDT base from 32-bit values).
 */
int ia32_switch_fill(struct ia32_switch *sw, uint32_t sw_phys, uint64_t cr3,
		     int nx, uint64_t stack_top, uint64_t entry,
		     uint64_t boot_info, uint32_t far_offset);
#endif

#endif
