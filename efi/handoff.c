// SPDX-License-Identifier: MIT
/*
 * Pure helpers for the loader (see handoff.h). No EFI calls: these run after
 * ExitBootServices as well as before, and on the host under test; ebs_run
 * reaches the firmware only through the ebs_ops table it is given. Every
 * reader of firmware bytes stays inside the length it is told (the
 * handoff_fuzz harness checks that): bad bytes give an empty command line
 * with a note, or -1 from mmap_reduce, never a fault.
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

/* b starts where a ends. An entry ending exactly at 2^64 has an end that
 * computes as 0: it touches nothing (b at 0 would overlap it, and merging
 * would make an entry that runs past 2^64). */
static int touching(const struct boot_mmap_entry *a,
		    const struct boot_mmap_entry *b)
{
	return b->phys != 0 && a->phys + a->pages * 4096 == b->phys;
}

/* Same EFI type and same BOOT_MEM type: attributes can make two
 * conventional descriptors different kinds of memory. */
static int same_kind(const struct boot_mmap_entry *a,
		     const struct boot_mmap_entry *b)
{
	return a->efi_type == b->efi_type && a->type == b->type;
}

/* Merge out[i] into its neighbours if they touch it and are of the same
 * kind. Returns the new count. */
static int merge_at(struct boot_mmap_entry *out, int n, int i)
{
	if (i + 1 < n && same_kind(&out[i + 1], &out[i]) &&
	    touching(&out[i], &out[i + 1])) {
		out[i].pages += out[i + 1].pages;
		for (int j = i + 1; j + 1 < n; j++)
			out[j] = out[j + 1];
		n--;
	}
	if (i > 0 && same_kind(&out[i - 1], &out[i]) &&
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

/* How many 4 KiB pages fit in [phys, 2^64). (UINT64_MAX - phys) / 4096 + 1
 * is one too many when phys is not page aligned: firmware must align it
 * (UEFI 2.10 7.2), but these bytes are not trusted. */
static uint64_t pages_below_2_64(uint64_t phys)
{
	return phys ? (UINT64_MAX - phys + 1) / 4096 : 1ULL << 52;
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
		/* Empty, or ending past 2^64: no memory there, and adding
		 * such a count to a neighbour's would wrap. */
		if (d->pages == 0 || d->pages > pages_below_2_64(d->phys))
			continue;
		struct boot_mmap_entry e = {
			.phys = d->phys,
			.pages = d->pages,
			.type = efi_desc_to_boot(d->type, d->attr),
			.efi_type = d->type,
		};
		int i = slot_for(out, n, e.phys);
		/* Extend a touching neighbour of the same kind in place:
		 * needs no new slot, so it works even when out[] is full. */
		if (i > 0 && same_kind(&out[i - 1], &e) &&
		    touching(&out[i - 1], &e)) {
			out[i - 1].pages += e.pages;
			n = merge_at(out, n, i - 1);
			continue;
		}
		if (i < n && same_kind(&out[i], &e) && touching(&e, &out[i])) {
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

/* The start of the first entry that is not usable and intersects
 * [s, s + 4096), or UINT64_MAX if none does. The map is not resolved:
 * firmware can list a reserved range over a conventional one, and the
 * trampoline must not land on it (as the page allocator refuses it). */
static uint64_t tramp_blocked_from(const struct boot_mmap_entry *map, int n,
				   uint64_t s)
{
	for (int i = 0; i < n; i++) {
		uint64_t rs = map[i].phys, re = rs + map[i].pages * 4096;
		if (map[i].pages > (UINT64_MAX - rs) / 4096)
			re = UINT64_MAX; /* ends at 2^64: the sum wrapped to 0 */
		if (map[i].type != BOOT_MEM_USABLE && rs < s + 4096 && re > s)
			return rs;
	}
	return UINT64_MAX;
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
		/* From the top page down; each step moves below one blocking
		 * entry, so at most n steps per region. */
		uint64_t p = end - 4096;
		while (end >= start + 4096 && p >= start && p > best) {
			uint64_t rs = tramp_blocked_from(map, n, p);
			if (rs == UINT64_MAX) {
				best = p;
				break;
			}
			rs &= ~0xfffULL;
			if (rs < start + 4096)
				break;
			p = rs - 4096;
		}
	}
	return best;
}

uint32_t efi_desc_to_boot(uint32_t efi_type, uint64_t attr)
{
	uint32_t t = efi_type_to_boot(efi_type);

	if (t != BOOT_MEM_USABLE && t != BOOT_MEM_LOADER)
		return t;
	/* As Linux's EFI-to-e820 conversion: specific-purpose memory
	 * belongs to the driver it was set aside for, and the kernel reaches
	 * RAM only through its write-back direct map. */
	if ((attr & EFI_MEMATTR_SP) || !(attr & EFI_MEMATTR_WB))
		return BOOT_MEM_RESERVED;
	return t;
}

/* ---- Command lines ---- */

static int is_space(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Text as code units: bytes, or UTF-16 in either byte order. Reads only
 * whole units inside [p, p + n * width). */
struct text {
	const uint8_t *p;
	size_t n;  /* code units */
	int width; /* 1 or 2 bytes per unit */
	int big;   /* UTF-16 big-endian */
};

static uint32_t unit_at(const struct text *t, size_t i)
{
	if (t->width == 1)
		return t->p[i];
	const uint8_t *q = t->p + 2 * i;
	return t->big ? (uint32_t)q[0] << 8 | q[1] : (uint32_t)q[1] << 8 | q[0];
}

/* The text ends at its first NUL unit. */
static void text_stop_at_nul(struct text *t)
{
	size_t n = 0;
	while (n < t->n && unit_at(t, n) != 0)
		n++;
	t->n = n;
}

/* The command line being built: whole words only. Once one word does not
 * fit, every later word is dropped too, so options never reorder. */
struct cl_out {
	char *out;
	size_t max, pos;
	int full;
	struct cmdline_notes *notes;
};

static void put_word(struct cl_out *o, const struct text *t, size_t w,
		     size_t len)
{
	size_t need = len + (o->pos != 0) + 1; /* separator, word, NUL */

	if (o->full || need > o->max - o->pos) {
		o->full = 1;
		o->notes->flags |= CMDLINE_NOTE_TRUNCATED;
		o->notes->dropped++;
		return;
	}
	if (o->pos != 0)
		o->out[o->pos++] = ' ';
	for (size_t i = 0; i < len; i++)
		o->out[o->pos++] = (char)unit_at(t, w + i);
	o->out[o->pos] = 0;
}

/* Words of t[from, to), each through put_word; `skip_efi` drops a first
 * word ending in ".efi" (a UEFI shell's program name). */
static void put_words(struct cl_out *o, const struct text *t, size_t from,
		      size_t to, int skip_efi)
{
	size_t i = from;

	while (i < to) {
		while (i < to && is_space(unit_at(t, i)))
			i++;
		size_t w = i;
		while (i < to && !is_space(unit_at(t, i)))
			i++;
		if (i == w)
			break;
		if (skip_efi) {
			skip_efi = 0;
			if (i - w >= 4 && unit_at(t, i - 4) == '.' &&
			    (unit_at(t, i - 3) | 0x20) == 'e' &&
			    (unit_at(t, i - 2) | 0x20) == 'f' &&
			    (unit_at(t, i - 1) | 0x20) == 'i')
				continue;
		}
		put_word(o, t, w, i - w);
	}
}

/* A character a command line may hold: printable ASCII or white space. */
static int is_cmdline_char(uint32_t c)
{
	return (c >= 0x20 && c <= 0x7e) || is_space(c);
}

static void note_bad(struct cmdline_notes *n, uint32_t c, size_t pos)
{
	n->flags |= CMDLINE_NOTE_NON_ASCII;
	n->bad_char = c;
	n->bad_pos = (uint32_t)pos;
}

int cmdline_from_load_options(const uint16_t *opts, size_t bytes, char *out,
			      size_t max, struct cmdline_notes *notes)
{
	struct cmdline_notes scratch;
	struct text t = { (const uint8_t *)opts, bytes / 2, 2, 0 };
	size_t from = 0, controls = 0, high = 0, first_high = 0;

	if (!notes)
		notes = &scratch;
	*notes = (struct cmdline_notes){ 0 };
	if (max == 0)
		return 0;
	out[0] = 0;
	if (!opts)
		return 0;
	text_stop_at_nul(&t);
	if (t.n > 0 && unit_at(&t, 0) == 0xfeff) {
		from = 1;
		notes->flags |= CMDLINE_NOTE_BOM;
	}
	for (size_t i = from; i < t.n; i++) {
		uint32_t c = unit_at(&t, i);
		if (c < 0x20 && !is_space(c))
			controls++;
		else if (c > 0x7e && high++ == 0)
			first_high = i;
	}
	/* Binary OptionalData (EDK2 stores a GUID): control characters, or
	 * mostly non-ASCII units. Text with a few non-ASCII characters is a
	 * command line someone typed wrong: refused, but reported. */
	if (controls || (high && 2 * high >= t.n - from)) {
		*notes = (struct cmdline_notes){ .flags = CMDLINE_NOTE_BINARY };
		return 0;
	}
	if (high) {
		note_bad(notes, unit_at(&t, first_high), first_high);
		return 0;
	}
	struct cl_out o = { out, max, 0, 0, notes };
	put_words(&o, &t, from, t.n, 1);
	return o.pos != 0;
}

/* The end of the line that starts at i: its '\n', or the end of the text. */
static size_t line_end(const struct text *t, size_t i)
{
	while (i < t->n && unit_at(t, i) != '\n')
		i++;
	return i;
}

/* Is the line [i, end) a comment (first non-blank character '#')? */
static int is_comment(const struct text *t, size_t i, size_t end)
{
	while (i < end && is_space(unit_at(t, i)))
		i++;
	return i < end && unit_at(t, i) == '#';
}

int cmdline_from_file(const char *text, size_t len, char *out, size_t max,
		      struct cmdline_notes *notes)
{
	struct cmdline_notes scratch;
	const uint8_t *p = (const uint8_t *)text;
	struct text t = { p, len, 1, 0 };

	if (!notes)
		notes = &scratch;
	*notes = (struct cmdline_notes){ 0 };
	if (max == 0)
		return 0;
	out[0] = 0;
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		t = (struct text){ p + 3, len - 3, 1, 0 };
		notes->flags |= CMDLINE_NOTE_BOM;
	} else if (len >= 2 && ((p[0] == 0xff && p[1] == 0xfe) ||
				(p[0] == 0xfe && p[1] == 0xff))) {
		t = (struct text){ p + 2, (len - 2) / 2, 2, p[0] == 0xfe };
		notes->flags |= CMDLINE_NOTE_BOM | CMDLINE_NOTE_UTF16;
	} else if (len >= 4 && p[0] && p[0] < 0x80 && !p[1] && p[2] &&
		   p[2] < 0x80 && !p[3]) {
		/* No BOM, but two ASCII characters as UTF-16LE: a file
		 * saved as "Unicode" by a tool that writes no BOM. */
		t = (struct text){ p, len / 2, 2, 0 };
		notes->flags |= CMDLINE_NOTE_UTF16;
	}
	text_stop_at_nul(&t);

	/* First pass: refuse the file before writing anything if a line
	 * that is not a comment holds anything but ASCII. */
	for (size_t i = 0; i < t.n;) {
		size_t end = line_end(&t, i);
		if (!is_comment(&t, i, end)) {
			for (size_t j = i; j < end; j++) {
				uint32_t c = unit_at(&t, j);
				if (!is_cmdline_char(c)) {
					note_bad(notes, c, j);
					return 0;
				}
			}
		}
		i = end + 1;
	}

	struct cl_out o = { out, max, 0, 0, notes };
	for (size_t i = 0; i < t.n;) {
		size_t end = line_end(&t, i);
		if (!is_comment(&t, i, end))
			put_words(&o, &t, i, end, 0);
		i = end + 1;
	}
	return o.pos != 0;
}

/* ---- Paging mode ---- */

int paging_check(uint64_t cr4, const char **why)
{
	*why = 0;
	if (cr4 & X86_CR4_LA57) {
		*why = "the firmware runs with 5-level paging (CR4.LA57 set) "
		       "and Cohort's kernel uses 4-level paging; turn off "
		       "5-level paging (often called \"5-level paging\" or "
		       "\"LA57\") in the firmware setup";
		return -1;
	}
	return 0;
}

/* ---- GOP choice ---- */

int gop_pick(const struct gop_candidate *c, int n)
{
	int best = -1, best_rank = 0;

	for (int i = 0; i < n; i++) {
		if (!c[i].linear)
			continue;
		int rank = c[i].on_console ? 3 : c[i].console_dev ? 2 : 1;
		if (rank > best_rank) {
			best = i;
			best_rank = rank;
		}
	}
	return best;
}

uint32_t gop_bitmask_bpp(uint32_t red, uint32_t green, uint32_t blue,
			 uint32_t reserved)
{
	if (!red || !green || !blue)
		return 0;
	if ((red & green) || (red & blue) || (green & blue) ||
	    ((red | green | blue) & reserved))
		return 0;
	uint32_t bits = 32 - (uint32_t)__builtin_clz(red | green | blue |
						     reserved);
	return (bits + 7) & ~7u;
}

/* ---- ExitBootServices ---- */

/* Room for EBS_SLACK_DESCRIPTORS more descriptors, or a quarter more on a
 * map so large that 32 is little. */
static uint64_t ebs_slack(uint64_t size, uint64_t desc_size)
{
	uint64_t slack = EBS_SLACK_DESCRIPTORS * desc_size;
	return size / 4 > slack ? size / 4 : slack;
}

/* Allocations allowed: no ExitBootServices call has been made yet. */
#define EBS_ALLOC_TRIES 4

enum ebs_outcome ebs_run(const struct ebs_ops *ops, int stale_key_once,
			 struct ebs_result *r)
{
	uint64_t cap = 0, key = 0, st;
	uint32_t dver;

	*r = (struct ebs_result){ 0 };
	st = ops->get_memory_map(ops->ctx, &cap, 0, &key, &r->desc_size, &dver);
	if (st != EBS_EFI_BUFFER_TOO_SMALL) {
		r->status = st;
		r->why = "GetMemoryMap did not report the map's size";
		return EBS_FAILED_BEFORE;
	}
	for (int tries = 1;; tries++) {
		cap += ebs_slack(cap, r->desc_size);
		st = ops->allocate_pool(ops->ctx, cap, &r->map);
		if (st) {
			r->map = 0;
			r->status = st;
			r->why = "no memory for the memory map";
			return EBS_FAILED_BEFORE;
		}
		r->map_size = cap;
		st = ops->get_memory_map(ops->ctx, &r->map_size, r->map, &key,
					 &r->desc_size, &dver);
		if (st == EBS_EFI_SUCCESS)
			break;
		ops->free_pool(ops->ctx, r->map);
		r->map = 0;
		r->status = st;
		if (st != EBS_EFI_BUFFER_TOO_SMALL || tries == EBS_ALLOC_TRIES) {
			r->why = "GetMemoryMap failed";
			return EBS_FAILED_BEFORE;
		}
		cap = r->map_size; /* what the firmware needs now */
	}
	/* From the first ExitBootServices call on, the firmware may be half
	 * shut down: only GetMemoryMap and ExitBootServices, into the buffer
	 * we already have. */
	for (uint32_t attempt = 1;; attempt++) {
		r->attempts = attempt;
		st = ops->exit_boot_services(ops->ctx, stale_key_once &&
							       attempt == 1 ?
						       key ^ 1 :
						       key);
		r->status = st;
		if (st == EBS_EFI_SUCCESS)
			return EBS_OK;
		if (st != EBS_EFI_INVALID_PARAMETER) {
			r->why = "ExitBootServices failed";
			return EBS_FAILED_AFTER;
		}
		if (attempt == EBS_MAX_ATTEMPTS) {
			r->why = "the memory map key was still stale after "
				 "the last attempt";
			return EBS_FAILED_AFTER;
		}
		r->map_size = cap;
		st = ops->get_memory_map(ops->ctx, &r->map_size, r->map, &key,
					 &r->desc_size, &dver);
		if (st != EBS_EFI_SUCCESS) {
			r->status = st;
			r->why = st == EBS_EFI_BUFFER_TOO_SMALL ?
					 "the memory map outgrew its buffer "
					 "after a failed ExitBootServices" :
					 "GetMemoryMap failed after a failed "
					 "ExitBootServices";
			return EBS_FAILED_AFTER;
		}
	}
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
			/* With the attributes, as the boot map reads it:
			 * specific-purpose and non-write-back memory are
			 * reserved there, so the kernel never uses them and
			 * they get no write-back mapping here either. */
			uint32_t t = efi_desc_to_boot(d->type, d->attr);
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

/* ---- EFI status width ---- */

uint64_t efi_status_widen(uint64_t st, unsigned width_bits)
{
	if (width_bits != 32)
		return st;
	st &= 0xffffffffULL;
	if (st & 0x80000000ULL)
		return (st & 0x7fffffffULL) | (1ULL << 63);
	return st;
}

/* ---- CPU features ---- */

/* The leaf-1 EDX bits the kernel uses unconditionally, in the order a
 * refusal names them (docs/ia32-uefi.md 3.8 says why each). */
static const struct {
	uint32_t bit; /* its number, for the message: __builtin_ctz */
	const char *name;
} cpu_required[] = {
	{ CPUID_1_EDX_PAE, "PAE" },   { CPUID_1_EDX_MSR, "MSR" },
	{ CPUID_1_EDX_TSC, "TSC" },   { CPUID_1_EDX_APIC, "APIC" },
	{ CPUID_1_EDX_FXSR, "FXSR" }, { CPUID_1_EDX_SSE, "SSE" },
	{ CPUID_1_EDX_SSE2, "SSE2" }, { CPUID_1_EDX_CX8, "CX8" },
	{ CPUID_1_EDX_CMOV, "CMOV" },
};

/* Room for every item at once (the long-mode one and all nine bits is
 * about 330 bytes); put() stops at the end rather than overflow. */
static char cpu_why[512];

struct why_buf {
	char *p;
	size_t n, cap;
};

static void put(struct why_buf *b, const char *s)
{
	while (*s && b->n + 1 < b->cap)
		b->p[b->n++] = *s++;
	b->p[b->n] = 0;
}

static void put_dec(struct why_buf *b, unsigned v)
{
	char d[12];
	int i = 0;
	do {
		d[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	char s[2] = { 0, 0 };
	while (i--) {
		s[0] = d[i];
		put(b, s);
	}
}

/* Leaf 0x80000000 answers with its own number's range on a CPU that has
 * extended leaves; CPUs without them return 0 (QEMU's pentium3, 2.2 of
 * the plan) or, on some old Intel parts, the highest basic leaf's data:
 * only a value of the form 0x8000xxxx counts (Linux checks the same). */
static int has_ext_leaf_1(uint32_t max_ext)
{
	return (max_ext & 0xffff0000u) == 0x80000000u &&
	       max_ext >= CPUID_EXT_LEAF_1;
}

int cpu_has_nx(const struct cpuid_bits *c)
{
	return has_ext_leaf_1(c->max_ext) && (c->e1_edx & CPUID_E1_EDX_NX);
}

int cpu_check(const struct cpuid_bits *c, const char **why)
{
	struct why_buf b = { cpu_why, 0, sizeof(cpu_why) };

	cpu_why[0] = 0;
	if (!has_ext_leaf_1(c->max_ext))
		put(&b, "no 64-bit long mode (CPUID 0x80000001 not available)");
	else if (!(c->e1_edx & CPUID_E1_EDX_LM))
		put(&b, "no 64-bit long mode (CPUID 0x80000001 EDX bit 29)");
	for (size_t i = 0; i < sizeof(cpu_required) / sizeof(cpu_required[0]);
	     i++) {
		if (c->l1_edx & cpu_required[i].bit)
			continue;
		if (b.n)
			put(&b, ", ");
		put(&b, "no ");
		put(&b, cpu_required[i].name);
		put(&b, " (CPUID 1 EDX bit ");
		put_dec(&b, (unsigned)__builtin_ctz(cpu_required[i].bit));
		put(&b, ")");
	}
	*why = b.n ? cpu_why : 0;
	return b.n ? -1 : 0;
}

/* ---- The 32-bit loader's switch block ---- */

#define FOUR_GIB (1ULL << 32)

int ia32_switch_fill(struct ia32_switch *sw, uint32_t sw_phys, uint64_t cr3,
		     int nx, uint64_t stack_top, uint64_t entry,
		     uint64_t boot_info, uint32_t far_offset)
{
	/* The switch runs in 32-bit mode: mov to CR3 and lgdt take 32-bit
	 * values, and the block is read through its physical address with
	 * paging off. */
	if ((cr3 & 0xfff) || cr3 >= FOUR_GIB ||
	    (uint64_t)sw_phys + sizeof(*sw) > FOUR_GIB)
		return -1;
	sw->gdt[0] = 0;
	sw->gdt[1] = IA32_GDT_CODE32;
	sw->gdt[2] = IA32_GDT_DATA;
	sw->gdt[3] = IA32_GDT_CODE64;
	sw->gdtr_pad = 0;
	sw->gdtr_limit = sizeof(sw->gdt) - 1;
	sw->gdtr_base = sw_phys + (uint32_t)offsetof(struct ia32_switch, gdt);
	sw->cr3 = cr3;
	sw->efer_set = IA32_EFER_LME | (nx ? IA32_EFER_NXE : 0);
	sw->stack_top = stack_top;
	sw->entry = entry;
	sw->boot_info = boot_info;
	sw->far_offset = far_offset;
	sw->far_selector = IA32_SEL_CODE64;
	sw->pad = 0;
	return 0;
}
