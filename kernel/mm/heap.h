/* SPDX-License-Identifier: MIT */
/*
 * Kernel heap: kmalloc/kfree for objects of any size.
 *
 * Small objects (up to HEAP_MAX_SMALL bytes) come from per-size-class free
 * lists carved out of whole pages; larger ones take contiguous pages. Each
 * object carries a 16-byte header (so every result is 16-byte aligned) whose
 * magic catches double frees and frees of foreign pointers: those panic,
 * because they mean the kernel is already corrupt. Freed small objects are
 * poisoned (0x6b) to make use-after-free visible.
 *
 * Like pmm, two layers: heap.c is pure (host-tested) over a page provider;
 * kmalloc.c connects it to pmm and holds heap_lock.
 */
#ifndef COHORT_MM_HEAP_H
#define COHORT_MM_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define HEAP_MIN_SHIFT 4	/* 16-byte class */
#define HEAP_CLASSES 8		/* 16 .. 2048 bytes, header included */
#define HEAP_MAX_SMALL (2048 - 16)
#define HEAP_PAGE 4096

struct heap {
	/* Page provider: count contiguous pages, or NULL. */
	void *(*alloc_pages)(size_t count);
	void (*free_pages)(void *p, size_t count);
	void *free_list[HEAP_CLASSES];
	uint64_t bytes_in_use; /* requested bytes of live objects */
	uint64_t objects_in_use;
};

/* Results: the object, or NULL if out of memory or size == 0. */
void *heap_alloc(struct heap *h, size_t size);
/* Returns 0, or -1 without changing anything if p was not allocated by h
 * or was already freed. p == NULL is a no-op. */
int heap_free(struct heap *h, void *p);
/* Requested size of a live object, or 0 if p is not one. */
size_t heap_size(const void *p);

/* ---- Kernel interface (kmalloc.c) ---- */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

#endif
