/* SPDX-License-Identifier: MIT */
/*
 * Shared by the files of acpi/ and nothing else: the parse context, the
 * little-endian field readers, and the per-table parsers that tables.c
 * calls once a table's header, length and checksum have been checked.
 *
 * Fields are read a byte at a time. ACPI tables are packed and often
 * misaligned (an XSDT's 64-bit entries start at offset 36), so casting a
 * table pointer to a struct pointer would be an unaligned access, which
 * UBSan reports and the C standard leaves undefined.
 */
#ifndef COHORT_ACPI_INTERNAL_H
#define COHORT_ACPI_INTERNAL_H

#include <stddef.h>

#include "acpi.h"

/* System description table header, ACPI 6.5 5.2.6. */
#define ACPI_HDR_SIGNATURE 0
#define ACPI_HDR_LENGTH 4
#define ACPI_HDR_REVISION 8
#define ACPI_HDR_CHECKSUM 9
#define ACPI_HDR_OEM_ID 10
#define ACPI_HDR_OEM_TABLE_ID 16
#define ACPI_HEADER_LEN 36

/* No real table comes near this (the largest DSDTs are a few hundred KiB);
 * a bigger length is corruption, and checksumming gigabytes of RAM because
 * a header said so would stall the boot. */
#define ACPI_TABLE_MAX_LEN (16u << 20)

/* Longest log line, with its NUL. Longer messages are cut, not split. */
#define ACPI_LOG_LINE_MAX 160

struct acpi_parser {
	const struct acpi_mem *mem;
	acpi_log_fn log;
	void *log_ctx;
	bool table_list_full; /* "more than ACPI_MAX_TABLES" said once */
	bool ssdt_s5_said;    /* an SSDT's bad \_S5 was logged: no more */
};

static inline uint16_t acpi_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t acpi_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t acpi_rd64(const uint8_t *p)
{
	return acpi_rd32(p) | (uint64_t)acpi_rd32(p + 4) << 32;
}

/* Format one log line and hand it to the caller's log function. */
void acpi_logf(const struct acpi_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* mem->map() with the arithmetic checked first: NULL for len == 0 or a
 * range that wraps past 2^64, without asking the caller. */
const uint8_t *acpi_mem_map(const struct acpi_parser *p, uint64_t phys,
			    uint64_t len);

/* Copy n bytes of a table string into dst (n + 1 bytes), replacing
 * anything unprintable with '?' and dropping trailing blanks and NULs. */
void acpi_copy_name(char *dst, const uint8_t *src, size_t n);

/*
 * Table parsers. t points at len bytes of a table whose header, length and
 * checksum are already good. Each either fills *out and sets present, or
 * logs one line ("acpi: SIG: problem") and leaves *out untouched, which
 * acpi_parse() has zeroed.
 */
void acpi_madt_parse(const struct acpi_parser *p, const uint8_t *t,
		     uint32_t len, struct acpi_madt *out);
void acpi_fadt_parse(const struct acpi_parser *p, const uint8_t *t,
		     uint32_t len, struct acpi_fadt *out);
void acpi_hpet_parse(const struct acpi_parser *p, const uint8_t *t,
		     uint32_t len, struct acpi_hpet *out);
void acpi_srat_parse(const struct acpi_parser *p, const uint8_t *t,
		     uint32_t len, struct acpi_srat *out);
void acpi_slit_parse(const struct acpi_parser *p, const uint8_t *t,
		     uint32_t len, struct acpi_slit *out);

#endif
