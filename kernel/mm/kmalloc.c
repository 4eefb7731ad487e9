// SPDX-License-Identifier: MIT
/* kmalloc/kfree: the heap core on top of pmm, under heap_lock. */
#include "../lib/string.h"
#include "../panic.h"
#include "../spinlock.h"
#include "heap.h"
#include "layout.h"
#include "pmm.h"

static void *pages_alloc(size_t count)
{
	uint64_t phys = pmm_alloc_pages(count);
	return phys ? phys_to_virt(phys) : NULL;
}

static void pages_free(void *p, size_t count)
{
	pmm_free_pages(virt_to_phys(p), count);
}

/* Protects: heap (free lists and counters). Lock order: heap_lock ->
 * pmm_lock (refill and large objects call pmm while holding it). */
static struct spinlock heap_lock = SPINLOCK_INIT("heap");
static struct heap heap = { .alloc_pages = pages_alloc,
			    .free_pages = pages_free };

void *kmalloc(size_t size)
{
	uint64_t f = spin_lock_irqsave(&heap_lock);
	void *p = heap_alloc(&heap, size);
	spin_unlock_irqrestore(&heap_lock, f);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	uint64_t f = spin_lock_irqsave(&heap_lock);
	int r = heap_free(&heap, p);
	spin_unlock_irqrestore(&heap_lock, f);
	if (r)
		panic("kfree: %p is not a live heap object (double free?)", p);
}
