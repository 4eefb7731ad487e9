// SPDX-License-Identifier: MIT
/*
 * The loader's direct map (efi/handoff.c): dmap_size decides how much of
 * physical memory it covers, pt_map_range (the loader's own page-table
 * builder) builds it. Issue 12: a framebuffer in a high 64-bit BAR must
 * not size the direct map. Near 128 TiB, 2 MiB entries of a direct map
 * that reached it would land on the kernel image's mapping at
 * 0xffffffff80000000 (DIRECT_MAP_BASE + 128 TiB - 2 GiB), and at any
 * high address its page tables cost 4 KiB per GiB.
 * Page tables are built in host memory: a "physical address" here is a
 * host pointer (4 KiB aligned, below 2^47, so it fits a PTE).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "efi/handoff.h"

#define GIB (1ULL << 30)
#define TIB (1ULL << 40)

/* At most `cap` table pages; all freed by pool_free. */
struct pool {
	void *pages[4096];
	int used, cap;
};

static uint64_t pool_alloc(void *ctx)
{
	struct pool *p = ctx;
	if (p->used >= p->cap)
		return 0;
	void *pg = aligned_alloc(4096, 4096);
	memset(pg, 0, 4096);
	p->pages[p->used++] = pg;
	return (uint64_t)(uintptr_t)pg;
}

static void pool_free(struct pool *p)
{
	for (int i = 0; i < p->used; i++)
		free(p->pages[i]);
}

/* Physical address `virt` translates to, or ~0 if unmapped. */
static uint64_t walk(const uint64_t *pml4, uint64_t virt)
{
	const uint64_t *t = pml4;
	for (int shift = 39; shift >= 12; shift -= 9) {
		uint64_t e = t[(virt >> shift) & 511];
		if (!(e & PT_P))
			return ~0ULL;
		if (shift == 12 || (shift == 21 && (e & PT_PS)))
			return (e & PT_ADDR & ~((1ULL << shift) - 1)) |
			       (virt & ((1ULL << shift) - 1));
		t = (const uint64_t *)(uintptr_t)(e & PT_ADDR);
	}
	return ~0ULL;
}

/* A descriptor as firmware writes one for RAM: write-back capable. */
static struct efi_mdesc desc(uint32_t type, uint64_t phys, uint64_t bytes)
{
	return (struct efi_mdesc){ .type = type, .phys = phys,
				   .pages = bytes / 4096,
				   .attr = EFI_MEMATTR_WB };
}

/* A PC with 2 GiB of RAM (and a hole below 1 MiB), firmware MMIO below
 * 4 GiB, and its framebuffer BAR at fb_phys. */
static uint64_t pc_dmap_size(uint64_t fb_phys, uint64_t fb_size)
{
	struct efi_mdesc map[] = {
		desc(EFI_MT_CONVENTIONAL, 0x1000, 0x9e000),
		desc(EFI_MT_CONVENTIONAL, 0x100000, 2 * GIB - 0x100000),
		desc(EFI_MT_ACPI_NVS, 2 * GIB, 0x100000),
		desc(EFI_MT_MMIO, 0xfec00000, 0x1000),
		desc(EFI_MT_MMIO, 0xfee00000, 0x1000),
		/* Some firmware lists the BAR as MMIO, some not at all. */
		desc(EFI_MT_MMIO, fb_phys, fb_size),
	};
	return dmap_size(map, sizeof(map), sizeof(map[0]));
}

static void test_direct_map_sized_by_ram_not_by_a_high_framebuffer(void **state)
{
	(void)state;
	assert_int_equal(pc_dmap_size(0x80000000, 16 << 20), 4 * GIB);
	/* 56 TiB, and just below 128 TiB. */
	assert_int_equal(pc_dmap_size(56 * TIB, 256 << 20), 4 * GIB);
	assert_int_equal(pc_dmap_size(128 * TIB - GIB, 256 << 20), 4 * GIB);
}

static void test_direct_map_covers_high_ram(void **state)
{
	(void)state;
	struct efi_mdesc map[] = {
		desc(EFI_MT_CONVENTIONAL, 0x100000, 2 * GIB),
		desc(EFI_MT_BS_DATA, 4 * GIB, 3 * GIB + 0x1000),
		desc(EFI_MT_RESERVED, 100 * GIB, GIB),
	};
	assert_int_equal(dmap_size(map, sizeof(map), sizeof(map[0])), 8 * GIB);
	/* A bad stride is not read. */
	assert_int_equal(dmap_size(map, sizeof(map), 8), 4 * GIB);
	/* Garbage past what 4-level paging leaves for the direct map, or
	 * wrapping around: capped, not followed. */
	struct efi_mdesc bad[] = {
		desc(EFI_MT_CONVENTIONAL, 0x100000, GIB),
		{ .type = EFI_MT_CONVENTIONAL, .phys = 1ULL << 51,
		  .pages = 1ULL << 40, .attr = EFI_MEMATTR_WB },
		{ .type = EFI_MT_BS_DATA, .phys = 8 * GIB, .pages = ~0ULL / 2,
		  .attr = EFI_MEMATTR_WB },
	};
	assert_int_equal(dmap_size(bad, sizeof(bad), sizeof(bad[0])), DMAP_MAX);
}

/* Memory the boot map reserves (efi_desc_to_boot) is not RAM the kernel
 * uses: specific-purpose memory (CXL, HBM set aside for a driver, often
 * at high addresses) must not size the direct map, and RAM that cannot
 * be cached write-back must not get a write-back mapping. */
static void test_direct_map_ignores_memory_the_map_reserves(void **state)
{
	(void)state;
	struct efi_mdesc map[] = {
		desc(EFI_MT_CONVENTIONAL, 0x100000, 2 * GIB),
		{ .type = EFI_MT_CONVENTIONAL, .phys = 64 * TIB,
		  .pages = 16 * GIB / 4096,
		  .attr = EFI_MEMATTR_WB | EFI_MEMATTR_SP },
		{ .type = EFI_MT_CONVENTIONAL, .phys = 16 * GIB,
		  .pages = GIB / 4096, .attr = 0 },
	};
	assert_int_equal(dmap_size(map, sizeof(map), sizeof(map[0])), 4 * GIB);
	/* The same ranges as plain write-back RAM do count. */
	map[1].attr = EFI_MEMATTR_WB;
	assert_int_equal(dmap_size(map, sizeof(map), sizeof(map[0])),
			 64 * TIB + 16 * GIB);
}

/*
 * What the loader does, in its order: the kernel image at its link
 * address with 4 KiB pages, then the direct map with 2 MiB pages. The
 * image must still translate to its pages afterwards, and the direct map
 * must need only a handful of tables. The direct map is built from its
 * highest GiB down to where the image would be overwritten (the loop maps
 * each 2 MiB step independently, so its end behaves exactly as the whole
 * loop's end), with a table budget the full build needs a few of.
 */
static void test_high_framebuffer_leaves_kernel_mapping_alone(void **state)
{
	(void)state;
	struct pool pool = { .cap = 64 };
	uint64_t *pml4 = (uint64_t *)(uintptr_t)pool_alloc(&pool);
	const uint64_t kphys = 0x3e000000, ksize = 4 << 20;

	assert_int_equal(pt_map_range(pml4, KERNEL_VIRT_BASE, kphys, ksize,
				      PT_P | PT_W, 0, pool_alloc, &pool), 0);
	assert_int_equal(walk(pml4, KERNEL_VIRT_BASE + 0x1234), kphys + 0x1234);

	uint64_t size = pc_dmap_size(128 * TIB - 2 * GIB + (64 << 20), 16 << 20);
	uint64_t from = size > 8 * GIB ? size - 4 * GIB : 0;
	assert_int_equal(pt_map_range(pml4, DIRECT_MAP_BASE + from, from,
				      size - from, PT_P | PT_W | PT_NX, 1,
				      pool_alloc, &pool), 0);
	assert_int_equal(walk(pml4, KERNEL_VIRT_BASE + 0x1234), kphys + 0x1234);
	assert_int_equal(walk(pml4, KERNEL_VIRT_BASE + ksize - 1),
			 kphys + ksize - 1);
	/* The direct map still works where RAM is. */
	assert_int_equal(walk(pml4, DIRECT_MAP_BASE + 0x200000 + 8),
			 from <= 0x200000 ? 0x200008 : ~0ULL);
	pool_free(&pool);
}

static void test_map_range_stops_cleanly_without_memory(void **state)
{
	(void)state;
	struct pool pool = { .cap = 3 }; /* PML4, PDPT, PD: no PT */
	uint64_t *pml4 = (uint64_t *)(uintptr_t)pool_alloc(&pool);
	assert_int_equal(pt_map_range(pml4, KERNEL_VIRT_BASE, 0x1000000, 4096,
				      PT_P, 0, pool_alloc, &pool), -1);
	assert_int_equal(walk(pml4, KERNEL_VIRT_BASE), ~0ULL);
	pool_free(&pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direct_map_sized_by_ram_not_by_a_high_framebuffer),
		cmocka_unit_test(test_direct_map_covers_high_ram),
		cmocka_unit_test(test_direct_map_ignores_memory_the_map_reserves),
		cmocka_unit_test(test_high_framebuffer_leaves_kernel_mapping_alone),
		cmocka_unit_test(test_map_range_stops_cleanly_without_memory),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
