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
#include <efilib.h>

#include "arch.h"
#include "handoff.h"

extern void handoff_ia32(struct ia32_switch *sw) __attribute__((noreturn));
extern char handoff_ia32_64[], handoff_ia32_end[];

/* The switch block: allocated by arch_map_jump, filled and used by
 * arch_enter_kernel. */
static uint64_t sw_phys;

#define CPUID_7_ECX_LA57 (1u << 16)
#define CR4_LA57 (1u << 12)

/*
 * efi_test_ia32_la57 (docs/cmdline.md): turn CR4.LA57 on, as a firmware
 * may (outside IA-32e mode it is allowed and has no effect), so that the
 * switch's clearing of it is tested. Only on a CPU that has LA57 (QEMU
 * -cpu max); the line says which.
 */
static void test_set_la57(void)
{
	uint32_t a, b, c, d, cr4;

	loader_cpuid(0, &a, &b, &c, &d);
	if (a >= 7)
		loader_cpuid(7, &a, &b, &c, &d);
	else
		c = 0;
	if (!(c & CPUID_7_ECX_LA57)) {
		Print(L"cohort-loader: efi_test_ia32_la57: no LA57 in CPUID; "
		      L"CR4 left alone\r\n");
		return;
	}
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | CR4_LA57));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	Print(L"cohort-loader: efi_test_ia32_la57: CR4 0x%x\r\n", cr4);
}

/* 5-level paging cannot be on in 32-bit mode (CR4.LA57 only takes effect
 * in IA-32e mode, and the switch clears it before entering that), and the
 * firmware's own paging (PAE or none, docs/ia32-uefi.md 2.2) is switched
 * off by the switch itself: nothing to refuse here. The CPU check (long
 * mode and the rest) is loader.c's, shared with the 64-bit loader. */
int arch_check(const char *cmdline, const char **why)
{
	if (cmdline_has(cmdline, "efi_test_ia32_la57"))
		test_set_la57();
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
	EFI_STATUS st;

	st = loader_alloc_pages(1, EfiLoaderData, &sw_phys);
	if (EFI_ERROR(st))
		return st;
	st = loader_map_identity(pml4, (const void *)handoff_ia32,
				 handoff_ia32_end, PTE_P);
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
