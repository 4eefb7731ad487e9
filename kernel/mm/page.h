/* SPDX-License-Identifier: MIT */
/*
 * Reference counts of the physical pages mapped into user address spaces:
 * one counter per page frame, in an array indexed by pfn and sized from
 * pmm's page count at boot. A page is shared by several page tables after
 * fork (copy-on-write, or VM_SHARED); the last page_put() frees it.
 *
 * Only user pages are counted. Page-table pages and kernel pages never
 * touch these counters (their count stays 0).
 *
 * Read next: kernel/mm/fault.c (where counts decide copy or reuse).
 */
#ifndef COHORT_MM_PAGE_H
#define COHORT_MM_PAGE_H

#include <stdint.h>

/* Allocate the counter array (BSP, once, after pmm_init). Panics if out
 * of memory: nothing of user space can work without it. */
void page_refs_init(void);

/* A zeroed page with count 1; its physical address, or 0 if none. */
uint64_t page_alloc_user(void);
/* One more reference to a counted page. */
void page_get(uint64_t phys);
/* One reference fewer; the last frees the page. */
void page_put(uint64_t phys);
/* The current count (a snapshot: another address space may change it at
 * any moment, except that a count of 1 held by the caller's page table,
 * under that address space's lock, stays 1: nobody else can add to it). */
uint32_t page_ref(uint64_t phys);

/* Pages currently counted (allocated through page_alloc_user and not yet
 * freed), for tests. */
uint64_t page_user_count(void);

#endif
