// SPDX-License-Identifier: MIT
/*
 * The user page-fault handler: demand-zero pages, file pages copied into
 * a private page on first touch (zero past the file's end), copy-on-write
 * over reference-counted pages, and stack growth.
 *
 * The outcome depends only on the region and the entry, both read under
 * the address space's lock, so two threads faulting on one page agree:
 * the second finds the work done (a "spurious" fault) and only refreshes
 * its own TLB entry.
 *
 * Intel SDM Vol. 3A 4.7 (page-fault error code), 4.10.4.3 (a fault does
 * not leave a stale entry for the faulting address, but other CPUs may
 * keep theirs: raising rights needs no shootdown, lowering does).
 */
#include "aspace.h"

#include "../errno.h"
#include "../lib/string.h"
#include "../log.h"
#include "aspace_internal.h"
#include "layout.h"
#include "page.h"

/* The region for a fault at addr, growing the stack if addr is in the
 * range a VM_GROWSDOWN region may grow into; NULL if none. */
static struct vm_region *region_for(struct aspace *as, uint64_t addr)
{
	struct vm_region *r = region_find(&as->regions, addr);
	if (r)
		return r;
	r = region_above(&as->regions, addr);
	if (!r || !(r->flags & VM_GROWSDOWN) || addr < USER_MIN ||
	    r->end - addr > USER_STACK_MAX)
		return 0;
	/* r is the lowest region ending above addr and does not contain it,
	 * so the region below (if any) ends at or below addr's page. */
	return region_grow_down(&as->regions, r, addr & ~(PAGE_SIZE - 1));
}

static void fill_from_file(uint64_t phys, const struct vm_region *r,
			   uint64_t page)
{
	uint64_t off = r->file_off + (page - r->start);
	if (off >= r->file_limit)
		return; /* past the file (or its p_filesz): stays zero */
	uint64_t n = r->file_limit - off < PAGE_SIZE ? r->file_limit - off :
						       PAGE_SIZE;
	memcpy(phys_to_virt(phys), r->file_data + off, n);
}

static void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

int aspace_fault_locked(struct aspace *as, uint64_t addr, uint64_t error)
{
	uint64_t page = addr & ~(PAGE_SIZE - 1);
	bool write = error & PF_WRITE, fetch = error & PF_FETCH;

	if (addr >= USER_TOP || (error & PF_RESERVED))
		return -EFAULT;
	struct vm_region *r = region_for(as, addr);
	if (!r)
		return -EFAULT;
	if ((write && !(r->prot & VM_WRITE)) || (fetch && !(r->prot & VM_EXEC)) ||
	    !(r->prot & (VM_READ | VM_WRITE | VM_EXEC)))
		return -EFAULT;

	uint64_t *pte = aspace_pte(as, page, true);
	if (!pte)
		return -ENOMEM;
	uint64_t e = *pte;

	if (!pte_has_page(e)) {
		uint64_t phys = page_alloc_user();
		if (!phys)
			return -ENOMEM;
		if (r->file_data)
			fill_from_file(phys, r, page);
		/* A fresh page is ours alone (or, shared, everyone's). */
		*pte = phys | aspace_leaf_flags(r, true);
		as->resident++;
		aspace_node_count(as, phys, 1);
		return 0;
	}

	uint64_t phys = e & PTE_ADDR;
	bool shared = r->flags & VM_SHARED;
	if (!(e & PTE_P)) {
		/* Kept under PROT_NONE and the region allows access again
		 * (mprotect normally rewrites the entry itself). */
		*pte = phys | aspace_leaf_flags(r, shared || page_ref(phys) == 1);
		e = *pte;
	}
	if (!write || (e & PTE_W)) {
		/* Already done (another thread, or a right raised without a
		 * shootdown): only this CPU's stale entry is in the way. */
		invlpg(page);
		return 0;
	}
	if (shared || page_ref(phys) == 1) {
		/* Ours alone now: no copy. Raising a right needs no
		 * shootdown (other CPUs fault and land above). */
		*pte = e | PTE_W;
		invlpg(page);
		return 0;
	}
	uint64_t copy = page_alloc_user();
	if (!copy)
		return -ENOMEM;
	memcpy(phys_to_virt(copy), phys_to_virt(phys), PAGE_SIZE);
	*pte = copy | aspace_leaf_flags(r, true);
	aspace_node_count(as, copy, 1);
	aspace_node_count(as, phys, -1);
	/* Other threads' CPUs may still read the old page: flush before
	 * the write this fault allows, and before dropping our reference. */
	aspace_flush(as, page, PAGE_SIZE);
	page_put(phys);
	return 0;
}

int aspace_fault(struct aspace *as, uint64_t addr, uint64_t error)
{
	spin_lock(&as->lock);
	int r = aspace_fault_locked(as, addr, error);
	spin_unlock(&as->lock);
	return r;
}
