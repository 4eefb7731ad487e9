/* SPDX-License-Identifier: MIT */
/*
 * Device memory (MMIO) mappings with the right cache type, in a window of
 * their own, and the page attribute table (PAT) that gives the types.
 *
 * The direct map is write-back and covers RAM (and [0, 4 GiB) for ACPI
 * tables and legacy areas); device registers and the framebuffer are
 * reached only through ioremap(), never through phys_to_virt().
 *
 * PAT layout, the same on every CPU (Intel SDM Vol. 3A 11.12, table 11-10;
 * index = PAT<<2 | PCD<<1 | PWT of a 4 KiB PTE):
 *   PA0 WB   PA1 WC   PA2 UC-  PA3 UC   PA4 WB   PA5 WT   PA6 UC-  PA7 UC
 * Only PA1 differs from the power-on value (WT): it is write-combining,
 * selected by PWT alone (IOREMAP_WC); PCD|PWT stays UC (IOREMAP_UC). This
 * is Linux's choice too, so firmware or tools that assume it agree.
 *
 * Rules:
 *  - pat_init_cpu() runs on every CPU before that CPU touches a mapping
 *    with PWT set: the BSP in kernel_main before the first ioremap(), each
 *    AP first thing in ap_entry (INIT leaves the PAT as the firmware
 *    left it, SDM 3A 11.12.4: its PA1 may be anything).
 *  - No mapping uses PA1 before pat_init_cpu() rewrites it on that CPU, so
 *    no cache line or TLB entry can hold the old type (the SDM 11.12.4
 *    "consistency" rule needs no cache flush in that case).
 *  - Mappings in the window are never removed, so no TLB shootdown is ever
 *    owed for them. Window space is taken with a compare-and-swap, and
 *    only if the range fits: ioremap() is safe from any CPU in thread
 *    context (vmm_map_page takes vmm_lock).
 */
#ifndef COHORT_MM_IOREMAP_H
#define COHORT_MM_IOREMAP_H

#include <stdint.h>

/* 512 GiB of virtual space (PML4 slot 504), away from the direct map,
 * the kernel stacks, the scratch window and the image (mm/layout.h). */
#define IOREMAP_BASE 0xfffffc0000000000ULL
#define IOREMAP_SIZE (512ULL << 30)

#define IOREMAP_UC ((1ULL << 3) | (1ULL << 4)) /* PWT | PCD: PA3, UC */
#define IOREMAP_WC (1ULL << 3)		       /* PWT: PA1, WC */

#define MSR_PAT 0x277
/* The value above, one byte per entry, PA0 in the low byte. */
#define PAT_COHORT 0x0007040600070106ULL

/* Program this CPU's PAT (rules above). Returns 0, or -1 if the CPU has
 * no PAT (CPUID.1:EDX.PAT clear): then PWT alone means write-through,
 * which is still correct for a framebuffer, only slower. */
int pat_init_cpu(void);

/* Map [phys, phys + size) read/write, NX, with cache type `type`
 * (IOREMAP_UC or IOREMAP_WC) in the window, 4 KiB pages; returns the
 * virtual address of phys (any offset inside a page is kept), or 0 if the
 * window or memory for page tables ran out or the range lies past the
 * CPU's physical address width (the caller logs and falls back). Never
 * unmapped. Needs the page allocator and aspace_init(). */
void *ioremap(uint64_t phys, uint64_t size, uint64_t type);

#endif
