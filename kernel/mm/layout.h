/* SPDX-License-Identifier: MIT */
/*
 * The kernel's virtual address layout (docs/boot.md has the picture):
 *   0xffff800000000000  direct map of physical memory from 0
 *   0xfffffc0000000000  device memory, ioremap() (ioremap.h)
 *   0xfffffe0000000000  kernel stacks with guard pages (kstack.h)
 *   0xffffff0000000000  scratch window for test mappings (vmm.h)
 *   0xffffffff80000000  kernel image (text, rodata, data, bss, ksyms)
 * The lower half is empty once the kernel drops the loader's identity page;
 * user space will live there.
 */
#ifndef COHORT_MM_LAYOUT_H
#define COHORT_MM_LAYOUT_H

#include <stdint.h>

#include "../boot_info.h"

#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12

static inline void *phys_to_virt(uint64_t phys)
{
	return (void *)(phys + DIRECT_MAP_BASE);
}

static inline uint64_t virt_to_phys(const void *virt)
{
	return (uint64_t)virt - DIRECT_MAP_BASE;
}

#endif
