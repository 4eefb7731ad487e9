// SPDX-License-Identifier: MIT
#include "ksyms.h"

const char *ksym_find(const void *blob, size_t size, uint64_t addr,
		      uint64_t *offset)
{
	const struct ksym_header *h = blob;

	if (size < sizeof(*h) || h->magic != KSYMS_MAGIC || h->count == 0 ||
	    h->count > (size - sizeof(*h)) / sizeof(struct ksym))
		return 0;
	const struct ksym *s = (const void *)(h + 1);
	/* Last entry with s.addr <= addr. */
	size_t lo = 0, hi = h->count;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (s[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (s[lo].addr > addr)
		return 0;
	if (s[lo].size && addr - s[lo].addr >= s[lo].size &&
	    lo + 1 == h->count)
		return 0;
	if (s[lo].name_off >= size)
		return 0;
	const char *name = (const char *)blob + s[lo].name_off;
	/* The name must end inside the blob. */
	for (size_t i = s[lo].name_off; i < size; i++)
		if (((const char *)blob)[i] == 0) {
			*offset = addr - s[lo].addr;
			return name;
		}
	return 0;
}

#ifndef HOST_TEST
extern const char __ksyms_start[], __ksyms_end[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	return ksym_find(__ksyms_start, (size_t)(__ksyms_end - __ksyms_start),
			 addr, offset);
}
#endif
