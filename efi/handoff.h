/* SPDX-License-Identifier: MIT */
/*
 * The loader's pure decisions, kept apart from EFI calls so host unit tests
 * and fuzzers run them: how EFI memory types reduce to BOOT_MEM_*, which page
 * below 1 MiB can host the AP trampoline after ExitBootServices, and how the
 * UEFI LoadOptions become a kernel command line.
 *
 * Read next: efi/loader.c, which calls these.
 */
#ifndef COHORT_EFI_HANDOFF_H
#define COHORT_EFI_HANDOFF_H

#include <stddef.h>
#include <stdint.h>

#include "../kernel/boot_info.h"

/* UEFI 2.10 section 7.2, EFI_MEMORY_DESCRIPTOR (the firmware's stride,
 * desc_size, may be larger than this struct). */
struct efi_mdesc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys;
	uint64_t virt;
	uint64_t pages;
	uint64_t attr;
};

/* UEFI memory types (UEFI 2.10 table 7-5). */
enum {
	EFI_MT_RESERVED = 0,
	EFI_MT_LOADER_CODE = 1,
	EFI_MT_LOADER_DATA = 2,
	EFI_MT_BS_CODE = 3,
	EFI_MT_BS_DATA = 4,
	EFI_MT_RT_CODE = 5,
	EFI_MT_RT_DATA = 6,
	EFI_MT_CONVENTIONAL = 7,
	EFI_MT_UNUSABLE = 8,
	EFI_MT_ACPI_RECLAIM = 9,
	EFI_MT_ACPI_NVS = 10,
	EFI_MT_MMIO = 11,
	EFI_MT_MMIO_PORT = 12,
	EFI_MT_PAL_CODE = 13,
	EFI_MT_PERSISTENT = 14,
	EFI_MT_UNACCEPTED = 15,
};

/* The trampoline page must be 4 KiB aligned and below the EBDA/VGA hole
 * so a SIPI vector (page number, 8 bits) can name it; page 0 holds the
 * real-mode IVT on legacy paths and is never used. */
#define TRAMP_MIN 0x1000ULL
#define TRAMP_LIMIT 0x9f000ULL

uint32_t efi_type_to_boot(uint32_t efi_type);

/*
 * Reduce the firmware map (map_size bytes, stride desc_size) into out[],
 * sorted by address, adjacent entries of the same EFI type merged. If that
 * needs more than max entries, touching entries of the same BOOT_MEM type
 * are merged as well. Returns the number of entries, or -1 if even that
 * needs more than max or the stride is impossible.
 */
int mmap_reduce(const void *efi_map, size_t map_size, size_t desc_size,
		struct boot_mmap_entry *out, int max);

/* The highest usable 4 KiB page in [TRAMP_MIN, TRAMP_LIMIT), or 0. */
uint64_t tramp_pick(const struct boot_mmap_entry *map, int n);

/*
 * Turn LoadOptions (UCS-2, `bytes` long, maybe unterminated) into an ASCII
 * command line in out[max]. A UEFI shell passes "BOOTX64.EFI opt ...": a
 * first word ending in ".efi" is the program name and is dropped. Boot
 * manager entries often carry binary data (EDK2 puts a GUID there): any
 * character outside printable ASCII means "not a command line".
 * Returns 1 if out holds a non-empty command line, else 0.
 */
int cmdline_from_load_options(const uint16_t *opts, size_t bytes, char *out,
			      size_t max);

/* Copy CMDLINE.TXT contents: stops at NUL, turns CR/LF/tab runs into single
 * spaces, trims, drops '#' comment lines. Returns 1 if non-empty. */
int cmdline_from_file(const char *text, size_t len, char *out, size_t max);

/* ---- Page tables (4-level, Intel SDM Vol. 3A 4.5) ---- */

#define PT_P (1ULL << 0)
#define PT_W (1ULL << 1)
#define PT_PS (1ULL << 7)
#define PT_NX (1ULL << 63)
#define PT_ADDR 0x000ffffffffff000ULL

/* A zeroed 4 KiB page for a page table, by physical address (the loader
 * runs identity mapped, so it is also the pointer), or 0 if none. */
typedef uint64_t (*pt_alloc_fn)(void *ctx);

/*
 * Map [virt, virt + size) to phys with leaf flags `flags`, 2 MiB pages
 * when `large` (virt, phys and size 2 MiB aligned then), else 4 KiB.
 * Missing tables come from alloc(ctx); upper levels get P|W (the leaves
 * decide W and NX). Existing leaf entries are overwritten. Returns 0, or
 * -1 when alloc returns 0 (what is mapped so far stays).
 */
int pt_map_range(uint64_t *pml4, uint64_t virt, uint64_t phys, uint64_t size,
		 uint64_t flags, int large, pt_alloc_fn alloc, void *ctx);

/* The direct map ends before the kernel's device window
 * (0xfffffc0000000000, kernel/mm/ioremap.h): 124 TiB at most. */
#define DMAP_MAX 0x7c0000000000ULL

/*
 * Bytes the direct map (DIRECT_MAP_BASE, 2 MiB write-back pages) covers,
 * from physical 0: the end of the highest descriptor of RAM the kernel may
 * use or read (everything but MMIO and reserved ranges), at least 4 GiB
 * (ACPI tables and legacy areas live there), rounded up to 1 GiB, at most
 * DMAP_MAX (the kernel ignores RAM past direct_map_size).
 * Devices are not in it, framebuffer included, wherever their BARs are:
 * the kernel maps them in a window of their own with their cache type.
 */
uint64_t dmap_size(const void *efi_map, size_t map_size, size_t desc_size);

#endif
