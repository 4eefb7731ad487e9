// SPDX-License-Identifier: MIT
/*
 * The VM-region set (region.h has the contract). A sorted array: user
 * programs have tens of regions, lookups are a binary search, and an edit
 * moves a few dozen entries at most. Every edit is "cut the affected range
 * out, then put the new piece in", which is all MAP_FIXED, munmap and
 * mprotect need.
 */
#include "region.h"

#define PAGE 4096ULL

bool region_room(const struct vm_region_set *s)
{
	return s->n + REGION_SLACK <= s->cap;
}

/* Index of the first region with end > addr (s->n if none). */
static int first_above(const struct vm_region_set *s, uint64_t addr)
{
	int lo = 0, hi = s->n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (s->v[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

struct vm_region *region_above(struct vm_region_set *s, uint64_t addr)
{
	int i = first_above(s, addr);
	return i < s->n ? &s->v[i] : 0;
}

struct vm_region *region_find(struct vm_region_set *s, uint64_t addr)
{
	struct vm_region *r = region_above(s, addr);
	return r && r->start <= addr ? r : 0;
}

bool region_overlaps(const struct vm_region_set *s, uint64_t start,
		     uint64_t end)
{
	int i = first_above(s, start);
	return i < s->n && s->v[i].start < end;
}

bool region_covered(const struct vm_region_set *s, uint64_t start,
		    uint64_t end)
{
	uint64_t at = start;
	for (int i = first_above(s, start); i < s->n && at < end; i++) {
		if (s->v[i].start > at)
			return false;
		at = s->v[i].end;
	}
	return at >= end;
}

static void move(struct vm_region_set *s, int to, int from)
{
	int count = s->n - from;
	if (count <= 0 || to == from)
		return;
	if (to < from)
		for (int k = 0; k < count; k++)
			s->v[to + k] = s->v[from + k];
	else
		for (int k = count - 1; k >= 0; k--)
			s->v[to + k] = s->v[from + k];
}

/* Make room at index i for `count` entries. */
static void open_gap(struct vm_region_set *s, int i, int count)
{
	move(s, i + count, i);
	s->n += count;
}

static void close_gap(struct vm_region_set *s, int i, int count)
{
	move(s, i, i + count);
	s->n -= count;
}

/* Move a region's start up to `start`, keeping its file view in step. */
static void trim_front(struct vm_region *r, uint64_t start)
{
	if (r->file_data)
		r->file_off += start - r->start;
	r->start = start;
}

/* Split the region at index i at addr (strictly inside it). */
static void split(struct vm_region_set *s, int i, uint64_t addr)
{
	open_gap(s, i + 1, 1);
	s->v[i + 1] = s->v[i];
	s->v[i].end = addr;
	trim_front(&s->v[i + 1], addr);
}

/* Split regions so that start and end fall on region edges; returns the
 * index of the first region inside [start, end). */
static int cut(struct vm_region_set *s, uint64_t start, uint64_t end)
{
	int i = first_above(s, start);
	if (i < s->n && s->v[i].start < start && s->v[i].end > start) {
		split(s, i, start);
		i++;
	}
	int j = first_above(s, end);
	if (j < s->n && s->v[j].start < end && s->v[j].end > end)
		split(s, j, end);
	return i;
}

static bool mergeable(const struct vm_region *a, const struct vm_region *b)
{
	return a->end == b->start && !a->file_data && !b->file_data &&
	       a->prot == b->prot && a->flags == b->flags;
}

/* Merge index i with its neighbours where possible. */
static void merge_around(struct vm_region_set *s, int i)
{
	if (i + 1 < s->n && mergeable(&s->v[i], &s->v[i + 1])) {
		s->v[i].end = s->v[i + 1].end;
		close_gap(s, i + 1, 1);
	}
	if (i > 0 && i < s->n && mergeable(&s->v[i - 1], &s->v[i])) {
		s->v[i - 1].end = s->v[i].end;
		close_gap(s, i, 1);
	}
}

void region_remove(struct vm_region_set *s, uint64_t start, uint64_t end)
{
	int i = cut(s, start, end), j = i;
	while (j < s->n && s->v[j].end <= end)
		j++;
	close_gap(s, i, j - i);
}

void region_insert(struct vm_region_set *s, const struct vm_region *r)
{
	region_remove(s, r->start, r->end);
	int i = first_above(s, r->start);
	open_gap(s, i, 1);
	s->v[i] = *r;
	merge_around(s, i);
}

void region_protect(struct vm_region_set *s, uint64_t start, uint64_t end,
		    unsigned prot)
{
	int i = cut(s, start, end), last = i;
	for (int k = i; k < s->n && s->v[k].start < end; k++) {
		s->v[k].prot = prot;
		last = k;
	}
	/* Merge from the top down so indices below stay valid. */
	for (int k = last; k >= i && k < s->n; k--)
		merge_around(s, k);
}

struct vm_region *region_grow_down(struct vm_region_set *s,
				   struct vm_region *r, uint64_t new_start)
{
	int i = (int)(r - s->v);
	if (r->file_data)
		r->file_off -= r->start - new_start;
	r->start = new_start;
	merge_around(s, i);
	return region_find(s, new_start);
}

uint64_t region_find_free(const struct vm_region_set *s, uint64_t len,
			  uint64_t lo, uint64_t hi)
{
	if (len == 0 || hi < lo || hi - lo < len)
		return 0;
	/* Walk gaps from the top: the gap above region i-1 and below region
	 * i (or below hi). */
	uint64_t top = hi;
	for (int i = first_above(s, hi) ; ; i--) {
		uint64_t gap_hi = top;
		if (i < s->n && s->v[i].start < gap_hi)
			gap_hi = s->v[i].start;
		uint64_t gap_lo = i > 0 ? s->v[i - 1].end : lo;
		if (gap_lo < lo)
			gap_lo = lo;
		if (gap_hi > gap_lo && gap_hi - gap_lo >= len)
			return (gap_hi - len) & ~(PAGE - 1);
		if (i == 0 || s->v[i - 1].end <= lo)
			return 0;
		top = s->v[i - 1].start;
	}
}

int region_check(const struct vm_region_set *s)
{
	for (int i = 0; i < s->n; i++) {
		const struct vm_region *r = &s->v[i];
		if (r->start >= r->end || (r->start | r->end) & (PAGE - 1))
			return i + 1;
		if (i > 0 && s->v[i - 1].end > r->start)
			return i + 1;
		if (i > 0 && mergeable(&s->v[i - 1], r))
			return i + 1;
	}
	return 0;
}
