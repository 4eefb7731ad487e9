/* SPDX-License-Identifier: MIT */
/*
 * Physical page allocator.
 *
 * Two layers. The core (pmm.c) is pure bookkeeping over a caller-supplied
 * bitmap and builds on the host for unit tests: it hands out only pages that
 * were added as usable and not reserved since, finds contiguous runs, and
 * rejects frees of pages it never handed out. The kernel layer
 * (pmm_boot.c) builds it from the boot memory map, reserves what must never
 * be handed out (below 1 MiB: trampoline and legacy firmware areas; the
 * bitmap itself; everything that is not BOOT_MEM_USABLE/LOADER) and wraps
 * every call in pmm_lock, so it is SMP-safe before any AP exists. With
 * NUMA (SRAT naming two nodes or more) the kernel layer then keeps one
 * pool per node over the same bitmap (pmm_node.h, docs/memory.md).
 *
 * Read next: kernel/mm/heap.h (kmalloc on top of this).
 */
#ifndef COHORT_MM_PMM_H
#define COHORT_MM_PMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct boot_info;

struct pmm {
	uint64_t *used;	  /* 1 = not available (allocated or reserved) */
	uint64_t *usable; /* 1 = was added as usable and is not reserved */
	uint64_t npages;  /* pages tracked: pfn 0 .. npages-1 */
	uint64_t free_pages;
	uint64_t usable_pages;
	uint64_t hint; /* where the next search starts */
};

/* Bytes of bitmap storage needed to track npages pages (both bitmaps). */
size_t pmm_bitmap_bytes(uint64_t npages);

/* Start with nothing available. `storage` holds pmm_bitmap_bytes(npages). */
void pmm_core_init(struct pmm *p, void *storage, uint64_t npages);
/* Make [pfn, pfn+count) available; pages past npages are ignored. */
void pmm_core_add(struct pmm *p, uint64_t pfn, uint64_t count);
/* Withdraw [pfn, pfn+count) for good, allocated or not. */
void pmm_core_reserve(struct pmm *p, uint64_t pfn, uint64_t count);
/* First run of `count` free pages; returns its pfn, or -1. */
int64_t pmm_core_alloc(struct pmm *p, uint64_t count);
/* As pmm_core_alloc, but the run must end at or below pfn `limit`. */
int64_t pmm_core_alloc_below(struct pmm *p, uint64_t count, uint64_t limit);
/* As pmm_core_alloc, first fit inside [lo, hi) (the whole run), and
 * leaving the next-fit hint alone (for the node pools, pmm_node.h). */
int64_t pmm_core_alloc_range(struct pmm *p, uint64_t count, uint64_t lo,
			     uint64_t hi);
/* Usable (added, not reserved) pages in [s, e), and free ones. */
uint64_t pmm_core_usable_in(const struct pmm *p, uint64_t s, uint64_t e);
uint64_t pmm_core_free_in(const struct pmm *p, uint64_t s, uint64_t e);
/* Return pages; -1 (and no change) if any of them is not allocated. */
int pmm_core_free(struct pmm *p, uint64_t pfn, uint64_t count);

/* ---- Filling the core from the loader's memory map (pure) ---- */

struct boot_mmap_entry;

/* 1 for the BOOT_MEM_* types the allocator may hand out: USABLE, and
 * LOADER (loader code is dead once the kernel runs). */
int pmm_type_allocatable(uint32_t type);

/*
 * Make available every allocatable entry of m[0..n), then withdraw every
 * other entry. The order matters: firmware maps can overlap (a reserved
 * descriptor inside a conventional one), and the map is not resolved
 * before it gets here, so a page any non-allocatable entry covers is never
 * handed out, whatever else claims it.
 */
void pmm_core_add_map(struct pmm *p, const struct boot_mmap_entry *m,
		      uint32_t n);

/*
 * Where the bitmap (`bytes`, page-rounded) goes: the lowest address at or
 * above `min` where it lies inside one allocatable entry, ends at or below
 * `end`, and touches no non-allocatable entry (which may overlap the
 * allocatable one). Returns the address, or 0 if there is none.
 */
uint64_t pmm_place_bitmap(const struct boot_mmap_entry *m, uint32_t n,
			  uint64_t bytes, uint64_t min, uint64_t end);

/* ---- Kernel interface (pmm_boot.c) ---- */

void pmm_init(const struct boot_info *bi);
/* `count` contiguous zeroed pages; returns the physical address or 0. */
uint64_t pmm_alloc_pages(uint64_t count);
/* As pmm_alloc_pages, below physical address `limit` (e.g. 4 GiB for a
 * page a 32-bit `mov cr3` must reach). */
uint64_t pmm_alloc_pages_below(uint64_t count, uint64_t limit);
/* Panics on a page that was not allocated: that is kernel corruption. */
void pmm_free_pages(uint64_t phys, uint64_t count);
uint64_t pmm_free_count(void);
/* Pages the allocator manages (free or handed out). */
uint64_t pmm_total_count(void);
/* Pages tracked (pfn 0 .. n-1): every page pmm can hand out is below it.
 * Fixed after pmm_init. */
uint64_t pmm_page_count(void);
/* Log every memory map entry (the `memmap` boot option). */
void pmm_print_map(const struct boot_info *bi);

/* ---- NUMA node pools (pmm_boot.c over pmm_node.h) ----
 *
 * pmm_numa_init(): once, on the BSP, after topology_boot_summary(). With
 * SRAT naming two nodes or more it splits the free pages by SRAT memory
 * range into one pool per node and logs
 *   mem: 2 nodes, MiB free: 0:248 1:256 (3 ranges)
 * From then on pmm_alloc_pages() takes from the calling CPU's node first,
 * then the other nodes nearest first (SLIT distance); a free returns the
 * pages to their own node. pmm_alloc_pages_below() is not node-aware.
 * Otherwise (no SRAT, one node, no topology) nothing changes and nothing
 * is logged. Any CPU may allocate during the call. */
void pmm_numa_init(void);
/* Nodes of the pools: 1 before pmm_numa_init or without NUMA. */
int pmm_node_count(void);
/* The node of physical page phys (0 without NUMA). Lock-free, O(log
 * SRAT ranges); any context. */
int pmm_node_of(uint64_t phys);
struct pmm_node_stat {
	uint64_t free, total; /* pages */
	/* Allocations by CPUs of this node, served by it / by another. */
	uint64_t local, remote;
};
/* A consistent snapshot of one node; false if node is not a node. */
bool pmm_node_stats(int node, struct pmm_node_stat *out);
/* One line per node, `prefix` first ("mem: ", "report: memory: "):
 *   node 1: 250 MiB free of 256 MiB, allocations 1234 local, 5 remote
 * Nothing with one node. */
void pmm_log_nodes(const char *prefix);

#endif
