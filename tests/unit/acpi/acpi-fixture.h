/* SPDX-License-Identifier: MIT */
/*
 * What the acpi/ tests share: a fake physical memory loaded from a table
 * directory (tests/unit/acpi/data/<machine>/ or data-published/<machine>/,
 * each with an index.txt of "FILE PHYS" lines), a log that captures every
 * line acpi_parse() writes, and helpers to edit tables in place or build
 * new ones and hook them into the XSDT.
 *
 * The fake map() hands out a fresh heap copy of exactly the bytes asked
 * for, so AddressSanitizer flags any read past what the parser mapped,
 * not just past the end of the image.
 */
#ifndef COHORT_TEST_ACPI_FIXTURE_H
#define COHORT_TEST_ACPI_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acpi/acpi.h"

#define FIXTURE_MAX_FILES 16
#define FIXTURE_SPARE (1u << 20) /* room after the tables for new ones */

struct fake_file {
	char name[16]; /* "APIC", "RSDP", ... (file name without .dat) */
	uint64_t phys;
	uint32_t len;
};

struct fake_mem {
	uint64_t base, size; /* memory is [base, base + size) */
	uint8_t *image;
	uint64_t next_free;  /* bump allocator in the spare area */
	struct fake_file file[FIXTURE_MAX_FILES];
	int nfiles;
	void **copies;	     /* what map() handed out, freed by _free() */
	size_t ncopies, cap;
	struct acpi_mem mem;
};

/* Load DIR (relative to tests/unit/acpi/, e.g. "data/qemu-q35"). Memory
 * runs from the lowest table rounded down to 1 MiB to the highest end
 * rounded up to 1 MiB, plus FIXTURE_SPARE. Fails the test on any error. */
void fake_mem_load(struct fake_mem *m, const char *dir);
void fake_mem_free(struct fake_mem *m);

/* Physical address of a loaded file ("RSDP", "APIC", ...). */
uint64_t fake_mem_phys(const struct fake_mem *m, const char *name);
/* Writable pointer into the image; the range must be inside it. */
uint8_t *fake_mem_ptr(struct fake_mem *m, uint64_t phys, uint64_t len);
/* The table loaded as name, writable. */
uint8_t *fake_mem_table(struct fake_mem *m, const char *name);
/* len bytes of zeroed spare memory, 16-byte aligned. */
uint64_t fake_mem_alloc(struct fake_mem *m, uint64_t len);

/* Recompute a table's header checksum over its length field. */
void table_fix_checksum(uint8_t *t);
/* Recompute both RSDP checksums (the extended one if revision >= 2). */
void rsdp_fix_checksums(uint8_t *rsdp);
/* Point the XSDT entry that holds old_phys at new_phys; fix the XSDT. */
void xsdt_repoint(struct fake_mem *m, uint64_t old_phys, uint64_t new_phys);
/* Copy table t (length from its header) into spare memory, point the
 * XSDT entry of the loaded table `replaces` at it, return its address. */
uint64_t install_table(struct fake_mem *m, const char *replaces,
		       const uint8_t *t);
/* Build an RSDT at the address the RSDP names, listing what the XSDT
 * lists. (The captures have none: acpidump only dumps the XSDT.) */
void make_rsdt(struct fake_mem *m);

/* ---- Table builder ---- */

#define TB_MAX (32 * 1024)

struct tb {
	uint8_t buf[TB_MAX];
	uint32_t len;
};

void tb_begin(struct tb *b, const char *sig, uint8_t revision);
void tb_u8(struct tb *b, uint8_t v);
void tb_u16(struct tb *b, uint16_t v);
void tb_u32(struct tb *b, uint32_t v);
void tb_u64(struct tb *b, uint64_t v);
/* Set the length field and checksum. */
void tb_end(struct tb *b);

/* MADT entries. */
void madt_begin(struct tb *b, uint32_t lapic_phys, uint32_t flags);
void madt_lapic(struct tb *b, uint8_t uid, uint8_t apic_id, uint32_t flags);
void madt_x2apic(struct tb *b, uint32_t x2apic_id, uint32_t flags,
		 uint32_t uid);
void madt_ioapic(struct tb *b, uint8_t id, uint32_t phys, uint32_t gsi_base);
void madt_override(struct tb *b, uint8_t bus, uint8_t irq, uint32_t gsi,
		   uint16_t flags);
void madt_nmi(struct tb *b, uint8_t uid, uint16_t flags, uint8_t lint);
void madt_x2nmi(struct tb *b, uint16_t flags, uint32_t uid, uint8_t lint);
void madt_lapic_override(struct tb *b, uint64_t phys);

/* ---- Log capture ---- */

#define LOG_MAX_LINES 64
#define LOG_LINE_LEN 256

struct log_capture {
	int n; /* lines seen; only the first LOG_MAX_LINES are kept */
	char line[LOG_MAX_LINES][LOG_LINE_LEN];
};

/* acpi_log_fn that appends to the log_capture in ctx, after checking the
 * contract: "acpi: " prefix, printable ASCII, no newline. */
void log_capture(void *ctx, const char *msg);
void log_reset(struct log_capture *c);
/* Print the captured lines to stderr (to explain a failure). */
void log_print(const struct log_capture *c, const char *what);
/* Fail unless the log is exactly these lines, in order (NULL-terminated). */
void log_expect(const struct log_capture *c, const char *const *lines);
/* Fail unless the log is exactly the one line. */
void log_expect_one(const struct log_capture *c, const char *line);

/* acpi_parse() over m from its RSDP, log captured into c. */
int parse(struct fake_mem *m, struct acpi_info *info, struct log_capture *c);

#endif
