// SPDX-License-Identifier: MIT
/*
 * The layouts that cross between 32-bit and 64-bit code, checked under both
 * ABIs. The 32-bit loader (BOOTIA32.EFI, gcc -m32) fills struct boot_info
 * and its memory map for the 64-bit kernel, reads the firmware's
 * EFI_MEMORY_DESCRIPTORs through struct efi_mdesc, and hands
 * handoff_ia32.S a struct ia32_switch whose tail the 64-bit half reads.
 * i386 aligns uint64_t to 4 inside structs, so a missing explicit pad
 * would move every later field on one side only: these asserts pin every
 * offset either side relies on.
 *
 * Never run: tests/unit/efi/Makefile compiles it with
 * `gcc -m32 -ffreestanding -fsyntax-only` and again with -m64 (no
 * multilib needed: the freestanding headers are gcc's own). A failure is
 * a compile error naming the field.
 *
 * Specs: UEFI 2.10 7.2 (EFI_MEMORY_DESCRIPTOR); docs/ia32-uefi.md 3.2
 * (items 5 and 6), 3.5; kernel/boot_info.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "efi/handoff.h"

#define STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define OFF(type, field, at)                                              \
	STATIC_ASSERT(offsetof(struct type, field) == (at),               \
		      #type "." #field " at " #at)

/* The compile really is the width the Makefile asked for. */
#if defined(__x86_64__)
STATIC_ASSERT(sizeof(void *) == 8, "-m64 build");
#elif defined(__i386__)
STATIC_ASSERT(sizeof(void *) == 4, "-m32 build");
#else
#error "layout32.c: compile with -m32 or -m64 (x86)"
#endif

/* ---- struct boot_mmap_entry ---- */
STATIC_ASSERT(sizeof(struct boot_mmap_entry) == 24, "boot_mmap_entry size");
OFF(boot_mmap_entry, phys, 0);
OFF(boot_mmap_entry, pages, 8);
OFF(boot_mmap_entry, type, 16);
OFF(boot_mmap_entry, efi_type, 20);

/* ---- struct boot_framebuffer ---- */
STATIC_ASSERT(sizeof(struct boot_framebuffer) == 56, "boot_framebuffer size");
OFF(boot_framebuffer, phys, 0);
OFF(boot_framebuffer, size, 8);
OFF(boot_framebuffer, width, 16);
OFF(boot_framebuffer, height, 20);
OFF(boot_framebuffer, pitch_pixels, 24);
OFF(boot_framebuffer, format, 28);
OFF(boot_framebuffer, red_mask, 32);
OFF(boot_framebuffer, green_mask, 36);
OFF(boot_framebuffer, blue_mask, 40);
OFF(boot_framebuffer, reserved_mask, 44);
OFF(boot_framebuffer, bits_per_pixel, 48);
OFF(boot_framebuffer, pad, 52);

/* ---- struct boot_info (version 4) ---- */
STATIC_ASSERT(sizeof(struct boot_info) == 1248, "boot_info size");
OFF(boot_info, magic, 0);
OFF(boot_info, version, 8);
OFF(boot_info, size, 12);
OFF(boot_info, acpi_rsdp, 16);
OFF(boot_info, acpi_rsdp_revision, 24);
OFF(boot_info, pad0, 28);
OFF(boot_info, mmap, 32);
OFF(boot_info, mmap_count, 40);
OFF(boot_info, pad1, 44);
OFF(boot_info, fb, 48);
OFF(boot_info, kernel_phys, 104);
OFF(boot_info, kernel_virt, 112);
OFF(boot_info, kernel_size, 120);
OFF(boot_info, pml4, 128);
OFF(boot_info, direct_map_size, 136);
OFF(boot_info, boot_stack, 144);
OFF(boot_info, trampoline, 152);
OFF(boot_info, trampoline_source, 160);
OFF(boot_info, cmdline_source, 164);
OFF(boot_info, cmdline, 168);
OFF(boot_info, tsc_loader_entry, 1192);
OFF(boot_info, tsc_handoff, 1200);
OFF(boot_info, exit_boot_attempts, 1208);
OFF(boot_info, cmdline_notes, 1212);
OFF(boot_info, efi_system_table, 1216);
OFF(boot_info, initrd_phys, 1224);
OFF(boot_info, initrd_size, 1232);
OFF(boot_info, initrd_status, 1240);
OFF(boot_info, firmware_bits, 1244);
STATIC_ASSERT(BOOT_INFO_VERSION == 4, "this file describes boot_info v4");

/* ---- struct efi_mdesc: the firmware's EFI_MEMORY_DESCRIPTOR ---- */
STATIC_ASSERT(sizeof(struct efi_mdesc) == 40, "efi_mdesc size");
OFF(efi_mdesc, type, 0);
OFF(efi_mdesc, pad, 4);
OFF(efi_mdesc, phys, 8);
OFF(efi_mdesc, virt, 16);
OFF(efi_mdesc, pages, 24);
OFF(efi_mdesc, attr, 32);

/* ---- struct ia32_switch: what handoff_ia32.S reads ---- */
STATIC_ASSERT(sizeof(struct ia32_switch) == IA32_SWITCH_SIZE, "ia32_switch size");
STATIC_ASSERT(IA32_SWITCH_SIZE == 88, "ia32_switch size is 88");
OFF(ia32_switch, gdt, IA32_SW_GDT);
OFF(ia32_switch, gdtr_pad, 32);
OFF(ia32_switch, gdtr_limit, IA32_SW_GDTR);
OFF(ia32_switch, gdtr_base, IA32_SW_GDTR + 2);
OFF(ia32_switch, cr3, IA32_SW_CR3);
OFF(ia32_switch, efer_set, IA32_SW_EFER_SET);
OFF(ia32_switch, stack_top, IA32_SW_STACK_TOP);
OFF(ia32_switch, entry, IA32_SW_ENTRY);
OFF(ia32_switch, boot_info, IA32_SW_BOOT_INFO);
OFF(ia32_switch, far_offset, IA32_SW_FAR);
OFF(ia32_switch, far_selector, IA32_SW_FAR + 4);
OFF(ia32_switch, pad, 86);
/* The values the plan (docs/ia32-uefi.md 3.5) gives the assembly. */
STATIC_ASSERT(IA32_SW_GDTR == 34 && IA32_SW_CR3 == 40 &&
		      IA32_SW_EFER_SET == 48 && IA32_SW_STACK_TOP == 56 &&
		      IA32_SW_ENTRY == 64 && IA32_SW_BOOT_INFO == 72 &&
		      IA32_SW_FAR == 80,
	      "IA32_SW_* offsets as in the plan");
/* lgdt reads limit then base as one 6-byte operand; ljmp m16:32 reads
 * offset then selector: no gap inside either. */
STATIC_ASSERT(offsetof(struct ia32_switch, gdtr_base) ==
		      offsetof(struct ia32_switch, gdtr_limit) + 2,
	      "lgdt operand is contiguous");
STATIC_ASSERT(offsetof(struct ia32_switch, far_selector) ==
		      offsetof(struct ia32_switch, far_offset) + 4,
	      "ljmp operand is contiguous");
