// SPDX-License-Identifier: MIT
/*
 * Per-page reference counts (page.h). One 32-bit atomic per page frame:
 * 4 bytes per 4 KiB page, 0.1% of memory, allocated in one contiguous
 * run from pmm at boot. Counts change with atomic read-modify-write, so
 * two address spaces (parent and child after fork) need no common lock.
 */
#include "page.h"

#include <stdatomic.h>

#include "../panic.h"
#include "layout.h"
#include "pmm.h"

/* Written once by page_refs_init (BSP, before any other CPU runs), read
 * by all afterwards. The counters themselves are atomic. */
static _Atomic uint32_t *refs;
static uint64_t npages;
static atomic_ulong user_pages;

void page_refs_init(void)
{
	npages = pmm_page_count();
	uint64_t bytes = npages * sizeof(*refs);
	uint64_t pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t phys = pmm_alloc_pages(pages ? pages : 1);
	if (!phys)
		panic("mm: no memory for %lu page reference counts", npages);
	refs = phys_to_virt(phys); /* zeroed by pmm */
}

static _Atomic uint32_t *counter(uint64_t phys)
{
	uint64_t pfn = phys >> PAGE_SHIFT;
	ASSERT(pfn < npages);
	return &refs[pfn];
}

uint64_t page_alloc_user(void)
{
	uint64_t phys = pmm_alloc_pages(1);
	if (!phys)
		return 0;
	atomic_store_explicit(counter(phys), 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&user_pages, 1, memory_order_relaxed);
	return phys;
}

void page_get(uint64_t phys)
{
	uint32_t old = atomic_fetch_add_explicit(counter(phys), 1,
						 memory_order_relaxed);
	ASSERT(old > 0);
}

void page_put(uint64_t phys)
{
	/* Release: our writes to the page happen before whoever frees it
	 * (or reuses it at count 1) sees the decrement. */
	uint32_t old = atomic_fetch_sub_explicit(counter(phys), 1,
						 memory_order_acq_rel);
	ASSERT(old > 0);
	if (old == 1) {
		atomic_fetch_sub_explicit(&user_pages, 1, memory_order_relaxed);
		pmm_free_pages(phys, 1);
	}
}

uint32_t page_ref(uint64_t phys)
{
	return atomic_load_explicit(counter(phys), memory_order_acquire);
}

uint64_t page_user_count(void)
{
	return atomic_load_explicit(&user_pages, memory_order_relaxed);
}
