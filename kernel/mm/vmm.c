// SPDX-License-Identifier: MIT
#include "vmm.h"

#include "../arch/x86.h"
#include "../panic.h"
#include "../spinlock.h"
#include "aspace_internal.h"
#include "layout.h"
#include "pmm.h"

/* PTE_P, PTE_ADDR: aspace_internal.h. */
#define PTE_PS (1ULL << 7)

/* Protects: the kernel page tables (upper half) against two CPUs
 * allocating the same missing table. Lock order: vmm_lock -> pmm_lock. */
static struct spinlock vmm_lock = SPINLOCK_INIT("vmm");

/* Written once by vmm_init (BSP, boot), read-only afterwards. */
static uint64_t kernel_pml4;

void vmm_init(void)
{
	kernel_pml4 = read_cr3() & PTE_ADDR;
}

uint64_t vmm_kernel_pml4(void)
{
	return kernel_pml4;
}

static uint64_t *table(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

/* The entry for `virt` at the last level, or NULL. */
static uint64_t *walk(uint64_t virt, int alloc)
{
	ASSERT(kernel_pml4); /* vmm_init not called yet */
	uint64_t *t = phys_to_virt(kernel_pml4);
	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &t[(virt >> shift) & 511];
		if (!(*e & PTE_P)) {
			if (!alloc)
				return 0;
			uint64_t p = pmm_alloc_pages(1);
			if (!p)
				return 0;
			*e = p | PTE_P | VMM_WRITE;
		} else if (*e & PTE_PS) {
			return 0; /* inside a large page: not ours to split */
		}
		t = table(*e);
	}
	return &t[(virt >> 12) & 511];
}

int vmm_map_page(uint64_t virt, uint64_t phys, uint64_t flags)
{
	/* Without NX (EFER.NXE clear) bit 63 is a reserved bit: a mapping
	 * with it set faults on first use. aspace_pte_nx is VMM_NX or 0
	 * (aspace_init sets it before anything maps kernel pages). */
	flags &= ~VMM_NX | aspace_pte_nx;
	uint64_t f = spin_lock_irqsave(&vmm_lock);
	uint64_t *pte = walk(virt, 1);
	if (pte) {
		*pte = (phys & PTE_ADDR) | flags | PTE_P;
		__asm__ volatile("invlpg (%0)" ::"r"(virt) : "memory");
	}
	spin_unlock_irqrestore(&vmm_lock, f);
	return pte ? 0 : -1;
}

#define PT_SPAN (512 * 4096ULL) /* what one last-level table maps */

int vmm_alloc_tables(uint64_t virt, uint64_t len)
{
	int r = 0;
	uint64_t f = spin_lock_irqsave(&vmm_lock);
	for (uint64_t v = virt & ~(PT_SPAN - 1); v < virt + len && !r; v += PT_SPAN)
		r = walk(v, 1) ? 0 : -1;
	spin_unlock_irqrestore(&vmm_lock, f);
	return r;
}

int64_t vmm_unmap_page(uint64_t virt)
{
	uint64_t f = spin_lock_irqsave(&vmm_lock);
	uint64_t *pte = walk(virt, 0);
	int64_t r = -1;
	if (pte && (*pte & PTE_P)) {
		r = (int64_t)(*pte & PTE_ADDR);
		*pte = 0;
		__asm__ volatile("invlpg (%0)" ::"r"(virt) : "memory");
	}
	spin_unlock_irqrestore(&vmm_lock, f);
	return r;
}

int vmm_unmap_large(uint64_t virt)
{
	int r = -1;
	uint64_t f = spin_lock_irqsave(&vmm_lock);
	uint64_t *t = phys_to_virt(kernel_pml4);
	for (int shift = 39; shift > 21; shift -= 9) {
		uint64_t e = t[(virt >> shift) & 511];
		if (!(e & PTE_P) || (e & PTE_PS))
			goto out; /* absent, or a 1 GiB page: not ours */
		t = table(e);
	}
	uint64_t *pde = &t[(virt >> 21) & 511];
	if ((*pde & PTE_P) && (*pde & PTE_PS)) {
		*pde = 0;
		__asm__ volatile("invlpg (%0)" ::"r"(virt) : "memory");
		r = 0;
	}
out:
	spin_unlock_irqrestore(&vmm_lock, f);
	return r;
}

int vmm_direct_mapped(uint64_t phys, uint64_t len)
{
	uint64_t end = phys + len;
	if (len == 0 || end < phys)
		return 0;
	/* No lock: the direct map only loses pages at boot, before any
	 * other CPU runs (vmm_unmap_large), and its tables are never freed,
	 * so a walk without vmm_lock sees a settled map; reboot and
	 * power-off call this after stopping CPUs that may hold locks. */
	for (uint64_t a = phys & ~(PAGE_SIZE - 1); a < end;) {
		uint64_t virt = (uint64_t)phys_to_virt(a), step = 0;
		const uint64_t *t = phys_to_virt(kernel_pml4);
		for (int shift = 39; shift >= 12 && !step; shift -= 9) {
			uint64_t e = __atomic_load_n(&t[(virt >> shift) & 511],
						     __ATOMIC_RELAXED);
			if (!(e & PTE_P))
				return 0;
			if (shift == 12 || (shift < 39 && (e & PTE_PS)))
				step = 1ULL << shift;
			else
				t = table(e);
		}
		uint64_t next = (a & ~(step - 1)) + step;
		if (next <= a)
			break; /* the top of the address space */
		a = next;
	}
	return 1;
}

int64_t vmm_translate(uint64_t virt)
{
	uint64_t f = spin_lock_irqsave(&vmm_lock);
	uint64_t *pte = walk(virt, 0);
	int64_t r = pte && (*pte & PTE_P) ? (int64_t)((*pte & PTE_ADDR) |
						     (virt & 0xfff)) :
					    -1;
	spin_unlock_irqrestore(&vmm_lock, f);
	return r;
}
