// SPDX-License-Identifier: MIT
/*
 * The kernel's physical allocator: pmm.c's core, filled from the boot
 * memory map and guarded by pmm_lock.
 */
#include "pmm.h"

#include "../boot_info.h"
#include "../lib/string.h"
#include "../log.h"
#include "../panic.h"
#include "../spinlock.h"
#include "layout.h"

/* Below 1 MiB: the AP trampoline, the real-mode IVT/BDA/EBDA and option
 * ROM areas. Little memory, many firmware surprises: never hand it out. */
#define LOW_RESERVED_END 0x100000ULL

/* Protects: pmm (both bitmaps and the counters). Leaf lock. */
static struct spinlock pmm_lock = SPINLOCK_INIT("pmm");
static struct pmm pmm;

static const char *const type_names[] = {
	[BOOT_MEM_USABLE] = "usable",	    [BOOT_MEM_RESERVED] = "reserved",
	[BOOT_MEM_ACPI_RECLAIM] = "acpi",    [BOOT_MEM_ACPI_NVS] = "acpi-nvs",
	[BOOT_MEM_MMIO] = "mmio",	    [BOOT_MEM_KERNEL] = "kernel",
	[BOOT_MEM_LOADER] = "loader",	    [BOOT_MEM_RUNTIME] = "efi-runtime",
	[BOOT_MEM_BAD] = "bad",		    [BOOT_MEM_PERSISTENT] = "persistent",
};

void pmm_print_map(const struct boot_info *bi)
{
	const struct boot_mmap_entry *m = phys_to_virt(bi->mmap);
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		uint32_t t = m[i].type;
		kprintf("mem:   %016lx-%016lx %-11s (efi type %u)", m[i].phys,
			m[i].phys + m[i].pages * PAGE_SIZE - 1,
			t < sizeof(type_names) / sizeof(type_names[0]) &&
					type_names[t] ?
				type_names[t] :
				"?",
			m[i].efi_type);
	}
}

void pmm_init(const struct boot_info *bi)
{
	const struct boot_mmap_entry *m = phys_to_virt(bi->mmap);
	uint64_t end = 0, total = 0;

	if (bi->mmap_count == 0)
		panic("mem: the loader passed an empty memory map");
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		uint64_t e = m[i].phys + m[i].pages * PAGE_SIZE;
		if (m[i].type != BOOT_MEM_MMIO && m[i].type != BOOT_MEM_RESERVED)
			total += m[i].pages * PAGE_SIZE;
		if (pmm_type_allocatable(m[i].type) && e > end)
			end = e;
	}
	/* Only the direct map can reach a page: anything above is ignored. */
	if (end > bi->direct_map_size)
		end = bi->direct_map_size;
	uint64_t npages = end / PAGE_SIZE;
	size_t bytes = pmm_bitmap_bytes(npages);
	uint64_t bitmap_pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;

	/* The bitmap goes in the first usable run above 1 MiB that fits. */
	uint64_t bitmap = pmm_place_bitmap(m, bi->mmap_count, bytes,
					   LOW_RESERVED_END, end);
	if (!bitmap)
		panic("mem: no room for a %lu KiB page bitmap", bytes / 1024);

	pmm_core_init(&pmm, phys_to_virt(bitmap), npages);
	pmm_core_add_map(&pmm, m, bi->mmap_count);
	pmm_core_reserve(&pmm, 0, LOW_RESERVED_END / PAGE_SIZE);
	if (bi->trampoline)
		pmm_core_reserve(&pmm, bi->trampoline / PAGE_SIZE, 1);
	pmm_core_reserve(&pmm, bitmap / PAGE_SIZE, bitmap_pages);

	kprintf("mem: %lu MiB RAM, %lu MiB usable, %lu MiB free "
		"(bitmap %lu KiB at %#lx, %u map entries)",
		total >> 20, (pmm.usable_pages * PAGE_SIZE) >> 20,
		(pmm.free_pages * PAGE_SIZE) >> 20, bytes / 1024, bitmap,
		bi->mmap_count);
}

/* Both allocation calls: `limit` is a pfn bound, or 0 for none. */
static uint64_t alloc(uint64_t count, uint64_t limit_pfn)
{
	uint64_t f = spin_lock_irqsave(&pmm_lock);
	int64_t pfn = limit_pfn ? pmm_core_alloc_below(&pmm, count, limit_pfn) :
				  pmm_core_alloc(&pmm, count);
	spin_unlock_irqrestore(&pmm_lock, f);
	if (pfn < 0)
		return 0;
	uint64_t phys = (uint64_t)pfn * PAGE_SIZE;
	memset(phys_to_virt(phys), 0, count * PAGE_SIZE);
	return phys;
}

uint64_t pmm_alloc_pages(uint64_t count)
{
	return alloc(count, 0);
}

uint64_t pmm_alloc_pages_below(uint64_t count, uint64_t limit)
{
	return limit / PAGE_SIZE ? alloc(count, limit / PAGE_SIZE) : 0;
}

void pmm_free_pages(uint64_t phys, uint64_t count)
{
	uint64_t f = spin_lock_irqsave(&pmm_lock);
	int r = (phys % PAGE_SIZE) ? -1 :
				     pmm_core_free(&pmm, phys / PAGE_SIZE, count);
	spin_unlock_irqrestore(&pmm_lock, f);
	if (r)
		panic("pmm: free of %lu page(s) at %#lx that were not allocated",
		      count, phys);
}

uint64_t pmm_total_count(void)
{
	uint64_t f = spin_lock_irqsave(&pmm_lock);
	uint64_t n = pmm.usable_pages;
	spin_unlock_irqrestore(&pmm_lock, f);
	return n;
}

uint64_t pmm_free_count(void)
{
	uint64_t f = spin_lock_irqsave(&pmm_lock);
	uint64_t n = pmm.free_pages;
	spin_unlock_irqrestore(&pmm_lock, f);
	return n;
}

uint64_t pmm_page_count(void)
{
	return pmm.npages; /* set once in pmm_init, before any other CPU runs */
}
