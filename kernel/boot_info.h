/* SPDX-License-Identifier: MIT */
/*
 * The boot protocol: the one structure the UEFI loader (efi/) hands to the
 * kernel (kernel/), and the only header the two share.
 *
 * The loader fills it in, exits boot services and jumps to the kernel's ELF
 * entry point with:
 *   rdi = virtual address of this struct (inside the direct map)
 *   rsp = top of the boot stack (16-byte aligned, minus one zero "return
 *         address" slot so backtraces stop there)
 *   cr3 = the loader's page tables (see docs/boot.md for the layout)
 *   interrupts disabled; the IDT is the firmware's, and so is the GDT on
 *   64-bit firmware (on 32-bit firmware the GDT is the loader's switch
 *   block, docs/boot.md): the kernel must load its own before it takes
 *   any exception.
 *
 * Every address in here is physical unless its name ends in _virt. The kernel
 * refuses a magic, version or size it does not know (kernel/main.c), so a
 * loader and kernel from different builds fail loudly instead of misreading
 * each other. Bump BOOT_INFO_VERSION on any layout change; docs/boot.md
 * lists every field.
 *
 * No pointers, no enums, no bitfields: only fixed-width integers, so the
 * layout is the same for the PE/COFF loader and the ELF kernel.
 */
#ifndef COHORT_BOOT_INFO_H
#define COHORT_BOOT_INFO_H

#include <stdint.h>

#define BOOT_INFO_MAGIC 0x54524f484f43ULL /* "COHORT" little-endian */
#ifndef BOOT_INFO_VERSION
#define BOOT_INFO_VERSION 4
#endif

/* Fixed virtual layout set up by the loader. */
#define KERNEL_VIRT_BASE 0xffffffff80000000ULL
#define DIRECT_MAP_BASE 0xffff800000000000ULL

#define BOOT_CMDLINE_MAX 1024
#define BOOT_MMAP_MAX 512 /* descriptors; real PCs report 50-300 */
#define BOOT_STACK_SIZE (64 * 1024)

/* Memory types, already reduced from the EFI types by the loader. */
#define BOOT_MEM_USABLE 1	 /* free RAM (conventional + boot services) */
#define BOOT_MEM_RESERVED 2	 /* firmware reserved, unusable, unknown */
#define BOOT_MEM_ACPI_RECLAIM 3 /* ACPI tables; usable once parsed */
#define BOOT_MEM_ACPI_NVS 4	 /* firmware keeps state here: never touch */
#define BOOT_MEM_MMIO 5		 /* device registers */
#define BOOT_MEM_KERNEL 6	 /* kernel image, page tables, boot stack, this */
#define BOOT_MEM_LOADER 7	 /* loader code; free once the kernel runs */
#define BOOT_MEM_RUNTIME 8	 /* EFI runtime services code/data */
#define BOOT_MEM_BAD 9		 /* firmware found errors */
#define BOOT_MEM_PERSISTENT 10	 /* NVDIMM; not used as RAM */

struct boot_mmap_entry {
	uint64_t phys;
	uint64_t pages; /* 4 KiB pages */
	uint32_t type;	/* BOOT_MEM_* */
	uint32_t efi_type; /* the original EFI type, for the boot log */
};

/* Where the command line came from. */
#define BOOT_CMDLINE_NONE 0
#define BOOT_CMDLINE_FILE 1	    /* \EFI\COHORT\CMDLINE.TXT */
#define BOOT_CMDLINE_LOAD_OPTIONS 2 /* UEFI shell or boot entry */

/* What the loader dropped or changed in the command line
 * (boot_info.cmdline_notes; the loader printed one line for each). */
#define BOOT_CMDLINE_NOTE_TRUNCATED 0x01 /* words past the limit dropped */
#define BOOT_CMDLINE_NOTE_NON_ASCII 0x02 /* a source refused: not ASCII */
#define BOOT_CMDLINE_NOTE_BINARY 0x04	  /* LoadOptions were binary data */
#define BOOT_CMDLINE_NOTE_BOM 0x08	  /* a byte-order mark stripped */
#define BOOT_CMDLINE_NOTE_UTF16 0x10	  /* CMDLINE.TXT was UTF-16 */
#define BOOT_CMDLINE_NOTE_FILE_TOO_BIG 0x20 /* CMDLINE.TXT over 4 KiB: ignored */

/* How the AP trampoline page was obtained. */
#define BOOT_TRAMP_NONE 0	   /* no page below 1 MiB: boot on one CPU */
#define BOOT_TRAMP_ALLOCATED 1	   /* AllocatePages before ExitBootServices */
#define BOOT_TRAMP_BOOT_SERVICES 2 /* reclaimed boot-services page after */

/* What became of the initramfs (\EFI\COHORT\INITRD). */
#define BOOT_INITRD_NONE 0	/* no such file on the ESP: not an error */
#define BOOT_INITRD_LOADED 1	/* initrd_phys/initrd_size describe it */
#define BOOT_INITRD_TOO_BIG 2	/* larger than BOOT_INITRD_MAX: skipped */
#define BOOT_INITRD_NO_MEMORY 3 /* no pages for it: skipped */
#define BOOT_INITRD_READ_ERROR 4 /* the firmware failed to read it */
#define BOOT_INITRD_MAX (512ULL << 20)

#define BOOT_FB_NONE 0
#define BOOT_FB_RGBX 1 /* byte order R, G, B, reserved */
#define BOOT_FB_BGRX 2 /* byte order B, G, R, reserved */
#define BOOT_FB_BITMASK 3 /* the masks say where each colour is */

/* The GOP mode the firmware left set, from the GOP on the console's
 * output handle (efi/loader.c). All zero (format BOOT_FB_NONE) if there is
 * no linear framebuffer. */
struct boot_framebuffer {
	uint64_t phys;
	uint64_t size;
	uint32_t width;
	uint32_t height;
	uint32_t pitch_pixels; /* pixels per scan line, >= width */
	uint32_t format;       /* BOOT_FB_* */
	/* BOOT_FB_BITMASK only: non-overlapping bits of one pixel. */
	uint32_t red_mask, green_mask, blue_mask, reserved_mask;
	/* Bytes per pixel * 8: 32 for RGBX/BGRX; for BITMASK the highest
	 * mask bit + 1 rounded up to a byte (16, 24 or 32). The loader
	 * hands over no BITMASK mode whose masks overlap or lack a colour.
	 * Since version 3. */
	uint32_t bits_per_pixel;
	uint32_t pad;
};

struct boot_info {
	uint64_t magic;	  /* BOOT_INFO_MAGIC */
	uint32_t version; /* BOOT_INFO_VERSION */
	uint32_t size;	  /* sizeof(struct boot_info) */

	/* ACPI: RSDP physical address (0 if the firmware gave none). */
	uint64_t acpi_rsdp;
	uint32_t acpi_rsdp_revision; /* 0 = ACPI 1.0 GUID, 2 = ACPI 2.0+ */
	uint32_t pad0;

	/* Memory map: mmap_count entries at mmap (sorted by address). */
	uint64_t mmap;
	uint32_t mmap_count;
	uint32_t pad1;

	struct boot_framebuffer fb;

	/* Kernel image placement. */
	uint64_t kernel_phys;
	uint64_t kernel_virt;
	uint64_t kernel_size; /* bytes, page aligned */

	/* Page tables the kernel starts on (cr3) and how much RAM the direct
	 * map at DIRECT_MAP_BASE covers, starting at physical 0. */
	uint64_t pml4;
	uint64_t direct_map_size;

	/* Boot stack: [boot_stack, boot_stack + BOOT_STACK_SIZE). */
	uint64_t boot_stack;

	/* A 4 KiB page below 1 MiB for the AP start-up trampoline. */
	uint64_t trampoline;
	uint32_t trampoline_source; /* BOOT_TRAMP_* */

	uint32_t cmdline_source; /* BOOT_CMDLINE_* */
	char cmdline[BOOT_CMDLINE_MAX]; /* NUL-terminated ASCII */

	/* TSC at loader entry and just before the jump to the kernel. */
	uint64_t tsc_loader_entry;
	uint64_t tsc_handoff;

	/* ExitBootServices attempts (1 normally; more on a stale map key). */
	uint32_t exit_boot_attempts;
	/* BOOT_CMDLINE_NOTE_* from both sources, so the kernel log (not only
	 * the loader's screen) says what was dropped. Since version 3. */
	uint32_t cmdline_notes;

	/* EFI system table, physical; 0 if unknown. Not used yet: recorded
	 * so a future reboot/poweroff path can reach runtime services. With
	 * 32-bit firmware (firmware_bits 32) it is a 32-bit system table,
	 * whose pointers and UINTNs are 4 bytes: check firmware_bits before
	 * reading it (docs/ia32-uefi.md 3.6, 3.7). */
	uint64_t efi_system_table;

	/* The initramfs: a cpio newc archive (docs/userspace.md, "Files"),
	 * copied by the loader into whole pages of type EfiLoaderData, which
	 * the memory map reports as BOOT_MEM_KERNEL, so the page allocator
	 * never hands them out and the kernel may keep pointers into it for
	 * its whole life. initrd_phys is page aligned; bytes past initrd_size
	 * up to the page end are zero. 0 and 0 unless status is LOADED (an
	 * empty file is LOADED with size 0). Since version 2. */
	uint64_t initrd_phys;
	uint64_t initrd_size;	/* bytes */
	uint32_t initrd_status; /* BOOT_INITRD_* */
	/* The firmware's word size: 64 (BOOTX64.EFI) or 32 (BOOTIA32.EFI,
	 * mixed mode: 32-bit UEFI on a 64-bit CPU, the loader entered long
	 * mode itself). Since version 4 (was a pad). */
	uint32_t firmware_bits;
};

/* The PE loader and the ELF kernel must agree byte for byte; a change
 * here is a new BOOT_INFO_VERSION and a docs/boot.md update. */
_Static_assert(sizeof(struct boot_info) == 1248, "struct boot_info layout");
_Static_assert(__builtin_offsetof(struct boot_info, initrd_phys) == 1224,
	       "struct boot_info layout");
_Static_assert(__builtin_offsetof(struct boot_info, firmware_bits) == 1244,
	       "struct boot_info layout");

#endif
