// SPDX-License-Identifier: MIT
/*
 * The 32-bit firmware's side of efi/arch.h (BOOTIA32.EFI, "mixed mode"):
 * IA-32 UEFI firmware on a CPU with long mode, as on Bay Trail and Cherry
 * Trail tablets. Everything before ExitBootServices is the shared loader
 * running in the firmware's 32-bit protected mode; this file adds the
 * entry into long mode (efi/handoff_ia32.S) through a switch block.
 *
 * Specs: Intel SDM Vol. 3A 10.8.5 "Initializing IA-32e Mode" (9.8.5 in
 * older editions); UEFI 2.10 2.3.2 (IA-32 platforms: identity mapped,
 * paging may be on). Design: docs/ia32-uefi.md 3.5.
 */
#include <efi.h>
#include <efilib.h>

#include "arch.h"
#include "handoff.h"

/* A 32-bit CPU cannot have CR4.LA57 set, and the firmware's own paging
 * (PAE or none, docs/ia32-uefi.md 2.2) is switched off by the switch
 * itself: nothing to refuse here. The CPU check (long mode and the rest)
 * is loader.c's, shared with the 64-bit loader. */
int arch_check(const char *cmdline, const char **why)
{
	(void)cmdline;
	*why = 0;
	return 0;
}

uint32_t arch_firmware_bits(void)
{
	return 32;
}

/* TODO(issue 14 step 3): the switch block and handoff_ia32.S; until then
 * the 32-bit loader stops here, before ExitBootServices, so it always
 * returns to the firmware. */
EFI_STATUS arch_map_jump(uint64_t *pml4)
{
	(void)pml4;
	Print(L"cohort-loader: mixed-mode switch not built yet\r\n");
	return EFI_UNSUPPORTED;
}

void arch_enter_kernel(uint64_t pml4, int nx, uint64_t stack_top,
		       uint64_t entry, uint64_t boot_info_virt)
{
	(void)pml4, (void)nx, (void)stack_top, (void)entry,
		(void)boot_info_virt;
	for (;;)
		__asm__ volatile("cli; hlt");
}
