/* SPDX-License-Identifier: MIT */
/*
 * The VM-region set of one address space: a sorted array of disjoint,
 * page-aligned ranges, each with its protection, flags and (for a file
 * mapping) its view of an immutable file. Pure bookkeeping: no page
 * tables, no locks, no allocation, so it builds on the host and is unit
 * tested there (tests/unit/mm/region-test.c).
 *
 * Guarantees after every call: regions sorted by start, disjoint, each
 * non-empty and page aligned; neighbours that are indistinguishable
 * (anonymous, same protection and flags) are merged, so brk growth and
 * mprotect round trips do not fragment the set.
 *
 * Storage is the caller's: an operation that can add regions needs room
 * for REGION_SLACK more than the set holds (region_room() says whether
 * there is); the caller (aspace.c) grows the array before calling. That
 * keeps every edit a single step that cannot fail halfway.
 *
 * Read next: kernel/mm/aspace.c (which applies the same edits to the page
 * tables).
 */
#ifndef COHORT_MM_REGION_H
#define COHORT_MM_REGION_H

#include <stdbool.h>
#include <stdint.h>

#include "aspace.h"

/* The most regions one edit can add: a range inside one region splits it
 * into three. */
#define REGION_SLACK 2

struct vm_region {
	uint64_t start, end; /* [start, end), page aligned, start < end */
	unsigned prot;	     /* VM_READ | VM_WRITE | VM_EXEC */
	unsigned flags;	     /* VM_SHARED, VM_GROWSDOWN, VM_NOWRITE */
	/* File view (NULL: anonymous). The byte at address a is
	 * file_data[file_off + (a - start)] while that offset is below
	 * file_limit, zero beyond it. */
	const uint8_t *file_data;
	uint64_t file_off;
	uint64_t file_limit;
};

struct vm_region_set {
	struct vm_region *v; /* sorted by start */
	int n, cap;
};

/* True if the set has room for one more edit (REGION_SLACK free slots). */
bool region_room(const struct vm_region_set *s);

/* The region containing addr, or NULL. */
struct vm_region *region_find(struct vm_region_set *s, uint64_t addr);
/* The lowest region ending above addr (the one containing it, or the next
 * one up), or NULL. */
struct vm_region *region_above(struct vm_region_set *s, uint64_t addr);
/* True if any byte of [start, end) is in a region. */
bool region_overlaps(const struct vm_region_set *s, uint64_t start,
		     uint64_t end);
/* True if every byte of [start, end) is in some region. */
bool region_covered(const struct vm_region_set *s, uint64_t start,
		    uint64_t end);

/* Insert r, first removing whatever overlaps it (MAP_FIXED). Needs
 * region_room(). r must be valid (page aligned, start < end). */
void region_insert(struct vm_region_set *s, const struct vm_region *r);
/* Remove [start, end) from the set, splitting regions at its edges. Needs
 * region_room(). */
void region_remove(struct vm_region_set *s, uint64_t start, uint64_t end);
/* Set the protection of every mapped part of [start, end) to prot,
 * splitting at the edges. Needs region_room(). */
void region_protect(struct vm_region_set *s, uint64_t start, uint64_t end,
		    unsigned prot);
/* Lower r's start to new_start (stack growth). new_start must be page
 * aligned and at or above the previous region's end. Returns the region
 * that now holds new_start: r, or the neighbour below it merged with it
 * (r is then no longer valid). */
struct vm_region *region_grow_down(struct vm_region_set *s,
				   struct vm_region *r, uint64_t new_start);

/* The highest address a with [a, a + len) inside [lo, hi) and free, or 0
 * if there is none (len page aligned, > 0). */
uint64_t region_find_free(const struct vm_region_set *s, uint64_t len,
			  uint64_t lo, uint64_t hi);

/* Check the guarantees above; 0 if they hold, else the index of the first
 * bad region plus one. For tests and DEBUG_CHECK. */
int region_check(const struct vm_region_set *s);

#endif
