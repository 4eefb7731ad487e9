// SPDX-License-Identifier: MIT
/* Bitmap page allocator core (see pmm.h). Arch-free and lock-free: the
 * caller serialises. */
#include "pmm.h"

#include <stdbool.h>

#include "../boot_info.h"

/* boot_mmap_entry counts 4 KiB pages (boot_info.h); layout.h is not
 * included so the core stays arch-free. */
#define MAP_PAGE_BYTES 4096ULL

static uint64_t words(uint64_t npages)
{
	return (npages + 63) / 64;
}

size_t pmm_bitmap_bytes(uint64_t npages)
{
	return 2 * words(npages) * sizeof(uint64_t);
}

static bool test(const uint64_t *bm, uint64_t i)
{
	return (bm[i / 64] >> (i % 64)) & 1;
}

static void set(uint64_t *bm, uint64_t i)
{
	bm[i / 64] |= 1ULL << (i % 64);
}

static void clear(uint64_t *bm, uint64_t i)
{
	bm[i / 64] &= ~(1ULL << (i % 64));
}

void pmm_core_init(struct pmm *p, void *storage, uint64_t npages)
{
	uint64_t w = words(npages);

	p->used = storage;
	p->usable = p->used + w;
	p->npages = npages;
	p->free_pages = p->usable_pages = p->hint = 0;
	for (uint64_t i = 0; i < w; i++) {
		p->used[i] = ~0ULL;
		p->usable[i] = 0;
	}
}

/* Clamp [pfn, pfn+count) to the tracked pages without wrapping. */
static uint64_t clamp_end(const struct pmm *p, uint64_t pfn, uint64_t count)
{
	if (pfn >= p->npages)
		return pfn;
	return count > p->npages - pfn ? p->npages : pfn + count;
}

void pmm_core_add(struct pmm *p, uint64_t pfn, uint64_t count)
{
	uint64_t end = clamp_end(p, pfn, count);
	for (uint64_t i = pfn; i < end; i++) {
		if (test(p->usable, i))
			continue; /* overlapping map entries: count once */
		set(p->usable, i);
		clear(p->used, i);
		p->usable_pages++;
		p->free_pages++;
	}
}

void pmm_core_reserve(struct pmm *p, uint64_t pfn, uint64_t count)
{
	uint64_t end = clamp_end(p, pfn, count);
	for (uint64_t i = pfn; i < end; i++) {
		if (!test(p->usable, i))
			continue;
		if (!test(p->used, i))
			p->free_pages--;
		clear(p->usable, i);
		set(p->used, i);
		p->usable_pages--;
	}
}

/* Next free page at or after i, or `to` when there is none below `to`
 * (<= npages). Skips full words fast. */
static uint64_t next_free(const struct pmm *p, uint64_t i, uint64_t to)
{
	while (i < to) {
		if (i % 64 == 0 && p->used[i / 64] == ~0ULL) {
			i += 64;
			continue;
		}
		if (!test(p->used, i))
			return i;
		i++;
	}
	return to;
}

static int64_t search(struct pmm *p, uint64_t from, uint64_t to,
		      uint64_t count)
{
	if (to > p->npages)
		to = p->npages;
	uint64_t i = next_free(p, from, to);
	while (i < to && i + count <= p->npages) {
		uint64_t run = 0;
		while (run < count && !test(p->used, i + run))
			run++;
		if (run == count)
			return (int64_t)i;
		i = next_free(p, i + run, to);
	}
	return -1;
}

int64_t pmm_core_alloc(struct pmm *p, uint64_t count)
{
	if (count == 0 || count > p->free_pages)
		return -1;
	/* Next fit: start where the last allocation ended, then wrap. */
	int64_t pfn = search(p, p->hint, p->npages, count);
	if (pfn < 0)
		pfn = search(p, 0, p->hint, count);
	if (pfn < 0)
		return -1;
	for (uint64_t i = 0; i < count; i++)
		set(p->used, (uint64_t)pfn + i);
	p->free_pages -= count;
	p->hint = (uint64_t)pfn + count;
	return pfn;
}

int64_t pmm_core_alloc_below(struct pmm *p, uint64_t count, uint64_t limit)
{
	if (count == 0 || count > p->free_pages || limit < count)
		return -1;
	if (limit > p->npages)
		limit = p->npages;
	int64_t pfn = search(p, 0, limit, count);
	if (pfn < 0 || (uint64_t)pfn + count > limit)
		return -1;
	for (uint64_t i = 0; i < count; i++)
		set(p->used, (uint64_t)pfn + i);
	p->free_pages -= count;
	return pfn;
}

int64_t pmm_core_alloc_range(struct pmm *p, uint64_t count, uint64_t lo,
			     uint64_t hi)
{
	if (hi > p->npages)
		hi = p->npages;
	if (count == 0 || count > p->free_pages || lo >= hi || hi - lo < count)
		return -1;
	int64_t pfn = search(p, lo, hi, count);
	/* Starts only grow: if the first fit ends past hi, none fits. */
	if (pfn < 0 || (uint64_t)pfn + count > hi)
		return -1;
	for (uint64_t i = 0; i < count; i++)
		set(p->used, (uint64_t)pfn + i);
	p->free_pages -= count;
	return pfn;
}

/* Without -mpopcnt, gcc's builtin calls libgcc, which the kernel does not
 * link: the SWAR count instead. */
static uint64_t popcount(uint64_t w)
{
	w = w - ((w >> 1) & 0x5555555555555555ULL);
	w = (w & 0x3333333333333333ULL) + ((w >> 2) & 0x3333333333333333ULL);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (w * 0x0101010101010101ULL) >> 56;
}

/* Pages in [s, e) (clamped to npages) whose bit is set in bm, or clear
 * when `want` is false. */
static uint64_t count_in(const struct pmm *p, const uint64_t *bm, bool want,
			 uint64_t s, uint64_t e)
{
	uint64_t n = 0;
	if (e > p->npages)
		e = p->npages;
	for (uint64_t i = s; i < e; i++) {
		if (i % 64 == 0 && e - i >= 64) {
			uint64_t w = want ? bm[i / 64] : ~bm[i / 64];
			n += popcount(w);
			i += 63;
			continue;
		}
		n += test(bm, i) == want;
	}
	return n;
}

uint64_t pmm_core_usable_in(const struct pmm *p, uint64_t s, uint64_t e)
{
	return count_in(p, p->usable, true, s, e);
}

uint64_t pmm_core_free_in(const struct pmm *p, uint64_t s, uint64_t e)
{
	/* used is 1 for every page that is not usable, so a clear used bit
	 * is a free usable page. */
	return count_in(p, p->used, false, s, e);
}

int pmm_core_free(struct pmm *p, uint64_t pfn, uint64_t count)
{
	if (count == 0 || pfn >= p->npages || count > p->npages - pfn)
		return -1;
	for (uint64_t i = pfn; i < pfn + count; i++)
		if (!test(p->usable, i) || !test(p->used, i))
			return -1;
	for (uint64_t i = pfn; i < pfn + count; i++)
		clear(p->used, i);
	p->free_pages += count;
	return 0;
}

int pmm_type_allocatable(uint32_t type)
{
	return type == BOOT_MEM_USABLE || type == BOOT_MEM_LOADER;
}

void pmm_core_add_map(struct pmm *p, const struct boot_mmap_entry *m,
		      uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (pmm_type_allocatable(m[i].type))
			pmm_core_add(p, m[i].phys / MAP_PAGE_BYTES,
				     m[i].pages);
	/* Second pass, after every add: an overlapping allocatable entry
	 * later in the map must not make these pages free again. */
	for (uint32_t i = 0; i < n; i++)
		if (!pmm_type_allocatable(m[i].type))
			pmm_core_reserve(p, m[i].phys / MAP_PAGE_BYTES,
					 m[i].pages);
}

/* The end of the first non-allocatable entry that intersects [s, e), or 0
 * if none does. */
static uint64_t blocked_until(const struct boot_mmap_entry *m, uint32_t n,
			      uint64_t s, uint64_t e)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t rs = m[i].phys, re = rs + m[i].pages * MAP_PAGE_BYTES;
		/* An entry that reaches 2^64 (the loader keeps one that ends
		 * exactly there) has an end that computes as 0: it blocks
		 * everything from its start on. */
		if (m[i].pages > (UINT64_MAX - rs) / MAP_PAGE_BYTES)
			re = UINT64_MAX;
		if (!pmm_type_allocatable(m[i].type) && rs < e && re > s)
			return re;
	}
	return 0;
}

uint64_t pmm_place_bitmap(const struct boot_mmap_entry *m, uint32_t n,
			  uint64_t bytes, uint64_t min, uint64_t end)
{
	const uint64_t mask = MAP_PAGE_BYTES - 1;
	uint64_t size = (bytes + mask) & ~mask, best = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t s = m[i].phys, e = s + m[i].pages * MAP_PAGE_BYTES;
		if (m[i].type != BOOT_MEM_USABLE)
			continue;
		if (e > end)
			e = end;
		if (s < min)
			s = min;
		/* Each step moves s past one blocking entry: at most n
		 * steps per run. */
		while (e > s && e - s >= size) {
			uint64_t past = blocked_until(m, n, s, s + size);
			if (!past) {
				if (!best || s < best)
					best = s;
				break;
			}
			if (past > UINT64_MAX - mask)
				break; /* blocked up to 2^64: rounding wraps */
			s = (past + mask) & ~mask;
		}
	}
	return best;
}
