// SPDX-License-Identifier: MIT
/*
 * Pure helpers for the loader (see handoff.h). No EFI calls: these run after
 * ExitBootServices as well as before, and on the host under test.
 */
#include "handoff.h"

uint32_t efi_type_to_boot(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_MT_CONVENTIONAL:
	case EFI_MT_BS_CODE:
	case EFI_MT_BS_DATA:
		/* Boot-services memory is free after ExitBootServices
		 * (UEFI 2.10 section 7.4). */
		return BOOT_MEM_USABLE;
	case EFI_MT_LOADER_CODE:
		return BOOT_MEM_LOADER;
	case EFI_MT_LOADER_DATA:
		/* Everything the loader allocates for the kernel. */
		return BOOT_MEM_KERNEL;
	case EFI_MT_RT_CODE:
	case EFI_MT_RT_DATA:
		return BOOT_MEM_RUNTIME;
	case EFI_MT_ACPI_RECLAIM:
		return BOOT_MEM_ACPI_RECLAIM;
	case EFI_MT_ACPI_NVS:
		return BOOT_MEM_ACPI_NVS;
	case EFI_MT_MMIO:
	case EFI_MT_MMIO_PORT:
		return BOOT_MEM_MMIO;
	case EFI_MT_UNUSABLE:
		return BOOT_MEM_BAD;
	case EFI_MT_PERSISTENT:
		return BOOT_MEM_PERSISTENT;
	default:
		/* Reserved, PAL code, unaccepted (needs a TDX/SEV accept
		 * step we do not do), OEM and OS types. */
		return BOOT_MEM_RESERVED;
	}
}

static int touching(const struct boot_mmap_entry *a,
		    const struct boot_mmap_entry *b)
{
	return a->phys + a->pages * 4096 == b->phys;
}

/* Merge out[i] into its neighbours if they touch it and have the same EFI
 * type. Returns the new count. */
static int merge_at(struct boot_mmap_entry *out, int n, int i)
{
	if (i + 1 < n && out[i + 1].efi_type == out[i].efi_type &&
	    touching(&out[i], &out[i + 1])) {
		out[i].pages += out[i + 1].pages;
		for (int j = i + 1; j + 1 < n; j++)
			out[j] = out[j + 1];
		n--;
	}
	if (i > 0 && out[i - 1].efi_type == out[i].efi_type &&
	    touching(&out[i - 1], &out[i])) {
		out[i - 1].pages += out[i].pages;
		for (int j = i; j + 1 < n; j++)
			out[j] = out[j + 1];
		n--;
	}
	return n;
}

/* Merge touching neighbours of the same BOOT_MEM type (losing the EFI
 * type of all but the first): only when a firmware map is too long to keep
 * every EFI type apart. */
static int compact(struct boot_mmap_entry *out, int n)
{
	int m = 0;
	for (int i = 0; i < n; i++) {
		if (m > 0 && out[m - 1].type == out[i].type &&
		    touching(&out[m - 1], &out[i])) {
			out[m - 1].pages += out[i].pages;
			continue;
		}
		out[m++] = out[i];
	}
	return m;
}

/* Where e goes in the sorted out[0..n). */
static int slot_for(const struct boot_mmap_entry *out, int n, uint64_t phys)
{
	int i = n;
	while (i > 0 && out[i - 1].phys > phys)
		i--;
	return i;
}

int mmap_reduce(const void *efi_map, size_t map_size, size_t desc_size,
		struct boot_mmap_entry *out, int max)
{
	const uint8_t *p = efi_map;
	int n = 0;

	if (desc_size < sizeof(struct efi_mdesc))
		return -1;
	for (size_t off = 0; off + desc_size <= map_size; off += desc_size) {
		const struct efi_mdesc *d = (const void *)(p + off);
		if (d->pages == 0)
			continue;
		struct boot_mmap_entry e = {
			.phys = d->phys,
			.pages = d->pages,
			.type = efi_type_to_boot(d->type),
			.efi_type = d->type,
		};
		int i = slot_for(out, n, e.phys);
		/* Extend a touching neighbour of the same EFI type in place:
		 * needs no new slot, so it works even when out[] is full. */
		if (i > 0 && out[i - 1].efi_type == e.efi_type &&
		    touching(&out[i - 1], &e)) {
			out[i - 1].pages += e.pages;
			n = merge_at(out, n, i - 1);
			continue;
		}
		if (i < n && out[i].efi_type == e.efi_type && touching(&e, &out[i])) {
			out[i].phys = e.phys;
			out[i].pages += e.pages;
			n = merge_at(out, n, i);
			continue;
		}
		if (n == max) {
			n = compact(out, n);
			if (n == max)
				return -1;
			i = slot_for(out, n, e.phys);
		}
		/* Insertion sort: the map is short and usually sorted. */
		for (int j = n; j > i; j--)
			out[j] = out[j - 1];
		out[i] = e;
		n++;
	}
	return n;
}

uint64_t tramp_pick(const struct boot_mmap_entry *map, int n)
{
	uint64_t best = 0;

	for (int i = 0; i < n; i++) {
		if (map[i].type != BOOT_MEM_USABLE)
			continue;
		uint64_t start = (map[i].phys + 0xfff) & ~0xfffULL;
		uint64_t end = (map[i].phys + map[i].pages * 4096) & ~0xfffULL;
		if (start < TRAMP_MIN)
			start = TRAMP_MIN;
		if (end > TRAMP_LIMIT)
			end = TRAMP_LIMIT;
		if (end >= start + 4096 && end - 4096 > best)
			best = end - 4096;
	}
	return best;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Append word [w, w+len) to out with one separating space. */
static void append_word(char *out, size_t max, size_t *pos, const char *w,
			size_t len)
{
	if (*pos != 0 && *pos + 1 < max)
		out[(*pos)++] = ' ';
	for (size_t i = 0; i < len && *pos + 1 < max; i++)
		out[(*pos)++] = w[i];
	out[*pos] = 0;
}

static int ends_with_efi(const char *w, size_t len)
{
	if (len < 4)
		return 0;
	const char *s = w + len - 4;
	return s[0] == '.' && (s[1] | 0x20) == 'e' && (s[2] | 0x20) == 'f' &&
	       (s[3] | 0x20) == 'i';
}

int cmdline_from_load_options(const uint16_t *opts, size_t bytes, char *out,
			      size_t max)
{
	char buf[BOOT_CMDLINE_MAX];
	size_t n = bytes / 2, len = 0;

	if (max == 0)
		return 0;
	out[0] = 0;
	if (opts == 0 || n == 0)
		return 0;
	for (size_t i = 0; i < n && opts[i] != 0; i++) {
		uint16_t c = opts[i];
		if (c >= 0x7f || (c < 0x20 && !is_space(c)))
			return 0; /* binary OptionalData, not text */
		if (len + 1 < sizeof(buf))
			buf[len++] = (char)c;
	}
	size_t pos = 0, i = 0;
	int first = 1;
	while (i < len) {
		while (i < len && is_space(buf[i]))
			i++;
		size_t start = i;
		while (i < len && !is_space(buf[i]))
			i++;
		if (i == start)
			break;
		if (first && ends_with_efi(buf + start, i - start)) {
			first = 0;
			continue;
		}
		first = 0;
		append_word(out, max, &pos, buf + start, i - start);
	}
	return pos != 0;
}

int cmdline_from_file(const char *text, size_t len, char *out, size_t max)
{
	size_t pos = 0, i = 0;

	if (max == 0)
		return 0;
	out[0] = 0;
	while (i < len && text[i] != 0) {
		/* One line at a time so '#' comments can be skipped. */
		size_t line = i;
		while (i < len && text[i] != 0 && text[i] != '\n')
			i++;
		size_t end = i;
		if (i < len && text[i] == '\n')
			i++;
		size_t j = line;
		while (j < end && is_space(text[j]))
			j++;
		if (j < end && text[j] == '#')
			continue;
		while (j < end) {
			while (j < end && is_space(text[j]))
				j++;
			size_t w = j;
			while (j < end && !is_space(text[j]))
				j++;
			if (j > w)
				append_word(out, max, &pos, text + w, j - w);
		}
	}
	return pos != 0;
}

/* ---- Page tables ---- */

#define GIB (1ULL << 30)
#define LARGE_PAGE (2ULL << 20)

/* The table entry idx of `table` points to, allocated if missing. */
static uint64_t *pt_next(uint64_t *table, int idx, pt_alloc_fn alloc,
			 void *ctx)
{
	if (!(table[idx] & PT_P)) {
		uint64_t p = alloc(ctx);
		if (!p)
			return 0;
		table[idx] = p | PT_P | PT_W;
	}
	return (uint64_t *)(uintptr_t)(table[idx] & PT_ADDR);
}

int pt_map_range(uint64_t *pml4, uint64_t virt, uint64_t phys, uint64_t size,
		 uint64_t flags, int large, pt_alloc_fn alloc, void *ctx)
{
	uint64_t step = large ? LARGE_PAGE : 4096;

	for (uint64_t off = 0; off < size; off += step) {
		uint64_t v = virt + off, *pdpt, *pd, *pt;
		if (!(pdpt = pt_next(pml4, (v >> 39) & 511, alloc, ctx)) ||
		    !(pd = pt_next(pdpt, (v >> 30) & 511, alloc, ctx)))
			return -1;
		if (large) {
			pd[(v >> 21) & 511] = (phys + off) | flags | PT_PS;
			continue;
		}
		if (!(pt = pt_next(pd, (v >> 21) & 511, alloc, ctx)))
			return -1;
		pt[(v >> 12) & 511] = (phys + off) | flags;
	}
	return 0;
}

uint64_t dmap_size(const void *efi_map, size_t map_size, size_t desc_size)
{
	const uint8_t *p = efi_map;
	uint64_t end = 4 * GIB;

	if (desc_size >= sizeof(struct efi_mdesc)) {
		for (size_t off = 0; off + desc_size <= map_size; off += desc_size) {
			const struct efi_mdesc *d = (const void *)(p + off);
			uint32_t t = efi_type_to_boot(d->type);
			if (t == BOOT_MEM_MMIO || t == BOOT_MEM_RESERVED)
				continue;
			/* Past DMAP_MAX (or wrapping): not mapped. */
			if (d->phys >= DMAP_MAX || d->pages > (DMAP_MAX - d->phys) / 4096) {
				end = DMAP_MAX;
				continue;
			}
			if (d->phys + d->pages * 4096 > end)
				end = d->phys + d->pages * 4096;
		}
	}
	return (end + GIB - 1) & ~(GIB - 1);
}
