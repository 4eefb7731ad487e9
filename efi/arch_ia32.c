// SPDX-License-Identifier: MIT
/*
 * The 32-bit firmware's side of efi/arch.h (BOOTIA32.EFI, "mixed mode"):
 * IA-32 UEFI firmware on a CPU with long mode, as on Bay Trail and Cherry
 * Trail tablets. Everything before ExitBootServices is the shared loader
 * running in the firmware's 32-bit protected mode, with the same page
 * tables, boot_info and kernel placement as the 64-bit loader; this file
 * adds the entry into long mode (efi/handoff_ia32.S) through a switch
 * block (efi/ia32_switch.h).
 *
 * What it guarantees: the switch block is one EfiLoaderData page below
 * 4 GiB (the kernel keeps it, as it keeps the page tables), allocated and
 * identity-mapped into the kernel's tables before ExitBootServices, next
 * to the identity mapping of handoff_ia32's code; the kernel drops both
 * with the rest of the lower half. After ExitBootServices nothing here
 * allocates or calls the firmware.
 *
 * Specs: Intel SDM Vol. 3A 10.8.5 "Initializing IA-32e Mode" (9.8.5 in
 * older editions); UEFI 2.10 2.3.2 (IA-32 platforms: identity mapped,
 * paging may be on). Design: docs/ia32-uefi.md 3.5.
 */
#include <efi.h>

#include "arch.h"
#include "handoff.h"

extern void handoff_ia32(struct ia32_switch *sw) __attribute__((noreturn));
extern char handoff_ia32_64[], handoff_ia32_end[];

/* The switch block: allocated by arch_map_jump, filled and used by
 * arch_enter_kernel. */
static uint64_t sw_phys;

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

/*
 * Once CR0.PG is set with our CR3, the rest of handoff_ia32 is fetched,
 * and the block (the GDT the far jump reads, the 64-bit values) is read,
 * through the kernel's tables: identity-map both. Read-only and, for the
 * block, never executed.
 */
EFI_STATUS arch_map_jump(uint64_t *pml4)
{
	uint64_t code = (uintptr_t)handoff_ia32 & ~(PAGE_SIZE - 1);
	uint64_t code_end = ((uintptr_t)handoff_ia32_end + PAGE_SIZE - 1) &
			    ~(PAGE_SIZE - 1);
	EFI_STATUS st;

	st = loader_alloc_pages(1, EfiLoaderData, &sw_phys);
	if (EFI_ERROR(st))
		return st;
	st = loader_map_range(pml4, code, code, code_end - code, PTE_P);
	if (EFI_ERROR(st))
		return st;
	return loader_map_range(pml4, sw_phys, sw_phys, PAGE_SIZE, PTE_P);
}

void arch_enter_kernel(uint64_t pml4, int nx, uint64_t stack_top,
		       uint64_t entry, uint64_t boot_info_virt)
{
	struct ia32_switch *sw = phys_ptr(sw_phys);

	/* Cannot fail for pages from loader_alloc_pages (below 4 GiB); if it
	 * ever did, boot services are gone: say so on COM1 and stop. */
	if (!sw || ia32_switch_fill(sw, (uint32_t)sw_phys, pml4, nx, stack_top,
				    entry, boot_info_virt,
				    (uint32_t)(uintptr_t)handoff_ia32_64))
		loader_halt("the mode-switch block or the page tables are "
			    "not below 4 GiB");
	handoff_ia32(sw);
}
