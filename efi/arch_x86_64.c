// SPDX-License-Identifier: MIT
/*
 * The 64-bit firmware's side of efi/arch.h (BOOTX64.EFI). The firmware
 * already runs in long mode with 4-level paging, so handing over is a cr3
 * switch (efi/handoff_jump.S); what can stop it is a firmware that left
 * 5-level paging on.
 *
 * Specs: Intel SDM Vol. 3A 4.1 (paging modes), 4.5 (4-level paging),
 * 2.2.1 (EFER).
 */
#include <efi.h>

#include "arch.h"
#include "handoff.h"

#define MSR_EFER 0xc0000080
#define EFER_NXE (1ULL << 11)

extern void handoff_jump(uint64_t cr3, uint64_t stack_top, uint64_t entry,
			 uint64_t boot_info_virt) __attribute__((noreturn));
extern char handoff_jump_end[];

static uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

/* Before the kernel is read or anything mapped: a paging mode we cannot
 * hand over from would otherwise triple-fault at the jump, with no
 * message. `efi_test_la57` pretends LA57 is on. */
int arch_check(const char *cmdline, const char **why)
{
	uint64_t cr4 = read_cr4();

	if (cmdline_has(cmdline, "efi_test_la57"))
		cr4 |= X86_CR4_LA57;
	return paging_check(cr4, why);
}

uint32_t arch_firmware_bits(void)
{
	return 64;
}

/* The jump code runs its last instructions after the cr3 switch, so it is
 * identity mapped too; the kernel removes this mapping. */
EFI_STATUS arch_map_jump(uint64_t *pml4)
{
	return loader_map_identity(pml4, (const void *)handoff_jump,
				   handoff_jump_end, PTE_P);
}

void arch_enter_kernel(uint64_t pml4, int nx, uint64_t stack_top,
		       uint64_t entry, uint64_t boot_info_virt)
{
	/* NX bits in our tables are reserved bits without EFER.NXE. */
	if (nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	handoff_jump(pml4, stack_top, entry, boot_info_virt);
}
