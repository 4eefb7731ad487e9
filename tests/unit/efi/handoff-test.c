// SPDX-License-Identifier: MIT
/*
 * efi/handoff.c, the loader's pure decisions:
 *   efi_type_to_boot   every EFI memory type 0..15 and OEM/OS types;
 *   mmap_reduce        sorting, merging, firmware strides, limits;
 *   tramp_pick         the AP trampoline page below 1 MiB (explicit cases
 *                      and a randomized comparison with a brute force);
 *   cmdline_from_load_options  UCS-2 LoadOptions: plain, UEFI shell form,
 *                      binary OptionalData, odd/unterminated buffers;
 *   cmdline_from_file  CMDLINE.TXT: comments, CRLF, tabs, joining, NUL.
 * Inputs and outputs live in heap blocks of exactly their size so ASan
 * catches any access past them.
 */
#include <setjmp.h>
#include <stdarg.h>
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

/* The answer by brute force: the highest page p in [TRAMP_MIN,
 * TRAMP_LIMIT) with [p, p+4096) inside some usable region. */
static uint64_t tramp_reference(const struct boot_mmap_entry *m, int n)
{
	for (uint64_t p = TRAMP_LIMIT - PAGE; p >= TRAMP_MIN; p -= PAGE)
		for (int i = 0; i < n; i++)
			if (m[i].type == BOOT_MEM_USABLE && m[i].phys <= p &&
			    p + PAGE <= m[i].phys + m[i].pages * PAGE)
				return p;
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

/* LoadOptions holding `s` plus a NUL, as firmware passes them. */
static int load_options(const char *s)
{
	size_t len = strlen(s);
	uint16_t *u = ucs2(s, len, 2 * (len + 1));
	memset(lo_out, 'X', sizeof(lo_out));
	int r = cmdline_from_load_options(u, 2 * (len + 1), lo_out,
					  sizeof(lo_out));
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
	assert_int_equal(cmdline_from_load_options(NULL, 0, lo_out, 16), 0);
	assert_int_equal(lo_out[0], 0);
	memset(lo_out, 'X', sizeof(lo_out));
	assert_int_equal(cmdline_from_load_options(&nul, 0, lo_out, 16), 0);
	assert_int_equal(lo_out[0], 0);
	memset(lo_out, 'X', sizeof(lo_out));
	assert_int_equal(cmdline_from_load_options(&nul, 1, lo_out, 16), 0);
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
						   sizeof(lo_out)),
			 0);
	free(u);
	assert_string_equal(lo_out, "");

	/* Printable text, then binary: still not a command line. */
	uint16_t mixed[] = { 'n', 'o', 's', 'm', 'p', ' ', 0x0102, 0 };
	assert_int_equal(cmdline_from_load_options(mixed, sizeof(mixed),
						   lo_out, sizeof(lo_out)),
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
							   sizeof(lo_out)),
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
						   sizeof(lo_out)),
			 1);
	assert_string_equal(lo_out, "nosmp x");
	free(u);

	/* One byte: not even one unit. */
	u = ucs2("n", 1, 1);
	memset(lo_out, 'X', sizeof(lo_out));
	assert_int_equal(cmdline_from_load_options(u, 1, lo_out,
						   sizeof(lo_out)),
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
						   sizeof(lo_out)),
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
		int r = cmdline_from_load_options(u, 2 * len, o, max);
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
	int r = cmdline_from_load_options(u, 2 * len, big, sizeof(big));
	free(u);
	assert_int_equal(r, 1);
	assert_true(strlen(big) < BOOT_CMDLINE_MAX);
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

	assert_int_equal(cmdline_from_load_options(s, sizeof(s), o, 0), 0);
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
	int r = cmdline_from_file(t, len, f_out, sizeof(f_out));
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

	assert_int_equal(cmdline_from_file("a", 1, o, 0), 0);
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
		int r = cmdline_from_file(text, len, o, max);
		assert_true(strlen(o) < max);
		assert_memory_equal(o, "nosmp maxcpus=2", strlen(o));
		assert_int_equal(r, strlen(o) != 0);
		if (max >= 16)
			assert_string_equal(o, "nosmp maxcpus=2");
		free(o);
	}
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
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
