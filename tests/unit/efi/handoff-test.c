// SPDX-License-Identifier: MIT
/*
 * efi/handoff.c, the loader's pure decisions:
 *   efi_type_to_boot   every EFI memory type 0..15 and OEM/OS types;
 *   mmap_reduce        sorting, merging, firmware strides, limits;
 *   tramp_pick         the AP trampoline page below 1 MiB (explicit cases
 *                      and a randomized comparison with a brute force);
 *   cmdline_from_load_options  UCS-2 LoadOptions: plain, UEFI shell form,
 *                      binary OptionalData, odd/unterminated buffers;
 *   cmdline_from_file  CMDLINE.TXT: comments, CRLF, tabs, joining, NUL;
 *                      words past the limit dropped whole (never cut),
 *                      UTF-8 BOM, UTF-16 (both orders, with and without a
 *                      BOM), non-ASCII refused with its position;
 *   efi_desc_to_boot   EFI_MEMORY_SP and non-write-back RAM are reserved,
 *                      and mmap_reduce does not merge them into RAM;
 *   paging_check       CR4.LA57 is refused with a reason;
 *   gop_pick, gop_bitmask_bpp  the console's GOP first; bits per pixel;
 *   ebs_run            against a mock of the boot services that fails the
 *                      test if anything but GetMemoryMap/ExitBootServices
 *                      is called after the first ExitBootServices.
 * Inputs and outputs live in heap blocks of exactly their size so ASan
 * catches any access past them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "efi/handoff.h"

#define PAGE 4096ULL

/* ---- efi_type_to_boot ---- */

static void test_every_efi_type_maps_to_its_boot_type(void **state)
{
	(void)state;
	static const uint32_t want[16] = {
		[EFI_MT_RESERVED] = BOOT_MEM_RESERVED,
		[EFI_MT_LOADER_CODE] = BOOT_MEM_LOADER,
		[EFI_MT_LOADER_DATA] = BOOT_MEM_KERNEL,
		[EFI_MT_BS_CODE] = BOOT_MEM_USABLE,
		[EFI_MT_BS_DATA] = BOOT_MEM_USABLE,
		[EFI_MT_RT_CODE] = BOOT_MEM_RUNTIME,
		[EFI_MT_RT_DATA] = BOOT_MEM_RUNTIME,
		[EFI_MT_CONVENTIONAL] = BOOT_MEM_USABLE,
		[EFI_MT_UNUSABLE] = BOOT_MEM_BAD,
		[EFI_MT_ACPI_RECLAIM] = BOOT_MEM_ACPI_RECLAIM,
		[EFI_MT_ACPI_NVS] = BOOT_MEM_ACPI_NVS,
		[EFI_MT_MMIO] = BOOT_MEM_MMIO,
		[EFI_MT_MMIO_PORT] = BOOT_MEM_MMIO,
		[EFI_MT_PAL_CODE] = BOOT_MEM_RESERVED,
		[EFI_MT_PERSISTENT] = BOOT_MEM_PERSISTENT,
		[EFI_MT_UNACCEPTED] = BOOT_MEM_RESERVED,
	};
	for (uint32_t t = 0; t < 16; t++) {
		if (efi_type_to_boot(t) != want[t])
			fprintf(stderr, "EFI type %u -> %u, want %u\n", t,
				efi_type_to_boot(t), want[t]);
		assert_int_equal(efi_type_to_boot(t), want[t]);
	}
}

static void test_oem_os_and_unknown_types_are_reserved(void **state)
{
	(void)state;
	const uint32_t types[] = { 16, 0x7fffffff, 0x70000000 /* OS */,
				   0x80000000 /* OEM */, 0xffffffff };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		assert_int_equal(efi_type_to_boot(types[i]), BOOT_MEM_RESERVED);
}

/* ---- mmap_reduce ---- */

struct d {
	uint32_t type;
	uint64_t phys, pages;
};

/* A firmware map of n descriptors with the given stride, in a block of
 * exactly n * stride bytes; bytes past struct efi_mdesc are junk. */
static void *fw_map(const struct d *in, size_t n, size_t stride)
{
	uint8_t *map = malloc(n * stride + 1);
	assert_non_null(map);
	memset(map, 0xee, n * stride + 1);
	for (size_t i = 0; i < n; i++) {
		struct efi_mdesc m = {
			.type = in[i].type,
			.phys = in[i].phys,
			.virt = 0,
			.pages = in[i].pages,
			.attr = 0xf,
		};
		memcpy(map + i * stride, &m, sizeof(m));
	}
	return map;
}

static struct boot_mmap_entry *out;

/* mmap_reduce over in[] into an out[] of exactly max entries. */
static int reduce(const struct d *in, size_t n, size_t stride, int max)
{
	void *map = fw_map(in, n, stride);
	free(out);
	out = malloc(sizeof(*out) * (size_t)(max ? max : 1));
	assert_non_null(out);
	int r = mmap_reduce(map, n * stride, stride, out, max);
	free(map);
	return r;
}

static void expect_entry(int i, uint64_t phys, uint64_t pages,
			 uint32_t efi_type)
{
	if (out[i].phys != phys || out[i].pages != pages ||
	    out[i].efi_type != efi_type)
		fprintf(stderr,
			"entry %d: %#llx +%llu type %u, want %#llx +%llu type %u\n",
			i, (unsigned long long)out[i].phys,
			(unsigned long long)out[i].pages, out[i].efi_type,
			(unsigned long long)phys, (unsigned long long)pages,
			efi_type);
	assert_int_equal(out[i].phys, phys);
	assert_int_equal(out[i].pages, pages);
	assert_int_equal(out[i].efi_type, efi_type);
	assert_int_equal(out[i].type, efi_type_to_boot(efi_type));
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int teardown_out(void **state)
{
	(void)state;
	free(out);
	out = NULL;
	return 0;
}

static void test_mmap_sorted_input_is_copied(void **state)
{
	(void)state;
	const struct d in[] = {
		{ EFI_MT_BS_CODE, 0x0, 1 },
		{ EFI_MT_CONVENTIONAL, 0x1000, 0x9e },
		{ EFI_MT_RESERVED, 0xa0000, 0x60 },
		{ EFI_MT_LOADER_DATA, 0x100000, 0x300 },
		{ EFI_MT_ACPI_NVS, 0x7f000000, 0x10 },
		{ EFI_MT_MMIO, 0xfec00000, 1 },
	};

	assert_int_equal(reduce(in, N(in), sizeof(struct efi_mdesc), 16), 6);
	for (int i = 0; i < 6; i++)
		expect_entry(i, in[i].phys, in[i].pages, in[i].type);
}

static void test_mmap_unsorted_input_is_sorted(void **state)
{
	(void)state;
	const struct d in[] = {
		{ EFI_MT_MMIO, 0xfec00000, 1 },
		{ EFI_MT_CONVENTIONAL, 0x100000, 0x100 },
		{ EFI_MT_RESERVED, 0xa0000, 0x60 },
		{ EFI_MT_ACPI_RECLAIM, 0x7f000000, 4 },
		{ EFI_MT_BS_DATA, 0x2000, 2 },
	};

	assert_int_equal(reduce(in, N(in), sizeof(struct efi_mdesc), 16), 5);
	expect_entry(0, 0x2000, 2, EFI_MT_BS_DATA);
	expect_entry(1, 0xa0000, 0x60, EFI_MT_RESERVED);
	expect_entry(2, 0x100000, 0x100, EFI_MT_CONVENTIONAL);
	expect_entry(3, 0x7f000000, 4, EFI_MT_ACPI_RECLAIM);
	expect_entry(4, 0xfec00000, 1, EFI_MT_MMIO);
}

static void test_mmap_adjacent_same_type_entries_merge(void **state)
{
	(void)state;
	/* Three touching pieces, out of order, plus a neighbour. */
	const struct d in[] = {
		{ EFI_MT_CONVENTIONAL, 0x103000, 5 },
		{ EFI_MT_CONVENTIONAL, 0x100000, 1 },
		{ EFI_MT_RESERVED, 0x108000, 1 },
		{ EFI_MT_CONVENTIONAL, 0x101000, 2 },
	};

	assert_int_equal(reduce(in, N(in), sizeof(struct efi_mdesc), 16), 2);
	expect_entry(0, 0x100000, 8, EFI_MT_CONVENTIONAL);
	expect_entry(1, 0x108000, 1, EFI_MT_RESERVED);
}

static void test_mmap_does_not_merge_across_a_gap(void **state)
{
	(void)state;
	const struct d in[] = {
		{ EFI_MT_CONVENTIONAL, 0x100000, 1 },
		{ EFI_MT_CONVENTIONAL, 0x102000, 1 }, /* one page hole */
	};

	assert_int_equal(reduce(in, N(in), sizeof(struct efi_mdesc), 16), 2);
	expect_entry(0, 0x100000, 1, EFI_MT_CONVENTIONAL);
	expect_entry(1, 0x102000, 1, EFI_MT_CONVENTIONAL);
}

static void test_mmap_does_not_merge_different_efi_types(void **state)
{
	(void)state;
	/* All three reduce to BOOT_MEM_USABLE, but the EFI types differ and
	 * there is room to keep them apart. */
	const struct d in[] = {
		{ EFI_MT_CONVENTIONAL, 0x100000, 1 },
		{ EFI_MT_BS_CODE, 0x101000, 1 },
		{ EFI_MT_BS_DATA, 0x102000, 1 },
		{ EFI_MT_RT_CODE, 0x103000, 1 },
		{ EFI_MT_RT_DATA, 0x104000, 1 },
	};

	assert_int_equal(reduce(in, N(in), sizeof(struct efi_mdesc), 16), 5);
	for (int i = 0; i < 5; i++)
		expect_entry(i, in[i].phys, 1, in[i].type);
}

static void test_mmap_honours_a_larger_firmware_stride(void **state)
{
	(void)state;
	const struct d in[] = {
		{ EFI_MT_CONVENTIONAL, 0x200000, 4 },
		{ EFI_MT_LOADER_CODE, 0x100000, 2 },
		{ EFI_MT_CONVENTIONAL, 0x204000, 4 },
	};
	const size_t strides[] = { sizeof(struct efi_mdesc), 48, 56, 64, 4096 };

	for (size_t s = 0; s < N(strides); s++) {
		assert_int_equal(reduce(in, N(in), strides[s], 4), 2);
		expect_entry(0, 0x100000, 2, EFI_MT_LOADER_CODE);
		expect_entry(1, 0x200000, 8, EFI_MT_CONVENTIONAL);
	}
}

static void test_mmap_ignores_a_partial_trailing_descriptor(void **state)
{
	(void)state;
	const struct d in[] = {
		{ EFI_MT_CONVENTIONAL, 0x100000, 4 },
		{ EFI_MT_RESERVED, 0x200000, 4 },
	};
	void *map = fw_map(in, N(in), 48);
	struct boot_mmap_entry o[4];

	/* One byte short of the second descriptor. */
	assert_int_equal(mmap_reduce(map, 2 * 48 - 1, 48, o, 4), 1);
	assert_int_equal(o[0].phys, 0x100000);
	assert_int_equal(mmap_reduce(map, 0, 48, o, 4), 0);
	free(map);
}

static void test_mmap_too_small_stride_is_rejected(void **state)
{
	(void)state;
	const struct d in[] = { { EFI_MT_CONVENTIONAL, 0x100000, 4 } };
	const size_t strides[] = { 0, 1, 8, sizeof(struct efi_mdesc) - 1 };

	for (size_t s = 0; s < N(strides); s++) {
		void *map = fw_map(in, 1, sizeof(struct efi_mdesc));
		struct boot_mmap_entry o[4];
		assert_int_equal(mmap_reduce(map, sizeof(struct efi_mdesc),
					     strides[s], o, 4),
				 -1);
		free(map);
	}
}

static void test_mmap_zero_page_descriptors_are_skipped(void **state)
{
	(void)state;
	const struct d in[] = {
		{ EFI_MT_RESERVED, 0x0, 0 },
		{ EFI_MT_CONVENTIONAL, 0x100000, 1 },
		{ EFI_MT_MMIO, 0x100800, 0 }, /* between two mergeable ones */
		{ EFI_MT_CONVENTIONAL, 0x101000, 1 },
		{ EFI_MT_MMIO, 0xfee00000, 0 },
	};

	assert_int_equal(reduce(in, N(in), sizeof(struct efi_mdesc), 16), 1);
	expect_entry(0, 0x100000, 2, EFI_MT_CONVENTIONAL);

	/* Empty descriptors take no slot. */
	const struct d in2[] = {
		{ EFI_MT_RESERVED, 0x0, 0 },
		{ EFI_MT_CONVENTIONAL, 0x100000, 1 },
		{ EFI_MT_MMIO, 0x100800, 0 },
		{ EFI_MT_RESERVED, 0x200000, 1 },
		{ EFI_MT_MMIO, 0xfee00000, 0 },
	};
	assert_int_equal(reduce(in2, N(in2), sizeof(struct efi_mdesc), 2), 2);
	expect_entry(0, 0x100000, 1, EFI_MT_CONVENTIONAL);
	expect_entry(1, 0x200000, 1, EFI_MT_RESERVED);
}

/* A descriptor whose end lies past 2^64 is not memory anyone has: with
 * it, merging wrapped the page count (found by handoff_fuzz: two touching
 * conventional entries, the second of 2^52 pages, reduced to 0 pages). */
static void test_mmap_descriptor_past_the_address_space_is_skipped(void **state)
{
	(void)state;
	const struct d in[] = {
		{ EFI_MT_CONVENTIONAL, 0x100000, 1 },
		{ EFI_MT_CONVENTIONAL, 0x101000, 1ULL << 52 },
		{ EFI_MT_CONVENTIONAL, 0xfffffffffffff000ULL, 2 },
		{ EFI_MT_RESERVED, 0xfffffffffffff000ULL, 1 }, /* the last page: fine */
	};

	assert_int_equal(reduce(in, N(in), sizeof(struct efi_mdesc), 16), 2);
	expect_entry(0, 0x100000, 1, EFI_MT_CONVENTIONAL);
	expect_entry(1, 0xfffffffffffff000ULL, 1, EFI_MT_RESERVED);
}

/* Regression (was a bug): a descriptor ending exactly at 2^64 is kept
 * (its end does not pass 2^64), but its end then computes as 0, so it
 * "touched" a descriptor at address 0 and took its pages: one entry
 * claiming [0, 2^64 + 4096). Two entries both at 0 overlap; neither may
 * grow past the address space. */
static void test_mmap_entry_ending_at_2_64_touches_nothing(void **state)
{
	(void)state;
	const struct d in[] = {
		{ EFI_MT_CONVENTIONAL, 0, 1ULL << 52 }, /* all of it */
		{ EFI_MT_CONVENTIONAL, 0, 1 },
	};

	assert_int_equal(reduce(in, N(in), sizeof(struct efi_mdesc), 16), 2);
	for (int i = 0; i < 2; i++)
		assert_true(out[i].pages <= (1ULL << 52) - out[i].phys / 4096);
}

/* Regression (was a bug): the bound that skips a descriptor ending past
 * 2^64 was one page too generous for a start that is not page aligned:
 * [0x20, 2^64 + 0x20) was kept (found by handoff_fuzz). */
static void test_mmap_unaligned_descriptor_past_2_64_is_skipped(void **state)
{
	(void)state;
	const struct d in[] = {
		{ EFI_MT_CONVENTIONAL, 0x20, 1ULL << 52 },
		{ EFI_MT_CONVENTIONAL, 0xfffffffffffff001ULL, 1 },
		{ EFI_MT_RESERVED, 0x1000, (1ULL << 52) - 1 }, /* ends at 2^64 */
	};

	assert_int_equal(reduce(in, N(in), sizeof(struct efi_mdesc), 16), 1);
	expect_entry(0, 0x1000, (1ULL << 52) - 1, EFI_MT_RESERVED);
}

static void test_mmap_exactly_max_entries_fit(void **state)
{
	(void)state;
	struct d in[8];

	for (int i = 0; i < 8; i++)
		in[i] = (struct d){ EFI_MT_CONVENTIONAL, 0x100000ULL * (8 - i),
				    1 };
	assert_int_equal(reduce(in, 8, 48, 8), 8);
	for (int i = 0; i < 8; i++)
		expect_entry(i, 0x100000ULL * (i + 1), 1, EFI_MT_CONVENTIONAL);
}

static void test_mmap_more_entries_than_max_fails(void **state)
{
	(void)state;
	struct d in[9];

	/* Nothing touches: no merging can make these fit. */
	for (int i = 0; i < 9; i++)
		in[i] = (struct d){ EFI_MT_CONVENTIONAL, 0x100000ULL * i, 1 };
	assert_int_equal(reduce(in, 9, 48, 8), -1);
	assert_int_equal(reduce(in, 9, 48, 0), -1);
	assert_int_equal(reduce(in, 0, 48, 0), 0); /* empty map: fine */
}

static void test_mmap_over_max_merges_same_boot_type(void **state)
{
	(void)state;
	/* Five entries, room for two: the touching USABLE ones (three EFI
	 * types) are merged as BOOT_MEM_USABLE, keeping the first EFI type. */
	const struct d in[] = {
		{ EFI_MT_CONVENTIONAL, 0x100000, 1 },
		{ EFI_MT_BS_CODE, 0x101000, 2 },
		{ EFI_MT_BS_DATA, 0x103000, 3 },
		{ EFI_MT_CONVENTIONAL, 0x106000, 4 },
		{ EFI_MT_ACPI_NVS, 0x200000, 1 },
	};

	assert_int_equal(reduce(in, N(in), 48, 2), 2);
	assert_int_equal(out[0].phys, 0x100000);
	assert_int_equal(out[0].pages, 10);
	assert_int_equal(out[0].type, BOOT_MEM_USABLE);
	assert_int_equal(out[0].efi_type, EFI_MT_CONVENTIONAL);
	expect_entry(1, 0x200000, 1, EFI_MT_ACPI_NVS);
}

/*
 * Regression (was a bug): handoff.h says BOOT_MEM-type merging happens
 * only if merging same-EFI-type neighbours "needs more than max entries".
 * mmap_reduce() compacts as soon as out[] is full, before the same-EFI-type
 * merge (which runs only at the end), so here the BS_CODE run is folded
 * into the CONVENTIONAL entry although [CONVENTIONAL][BS_CODE x2] fits.
 */
static void test_mmap_merges_boot_types_only_when_needed(void **state)
{
	(void)state;
	const struct d in[] = {
		{ EFI_MT_CONVENTIONAL, 0x100000, 1 },
		{ EFI_MT_BS_CODE, 0x101000, 1 },
		{ EFI_MT_BS_CODE, 0x102000, 1 },
	};

	assert_int_equal(reduce(in, N(in), 48, 2), 2);
	expect_entry(0, 0x100000, 1, EFI_MT_CONVENTIONAL);
	expect_entry(1, 0x101000, 2, EFI_MT_BS_CODE);
}

/*
 * Regression (was a bug): out[] being full is checked before the new
 * descriptor can merge with its neighbour, so a map that reduces to exactly
 * max entries fails when a later descriptor extends an earlier entry that
 * is not next to it in the firmware's order.
 */
static void test_mmap_reduced_map_of_exactly_max_entries_fits(void **state)
{
	(void)state;
	const struct d in[] = {
		{ EFI_MT_CONVENTIONAL, 0x100000, 1 },
		{ EFI_MT_RESERVED, 0x200000, 1 },
		{ EFI_MT_CONVENTIONAL, 0x101000, 1 }, /* extends the first */
	};

	assert_int_equal(reduce(in, N(in), 48, 2), 2);
	expect_entry(0, 0x100000, 2, EFI_MT_CONVENTIONAL);
	expect_entry(1, 0x200000, 1, EFI_MT_RESERVED);
}

/* ---- tramp_pick ---- */

static struct boot_mmap_entry region(uint64_t phys, uint64_t pages,
				     uint32_t type)
{
	return (struct boot_mmap_entry){ .phys = phys, .pages = pages,
					 .type = type, .efi_type = 0 };
}

static void test_tramp_picks_highest_usable_page_below_limit(void **state)
{
	(void)state;
	struct boot_mmap_entry m[] = {
		region(0, 0x9f, BOOT_MEM_USABLE), /* [0, 0x9f000) */
	};
	assert_int_equal(tramp_pick(m, 1), 0x9e000);

	struct boot_mmap_entry m2[] = {
		region(0x8000, 8, BOOT_MEM_USABLE),
		region(0x1000, 2, BOOT_MEM_USABLE),
		region(0x20000, 4, BOOT_MEM_USABLE),
		region(0x10000, 1, BOOT_MEM_USABLE),
	};
	assert_int_equal(tramp_pick(m2, 4), 0x23000);
	assert_int_equal(tramp_pick(m2, 2), 0xf000); /* only the first two */
}

static void test_tramp_ignores_non_usable_types(void **state)
{
	(void)state;
	const uint32_t types[] = { BOOT_MEM_RESERVED, BOOT_MEM_ACPI_RECLAIM,
				   BOOT_MEM_ACPI_NVS, BOOT_MEM_MMIO,
				   BOOT_MEM_KERNEL,   BOOT_MEM_LOADER,
				   BOOT_MEM_RUNTIME,  BOOT_MEM_BAD,
				   BOOT_MEM_PERSISTENT, 0 };

	for (size_t i = 0; i < N(types); i++) {
		struct boot_mmap_entry m[] = {
			region(0x1000, 2, BOOT_MEM_USABLE),
			region(0x10000, 0x10, types[i]),
		};
		assert_int_equal(tramp_pick(m, 2), 0x2000);
		assert_int_equal(tramp_pick(m + 1, 1), 0);
	}
}

static void test_tramp_never_uses_page_zero(void **state)
{
	(void)state;
	struct boot_mmap_entry m[] = { region(0, 1, BOOT_MEM_USABLE) };
	assert_int_equal(tramp_pick(m, 1), 0);
}

static void test_tramp_clips_regions_straddling_the_limits(void **state)
{
	(void)state;
	/* [0, 0x3000): pages 1 and 2 usable. */
	struct boot_mmap_entry lo[] = { region(0, 3, BOOT_MEM_USABLE) };
	assert_int_equal(tramp_pick(lo, 1), 0x2000);

	/* [0x9d000, 0x100000): only up to TRAMP_LIMIT. */
	struct boot_mmap_entry hi[] = { region(0x9d000, 0x63,
					       BOOT_MEM_USABLE) };
	assert_int_equal(tramp_pick(hi, 1), TRAMP_LIMIT - PAGE);

	/* All of low memory and beyond in one region. */
	struct boot_mmap_entry all[] = { region(0, 0x100000,
						BOOT_MEM_USABLE) };
	assert_int_equal(tramp_pick(all, 1), TRAMP_LIMIT - PAGE);
}

static void test_tramp_returns_zero_when_nothing_fits(void **state)
{
	(void)state;
	assert_int_equal(tramp_pick(NULL, 0), 0);

	struct boot_mmap_entry m[] = {
		region(TRAMP_LIMIT, 1, BOOT_MEM_USABLE),    /* at the limit */
		region(0x100000, 0x1000, BOOT_MEM_USABLE),  /* above 1 MiB */
		region(0x5000, 0, BOOT_MEM_USABLE),	    /* empty */
		region(0x6000, 0x10, BOOT_MEM_RESERVED),
	};
	assert_int_equal(tramp_pick(m, 4), 0);
}

/*
 * Regression (was a bug): tramp_pick() rounds an unaligned start up but
 * not the end down, so [0x1800, 0x3800) gives 0x2800, which is not page
 * aligned (a SIPI vector can only name a page).
 */
static void test_tramp_unaligned_region_gives_aligned_page(void **state)
{
	(void)state;
	/* [0x1800, 0x3800) holds one whole page: [0x2000, 0x3000). */
	struct boot_mmap_entry m[] = { region(0x1800, 2, BOOT_MEM_USABLE) };
	assert_int_equal(tramp_pick(m, 1), 0x2000);

	/* [0x1800, 0x2800) holds no whole page. */
	struct boot_mmap_entry m2[] = { region(0x1800, 1, BOOT_MEM_USABLE) };
	assert_int_equal(tramp_pick(m2, 1), 0);
}

/*
 * Regression (was a bug): a reserved descriptor overlapping a usable one
 * (the overlap the page allocator already refuses, kernel/mm/pmm.c) did
 * not stop tramp_pick() from putting the AP trampoline on it: the
 * kernel would write its start-up code over firmware-reserved memory.
 */
static void test_tramp_skips_pages_a_reserved_entry_overlaps(void **state)
{
	(void)state;
	struct boot_mmap_entry m[] = {
		region(0x1000, 0x9e, BOOT_MEM_USABLE),	 /* [0x1000, 0x9f000) */
		region(0x9c000, 3, BOOT_MEM_RESERVED),	 /* its top 3 pages */
	};
	assert_int_equal(tramp_pick(m, 2), 0x9b000);

	/* Reserved listed first, and a second one just below. */
	struct boot_mmap_entry m2[] = {
		region(0x9a800, 1, BOOT_MEM_ACPI_NVS),	 /* unaligned: 2 pages */
		region(0x9c000, 3, BOOT_MEM_RESERVED),
		region(0x1000, 0x9e, BOOT_MEM_USABLE),
	};
	assert_int_equal(tramp_pick(m2, 3), 0x99000);

	/* A reserved entry that runs to 2^64 (its end computes as 0). */
	struct boot_mmap_entry m4[] = {
		region(0x1000, 0x9e, BOOT_MEM_USABLE),
		region(0x90000, (1ULL << 52) - 0x90, BOOT_MEM_RESERVED),
	};
	assert_int_equal(tramp_pick(m4, 2), 0x8f000);

	/* Covered whole: nothing. */
	struct boot_mmap_entry m3[] = {
		region(0x8000, 4, BOOT_MEM_USABLE),
		region(0x7000, 8, BOOT_MEM_RUNTIME),
	};
	assert_int_equal(tramp_pick(m3, 2), 0);
}

/* The answer by brute force: the highest page p in [TRAMP_MIN,
 * TRAMP_LIMIT) with [p, p+4096) inside some usable region and touching
 * no region of another type. */
static uint64_t tramp_reference(const struct boot_mmap_entry *m, int n)
{
	for (uint64_t p = TRAMP_LIMIT - PAGE; p >= TRAMP_MIN; p -= PAGE) {
		bool inside = false, blocked = false;
		for (int i = 0; i < n; i++) {
			uint64_t s = m[i].phys, e = s + m[i].pages * PAGE;
			if (m[i].type == BOOT_MEM_USABLE && s <= p &&
			    p + PAGE <= e)
				inside = true;
			if (m[i].type != BOOT_MEM_USABLE && s < p + PAGE &&
			    e > p)
				blocked = true;
		}
		if (inside && !blocked)
			return p;
	}
	return 0;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL; /* fixed seed */

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void test_tramp_matches_brute_force_on_random_maps(void **state)
{
	(void)state;
	struct boot_mmap_entry m[6];

	for (int iter = 0; iter < 5000; iter++) {
		int n = (int)(next_rand() % 7);
		for (int i = 0; i < n; i++) {
			/* Page-aligned regions around the window. */
			uint64_t phys = (next_rand() % 0xb0) * PAGE;
			uint64_t pages = next_rand() % 0x20;
			uint32_t type = next_rand() % 3 ? BOOT_MEM_USABLE :
							  BOOT_MEM_RESERVED;
			m[i] = region(phys, pages, type);
		}
		uint64_t want = tramp_reference(m, n), got = tramp_pick(m, n);
		if (want != got) {
			fprintf(stderr, "iteration %d: got %#llx, want %#llx\n",
				iter, (unsigned long long)got,
				(unsigned long long)want);
			for (int i = 0; i < n; i++)
				fprintf(stderr, "  %#llx +%llu type %u\n",
					(unsigned long long)m[i].phys,
					(unsigned long long)m[i].pages,
					m[i].type);
		}
		assert_int_equal(got, want);
	}
}

/* ---- cmdline_from_load_options ---- */

/* s as UCS-2 in a block of exactly `bytes` bytes (default: the string and
 * its terminating NUL). Odd sizes leave the last unit half there. */
static uint16_t *ucs2(const char *s, size_t len, size_t bytes)
{
	uint8_t *b = malloc(bytes ? bytes : 1);
	assert_non_null(b);
	for (size_t i = 0; i < bytes; i++) {
		size_t c = i / 2;
		uint16_t u = c < len ? (uint8_t)s[c] : 0;
		b[i] = (uint8_t)(i % 2 ? u >> 8 : u);
	}
	return (uint16_t *)b;
}

static char lo_out[BOOT_CMDLINE_MAX];
static struct cmdline_notes notes;

/* LoadOptions holding `s` plus a NUL, as firmware passes them. */
static int load_options(const char *s)
{
	size_t len = strlen(s);
	uint16_t *u = ucs2(s, len, 2 * (len + 1));
	memset(lo_out, 'X', sizeof(lo_out));
	memset(&notes, 0xa5, sizeof(notes));
	int r = cmdline_from_load_options(u, 2 * (len + 1), lo_out,
					  sizeof(lo_out), &notes);
	free(u);
	return r;
}

static void test_load_options_plain_text_is_copied(void **state)
{
	(void)state;

	assert_int_equal(load_options("nosmp maxcpus=2"), 1);
	assert_string_equal(lo_out, "nosmp maxcpus=2");
	assert_int_equal(load_options("  test=boot\t memmap  "), 1);
	assert_string_equal(lo_out, "test=boot memmap");
	assert_int_equal(load_options("a\r\nb\n\tc"), 1);
	assert_string_equal(lo_out, "a b c");
}

static void test_load_options_shell_program_name_is_dropped(void **state)
{
	(void)state;
	const char *forms[] = {
		"BOOTX64.EFI nosmp maxcpus=2",
		"bootx64.efi nosmp maxcpus=2",
		"BootX64.eFi nosmp maxcpus=2",
		"\\EFI\\BOOT\\BOOTX64.EFI nosmp maxcpus=2",
		"fs0:\\cohort.efi   nosmp\tmaxcpus=2 ",
		"  .efi nosmp maxcpus=2",
	};

	for (size_t i = 0; i < N(forms); i++) {
		assert_int_equal(load_options(forms[i]), 1);
		assert_string_equal(lo_out, "nosmp maxcpus=2");
	}
}

static void test_load_options_only_first_efi_word_is_dropped(void **state)
{
	(void)state;

	assert_int_equal(load_options("nosmp test.efi"), 1);
	assert_string_equal(lo_out, "nosmp test.efi");
	assert_int_equal(load_options("a.efi b.efi"), 1);
	assert_string_equal(lo_out, "b.efi");
	assert_int_equal(load_options("xefi nosmp"), 1); /* no dot */
	assert_string_equal(lo_out, "xefi nosmp");
	assert_int_equal(load_options("efi nosmp"), 1);
	assert_string_equal(lo_out, "efi nosmp");
	assert_int_equal(load_options("a.efix nosmp"), 1);
	assert_string_equal(lo_out, "a.efix nosmp");
}

static void test_load_options_program_name_alone_is_empty(void **state)
{
	(void)state;

	assert_int_equal(load_options("BOOTX64.EFI"), 0);
	assert_string_equal(lo_out, "");
	assert_int_equal(load_options("  BOOTX64.EFI   "), 0);
	assert_string_equal(lo_out, "");
}

static void test_load_options_empty_input_is_no_cmdline(void **state)
{
	(void)state;
	uint16_t nul = 0;

	assert_int_equal(load_options(""), 0);
	assert_string_equal(lo_out, "");
	assert_int_equal(load_options(" \t \r\n"), 0);
	assert_string_equal(lo_out, "");

	memset(lo_out, 'X', sizeof(lo_out));
	assert_int_equal(cmdline_from_load_options(NULL, 0, lo_out, 16, NULL), 0);
	assert_int_equal(lo_out[0], 0);
	memset(lo_out, 'X', sizeof(lo_out));
	assert_int_equal(cmdline_from_load_options(&nul, 0, lo_out, 16, NULL), 0);
	assert_int_equal(lo_out[0], 0);
	memset(lo_out, 'X', sizeof(lo_out));
	assert_int_equal(cmdline_from_load_options(&nul, 1, lo_out, 16, NULL), 0);
	assert_int_equal(lo_out[0], 0);
}

static void test_load_options_binary_guid_is_not_a_cmdline(void **state)
{
	(void)state;
	/* What EDK2 puts in a boot entry's OptionalData: a raw GUID. */
	static const uint8_t guid[16] = { 0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93,
					  0xd2, 0x11, 0xaa, 0x0d, 0x00, 0xe0,
					  0x98, 0x03, 0x2b, 0x8c };
	uint16_t *u = malloc(sizeof(guid));
	assert_non_null(u);
	memcpy(u, guid, sizeof(guid));
	memset(lo_out, 'X', sizeof(lo_out));
	assert_int_equal(cmdline_from_load_options(u, sizeof(guid), lo_out,
						   sizeof(lo_out), NULL),
			 0);
	free(u);
	assert_string_equal(lo_out, "");

	/* Printable text, then binary: still not a command line. */
	uint16_t mixed[] = { 'n', 'o', 's', 'm', 'p', ' ', 0x0102, 0 };
	assert_int_equal(cmdline_from_load_options(mixed, sizeof(mixed),
						   lo_out, sizeof(lo_out), NULL),
			 0);
	assert_string_equal(lo_out, "");
}

static void test_load_options_control_and_non_ascii_are_binary(void **state)
{
	(void)state;
	const uint16_t bad[] = { 0x01, 0x07, 0x1b, 0x1f, 0x80, 0xe9, 0x2028,
				 0xfeff, 0xffff };

	for (size_t i = 0; i < N(bad); i++) {
		uint16_t s[] = { 'a', bad[i], 'b', 0 };
		memset(lo_out, 'X', sizeof(lo_out));
		assert_int_equal(cmdline_from_load_options(s, sizeof(s), lo_out,
							   sizeof(lo_out), NULL),
				 0);
		assert_string_equal(lo_out, "");
	}
}

static void test_load_options_unterminated_odd_length(void **state)
{
	(void)state;
	/* "nosmp x" without a NUL, plus half a unit: 15 bytes. Only whole
	 * units are read, and nothing past the block. */
	uint16_t *u = ucs2("nosmp xyz", 9, 15);

	memset(lo_out, 'X', sizeof(lo_out));
	assert_int_equal(cmdline_from_load_options(u, 15, lo_out,
						   sizeof(lo_out), NULL),
			 1);
	assert_string_equal(lo_out, "nosmp x");
	free(u);

	/* One byte: not even one unit. */
	u = ucs2("n", 1, 1);
	memset(lo_out, 'X', sizeof(lo_out));
	assert_int_equal(cmdline_from_load_options(u, 1, lo_out,
						   sizeof(lo_out), NULL),
			 0);
	assert_string_equal(lo_out, "");
	free(u);
}

static void test_load_options_stop_at_nul(void **state)
{
	(void)state;
	/* Text, NUL, then junk the firmware left in the buffer. */
	uint16_t s[] = { 'a', ' ', 'b', 0, 0xdead, 'c' };

	assert_int_equal(cmdline_from_load_options(s, sizeof(s), lo_out,
						   sizeof(lo_out), NULL),
			 1);
	assert_string_equal(lo_out, "a b");
}

static void test_load_options_output_truncated_to_max(void **state)
{
	(void)state;
	const char *s = "BOOTX64.EFI nosmp maxcpus=2";
	size_t len = strlen(s);
	uint16_t *u = ucs2(s, len, 2 * len);

	for (size_t max = 1; max <= 20; max++) {
		char *o = malloc(max); /* exactly max: ASan checks the bound */
		assert_non_null(o);
		int r = cmdline_from_load_options(u, 2 * len, o, max, NULL);
		assert_true(strlen(o) < max);
		assert_memory_equal(o, "nosmp maxcpus=2", strlen(o));
		assert_int_equal(r, strlen(o) != 0);
		if (max >= 16)
			assert_string_equal(o, "nosmp maxcpus=2");
		free(o);
	}
	free(u);
}

static void test_load_options_longer_than_cmdline_max(void **state)
{
	(void)state;
	char s[3 * BOOT_CMDLINE_MAX];
	size_t len = 0;
	static char big[2 * BOOT_CMDLINE_MAX];

	while (len + 10 < sizeof(s))
		len += (size_t)sprintf(s + len, "opt%05zu ", len);
	uint16_t *u = ucs2(s, len, 2 * len);
	int r = cmdline_from_load_options(u, 2 * len, big, sizeof(big), NULL);
	free(u);
	assert_int_equal(r, 1);
	assert_true(strlen(big) < sizeof(big)); /* the bound is max now */
	assert_memory_equal(big, s, strlen(big));
}

/*
 * Regression (was a bug): cmdline_from_load_options() stores
 * out[0] = 0 before its `max == 0` check, so with max 0 it writes one byte
 * past the (empty) output buffer.
 */
static void test_load_options_zero_max_writes_nothing(void **state)
{
	(void)state;
	uint16_t s[] = { 'a', 0 };
	char o[2] = { 'X', 'X' };

	assert_int_equal(cmdline_from_load_options(s, sizeof(s), o, 0, NULL), 0);
	assert_int_equal(o[0], 'X');
}

/* ---- cmdline_from_file ---- */

static char f_out[BOOT_CMDLINE_MAX];

/* CMDLINE.TXT contents: `len` bytes in a block of exactly that size. */
static int from_file(const char *text, size_t len)
{
	char *t = malloc(len ? len : 1);
	assert_non_null(t);
	memcpy(t, text, len);
	memset(f_out, 'X', sizeof(f_out));
	memset(&notes, 0xa5, sizeof(notes));
	int r = cmdline_from_file(t, len, f_out, sizeof(f_out), &notes);
	free(t);
	return r;
}

#define FROM_FILE(lit) from_file(lit, sizeof(lit) - 1)

static void test_file_single_line(void **state)
{
	(void)state;

	assert_int_equal(FROM_FILE("nosmp maxcpus=2\n"), 1);
	assert_string_equal(f_out, "nosmp maxcpus=2");
	assert_int_equal(FROM_FILE("nosmp maxcpus=2"), 1); /* no newline */
	assert_string_equal(f_out, "nosmp maxcpus=2");
}

static void test_file_comment_lines_are_dropped(void **state)
{
	(void)state;

	assert_int_equal(FROM_FILE("# Cohort options\n"
				   "nosmp\n"
				   "   # indented comment\n"
				   "\t#tab-indented\n"
				   "memmap\n"
				   "# last line, no newline"),
			 1);
	assert_string_equal(f_out, "nosmp memmap");
	assert_int_equal(FROM_FILE("# only\n#comments\n"), 0);
	assert_string_equal(f_out, "");
}

static void test_file_hash_inside_a_line_is_kept(void **state)
{
	(void)state;

	assert_int_equal(FROM_FILE("test=a#b nosmp # not a comment\n"), 1);
	assert_string_equal(f_out, "test=a#b nosmp # not a comment");
}

static void test_file_crlf_tabs_and_blank_lines(void **state)
{
	(void)state;

	assert_int_equal(FROM_FILE("nosmp\r\n\r\n\tmaxcpus=2\t\r\n\n\n"
				   "  memmap  \r\n"),
			 1);
	assert_string_equal(f_out, "nosmp maxcpus=2 memmap");
	assert_int_equal(FROM_FILE("a\t\t b \t c"), 1);
	assert_string_equal(f_out, "a b c");
}

static void test_file_leading_and_trailing_whitespace_trimmed(void **state)
{
	(void)state;

	assert_int_equal(FROM_FILE("\n\n  \t nosmp \t \n \r\n"), 1);
	assert_string_equal(f_out, "nosmp");
	assert_int_equal(FROM_FILE(" \t\r\n \n"), 0);
	assert_string_equal(f_out, "");
	assert_int_equal(from_file("", 0), 0);
	assert_string_equal(f_out, "");
}

static void test_file_nul_stops_the_text(void **state)
{
	(void)state;

	assert_int_equal(FROM_FILE("nosmp\nmemmap\0maxcpus=2\n"), 1);
	assert_string_equal(f_out, "nosmp memmap");
	assert_int_equal(FROM_FILE("\0nosmp"), 0);
	assert_string_equal(f_out, "");
}

/* Regression (was a bug): the same out[0] = 0 before `max == 0` in
 * cmdline_from_file(). */
static void test_file_zero_max_writes_nothing(void **state)
{
	(void)state;
	char o[2] = { 'X', 'X' };

	assert_int_equal(cmdline_from_file("a", 1, o, 0, NULL), 0);
	assert_int_equal(o[0], 'X');
}

static void test_file_output_truncated_to_max(void **state)
{
	(void)state;
	const char *text = "nosmp\nmaxcpus=2\n";
	size_t len = strlen(text);

	for (size_t max = 1; max <= 20; max++) {
		char *o = malloc(max); /* exactly max: ASan checks the bound */
		assert_non_null(o);
		int r = cmdline_from_file(text, len, o, max, NULL);
		assert_true(strlen(o) < max);
		assert_memory_equal(o, "nosmp maxcpus=2", strlen(o));
		assert_int_equal(r, strlen(o) != 0);
		if (max >= 16)
			assert_string_equal(o, "nosmp maxcpus=2");
		free(o);
	}
}

/* ---- Issue 12: firmware robustness ---- */

/* A cut word reads as a different, valid option: "hz=1000" -> "hz=10".
 * Words that do not fit whole are dropped and the cut is reported. */
static void test_load_options_partial_word_is_dropped(void **state)
{
	(void)state;
	const char *s = "nosmp hz=1000";
	size_t len = strlen(s);
	uint16_t *u = ucs2(s, len, 2 * (len + 1));
	char *o = malloc(12); /* room for "nosmp hz=10" and its NUL */
	assert_non_null(o);

	memset(&notes, 0, sizeof(notes));
	assert_int_equal(cmdline_from_load_options(u, 2 * (len + 1), o, 12,
						   &notes),
			 1);
	assert_string_equal(o, "nosmp");
	assert_true(notes.flags & CMDLINE_NOTE_TRUNCATED);
	assert_int_equal(notes.dropped, 1);
	free(o);
	free(u);
}

static void test_file_partial_word_is_dropped(void **state)
{
	(void)state;
	const char text[] = "nosmp\nhz=1000 memmap\n";
	char *o = malloc(12);
	assert_non_null(o);

	memset(&notes, 0, sizeof(notes));
	assert_int_equal(cmdline_from_file(text, sizeof(text) - 1, o, 12,
					   &notes),
			 1);
	assert_string_equal(o, "nosmp");
	assert_true(notes.flags & CMDLINE_NOTE_TRUNCATED);
	assert_int_equal(notes.dropped, 2);
	free(o);

	/* Exactly fitting is not a cut. */
	o = malloc(6);
	assert_non_null(o);
	memset(&notes, 0, sizeof(notes));
	assert_int_equal(cmdline_from_file("nosmp\n", 6, o, 6, &notes), 1);
	assert_string_equal(o, "nosmp");
	assert_int_equal(notes.flags, 0);
	free(o);
}

/* LoadOptions longer than BOOT_CMDLINE_MAX into a larger output: the
 * reader must not cut a word at its own internal limit either. */
static void test_load_options_long_input_ends_on_a_whole_word(void **state)
{
	(void)state;
	char s[3 * BOOT_CMDLINE_MAX];
	static char big[2 * BOOT_CMDLINE_MAX];
	size_t len = 0;

	while (len + 10 < sizeof(s))
		len += (size_t)sprintf(s + len, "opt%05zu ", len);
	uint16_t *u = ucs2(s, len, 2 * len);
	memset(&notes, 0, sizeof(notes));
	assert_int_equal(cmdline_from_load_options(u, 2 * len, big,
						   sizeof(big), &notes),
			 1);
	free(u);
	size_t n = strlen(big);
	assert_true(n < sizeof(big));
	assert_memory_equal(big, s, n);
	assert_int_equal(s[n], ' '); /* ended at a word boundary */
	assert_true(notes.flags & CMDLINE_NOTE_TRUNCATED);
}

static void test_load_options_non_ascii_text_is_reported(void **state)
{
	(void)state;
	uint16_t s[] = { 'n', 'o', 's', 'm', 'p', ' ', 'h', 'z', '=', 0x2013,
			 '1', 0 };

	memset(&notes, 0, sizeof(notes));
	assert_int_equal(cmdline_from_load_options(s, sizeof(s), lo_out,
						   sizeof(lo_out), &notes),
			 0);
	assert_string_equal(lo_out, "");
	assert_int_equal(notes.flags, CMDLINE_NOTE_NON_ASCII);
	assert_int_equal(notes.bad_char, 0x2013);
	assert_int_equal(notes.bad_pos, 9);

	/* A GUID is binary, not text: a different note. */
	uint16_t guid[] = { 0xdf61, 0x8be4, 0x93ca, 0x11d2, 0x0daa, 0xe000,
			    0x0398, 0x8c2b };
	memset(&notes, 0, sizeof(notes));
	assert_int_equal(cmdline_from_load_options(guid, sizeof(guid), lo_out,
						   sizeof(lo_out), &notes),
			 0);
	assert_int_equal(notes.flags, CMDLINE_NOTE_BINARY);
}

static void test_load_options_leading_bom_is_skipped(void **state)
{
	(void)state;
	uint16_t s[] = { 0xfeff, 'n', 'o', 's', 'm', 'p', 0 };

	memset(&notes, 0, sizeof(notes));
	assert_int_equal(cmdline_from_load_options(s, sizeof(s), lo_out,
						   sizeof(lo_out), &notes),
			 1);
	assert_string_equal(lo_out, "nosmp");
	assert_int_equal(notes.flags, CMDLINE_NOTE_BOM);
}

static void test_file_utf8_bom_is_stripped(void **state)
{
	(void)state;

	assert_int_equal(FROM_FILE("\xef\xbb\xbfnosmp hz=1000\r\n"), 1);
	assert_string_equal(f_out, "nosmp hz=1000");
	assert_int_equal(notes.flags, CMDLINE_NOTE_BOM);
	/* A BOM then a comment line: the comment is still a comment. */
	assert_int_equal(FROM_FILE("\xef\xbb\xbf# options\nnosmp\n"), 1);
	assert_string_equal(f_out, "nosmp");
}

static void test_file_utf16_is_converted(void **state)
{
	(void)state;

	/* Windows Notepad's "Unicode": UTF-16LE with a BOM, CRLF. */
	assert_int_equal(FROM_FILE("\xff\xfen\0o\0s\0m\0p\0 \0h\0z\0=\0"
				   "1\0\r\0\n\0"),
			 1);
	assert_string_equal(f_out, "nosmp hz=1");
	assert_int_equal(notes.flags, CMDLINE_NOTE_UTF16 | CMDLINE_NOTE_BOM);
	/* "Unicode big endian". */
	assert_int_equal(FROM_FILE("\xfe\xff\0n\0o\0s\0m\0p\0\n"), 1);
	assert_string_equal(f_out, "nosmp");
	assert_int_equal(notes.flags, CMDLINE_NOTE_UTF16 | CMDLINE_NOTE_BOM);
	/* UTF-16LE without a BOM, odd trailing byte ignored, comments. */
	assert_int_equal(FROM_FILE("#\0 \0x\0\n\0n\0o\0s\0m\0p\0!"), 1);
	assert_string_equal(f_out, "nosmp");
	assert_int_equal(notes.flags, CMDLINE_NOTE_UTF16);
}

static void test_file_non_ascii_is_refused(void **state)
{
	(void)state;

	/* UTF-16 with an e-acute: refused, with the character. */
	assert_int_equal(FROM_FILE("\xff\xfen\0o\0s\0m\0p\0 \0\xe9\0"), 0);
	assert_string_equal(f_out, "");
	assert_true(notes.flags & CMDLINE_NOTE_NON_ASCII);
	assert_int_equal(notes.bad_char, 0xe9);
	assert_int_equal(notes.bad_pos, 6);
	/* UTF-8 outside a comment: refused. */
	assert_int_equal(FROM_FILE("nosmp caf\xc3\xa9\n"), 0);
	assert_string_equal(f_out, "");
	assert_int_equal(notes.flags, CMDLINE_NOTE_NON_ASCII);
	assert_int_equal(notes.bad_char, 0xc3);
	assert_int_equal(notes.bad_pos, 9);
	/* Inside a comment it is only a comment. */
	assert_int_equal(FROM_FILE("# caf\xc3\xa9\nnosmp\n"), 1);
	assert_string_equal(f_out, "nosmp");
	assert_int_equal(notes.flags, 0);
}

/* ---- paging_check ---- */

static void test_paging_la57_is_refused(void **state)
{
	(void)state;
	const uint64_t cr4 = 0x3606f8; /* PAE PGE OSFXSR ... as OVMF leaves it */
	const char *why = "unset";

	assert_int_equal(paging_check(cr4, &why), 0);
	assert_null(why);
	assert_int_equal(paging_check(cr4 | X86_CR4_LA57, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, "5-level"));
}

/* ---- gop_pick, gop_bitmask_bpp ---- */

static void test_gop_prefers_the_console_handle(void **state)
{
	(void)state;
	/* A second GPU first, then the one the console is on. */
	const struct gop_candidate a[] = { { 0, 0, 1 }, { 1, 1, 1 } };
	assert_int_equal(gop_pick(a, 2), 1);
	/* The console handle is a splitter (BltOnly): the console device. */
	const struct gop_candidate b[] = { { 1, 0, 0 }, { 0, 0, 1 },
					   { 0, 1, 1 } };
	assert_int_equal(gop_pick(b, 3), 2);
	/* No console at all: the first with a framebuffer. */
	const struct gop_candidate c[] = { { 0, 0, 0 }, { 0, 0, 1 },
					   { 0, 0, 1 } };
	assert_int_equal(gop_pick(c, 3), 1);
	const struct gop_candidate d[] = { { 1, 1, 0 }, { 0, 0, 0 } };
	assert_int_equal(gop_pick(d, 2), -1);
	assert_int_equal(gop_pick(NULL, 0), -1);
}

static void test_gop_bitmask_bits_per_pixel(void **state)
{
	(void)state;
	assert_int_equal(gop_bitmask_bpp(0xf800, 0x07e0, 0x001f, 0), 16);
	assert_int_equal(gop_bitmask_bpp(0x7c00, 0x03e0, 0x001f, 0), 16);
	assert_int_equal(gop_bitmask_bpp(0xff0000, 0xff00, 0xff, 0), 24);
	assert_int_equal(gop_bitmask_bpp(0xff0000, 0xff00, 0xff, 0xff000000),
			 32);
	assert_int_equal(gop_bitmask_bpp(0x3ff00000, 0xffc00, 0x3ff,
					 0xc0000000),
			 32);
	assert_int_equal(gop_bitmask_bpp(0xff, 0xff00, 0xff0000, 0), 24);
	/* Unusable: overlapping masks, an empty colour. */
	assert_int_equal(gop_bitmask_bpp(0xff00, 0xff00, 0xff, 0), 0);
	assert_int_equal(gop_bitmask_bpp(0xff0000, 0xff00, 0xff, 0xff), 0);
	assert_int_equal(gop_bitmask_bpp(0xff0000, 0, 0xff, 0), 0);
}

/* ---- memory attributes ---- */

static void test_desc_attributes_decide_general_ram(void **state)
{
	(void)state;
	const uint64_t wb = EFI_MEMATTR_WB | 0x7; /* UC WC WT WB */

	assert_int_equal(efi_desc_to_boot(EFI_MT_CONVENTIONAL, wb),
			 BOOT_MEM_USABLE);
	assert_int_equal(efi_desc_to_boot(EFI_MT_CONVENTIONAL,
					  wb | EFI_MEMATTR_SP),
			 BOOT_MEM_RESERVED);
	assert_int_equal(efi_desc_to_boot(EFI_MT_CONVENTIONAL, 0x1),
			 BOOT_MEM_RESERVED);
	assert_int_equal(efi_desc_to_boot(EFI_MT_BS_DATA, 0x1),
			 BOOT_MEM_RESERVED);
	assert_int_equal(efi_desc_to_boot(EFI_MT_BS_CODE, 0),
			 BOOT_MEM_RESERVED);
	assert_int_equal(efi_desc_to_boot(EFI_MT_LOADER_CODE, 0x1),
			 BOOT_MEM_RESERVED);
	/* Not RAM types: unchanged by the attributes. */
	assert_int_equal(efi_desc_to_boot(EFI_MT_LOADER_DATA, 0),
			 BOOT_MEM_KERNEL);
	assert_int_equal(efi_desc_to_boot(EFI_MT_MMIO, 0x1), BOOT_MEM_MMIO);
	assert_int_equal(efi_desc_to_boot(EFI_MT_ACPI_NVS, 0x1),
			 BOOT_MEM_ACPI_NVS);
}

static void test_mmap_sp_and_uncached_ram_are_reserved(void **state)
{
	(void)state;
	const struct {
		uint32_t type;
		uint64_t phys, pages, attr;
	} in[] = {
		{ EFI_MT_CONVENTIONAL, 0x100000, 0x100, 0xf },
		{ EFI_MT_CONVENTIONAL, 0x200000, 0x100, 0xf | EFI_MEMATTR_SP },
		{ EFI_MT_CONVENTIONAL, 0x300000, 0x100, 0x1 },
		{ EFI_MT_CONVENTIONAL, 0x400000, 0x100, 0xf },
	};
	const size_t stride = sizeof(struct efi_mdesc);
	uint8_t *map = malloc(N(in) * stride);
	struct boot_mmap_entry o[8];
	assert_non_null(map);
	for (size_t i = 0; i < N(in); i++) {
		struct efi_mdesc m = { .type = in[i].type,
				       .phys = in[i].phys,
				       .pages = in[i].pages,
				       .attr = in[i].attr };
		memcpy(map + i * stride, &m, sizeof(m));
	}
	/* Touching, same EFI type: but not the same kind of memory, so
	 * they must not merge into one usable run. The two reserved ones
	 * are the same kind and do merge. */
	assert_int_equal(mmap_reduce(map, N(in) * stride, stride, o, 8), 3);
	const struct {
		uint64_t phys, pages;
		uint32_t type;
	} want[] = {
		{ 0x100000, 0x100, BOOT_MEM_USABLE },
		{ 0x200000, 0x200, BOOT_MEM_RESERVED },
		{ 0x400000, 0x100, BOOT_MEM_USABLE },
	};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(o[i].phys, want[i].phys);
		assert_int_equal(o[i].pages, want[i].pages);
		assert_int_equal(o[i].efi_type, EFI_MT_CONVENTIONAL);
		assert_int_equal(o[i].type, want[i].type);
	}
	free(map);
}

/* ---- ebs_run, against a mock of the boot services ---- */

#define MOCK_STRIDE 48

struct mock {
	char log[64];	      /* one letter per call: M A F X */
	int nlog;
	int exit_called;      /* an ExitBootServices call was made */
	int gone;	      /* ExitBootServices succeeded */
	int violations;	      /* forbidden calls after the first exit */
	uint64_t map_bytes;   /* the firmware's current map size */
	uint64_t key;
	uint64_t grow_on_alloc;	 /* bytes the map grows per AllocatePool */
	uint64_t grow_on_fail;	 /* bytes it grows after a failed exit */
	uint64_t fail_status;	 /* if set, every exit returns this */
	void *buf;	      /* what AllocatePool handed out */
	uint64_t buf_size;
};

static void mock_log(struct mock *m, char c)
{
	if (m->nlog + 1 < (int)sizeof(m->log))
		m->log[m->nlog++] = c;
	m->log[m->nlog] = 0;
	if (m->gone)
		m->violations++; /* nothing at all after a successful exit */
	if (m->exit_called && c != 'M' && c != 'X')
		m->violations++;
}

static uint64_t mock_gmm(void *ctx, uint64_t *size, void *map, uint64_t *key,
			 uint64_t *dsize, uint32_t *dver)
{
	struct mock *m = ctx;
	mock_log(m, 'M');
	*dsize = MOCK_STRIDE;
	*dver = 1;
	if (*size < m->map_bytes) {
		*size = m->map_bytes;
		return EBS_EFI_BUFFER_TOO_SMALL;
	}
	assert_true(map == m->buf && m->map_bytes <= m->buf_size);
	memset(map, 0x5a, m->map_bytes);
	*size = m->map_bytes;
	*key = m->key;
	return EBS_EFI_SUCCESS;
}

static uint64_t mock_alloc(void *ctx, uint64_t size, void **buf)
{
	struct mock *m = ctx;
	mock_log(m, 'A');
	assert_null(m->buf);
	m->buf = malloc(size);
	assert_non_null(m->buf);
	m->buf_size = size;
	*buf = m->buf;
	m->map_bytes += m->grow_on_alloc;
	m->key++;
	return EBS_EFI_SUCCESS;
}

static uint64_t mock_free(void *ctx, void *buf)
{
	struct mock *m = ctx;
	mock_log(m, 'F');
	assert_true(buf == m->buf);
	free(m->buf);
	m->buf = NULL;
	m->map_bytes -= m->grow_on_alloc;
	m->key++;
	return EBS_EFI_SUCCESS;
}

static uint64_t mock_exit(void *ctx, uint64_t key)
{
	struct mock *m = ctx;
	mock_log(m, 'X');
	m->exit_called = 1;
	if (m->fail_status)
		return m->fail_status;
	if (key != m->key) {
		m->map_bytes += m->grow_on_fail;
		m->key++;
		return EBS_EFI_INVALID_PARAMETER;
	}
	m->gone = 1;
	return EBS_EFI_SUCCESS;
}

static struct mock mk;
static const struct ebs_ops mock_ops = { &mk, mock_gmm, mock_alloc,
					 mock_free, mock_exit };

static void mock_reset(uint64_t descriptors)
{
	free(mk.buf);
	memset(&mk, 0, sizeof(mk));
	mk.map_bytes = descriptors * MOCK_STRIDE;
	mk.key = 100;
	mk.grow_on_alloc = MOCK_STRIDE; /* the allocation splits one */
}

static enum ebs_outcome mock_run(int stale, struct ebs_result *r)
{
	enum ebs_outcome o = ebs_run(&mock_ops, stale, r);
	if (mk.violations)
		fprintf(stderr, "calls: %s (%d after the first exit were not "
			"GetMemoryMap/ExitBootServices)\n", mk.log,
			mk.violations);
	return o;
}

static int teardown_mock(void **state)
{
	(void)state;
	free(mk.buf);
	memset(&mk, 0, sizeof(mk));
	return 0;
}

static void test_ebs_first_attempt_succeeds(void **state)
{
	(void)state;
	struct ebs_result r;

	mock_reset(60);
	assert_int_equal(mock_run(0, &r), EBS_OK);
	assert_string_equal(mk.log, "MAMX");
	assert_int_equal(mk.violations, 0);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.map_size, 61 * MOCK_STRIDE);
	assert_int_equal(r.desc_size, MOCK_STRIDE);
	assert_ptr_equal(r.map, mk.buf);
}

static void test_ebs_stale_key_retries_without_allocating(void **state)
{
	(void)state;
	struct ebs_result r;

	/* The map grows by 20 descriptors between the failed attempt and
	 * the retry (firmware events): still only M and X after it. */
	mock_reset(60);
	mk.grow_on_fail = 20 * MOCK_STRIDE;
	assert_int_equal(mock_run(1, &r), EBS_OK);
	assert_int_equal(mk.violations, 0);
	assert_string_equal(mk.log, "MAMXMX");
	assert_int_equal(r.attempts, 2);
	assert_int_equal(r.map_size, 81 * MOCK_STRIDE);
}

static void test_ebs_map_outgrowing_the_buffer_after_a_failure(void **state)
{
	(void)state;
	struct ebs_result r;

	/* Far more growth than any slack: the retry may not allocate, so
	 * the only way out is EBS_FAILED_AFTER (the loader halts). */
	mock_reset(60);
	mk.grow_on_fail = 1000 * MOCK_STRIDE;
	assert_int_equal(mock_run(1, &r), EBS_FAILED_AFTER);
	assert_int_equal(mk.violations, 0);
	assert_string_equal(mk.log, "MAMXM");
	assert_non_null(r.why);
}

static void test_ebs_other_error_after_an_attempt_is_final(void **state)
{
	(void)state;
	struct ebs_result r;

	mock_reset(60);
	mk.fail_status = 0x8000000000000007ULL; /* EFI_DEVICE_ERROR */
	assert_int_equal(mock_run(0, &r), EBS_FAILED_AFTER);
	assert_int_equal(mk.violations, 0);
	assert_string_equal(mk.log, "MAMX");
	assert_int_equal(r.status, 0x8000000000000007ULL);

	/* A key that is always stale: EBS_MAX_ATTEMPTS tries, then final. */
	mock_reset(60);
	mk.fail_status = EBS_EFI_INVALID_PARAMETER;
	assert_int_equal(mock_run(0, &r), EBS_FAILED_AFTER);
	assert_int_equal(mk.violations, 0);
	assert_int_equal(r.attempts, EBS_MAX_ATTEMPTS);
	assert_string_equal(mk.log, "MAMXMXMXMXMX");
}

static void test_ebs_reallocates_only_before_the_first_attempt(void **state)
{
	(void)state;
	struct ebs_result r;

	/* Allocating the buffer splits 100 descriptors (more than the
	 * slack): before any exit attempt, free and allocate again. */
	mock_reset(60);
	mk.grow_on_alloc = 100 * MOCK_STRIDE;
	assert_int_equal(mock_run(0, &r), EBS_OK);
	assert_int_equal(mk.violations, 0);
	assert_string_equal(mk.log, "MAMFAMX");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka and our notes in order */
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_teardown(f, teardown_out)
		T(test_every_efi_type_maps_to_its_boot_type),
		T(test_oem_os_and_unknown_types_are_reserved),
		T(test_mmap_sorted_input_is_copied),
		T(test_mmap_unsorted_input_is_sorted),
		T(test_mmap_adjacent_same_type_entries_merge),
		T(test_mmap_does_not_merge_across_a_gap),
		T(test_mmap_does_not_merge_different_efi_types),
		T(test_mmap_honours_a_larger_firmware_stride),
		T(test_mmap_ignores_a_partial_trailing_descriptor),
		T(test_mmap_too_small_stride_is_rejected),
		T(test_mmap_zero_page_descriptors_are_skipped),
		T(test_mmap_descriptor_past_the_address_space_is_skipped),
		T(test_mmap_entry_ending_at_2_64_touches_nothing),
		T(test_mmap_unaligned_descriptor_past_2_64_is_skipped),
		T(test_mmap_exactly_max_entries_fit),
		T(test_mmap_more_entries_than_max_fails),
		T(test_mmap_over_max_merges_same_boot_type),
		T(test_mmap_merges_boot_types_only_when_needed),
		T(test_mmap_reduced_map_of_exactly_max_entries_fits),
		T(test_tramp_picks_highest_usable_page_below_limit),
		T(test_tramp_ignores_non_usable_types),
		T(test_tramp_never_uses_page_zero),
		T(test_tramp_clips_regions_straddling_the_limits),
		T(test_tramp_returns_zero_when_nothing_fits),
		T(test_tramp_unaligned_region_gives_aligned_page),
		T(test_tramp_skips_pages_a_reserved_entry_overlaps),
		T(test_tramp_matches_brute_force_on_random_maps),
		T(test_load_options_plain_text_is_copied),
		T(test_load_options_shell_program_name_is_dropped),
		T(test_load_options_only_first_efi_word_is_dropped),
		T(test_load_options_program_name_alone_is_empty),
		T(test_load_options_empty_input_is_no_cmdline),
		T(test_load_options_binary_guid_is_not_a_cmdline),
		T(test_load_options_control_and_non_ascii_are_binary),
		T(test_load_options_unterminated_odd_length),
		T(test_load_options_stop_at_nul),
		T(test_load_options_output_truncated_to_max),
		T(test_load_options_longer_than_cmdline_max),
		T(test_load_options_zero_max_writes_nothing),
		T(test_file_single_line),
		T(test_file_comment_lines_are_dropped),
		T(test_file_hash_inside_a_line_is_kept),
		T(test_file_crlf_tabs_and_blank_lines),
		T(test_file_leading_and_trailing_whitespace_trimmed),
		T(test_file_nul_stops_the_text),
		T(test_file_output_truncated_to_max),
		T(test_file_zero_max_writes_nothing),
		T(test_load_options_partial_word_is_dropped),
		T(test_file_partial_word_is_dropped),
		T(test_load_options_long_input_ends_on_a_whole_word),
		T(test_load_options_non_ascii_text_is_reported),
		T(test_load_options_leading_bom_is_skipped),
		T(test_file_utf8_bom_is_stripped),
		T(test_file_utf16_is_converted),
		T(test_file_non_ascii_is_refused),
		T(test_paging_la57_is_refused),
		T(test_gop_prefers_the_console_handle),
		T(test_gop_bitmask_bits_per_pixel),
		T(test_desc_attributes_decide_general_ram),
		T(test_mmap_sp_and_uncached_ram_are_reserved),
#undef T
#define M(f) cmocka_unit_test_teardown(f, teardown_mock)
		M(test_ebs_first_attempt_succeeds),
		M(test_ebs_stale_key_retries_without_allocating),
		M(test_ebs_map_outgrowing_the_buffer_after_a_failure),
		M(test_ebs_other_error_after_an_attempt_is_final),
		M(test_ebs_reallocates_only_before_the_first_attempt),
#undef M
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
