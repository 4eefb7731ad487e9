/* SPDX-License-Identifier: MIT */
/*
 * The seam between the shared loader (efi/loader.c, built for both
 * BOOTX64.EFI and BOOTIA32.EFI) and the few things that differ with the
 * firmware's bitness, one file per variant (STYLE.md: no #ifdef in
 * function bodies):
 *   efi/arch_x86_64.c + efi/handoff_jump.S   64-bit firmware
 *   efi/arch_ia32.c   + efi/handoff_ia32.S   32-bit firmware, 64-bit CPU
 *                                            ("mixed mode", docs/ia32-uefi.md)
 * The second half of this header goes the other way: the loader.c
 * services the arch files use, so that they allocate and map exactly as
 * the rest of the loader does.
 *
 * Everything here runs with boot services up, except arch_enter_kernel().
 *
 * Read next: efi/loader.c (the order of work), docs/boot.md.
 */
#ifndef COHORT_EFI_ARCH_H
#define COHORT_EFI_ARCH_H

#include <efi.h>
#include <stdint.h>

/* ---- Provided by each arch file ---- */

/*
 * Refuse a firmware state the kernel cannot be handed over from (x86-64:
 * 5-level paging; the option `efi_test_la57` fakes it). Called once the
 * command line is known, before the kernel is read. Returns 0, or -1 with
 * *why set to a static sentence for the screen.
 */
int arch_check(const char *cmdline, const char **why);

/* 64 or 32: the firmware's bitness, for the loader's first line and
 * boot_info.firmware_bits. */
uint32_t arch_firmware_bits(void);

/*
 * Identity-map into the kernel's tables (pml4) everything the last
 * instructions touch once they run on those tables: the jump code, and on
 * ia32 the switch block, which this call also allocates. Called before
 * ExitBootServices (it allocates). Returns EFI_SUCCESS or the allocation's
 * error.
 */
EFI_STATUS arch_map_jump(uint64_t *pml4);

/*
 * Enter the kernel: EFER.NXE when `nx`, long mode where the firmware was
 * not in it, cr3 = pml4, rsp = stack_top, rdi = boot_info_virt, a zero
 * return address, jmp entry (docs/boot.md, "Machine state at kernel
 * entry"). Boot services are gone: no firmware call, no return.
 */
void arch_enter_kernel(uint64_t pml4, int nx, uint64_t stack_top,
		       uint64_t entry, uint64_t boot_info_virt)
	__attribute__((noreturn));

/* ---- Provided by efi/loader.c ---- */

#define PAGE_SIZE 4096ULL

/* Page-table entry bits (Intel SDM Vol. 3A table 4-19). */
#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)

/*
 * A physical address as a pointer (the loader runs identity mapped,
 * UEFI 2.10 2.3.2 / 2.3.4), or 0 if the address does not fit one: at or
 * above 4 GiB on ia32. Never truncates.
 */
void *phys_ptr(uint64_t phys);

/*
 * `pages` zeroed 4 KiB pages of `type`, below 4 GiB (AllocateMaxAddress
 * 0xffffffff on both loaders, so phys_ptr() always works on them).
 */
EFI_STATUS loader_alloc_pages(UINTN pages, EFI_MEMORY_TYPE type,
			      uint64_t *phys);

/* Map [virt, virt + size) to phys in the kernel's tables with `flags`
 * (PTE_*), 4 KiB pages; tables come from loader_alloc_pages. */
EFI_STATUS loader_map_range(uint64_t *pml4, uint64_t virt, uint64_t phys,
			    uint64_t size, uint64_t flags);

/* Identity-map the pages holding [start, end) (rounded out to pages). */
EFI_STATUS loader_map_identity(uint64_t *pml4, const void *start,
			       const void *end, uint64_t flags);

/* CPUID leaf (subleaf 0). */
void loader_cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
		  uint32_t *d);

/* Is `word` one of the space-separated words of the command line? */
int cmdline_has(const char *cmdline, const char *word);

/* After ExitBootServices only: "cohort-loader: error: <why>" on COM1
 * (written directly: no firmware is left to print through), then halt
 * with interrupts off. */
void loader_halt(const char *why) __attribute__((noreturn));

#endif
