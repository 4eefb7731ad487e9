/* SPDX-License-Identifier: MIT */
/*
 * The loader's pure decisions, kept apart from EFI calls so host unit tests
 * and fuzzers run them: whether the firmware's paging mode can be handed
 * over, how EFI memory types and attributes reduce to BOOT_MEM_*, which page
 * below 1 MiB can host the AP trampoline after ExitBootServices, how the
 * UEFI LoadOptions or CMDLINE.TXT become a kernel command line, which GOP
 * instance to use, and the ExitBootServices sequence (behind a table of
 * function pointers, so a host mock sees every boot-services call). For
 * both loaders (BOOTX64.EFI and the mixed-mode BOOTIA32.EFI): EFI status
 * widening, whether the CPU has what the kernel needs, the file-size rule,
 * and the 32-bit loader's mode-switch block (efi/ia32_switch.h).
 *
 * Everything here has the same meaning compiled -m32 or -m64: sizes and
 * addresses are fixed-width, never UINTN or pointers-as-integers.
 *
 * Specs: UEFI 2.10 sections 2.3.1 and appendix D (EFI_STATUS), 7.2
 * (memory map, attributes), 7.4 (ExitBootServices), 12.9 (GOP); Intel SDM
 * Vol. 2A (CPUID), Vol. 3A 4.1 (paging modes), 10.8.5 (entering IA-32e
 * mode). Design of the 32-bit loader: docs/ia32-uefi.md.
 *
 * Read next: efi/loader.c, which calls these.
 */
#ifndef COHORT_EFI_HANDOFF_H
#define COHORT_EFI_HANDOFF_H

#include <stddef.h>
#include <stdint.h>

#include "../kernel/boot_info.h"
#include "ia32_switch.h"

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

/* Memory attributes (UEFI 2.10 table 7-6) the reduction looks at. */
#define EFI_MEMATTR_WB 0x8ULL	    /* write-back cacheable */
#define EFI_MEMATTR_SP 0x40000ULL   /* specific-purpose (soft reserved) */

/*
 * efi_type_to_boot() refined by the descriptor's attributes, as Linux's
 * EFI-to-e820 conversion does: memory that would be free RAM (USABLE or
 * LOADER) but is specific-purpose (EFI_MEMORY_SP: set aside for one
 * driver, e.g. HBM or CXL memory) or cannot be mapped write-back (no
 * EFI_MEMORY_WB) is not general RAM and becomes BOOT_MEM_RESERVED.
 * LoaderData (BOOT_MEM_KERNEL) is the loader's own allocation and keeps
 * its type.
 */
uint32_t efi_desc_to_boot(uint32_t efi_type, uint64_t attr);

/*
 * Reduce the firmware map (map_size bytes, stride desc_size) into out[],
 * typed by efi_desc_to_boot(), sorted by address, adjacent entries of the
 * same EFI type and BOOT_MEM type merged. Overlapping descriptors are kept
 * as they are (the kernel reserves every non-allocatable entry after adding
 * the free ones, so an overlap never becomes free memory). If that
 * needs more than max entries, touching entries of the same BOOT_MEM type
 * are merged as well. Returns the number of entries, or -1 if even that
 * needs more than max or the stride is impossible.
 */
int mmap_reduce(const void *efi_map, size_t map_size, size_t desc_size,
		struct boot_mmap_entry *out, int max);

/* The highest usable 4 KiB page in [TRAMP_MIN, TRAMP_LIMIT) that no entry
 * of another type overlaps, or 0. */
uint64_t tramp_pick(const struct boot_mmap_entry *map, int n);

/* What the command-line readers noticed, for the loader to print (each
 * flag is one warning line; see docs/cmdline.md). */
#define CMDLINE_NOTE_TRUNCATED BOOT_CMDLINE_NOTE_TRUNCATED
#define CMDLINE_NOTE_NON_ASCII BOOT_CMDLINE_NOTE_NON_ASCII /* refused */
#define CMDLINE_NOTE_BINARY BOOT_CMDLINE_NOTE_BINARY
#define CMDLINE_NOTE_BOM BOOT_CMDLINE_NOTE_BOM
#define CMDLINE_NOTE_UTF16 BOOT_CMDLINE_NOTE_UTF16 /* converted to ASCII */

struct cmdline_notes {
	uint32_t flags;	    /* CMDLINE_NOTE_* */
	uint32_t bad_char;  /* NON_ASCII: the first offending code unit */
	uint32_t bad_pos;   /* NON_ASCII: its index (in code units) */
	uint32_t dropped;   /* TRUNCATED: how many words were dropped */
};

/*
 * Turn LoadOptions (UCS-2, `bytes` long, maybe unterminated) into an ASCII
 * command line in out[max]. A UEFI shell passes "BOOTX64.EFI opt ...": a
 * first word ending in ".efi" is the program name and is dropped. A leading
 * U+FEFF (byte-order mark) is skipped. Boot manager entries often carry
 * binary data (EDK2 puts a GUID there): a control character (other than
 * tab/CR/LF) before the terminating NUL means "not a command line"
 * (NOTE_BINARY). Printable text with a character above 0x7e is refused
 * (NOTE_NON_ASCII, with the character and its position). Words that do
 * not fit whole in out[max] are dropped, never cut (NOTE_TRUNCATED): a cut
 * "hz=1000" would read as the valid "hz=10". `notes` may be NULL.
 * Returns 1 if out holds a non-empty command line, else 0.
 */
int cmdline_from_load_options(const uint16_t *opts, size_t bytes, char *out,
			      size_t max, struct cmdline_notes *notes);

/*
 * Copy CMDLINE.TXT contents: stops at NUL, turns CR/LF/tab runs into single
 * spaces, trims, drops '#' comment lines. A UTF-8 byte-order mark is
 * stripped (NOTE_BOM). UTF-16 (a FF FE or FE FF byte-order mark, as Windows
 * Notepad writes, or ASCII text with every second byte zero) is converted
 * when every character is ASCII (NOTE_UTF16, plus NOTE_BOM if it had one).
 * Any byte or character above 0x7e (or a control character) outside a
 * comment line refuses the whole file: out is empty, NOTE_NON_ASCII with
 * the character and its position. Words that do not fit whole are dropped
 * (NOTE_TRUNCATED). `notes` may be NULL. Returns 1 if out is non-empty.
 */
int cmdline_from_file(const char *text, size_t len, char *out, size_t max,
		      struct cmdline_notes *notes);

/* ---- Paging mode ---- */

#define X86_CR4_LA57 (1ULL << 12)

/*
 * Can the loader hand over from the firmware's paging mode? It builds
 * 4-level tables for a kernel that only knows 4-level paging; loading them
 * while CR4.LA57 is set (5-level paging, which EDK2 enables when physical
 * addresses exceed what 4 levels map) would make the CPU walk them as
 * 5-level tables and triple-fault. Returns 0 if cr4 is fine, else -1 with
 * *why set to a sentence for the screen.
 */
int paging_check(uint64_t cr4, const char **why);

/* ---- GOP choice ---- */

/* What the loader learnt about one GOP instance. */
struct gop_candidate {
	int on_console;	 /* installed on ST->ConsoleOutHandle */
	int console_dev; /* its handle is a console output device */
	int linear;	 /* current mode has a usable linear framebuffer */
};

/*
 * Which GOP to describe to the kernel: among those with a linear
 * framebuffer, the one on the console's output handle, else one on a
 * console output device (the GPU the firmware draws its text on; a
 * console splitter's GOP is BltOnly), else the first. Returns the index,
 * or -1 if none has a linear framebuffer.
 */
int gop_pick(const struct gop_candidate *c, int n);

/*
 * Bits per pixel of a PixelBitMask mode: the highest bit set in any mask,
 * plus one, rounded up to whole bytes (UEFI 2.10 12.9: the masks describe
 * one pixel, low bits first). 0 if the masks are unusable: a colour mask
 * empty, or two masks overlapping.
 */
uint32_t gop_bitmask_bpp(uint32_t red, uint32_t green, uint32_t blue,
			 uint32_t reserved);

/* ---- EFI status width ---- */

/*
 * EFI_STATUS is a UINTN (UEFI 2.10 2.3.1, appendix D): errors have the
 * top bit set, 0x80000002 on IA-32 and 0x8000000000000002 on x86-64;
 * warnings are small positive values on both. efi_status_widen() turns a
 * status `width_bits` wide (32 or 64; sizeof(UINTN) * 8) into the 64-bit
 * encoding the loader's pure code compares against (EBS_EFI_* below):
 * for width 32, an error's bit 31 moves to bit 63 (its code stays in the
 * low bits); a warning or success keeps its value. Bits above width_bits
 * are ignored. A width other than 32 returns st unchanged (64-bit).
 */
uint64_t efi_status_widen(uint64_t st, unsigned width_bits);

/* ---- CPU features the kernel requires ---- */

/* The CPUID words cpu_check() reads. The caller fills l1_* from leaf 1,
 * max_ext from leaf 0x80000000 (EAX), and e1_* from leaf 0x80000001 only
 * when max_ext >= 0x80000001 (else they are ignored: leave them 0). */
struct cpuid_bits {
	uint32_t max_ext;
	uint32_t l1_edx, l1_ecx;
	uint32_t e1_edx, e1_ecx;
};

/* Leaf 1 EDX and leaf 0x80000001 EDX bits (Intel SDM Vol. 2A, CPUID). */
#define CPUID_1_EDX_TSC (1u << 4)
#define CPUID_1_EDX_MSR (1u << 5)
#define CPUID_1_EDX_PAE (1u << 6)
#define CPUID_1_EDX_CX8 (1u << 8)
#define CPUID_1_EDX_APIC (1u << 9)
#define CPUID_1_EDX_CMOV (1u << 15)
#define CPUID_1_EDX_FXSR (1u << 24)
#define CPUID_1_EDX_SSE (1u << 25)
#define CPUID_1_EDX_SSE2 (1u << 26)
#define CPUID_E1_EDX_NX (1u << 20)
#define CPUID_E1_EDX_LM (1u << 29)
#define CPUID_EXT_LEAF_1 0x80000001u

/*
 * Can this CPU run the kernel? The bits it uses unconditionally
 * (docs/ia32-uefi.md 3.8): long mode (leaf 0x80000001, which must exist),
 * PAE, MSR, TSC, APIC, FXSR, SSE, SSE2, CX8, CMOV. NX and the rest are
 * optional. Returns 0, or -1 with *why set to one sentence naming every
 * missing bit, e.g. "no 64-bit long mode (CPUID 0x80000001 not
 * available)", for the loader's "this CPU cannot run Cohort: <why>; ..."
 * line. *why points into a static buffer, valid until the next call (the
 * loader is single-threaded); it is set to 0 on success.
 */
int cpu_check(const struct cpuid_bits *c, const char **why);

/* 1 if the CPU has NX (leaf 0x80000001 EDX bit 20, read only where
 * cpu_check would read that leaf), else 0. */
int cpu_has_nx(const struct cpuid_bits *c);

/* ---- ExitBootServices ---- */

/* The EFI status codes the sequence looks at (UEFI 2.10 appendix D), in
 * the 64-bit encoding (see efi_status_widen). */
#define EBS_EFI_SUCCESS 0ULL
#define EBS_EFI_INVALID_PARAMETER 0x8000000000000002ULL
#define EBS_EFI_BUFFER_TOO_SMALL 0x8000000000000005ULL
#define EBS_EFI_ABORTED 0x8000000000000015ULL

/* Extra descriptors of room in the map buffer: allocating the buffer can
 * split a descriptor, and so can firmware events between a failed
 * ExitBootServices and the retry, when allocating is no longer allowed. */
#define EBS_SLACK_DESCRIPTORS 32
#define EBS_MAX_ATTEMPTS 5

/*
 * The boot services ebs_run() may call, with the UEFI contracts (UINTN is
 * 64 bits on x86-64, 32 on IA-32). The loader fills this from gBS; the
 * host test from a mock that records every call. Every callback returns
 * the status in the 64-bit encoding: the loader's wrappers pass the
 * firmware's EFI_STATUS through efi_status_widen(st, sizeof(UINTN) * 8),
 * so an IA-32 EFI_INVALID_PARAMETER (0x80000002) reaches ebs_run as
 * EBS_EFI_INVALID_PARAMETER and a stale key is retried on both loaders.
 */
struct ebs_ops {
	void *ctx;
	uint64_t (*get_memory_map)(void *ctx, uint64_t *size, void *map,
				   uint64_t *key, uint64_t *desc_size,
				   uint32_t *desc_version);
	uint64_t (*allocate_pool)(void *ctx, uint64_t size, void **buf);
	uint64_t (*free_pool)(void *ctx, void *buf);
	uint64_t (*exit_boot_services)(void *ctx, uint64_t key);
};

enum ebs_outcome {
	EBS_OK,		  /* boot services are gone; map describes the end */
	EBS_FAILED_BEFORE, /* nothing attempted: the firmware is intact */
	EBS_FAILED_AFTER,  /* an attempt failed: only halting is left */
};

struct ebs_result {
	void *map;	     /* the raw firmware map (allocated once) */
	uint64_t map_size;   /* bytes of it filled */
	uint64_t desc_size;  /* the firmware's stride */
	uint32_t attempts;   /* ExitBootServices calls made */
	uint64_t status;     /* the last EFI status */
	const char *why;     /* on failure, what failed */
};

/*
 * Get the memory map and exit boot services, following UEFI 2.10 7.4:
 * after the first ExitBootServices call only GetMemoryMap and
 * ExitBootServices are used. So the buffer is allocated once, before the
 * first attempt, with EBS_SLACK_DESCRIPTORS of room (more if the map is
 * large); a stale key (EFI_INVALID_PARAMETER) is retried with a fresh map
 * in the same buffer, up to EBS_MAX_ATTEMPTS; anything else after the
 * first attempt, including a map that outgrew the buffer, is
 * EBS_FAILED_AFTER. `stale_key_once` passes a wrong key to the first
 * attempt (the efi_stale_key test option).
 */
enum ebs_outcome ebs_run(const struct ebs_ops *ops, int stale_key_once,
			 struct ebs_result *r);

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
 * use or read (everything efi_desc_to_boot does not call MMIO or reserved:
 * specific-purpose and non-write-back memory are left out), at least 4 GiB
 * (ACPI tables and legacy areas live there), rounded up to 1 GiB, at most
 * DMAP_MAX (the kernel ignores RAM past direct_map_size).
 * Devices are not in it, framebuffer included, wherever their BARs are:
 * the kernel maps them in a window of their own with their cache type.
 */
uint64_t dmap_size(const void *efi_map, size_t map_size, size_t desc_size);

#endif
