/* SPDX-License-Identifier: MIT */
/*
 * What aspace.c and fault.c share: the address-space object, the user
 * page-table entry format, and the page-table walkers. Nothing outside
 * kernel/mm/ includes this.
 */
#ifndef COHORT_MM_ASPACE_INTERNAL_H
#define COHORT_MM_ASPACE_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../cpumask.h"
#include "../spinlock.h"
#include "aspace.h"
#include "pmm.h"
#include "pmm_node.h"
#include "region.h"

/* Page-table entry bits (Intel SDM Vol. 3A 4.5, table 4-19). */
#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_U (1ULL << 2)
/* Software bit (ignored by the CPU when P is clear): a page kept for a
 * PROT_NONE region. The entry still holds the page's address, so a later
 * mprotect gives the same contents back. */
#define PTE_KEPT (1ULL << 9)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

/* An entry that holds a page (mapped, or kept under PROT_NONE). */
static inline bool pte_has_page(uint64_t e)
{
	return e & (PTE_P | PTE_KEPT);
}

/* Page-fault error code bits (SDM 3A 4.7). */
#define PF_PRESENT (1ULL << 0)
#define PF_WRITE (1ULL << 1)
#define PF_USER (1ULL << 2)
#define PF_RESERVED (1ULL << 3)
#define PF_FETCH (1ULL << 4)

struct aspace {
	/* Set at creation; read-only afterwards. */
	uint64_t pml4; /* physical */
	/* Atomic: aspace_get/aspace_put. */
	atomic_int refs;
	/* The CPUs with these tables in CR3, lazily or not. Each CPU sets and
	 * clears only its own bit, with atomic read-modify-write, in
	 * aspace_switch (set before loading CR3, cleared after loading other
	 * tables) and in the last put's unload call; shootdowns read it word
	 * by word atomically. */
	struct cpumask cpus;
	/* Protects: regions, brk_start/brk_end, and every entry of the user
	 * half of the page tables (tables 0-255 of the PML4 and below).
	 * Taken with interrupts ON, never in interrupt context: it is held
	 * across TLB shootdowns, which wait for other CPUs' answers. Never
	 * held across copy_to_user/copy_from_user (they fault and take it). */
	struct spinlock lock;
	struct vm_region_set regions;
	uint64_t brk_start, brk_end;
	/* Pages held by the page tables. Written under lock, read racily. */
	uint64_t resident;
	/* The same pages by NUMA node (pmm_node_of), and the node holding
	 * most of them. Written under lock (fault, fork, unmap); `home` is
	 * read racily (relaxed) by aspace_home_hint(). */
	struct pmm_node_resident nodes;
};

/* Count one page at phys mapped (+1) or unmapped (-1) in as. as->lock
 * held (or as not yet visible to anyone: fork's child). */
static inline void aspace_node_count(struct aspace *as, uint64_t phys,
				     int delta)
{
	pmm_node_resident_add(&as->nodes, pmm_node_of(phys), delta);
}

/* NX for non-executable pages, or 0 if the CPU has no NX (then a set bit
 * would be a reserved-bit fault). Set once by aspace_cpu_init on the BSP. */
extern uint64_t aspace_pte_nx;

/* The last-level entry for user address va, allocating tables if `alloc`;
 * NULL if there is none (or no memory). as->lock held. */
uint64_t *aspace_pte(struct aspace *as, uint64_t va, bool alloc);

/* The leaf flags for a page of region r, writable only if `writable`
 * (and the region allows writes). */
uint64_t aspace_leaf_flags(const struct vm_region *r, bool writable);

/* Invalidate [va, va + len) (len 0: everything) on the CPUs that have `as`
 * loaded, waiting for them. as->lock held, interrupts on. */
void aspace_flush(struct aspace *as, uint64_t va, uint64_t len);

/* Make every CPU that still has `as` loaded (lazily: no thread uses it
 * any more) load the kernel's PML4, and wait for them (aspace_cpu.c). For
 * the last put: interrupts on, no spinlock held. */
void aspace_unload_everywhere(struct aspace *as);

/* The fault handler's body, as->lock held (fault.c). */
int aspace_fault_locked(struct aspace *as, uint64_t addr, uint64_t error);

#endif
