/* SPDX-License-Identifier: MIT */
/*
 * Kernel symbol table, embedded by the build (tools/gen-ksyms.py writes it
 * from `nm` of a first link) so panics and exceptions print function names.
 *
 * Blob layout (little-endian, 8-byte aligned):
 *   struct ksym_header; struct ksym entries[count] sorted by addr;
 *   NUL-terminated names, indexed by ksym.name_off from the blob start.
 */
#ifndef COHORT_KSYMS_H
#define COHORT_KSYMS_H

#include <stddef.h>
#include <stdint.h>

#define KSYMS_MAGIC 0x31534d59534b4f43ULL /* "COKSYMS1" */

struct ksym_header {
	uint64_t magic;
	uint64_t count;
};

struct ksym {
	uint64_t addr;
	uint32_t size; /* 0 if unknown (assembly labels) */
	uint32_t name_off;
};

/*
 * Name of the function containing addr, and the offset into it. Returns 0
 * if the blob is empty or malformed or addr lies before the first symbol or
 * past the end of a sized symbol with no successor.
 */
const char *ksym_find(const void *blob, size_t size, uint64_t addr,
		      uint64_t *offset);

/* ksym_find() over the kernel's own table. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

#endif
