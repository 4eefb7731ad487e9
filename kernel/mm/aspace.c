// SPDX-License-Identifier: MIT
/*
 * User address spaces (aspace.h has the contracts): one PML4 per address
 * space whose entries 256-511 are copies of the kernel's, the region set
 * (region.c), the user half's page tables, fork's copy-on-write sharing
 * and the mmap family's edits. Loading on a CPU, the CPU masks and the CPU
 * protections are in aspace_cpu.c.
 *
 * The kernel half is shared by copying PML4 entries, so those entries must
 * never change after the first address space exists: aspace_init gives
 * every kernel-half entry a PDPT at boot, and from then on kernel mappings
 * change only below the PML4 (kernel/mm/vmm.c walks from the kernel's own
 * PML4, and its changes show in every copy).
 *
 * Freeing pages: an entry is cleared, the CPUs that may cache it are shot
 * down, and only then is the page's reference dropped (a gather of pages
 * waits for the flush), so no CPU can write through a stale translation
 * into a page that was already given to someone else.
 *
 * Intel SDM Vol. 3A 4.5 (4-level paging), 4.6 (access rights, SMEP, SMAP),
 * 4.10.4 (TLB invalidation); 2.5 (CR4.UMIP).
 */
#include "aspace.h"

#include "../cpu.h"
#include "../errno.h"
#include "../lib/string.h"
#include "../panic.h"
#include "../../smp/smp.h"
#include "aspace_internal.h"
#include "heap.h"
#include "layout.h"
#include "page.h"
#include "pmm.h"
#include "vmm.h"

#define KERNEL_HALF_FIRST 256 /* PML4 entries 256-511: the kernel's */
#define PT_ENTRIES 512
#define REGIONS_INITIAL 16

static uint64_t *table_of(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

/* ---- Page-table walking ------------------------------------------------ */

uint64_t *aspace_pte(struct aspace *as, uint64_t va, bool alloc)
{
	uint64_t *t = phys_to_virt(as->pml4);
	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &t[(va >> shift) & (PT_ENTRIES - 1)];
		if (!(*e & PTE_P)) {
			if (!alloc)
				return 0;
			uint64_t p = pmm_alloc_pages(1);
			if (!p)
				return 0;
			/* Rights are decided at the last level only. */
			*e = p | PTE_P | PTE_W | PTE_U;
		}
		t = table_of(*e);
	}
	return &t[(va >> 12) & (PT_ENTRIES - 1)];
}

/* Call fn on every non-zero last-level entry of [start, end), skipping
 * absent tables whole. fn returns false to stop. */
typedef bool (*pte_fn)(uint64_t *pte, uint64_t va, void *ctx);

static void for_each_pte(struct aspace *as, uint64_t start, uint64_t end,
			 pte_fn fn, void *ctx)
{
	uint64_t va = start;
	while (va < end) {
		uint64_t *t = phys_to_virt(as->pml4);
		int shift;
		for (shift = 39; shift > 12; shift -= 9) {
			uint64_t e = t[(va >> shift) & (PT_ENTRIES - 1)];
			if (!(e & PTE_P))
				break;
			t = table_of(e);
		}
		if (shift > 12) { /* no table here: skip what it would map */
			va = (va | ((1ULL << shift) - 1)) + 1;
			continue;
		}
		for (unsigned i = (va >> 12) & (PT_ENTRIES - 1);
		     i < PT_ENTRIES && va < end; i++, va += PAGE_SIZE)
			if (t[i] && !fn(&t[i], va, ctx))
				return;
	}
}

uint64_t aspace_leaf_flags(const struct vm_region *r, bool writable)
{
	if (!(r->prot & (VM_READ | VM_WRITE | VM_EXEC)))
		return PTE_KEPT;
	uint64_t f = PTE_P | PTE_U;
	if (writable && (r->prot & VM_WRITE))
		f |= PTE_W;
	if (!(r->prot & VM_EXEC))
		f |= aspace_pte_nx;
	return f;
}

void aspace_flush(struct aspace *as, uint64_t va, uint64_t len)
{
	struct cpumask m;
	/* The entry changes before this must be visible before the mask is
	 * read (x86 may let a load pass an earlier store): a CPU whose bit
	 * we do not see yet loads CR3 after setting it, and its walk must
	 * then find the new entries. aspace_switch's locked bit-set is the
	 * other half. */
	atomic_thread_fence(memory_order_seq_cst);
	aspace_cpu_mask(as, &m);
	if (cpumask_empty(&m))
		return; /* loaded nowhere: no TLB holds its entries */
	tlb_shootdown_mask(&as->cpus, va, len);
}

/* Pages whose entries were cleared, waiting for the shootdown before their
 * references are dropped. */
#define GATHER_MAX 64
struct gather {
	struct aspace *as;
	uint64_t lo, hi; /* the range flushed */
	bool changed;	 /* an entry changed: flush even with no page */
	int n;
	uint64_t pages[GATHER_MAX];
};

static void gather_flush(struct gather *g)
{
	if (g->changed || g->n)
		aspace_flush(g->as, g->lo, g->hi - g->lo);
	for (int i = 0; i < g->n; i++)
		page_put(g->pages[i]);
	g->n = 0;
	g->changed = false;
}

static bool zap_one(uint64_t *pte, uint64_t va, void *ctx)
{
	struct gather *g = ctx;
	uint64_t e = *pte;
	(void)va;
	*pte = 0;
	g->changed = true;
	if (pte_has_page(e)) {
		g->as->resident--;
		aspace_node_count(g->as, e & PTE_ADDR, -1);
		g->pages[g->n++] = e & PTE_ADDR;
		if (g->n == GATHER_MAX)
			gather_flush(g);
	}
	return true;
}

/* Clear every entry in [start, end); pages are dropped after the flush,
 * at the latest in the caller's gather_flush(). as->lock held. */
static void zap(struct gather *g, uint64_t start, uint64_t end)
{
	for_each_pte(g->as, start, end, zap_one, g);
}

/* ---- Creation and destruction ------------------------------------------ */

static int grow_regions(struct vm_region_set *s, int cap)
{
	struct vm_region *v = kmalloc(sizeof(*v) * (size_t)cap);
	if (!v)
		return -ENOMEM;
	for (int i = 0; i < s->n; i++)
		v[i] = s->v[i];
	kfree(s->v);
	s->v = v;
	s->cap = cap;
	return 0;
}

/* Debug builds check the region set after every edit (a few dozen
 * entries: cheap). */
static void regions_checked(struct aspace *as)
{
	if (COHORT_DEBUG && region_check(&as->regions))
		panic("mm: region set broken at entry %d",
		      region_check(&as->regions) - 1);
}

/* Room for one more region edit. as->lock held. */
static int ensure_room(struct aspace *as)
{
	if (region_room(&as->regions))
		return 0;
	return grow_regions(&as->regions, as->regions.cap * 2);
}

struct aspace *aspace_create(void)
{
	struct aspace *as = kzalloc(sizeof(*as));
	if (!as)
		return 0;
	as->pml4 = pmm_alloc_pages(1);
	as->regions.v = kmalloc(sizeof(struct vm_region) * REGIONS_INITIAL);
	if (!as->pml4 || !as->regions.v) {
		if (as->pml4)
			pmm_free_pages(as->pml4, 1);
		kfree(as->regions.v);
		kfree(as);
		return 0;
	}
	as->regions.cap = REGIONS_INITIAL;
	const uint64_t *k = phys_to_virt(vmm_kernel_pml4());
	uint64_t *t = phys_to_virt(as->pml4);
	for (int i = KERNEL_HALF_FIRST; i < PT_ENTRIES; i++)
		t[i] = k[i];
	atomic_init(&as->refs, 1);
	as->lock = (struct spinlock)SPINLOCK_INIT("aspace");
	return as;
}

void aspace_get(struct aspace *as)
{
	int old = atomic_fetch_add_explicit(&as->refs, 1, memory_order_relaxed);
	ASSERT(old > 0);
}

/* Free a table of `level` (3: a PDPT, 2: a page directory, 1: a page
 * table) and everything below it, dropping the pages' references. */
static void free_table(uint64_t phys, int level)
{
	uint64_t *t = phys_to_virt(phys);
	for (int i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = t[i];
		if (level == 1) {
			if (pte_has_page(e))
				page_put(e & PTE_ADDR);
		} else if (e & PTE_P) {
			free_table(e & PTE_ADDR, level - 1);
		}
	}
	pmm_free_pages(phys, 1);
}

void aspace_put(struct aspace *as)
{
	int old = atomic_fetch_sub_explicit(&as->refs, 1, memory_order_acq_rel);
	ASSERT(old > 0);
	if (old != 1)
		return;
	/* Nobody uses it any more; only CPUs keeping it loaded lazily (or
	 * this one) can still walk its tables. Make them load the kernel's
	 * PML4 first. No CPU can add itself now: that takes a thread using
	 * `as`, which holds a reference. */
	aspace_unload_everywhere(as);
	uint64_t *t = phys_to_virt(as->pml4);
	for (int i = 0; i < KERNEL_HALF_FIRST; i++)
		if (t[i] & PTE_P)
			free_table(t[i] & PTE_ADDR, 3);
	pmm_free_pages(as->pml4, 1);
	kfree(as->regions.v);
	kfree(as);
}

/* ---- Fork ---------------------------------------------------------------- */

struct fork_ctx {
	struct aspace *child;
	const struct vm_region *r;
	bool failed, write_protected;
};

static bool fork_one(uint64_t *pte, uint64_t va, void *arg)
{
	struct fork_ctx *c = arg;
	uint64_t e = *pte;
	if (!pte_has_page(e))
		return true;
	uint64_t *cpte = aspace_pte(c->child, va, true);
	if (!cpte) {
		c->failed = true;
		return false;
	}
	page_get(e & PTE_ADDR);
	if (!(c->r->flags & VM_SHARED) && (e & PTE_W)) {
		/* Copy-on-write in both: the first write copies (or, once
		 * the other side is gone, takes the page back). */
		e &= ~PTE_W;
		*pte = e;
		c->write_protected = true;
	}
	*cpte = e;
	c->child->resident++;
	aspace_node_count(c->child, e & PTE_ADDR, 1);
	return true;
}

struct aspace *aspace_fork(struct aspace *parent)
{
	struct aspace *child = aspace_create();
	if (!child)
		return 0;
	spin_lock(&parent->lock);
	struct fork_ctx c = { .child = child };
	if (parent->regions.n + REGION_SLACK > child->regions.cap &&
	    grow_regions(&child->regions, parent->regions.n + REGION_SLACK))
		c.failed = true;
	/* A shared region's pages must exist before they are shared: a page
	 * faulted in later, on one side, would be that side's alone. So fork
	 * fills the holes of every shared region first (Linux keeps them in
	 * a shmem object instead; this costs the memory of the untouched
	 * part of a shared mapping, once, at the first fork). A page that
	 * cannot be filled now (PROT_NONE) stays a hole. */
	for (int i = 0; i < parent->regions.n && !c.failed; i++) {
		const struct vm_region *r = &parent->regions.v[i];
		if (!(r->flags & VM_SHARED))
			continue;
		/* PROT_NONE: no page can be filled, so do not visit them one
		 * by one. The loop below is bounded by memory (each step
		 * finds a page or allocates one, and stops at -ENOMEM), but
		 * a PROT_NONE reservation is bounded by nothing: 16 TiB took
		 * hours with this lock held. */
		if (!(r->prot & (VM_READ | VM_WRITE | VM_EXEC)))
			continue;
		for (uint64_t va = r->start; va < r->end && !c.failed;
		     va += PAGE_SIZE) {
			uint64_t *pte = aspace_pte(parent, va, false);
			if (pte && pte_has_page(*pte))
				continue;
			if (aspace_fault_locked(parent, va, 0) == -ENOMEM)
				c.failed = true;
		}
	}
	/* The child is not shared yet: its lock is not needed. */
	for (int i = 0; i < parent->regions.n && !c.failed; i++) {
		c.r = &parent->regions.v[i];
		child->regions.v[i] = *c.r;
		child->regions.n = i + 1;
		for_each_pte(parent, c.r->start, c.r->end, fork_one, &c);
	}
	child->brk_start = parent->brk_start;
	child->brk_end = parent->brk_end;
	/* Other threads of the parent may hold writable translations of the
	 * pages just made read-only: no write may land after this returns. */
	if (c.write_protected)
		aspace_flush(parent, 0, 0);
	spin_unlock(&parent->lock);
	if (c.failed) {
		aspace_put(child); /* drops the references taken so far */
		return 0;
	}
	return child;
}

/* ---- Mapping edits --------------------------------------------------------- */

static bool user_range(uint64_t addr, uint64_t len)
{
	return len > 0 && !(addr & (PAGE_SIZE - 1)) && !(len & (PAGE_SIZE - 1)) &&
	       addr >= USER_MIN && addr <= USER_TOP && len <= USER_TOP - addr;
}

/* MAP_FIXED mapping, as->lock held. */
static int map_locked(struct aspace *as, uint64_t addr, uint64_t len,
		      unsigned prot, unsigned flags,
		      const struct vm_file *file, uint64_t file_off,
		      uint64_t file_len)
{
	if (!user_range(addr, len))
		return -EINVAL;
	if (ensure_room(as))
		return -ENOMEM;
	struct vm_region r = {
		.start = addr,
		.end = addr + len,
		.prot = prot & (VM_READ | VM_WRITE | VM_EXEC),
		.flags = flags & (VM_SHARED | VM_GROWSDOWN | VM_NOWRITE),
	};
	if (file) {
		r.file_data = file->data;
		r.file_off = file_off;
		uint64_t limit = file_len > UINT64_MAX - file_off ?
					 UINT64_MAX :
					 file_off + file_len;
		r.file_limit = limit < file->size ? limit : file->size;
		/* Its pages are private copies: never shared by fork. */
		r.flags &= ~VM_SHARED;
	}
	struct gather g = { .as = as, .lo = addr, .hi = addr + len };
	zap(&g, addr, addr + len);
	region_insert(&as->regions, &r);
	regions_checked(as);
	gather_flush(&g);
	return 0;
}

int aspace_map(struct aspace *as, uint64_t addr, uint64_t len, unsigned prot,
	       unsigned flags, const struct vm_file *file, uint64_t file_off,
	       uint64_t file_len)
{
	spin_lock(&as->lock);
	int r = map_locked(as, addr, len, prot, flags, file, file_off,
			   file_len);
	spin_unlock(&as->lock);
	return r;
}

uint64_t aspace_find_free(struct aspace *as, uint64_t len)
{
	spin_lock(&as->lock);
	uint64_t a = region_find_free(&as->regions, len, USER_MIN,
				      USER_MMAP_TOP);
	spin_unlock(&as->lock);
	return a;
}

int64_t aspace_mmap(struct aspace *as, uint64_t addr, uint64_t len,
		    unsigned prot, unsigned flags, int how,
		    const struct vm_file *file, uint64_t file_off)
{
	if (len == 0 || (len & (PAGE_SIZE - 1)))
		return -EINVAL;
	spin_lock(&as->lock);
	int64_t r;
	if (how != ASPACE_MAP_HINT) {
		if (!user_range(addr, len))
			r = -EINVAL;
		else if (how == ASPACE_MAP_NOREPLACE &&
			 region_overlaps(&as->regions, addr, addr + len))
			r = -EEXIST;
		else
			r = 0;
	} else {
		if (!user_range(addr, len) ||
		    region_overlaps(&as->regions, addr, addr + len))
			addr = region_find_free(&as->regions, len, USER_MIN,
						USER_MMAP_TOP);
		r = addr ? 0 : -ENOMEM;
	}
	if (r == 0)
		r = map_locked(as, addr, len, prot, flags, file, file_off,
			       UINT64_MAX);
	spin_unlock(&as->lock);
	return r ? r : (int64_t)addr;
}

int aspace_unmap(struct aspace *as, uint64_t addr, uint64_t len)
{
	if (len == 0 || (addr & (PAGE_SIZE - 1)) || addr > USER_TOP ||
	    len > USER_TOP - addr)
		return -EINVAL;
	len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	spin_lock(&as->lock);
	int r = ensure_room(as);
	if (r == 0) {
		struct gather g = { .as = as, .lo = addr, .hi = addr + len };
		zap(&g, addr, addr + len);
		region_remove(&as->regions, addr, addr + len);
		regions_checked(as);
		gather_flush(&g);
	}
	spin_unlock(&as->lock);
	return r;
}

struct protect_ctx {
	struct vm_region r; /* the region with its new protection */
	bool changed;
};

static bool protect_one(uint64_t *pte, uint64_t va, void *arg)
{
	struct protect_ctx *c = arg;
	uint64_t e = *pte;
	(void)va;
	if (!pte_has_page(e))
		return true;
	/* A private page stays writable only if it already was (it is ours
	 * alone); otherwise the next write fault decides (copy or reuse). */
	bool writable = (c->r.flags & VM_SHARED) || (e & PTE_W);
	uint64_t n = (e & PTE_ADDR) | aspace_leaf_flags(&c->r, writable);
	if (n != e) {
		*pte = n;
		c->changed = true;
	}
	return true;
}

int aspace_protect(struct aspace *as, uint64_t addr, uint64_t len,
		   unsigned prot)
{
	uint64_t end = addr + len;
	if ((addr | len) & (PAGE_SIZE - 1))
		return -EINVAL;
	if (len == 0 || end < addr || end > USER_TOP)
		return -ENOMEM;
	prot &= VM_READ | VM_WRITE | VM_EXEC;
	spin_lock(&as->lock);
	int r = 0;
	if (!region_covered(&as->regions, addr, end))
		r = -ENOMEM;
	for (int i = 0; r == 0 && i < as->regions.n; i++) {
		const struct vm_region *v = &as->regions.v[i];
		if (v->end > addr && v->start < end && (prot & VM_WRITE) &&
		    (v->flags & VM_NOWRITE))
			r = -EACCES;
	}
	if (r == 0)
		r = ensure_room(as);
	if (r == 0) {
		bool changed = false;
		for (int i = 0; i < as->regions.n; i++) {
			struct protect_ctx c = { .r = as->regions.v[i] };
			if (c.r.end <= addr || c.r.start >= end)
				continue;
			c.r.prot = prot;
			uint64_t lo = c.r.start > addr ? c.r.start : addr;
			uint64_t hi = c.r.end < end ? c.r.end : end;
			for_each_pte(as, lo, hi, protect_one, &c);
			changed |= c.changed;
		}
		region_protect(&as->regions, addr, end, prot);
		regions_checked(as);
		if (changed)
			aspace_flush(as, addr, len);
	}
	spin_unlock(&as->lock);
	return r;
}

int aspace_dontneed(struct aspace *as, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;
	if ((addr | len) & (PAGE_SIZE - 1))
		return -EINVAL;
	if (len == 0 || end < addr || end > USER_TOP)
		return -ENOMEM;
	spin_lock(&as->lock);
	int r = region_covered(&as->regions, addr, end) ? 0 : -ENOMEM;
	struct gather g = { .as = as, .lo = addr, .hi = end };
	for (int i = 0; i < as->regions.n; i++) {
		const struct vm_region *v = &as->regions.v[i];
		if (v->end <= addr || v->start >= end || (v->flags & VM_SHARED))
			continue;
		zap(&g, v->start > addr ? v->start : addr,
		    v->end < end ? v->end : end);
	}
	gather_flush(&g);
	spin_unlock(&as->lock);
	return r;
}

void aspace_set_brk(struct aspace *as, uint64_t start)
{
	spin_lock(&as->lock);
	as->brk_start = as->brk_end = start;
	spin_unlock(&as->lock);
}

static uint64_t page_up(uint64_t a)
{
	return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

uint64_t aspace_brk(struct aspace *as, uint64_t want)
{
	spin_lock(&as->lock);
	uint64_t cur = as->brk_end;
	if (!as->brk_start || want < as->brk_start ||
	    want - as->brk_start > USER_BRK_MAX || want > USER_TOP)
		goto out;
	uint64_t old_top = page_up(cur), new_top = page_up(want);
	if (new_top > old_top) {
		if (region_overlaps(&as->regions, old_top, new_top) ||
		    map_locked(as, old_top, new_top - old_top,
			       VM_READ | VM_WRITE, 0, 0, 0, 0))
			goto out;
	} else if (new_top < old_top) {
		if (ensure_room(as))
			goto out;
		struct gather g = { .as = as, .lo = new_top, .hi = old_top };
		zap(&g, new_top, old_top);
		region_remove(&as->regions, new_top, old_top);
		regions_checked(as);
		gather_flush(&g);
	}
	as->brk_end = cur = want;
out:
	spin_unlock(&as->lock);
	return cur;
}

int aspace_write(struct aspace *as, uint64_t addr, const void *src,
		 uint64_t len)
{
	const uint8_t *s = src;
	if (addr > USER_TOP || len > USER_TOP - addr)
		return -EFAULT;
	while (len) {
		uint64_t off = addr & (PAGE_SIZE - 1);
		uint64_t n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
		spin_lock(&as->lock);
		int r = aspace_fault_locked(as, addr, PF_WRITE | PF_USER);
		uint64_t *pte = r ? 0 : aspace_pte(as, addr, false);
		bool ok = pte && (*pte & PTE_P);
		if (ok)
			memcpy((uint8_t *)phys_to_virt(*pte & PTE_ADDR) + off, s, n);
		spin_unlock(&as->lock);
		if (!ok)
			return r == -ENOMEM ? -ENOMEM : -EFAULT;
		addr += n;
		s += n;
		len -= n;
	}
	return 0;
}

int aspace_home_node(struct aspace *as)
{
	/* Racy reads of the counts (written under as->lock): a hint. */
	return pmm_node_home(&as->nodes, pmm_node_count());
}

int aspace_home_hint(const struct aspace *as)
{
	return __atomic_load_n(&as->nodes.home, __ATOMIC_RELAXED);
}

uint32_t aspace_node_pages(const struct aspace *as, int node)
{
	if (node < 0 || node >= TOPO_MAX_NODES)
		return 0;
	return __atomic_load_n(&as->nodes.pages[node], __ATOMIC_RELAXED);
}

uint64_t aspace_resident_pages(const struct aspace *as)
{
	return __atomic_load_n(&as->resident, __ATOMIC_RELAXED);
}

int64_t aspace_translate(struct aspace *as, uint64_t addr)
{
	spin_lock(&as->lock);
	uint64_t *pte = addr < USER_TOP ? aspace_pte(as, addr, false) : 0;
	int64_t r = pte && pte_has_page(*pte) ? (int64_t)(*pte & PTE_ADDR) : -1;
	spin_unlock(&as->lock);
	return r;
}
