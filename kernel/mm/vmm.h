/* SPDX-License-Identifier: MIT */
/*
 * Kernel page-table edits (4-level paging, Intel SDM Vol. 3A 4.5). All CPUs
 * share the kernel's upper half, so a change here is seen everywhere once
 * the other CPUs' TLBs are flushed: callers that unmap or remap must call
 * tlb_shootdown() (smp/ipi.c) afterwards.
 */
#ifndef COHORT_MM_VMM_H
#define COHORT_MM_VMM_H

#include <stdint.h>

#define VMM_WRITE (1ULL << 1)
#define VMM_NX (1ULL << 63)
#define VMM_UNCACHED ((1ULL << 3) | (1ULL << 4)) /* PWT | PCD */

/* A virtual window for test and temporary mappings, away from the direct
 * map and the kernel image. */
#define VMM_SCRATCH_BASE 0xffffff0000000000ULL

/* Record the kernel's own PML4 (the one loaded now, at boot, before any
 * user address space exists). Every later walk starts there rather than at
 * CR3, which may hold a user PML4 (whose upper half is the same tables,
 * kernel/mm/aspace.c). BSP, once, before any other vmm call. */
void vmm_init(void);
/* Its physical address. */
uint64_t vmm_kernel_pml4(void);

/* Map one 4 KiB page in the kernel half (allocating tables as needed);
 * replaces an existing 4 KiB mapping. 0, or -1 if out of memory or the
 * address is covered by a large page. Does not flush other CPUs. */
int vmm_map_page(uint64_t virt, uint64_t phys, uint64_t flags);
/* Allocate every page table needed to map [virt, virt + len) with 4 KiB
 * pages, mapping nothing; the tables stay for good. 0, or -1 if out of
 * memory or part of the range is covered by a large page. */
int vmm_alloc_tables(uint64_t virt, uint64_t len);
/* Remove the 4 KiB mapping at virt and flush it from this CPU's TLB
 * only. Returns the physical page that was mapped, or -1 if none (the
 * page-table pages stay). Other CPUs: see the note at the top. */
int64_t vmm_unmap_page(uint64_t virt);
/* 1 if every byte of [phys, phys + len) is mapped in the direct map
 * (large pages included), else 0: the screen console unmaps the direct
 * map's alias of the framebuffer, so a firmware address (an ACPI table, a
 * power register) below direct_map_size may still be unmapped. No lock
 * (see vmm.c); callable on the reboot path. */
int vmm_direct_mapped(uint64_t phys, uint64_t len);
/* Physical address mapped at virt, or -1. */
int64_t vmm_translate(uint64_t virt);
/* Remove the 2 MiB page mapping virt (the loader's direct map uses them)
 * and flush it from this CPU's TLB only. 0, or -1 if virt is not mapped
 * by a 2 MiB page. Other CPUs: see the note at the top. */
int vmm_unmap_large(uint64_t virt);

#endif
