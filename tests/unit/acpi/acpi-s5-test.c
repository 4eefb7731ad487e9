// SPDX-License-Identifier: MIT
/*
 * The \_S5 scan (acpi/s5.c) and what power-off reads from the FADT.
 *
 * On the real tables: the three QEMU DSDTs in data/ (q35, pc, q35 with
 * hpet=off), whose \_S5 sits right after \_S3 and \_S4 (the scan must not
 * take \_S4's Package { 2, 2 }), and the two published PCs whose DSDTs
 * are headers only (no \_S5: no log line, the summary says so). The
 * offsets below were read off the DSDT bytes (08 5f 53 35 5f 12 06 04 00
 * 00 00 00), not off the scan's output.
 *
 * On hand-made AML: every encoding the scan accepts (bare, root- and
 * parent-prefixed names; Zero, One, Byte, Word, DWord, QWord constants;
 * one- and two-byte PkgLength; the one-integer package) and every way a
 * candidate is rejected (truncated package, PkgLength past the table end,
 * an element past the package end, empty package, a value over 7, Ones,
 * a non-constant element), plus references and methods that are not
 * definitions, and the log-line cap. Each scan runs over a heap copy of
 * exactly len bytes, so AddressSanitizer catches a read past the end.
 *
 * Through acpi_parse(): a bad \_S5 in the DSDT is logged and left out;
 * an SSDT supplies \_S5 when the DSDT has none, and the DSDT wins when
 * both do. FADT: PM1 control blocks as GAS (I/O, memory, unusable space),
 * SMI_CMD and ACPI_ENABLE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acpi-fixture.h"

static struct fake_mem m;
static struct acpi_info info;
static struct log_capture lc;

static int teardown(void **state)
{
	(void)state;
	fake_mem_free(&m);
	return 0;
}

/* ---- Scanning hand-made AML ---- */

/* A "DSDT" of a zeroed 36-byte header and these AML bytes. */
struct aml {
	uint8_t *t;
	uint32_t len;
};

static struct aml aml_make(const uint8_t *body, uint32_t n)
{
	struct aml a = { malloc(36 + n), 36 + n };
	assert_non_null(a.t);
	memset(a.t, 0, 36);
	memcpy(a.t, "DSDT", 4);
	memcpy(a.t + 36, body, n);
	return a;
}

/* acpi_s5_scan over an exact-size heap copy of the body. */
static int scan(const uint8_t *body, uint32_t n, struct acpi_s5 *out)
{
	struct aml a = aml_make(body, n);
	log_reset(&lc);
	memset(out, 0, sizeof(*out));
	int rc = acpi_s5_scan(a.t, a.len, "DSDT", out, log_capture, &lc);
	free(a.t);
	return rc;
}

#define SCAN(out, ...)                                                      \
	scan((const uint8_t[]){ __VA_ARGS__ },                              \
	     sizeof((const uint8_t[]){ __VA_ARGS__ }), out)

/* NameOp, "_S5_" */
#define NAME_S5 0x08, '_', 'S', '5', '_'

static void expect_found(int rc, const struct acpi_s5 *s, uint8_t a,
			 uint8_t b, uint32_t offset)
{
	if (rc != 1)
		log_print(&lc, "scan");
	assert_int_equal(rc, 1);
	assert_true(s->present);
	assert_int_equal(s->slp_typa, a);
	assert_int_equal(s->slp_typb, b);
	assert_int_equal(s->offset, offset);
	assert_string_equal(s->table, "DSDT");
	assert_int_equal(lc.n, 0);
}

static void expect_rejected(int rc, const char *line)
{
	if (rc != -1)
		log_print(&lc, "scan");
	assert_int_equal(rc, -1);
	log_expect_one(&lc, line);
}

static void test_encodings_accepted(void **state)
{
	struct acpi_s5 s;
	(void)state;

	/* Package (4) { 5, 7, 0, 0 } as QEMU would write it. */
	expect_found(SCAN(&s, NAME_S5, 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a,
			  0x07, 0x00, 0x00), &s, 5, 7, 36);
	/* Name (\_S5, ...) */
	expect_found(SCAN(&s, 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x04,
			  0x02, 0x01, 0x00), &s, 1, 0, 36);
	/* Name (^^_S5, ...) */
	expect_found(SCAN(&s, 0x08, '^', '^', '_', 'S', '5', '_', 0x12, 0x04,
			  0x02, 0x00, 0x01), &s, 0, 1, 36);
	/* Word, DWord and QWord constants holding small values. */
	expect_found(SCAN(&s, NAME_S5, 0x12, 0x0a, 0x02, 0x0b, 0x06, 0x00,
			  0x0c, 0x03, 0x00, 0x00, 0x00), &s, 6, 3, 36);
	expect_found(SCAN(&s, NAME_S5, 0x12, 0x0c, 0x02, 0x0e, 0x07, 0, 0, 0,
			  0, 0, 0, 0, 0x00), &s, 7, 0, 36);
	/* Two-byte PkgLength: lead 0x40 | 0x7, next byte 0 -> 7. */
	expect_found(SCAN(&s, NAME_S5, 0x12, 0x47, 0x00, 0x02, 0x0a, 0x07,
			  0x0a, 0x07), &s, 7, 7, 36);
	/* Two-byte PkgLength with a high byte: 0x41, 0x01 -> 0x11 bytes. */
	expect_found(SCAN(&s, NAME_S5, 0x12, 0x41, 0x01, 0x02, 0x00, 0x00, 0,
			  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), &s, 0, 0, 36);
	/* One integer with both values: SLP_TYPa in bits 7:0, b in 15:8. */
	expect_found(SCAN(&s, NAME_S5, 0x12, 0x05, 0x01, 0x0b, 0x05, 0x07),
		     &s, 5, 7, 36);
	expect_found(SCAN(&s, NAME_S5, 0x12, 0x03, 0x01, 0x01), &s, 1, 0, 36);
	/* Other AML first: the offset is the NameOp's. */
	expect_found(SCAN(&s, 0x10, 0x05, '\\', 0x00, 0x00, NAME_S5, 0x12,
			  0x04, 0x02, 0x00, 0x00), &s, 0, 0, 41);
}

static void test_candidates_rejected(void **state)
{
	struct acpi_s5 s;
	(void)state;

	/* The table ends at the name, at the PackageOp, in the PkgLength. */
	expect_rejected(SCAN(&s, NAME_S5),
			"acpi: DSDT: \\_S5 at offset 0x24: the table ends "
			"after the name");
	expect_rejected(SCAN(&s, NAME_S5, 0x12),
			"acpi: DSDT: \\_S5 at offset 0x24: its package "
			"length runs past the end of the table");
	expect_rejected(SCAN(&s, NAME_S5, 0x12, 0x41),
			"acpi: DSDT: \\_S5 at offset 0x24: its package "
			"length runs past the end of the table");
	/* PkgLength 0x3f, but only 4 bytes are left. */
	expect_rejected(SCAN(&s, NAME_S5, 0x12, 0x3f, 0x02, 0x00, 0x00),
			"acpi: DSDT: \\_S5 at offset 0x24: its package "
			"length 0x3f runs past the end of the table");
	/* A 4-byte PkgLength claiming 256 MiB. */
	expect_rejected(SCAN(&s, NAME_S5, 0x12, 0xc0, 0x00, 0x00, 0x10, 0x02,
			     0x00, 0x00),
			"acpi: DSDT: \\_S5 at offset 0x24: its package "
			"length 0x1000000 runs past the end of the table");
	expect_rejected(SCAN(&s, NAME_S5, 0x12, 0x01, 0x00),
			"acpi: DSDT: \\_S5 at offset 0x24: its package "
			"length 0x1 leaves no room for the element count");
	expect_rejected(SCAN(&s, NAME_S5, 0x12, 0x02, 0x00),
			"acpi: DSDT: \\_S5 at offset 0x24: its package is "
			"empty");
	/* Two elements announced, the package holds one; the bytes after
	 * the package must not be taken for the second. */
	expect_rejected(SCAN(&s, NAME_S5, 0x12, 0x03, 0x02, 0x00, 0x00),
			"acpi: DSDT: \\_S5 at offset 0x24: element 1 is "
			"missing");
	/* A WordPrefix whose bytes are past the package end. */
	expect_rejected(SCAN(&s, NAME_S5, 0x12, 0x04, 0x02, 0x00, 0x0b, 0x05,
			     0x00),
			"acpi: DSDT: \\_S5 at offset 0x24: element 1 runs past "
			"the end of the package");
	expect_rejected(SCAN(&s, NAME_S5, 0x12, 0x05, 0x02, 0x0a, 0x08, 0x00),
			"acpi: DSDT: \\_S5 at offset 0x24: SLP_TYPa 0x8 does "
			"not fit the 3-bit SLP_TYP field");
	expect_rejected(SCAN(&s, NAME_S5, 0x12, 0x04, 0x02, 0x00, 0xff),
			"acpi: DSDT: \\_S5 at offset 0x24: SLP_TYPb "
			"0xffffffffffffffff does not fit the 3-bit SLP_TYP "
			"field");
	expect_rejected(SCAN(&s, NAME_S5, 0x12, 0x07, 0x02, 0x00, 'A', 'B',
			     'C', 'D'),
			"acpi: DSDT: \\_S5 at offset 0x24: element 1 is not an "
			"integer constant (opcode 0x41)");
	/* One integer too wide to be two bytes. */
	expect_rejected(SCAN(&s, NAME_S5, 0x12, 0x07, 0x01, 0x0c, 0x05, 0x05,
			     0x01, 0x00),
			"acpi: DSDT: \\_S5 at offset 0x24: its single element "
			"0x10505 is not two SLP_TYP bytes");
	/* Method (_S5) returning a package: not something we evaluate. */
	expect_rejected(SCAN(&s, NAME_S5, 0x14, 0x03, 0x00, 0xa4, 0x00),
			"acpi: DSDT: \\_S5 at offset 0x24: its object is not a "
			"Package (opcode 0x14)");
	assert_false(s.present);
}

/* Bytes that contain "_S5_" without being its definition. */
static void test_not_definitions(void **state)
{
	struct acpi_s5 s;
	(void)state;

	/* Method (_S5, 0) { Return (Package () { 0, 0 }) } */
	assert_int_equal(SCAN(&s, 0x14, 0x0b, '_', 'S', '5', '_', 0x00, 0xa4,
			      0x12, 0x04, 0x02, 0x00, 0x00), 0);
	/* Store (_S5, Local0): a reference. */
	assert_int_equal(SCAN(&s, 0x70, '_', 'S', '5', '_', 0x60), 0);
	/* \_SB._S5_ and _S5_.XXXX as dual-name paths. */
	assert_int_equal(SCAN(&s, 0x08, 0x2e, '_', 'S', 'B', '_', '_', 'S',
			      '5', '_', 0x12, 0x04, 0x02, 0x00, 0x00), 0);
	/* A string "_S5_". */
	assert_int_equal(SCAN(&s, 0x0d, '_', 'S', '5', '_', 0x00), 0);
	/* The name in the last four bytes, and partial names at the end. */
	assert_int_equal(SCAN(&s, '_', 'S', '5', '_'), 0);
	assert_int_equal(SCAN(&s, 0x08, '_', 'S', '5'), 0);
	/* A NameOp inside the header does not count. */
	uint8_t t[41] = { 'D', 'S', 'D', 'T' };
	memcpy(t + 35, (const uint8_t[]){ 0x08, '_', 'S', '5', '_', 0x12 }, 6);
	log_reset(&lc);
	assert_int_equal(acpi_s5_scan(t, sizeof(t), "DSDT", &s, log_capture,
				      &lc), 0);
	/* Nothing to scan: shorter than a header plus a name, or NULL. */
	assert_int_equal(acpi_s5_scan(t, 36, "DSDT", &s, log_capture, &lc), 0);
	assert_int_equal(acpi_s5_scan(NULL, 100, "DSDT", &s, log_capture, &lc),
			 0);
	assert_int_equal(lc.n, 0);
	assert_false(s.present);
}

/* A bad candidate first does not hide a good one after it; many bad
 * ones cost two lines, not one each. */
static void test_first_good_candidate_wins(void **state)
{
	struct acpi_s5 s;
	(void)state;

	expect_found(SCAN(&s, NAME_S5, 0x12, 0x02, 0x00, NAME_S5, 0x12, 0x06,
			  0x02, 0x0a, 0x03, 0x0a, 0x04), &s, 3, 4, 44);

	uint8_t body[7 * 100];
	for (int i = 0; i < 100; i++)
		memcpy(body + 7 * i,
		       (const uint8_t[]){ NAME_S5, 0x12, 0x00 }, 7);
	assert_int_equal(scan(body, sizeof(body), &s), -1);
	log_expect(&lc, (const char *const[]){
		"acpi: DSDT: \\_S5 at offset 0x24: its package length 0x0 "
		"leaves no room for the element count",
		"acpi: DSDT: 99 more \\_S5 definitions rejected",
		NULL });
	assert_false(s.present);
}

/* Every prefix of a good definition is a truncated table: no crash, no
 * read past the end (ASan), never a result. */
static void test_every_truncation(void **state)
{
	const uint8_t full[] = { NAME_S5, 0x12, 0x48, 0x00, 0x02, 0x0b, 0x07,
				 0x00, 0x0a, 0x07 };
	struct acpi_s5 s;
	(void)state;

	for (uint32_t n = 0; n < sizeof(full); n++) {
		int rc = scan(full, n, &s);
		assert_true(rc == 0 || rc == -1);
		assert_false(s.present);
		assert_true(lc.n <= 1);
	}
	expect_found(scan(full, sizeof(full), &s), &s, 7, 7, 36);
}

/* ---- The real tables ---- */

static void expect_dsdt_s5(const char *dir, uint32_t offset)
{
	fake_mem_load(&m, dir);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });
	assert_true(info.s5.present);
	assert_int_equal(info.s5.slp_typa, 0);
	assert_int_equal(info.s5.slp_typb, 0);
	assert_string_equal(info.s5.table, "DSDT");
	assert_int_equal(info.s5.table_phys, fake_mem_phys(&m, "DSDT"));
	assert_int_equal(info.s5.offset, offset);
	/* \_S4 is Package (4) { 2, 2, 0, 0 } just before: not taken. */
	const uint8_t *d = fake_mem_table(&m, "DSDT");
	assert_memory_equal(d + offset,
			    ((const uint8_t[]){ NAME_S5, 0x12, 0x06, 0x04,
						0, 0, 0, 0 }), 12);
	assert_memory_equal(d + offset - 13, "_S4_", 4);
}

static void test_qemu_q35(void **state)
{
	(void)state;
	expect_dsdt_s5("data/qemu-q35", 0x1f53);
	/* What power-off will write, and where. */
	assert_int_equal(info.fadt.pm1a_cnt.space_id, ACPI_GAS_IO);
	assert_int_equal(info.fadt.pm1a_cnt.address, 0x604);
	assert_int_equal(info.fadt.pm1b_cnt.address, 0);
	assert_int_equal(info.fadt.smi_cmd, 0xb2);
	assert_int_equal(info.fadt.acpi_enable, 0x02); /* ICH9's APM value */
	log_reset(&lc);
	acpi_log_summary(&info, log_capture, &lc);
	assert_string_equal(lc.line[lc.n - 1],
			    "acpi: power-off: \\_S5 in DSDT at offset 0x1f53: "
			    "SLP_TYPa 0, SLP_TYPb 0; PM1a_CNT I/O 0x604, "
			    "no PM1b_CNT");
}

static void test_qemu_pc(void **state)
{
	(void)state;
	expect_dsdt_s5("data/qemu-pc", 0xb9d);
	/* ACPI 1.0 FADT: the legacy port, no X_ field. */
	assert_int_equal(info.fadt.pm1a_cnt.space_id, ACPI_GAS_IO);
	assert_int_equal(info.fadt.pm1a_cnt.address, 0xb004);
	assert_int_equal(info.fadt.smi_cmd, 0xb2);
	assert_int_equal(info.fadt.acpi_enable, 0xf1);
}

static void test_qemu_q35_hpet_off(void **state)
{
	(void)state;
	expect_dsdt_s5("data/qemu-q35-hpet-off", 0x1f72);
}

/* The published PCs come with header-only DSDTs: nothing found, nothing
 * logged while parsing, and the summary says what power-off lacks. */
static void test_published_without_aml(void **state)
{
	(void)state;
	fake_mem_load(&m, "data-published/msi-claw-a1m");
	assert_int_equal(parse(&m, &info, &lc), 0);
	assert_false(info.s5.present);
	assert_int_equal(info.s5.table_phys, 0);
	assert_int_equal(info.fadt.pm1a_cnt.space_id, ACPI_GAS_IO);
	assert_int_equal(info.fadt.pm1a_cnt.address, 0x1804);
	log_reset(&lc);
	acpi_log_summary(&info, log_capture, &lc);
	assert_string_equal(lc.line[lc.n - 1],
			    "acpi: power-off: no usable \\_S5 package; "
			    "PM1a_CNT I/O 0x1804, no PM1b_CNT");
}

/* ---- Through acpi_parse(): DSDT faults, the SSDT fallback ---- */

#define Q35_S5 0x1f53

static uint8_t *q35_dsdt(void)
{
	fake_mem_load(&m, "data/qemu-q35");
	return fake_mem_table(&m, "DSDT");
}

static void test_bad_dsdt_s5_is_logged(void **state)
{
	(void)state;
	uint8_t *d = q35_dsdt();
	d[Q35_S5 + 7] = 0; /* NumElements */
	table_fix_checksum(d);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: DSDT: \\_S5 at offset 0x1f53: its package "
			    "is empty");
	assert_false(info.s5.present);
}

/* An SSDT holding only Name (\_S5, Package () { 5, 6 }), put in the
 * XSDT in the WAET's slot. */
static uint64_t install_ssdt(void)
{
	static struct tb b;
	tb_begin(&b, "SSDT", 2);
	const uint8_t aml[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06,
				0x02, 0x0a, 0x05, 0x0a, 0x06 };
	for (size_t i = 0; i < sizeof(aml); i++)
		tb_u8(&b, aml[i]);
	tb_end(&b);
	return install_table(&m, "WAET", b.buf);
}

static void test_ssdt_when_dsdt_has_none(void **state)
{
	(void)state;
	uint8_t *d = q35_dsdt();
	d[Q35_S5 + 1] = 'X'; /* "XS5_": another name */
	table_fix_checksum(d);
	uint64_t ssdt = install_ssdt();
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });
	assert_true(info.s5.present);
	assert_string_equal(info.s5.table, "SSDT");
	assert_int_equal(info.s5.table_phys, ssdt);
	assert_int_equal(info.s5.offset, 36);
	assert_int_equal(info.s5.slp_typa, 5);
	assert_int_equal(info.s5.slp_typb, 6);
}

static void test_dsdt_wins_over_ssdt(void **state)
{
	(void)state;
	q35_dsdt();
	install_ssdt();
	assert_int_equal(parse(&m, &info, &lc), 0);
	assert_string_equal(info.s5.table, "DSDT");
	assert_int_equal(info.s5.offset, Q35_S5);
	assert_int_equal(info.s5.slp_typa, 0);
}

/* A root table that lists the same SSDT, with two bad \_S5 definitions,
 * three times: the lines come once, not once per listing (a hostile XSDT
 * with 256 such entries must not flood the log). */
static void test_bad_ssdts_log_once(void **state)
{
	(void)state;
	static struct tb b;
	uint8_t *d = q35_dsdt();
	d[Q35_S5 + 1] = 'X';
	table_fix_checksum(d);
	tb_begin(&b, "SSDT", 2);
	for (int i = 0; i < 2; i++) {
		const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x02,
					0x00 };
		for (size_t j = 0; j < sizeof(aml); j++)
			tb_u8(&b, aml[j]);
	}
	tb_end(&b);
	uint64_t ssdt = install_table(&m, "WAET", b.buf);
	xsdt_repoint(&m, fake_mem_phys(&m, "MCFG"), ssdt);
	xsdt_repoint(&m, fake_mem_phys(&m, "BGRT"), ssdt);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){
		"acpi: SSDT: \\_S5 at offset 0x24: its package is empty",
		"acpi: SSDT: 1 more \\_S5 definition rejected",
		NULL });
	assert_false(info.s5.present);
}

/* A DSDT that fails its checksum is not scanned at all. */
static void test_rejected_dsdt_is_not_scanned(void **state)
{
	(void)state;
	q35_dsdt()[Q35_S5 + 8]++; /* SLP_TYPa 0 -> 1, checksum now wrong */
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: DSDT: checksum is wrong (bytes sum to 0x01, "
			    "not 0)");
	assert_false(info.s5.present);
}

/* ---- FADT: PM1 control blocks ---- */

#define FADT_PM1A_CNT_BLK 64
#define FADT_X_PM1A_CNT_BLK 172
#define FADT_X_PM1B_CNT_BLK 184

static void test_fadt_pm1_blocks(void **state)
{
	(void)state;
	fake_mem_load(&m, "data/qemu-q35");
	uint8_t *f = fake_mem_table(&m, "FACP");
	/* X_PM1a_CNT_BLK in memory space: kept whole. */
	f[FADT_X_PM1A_CNT_BLK] = ACPI_GAS_MEMORY;
	f[FADT_X_PM1A_CNT_BLK + 4 + 3] = 0xfe; /* 0xfe000604 */
	/* X_PM1b_CNT_BLK in PCI config space: unusable, and the legacy
	 * PM1b field is 0, so there is no PM1b. */
	f[FADT_X_PM1B_CNT_BLK] = 2;
	f[FADT_X_PM1B_CNT_BLK + 4] = 0x40;
	table_fix_checksum(f);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: FACP: X_PM1b_CNT_BLK (space 2, 0x40) is "
			    "neither an I/O port nor memory; using "
			    "PM1b_CNT_BLK 0x0");
	assert_int_equal(info.fadt.pm1a_cnt.space_id, ACPI_GAS_MEMORY);
	assert_int_equal(info.fadt.pm1a_cnt.address, 0xfe000604);
	assert_int_equal(info.fadt.pm1b_cnt.address, 0);
	log_reset(&lc);
	acpi_log_summary(&info, log_capture, &lc);
	assert_string_equal(lc.line[lc.n - 1],
			    "acpi: power-off: \\_S5 in DSDT at offset 0x1f53: "
			    "SLP_TYPa 0, SLP_TYPb 0; PM1a_CNT memory "
			    "0xfe000604, no PM1b_CNT");
}

/* An X_ I/O block above port 0xffff falls back to the legacy port. */
static void test_fadt_pm1_x_io_too_big(void **state)
{
	(void)state;
	fake_mem_load(&m, "data/qemu-q35");
	uint8_t *f = fake_mem_table(&m, "FACP");
	f[FADT_X_PM1A_CNT_BLK + 4 + 2] = 0x01; /* 0x10604 */
	f[FADT_PM1A_CNT_BLK] = 0x00;	       /* legacy 0x600 */
	table_fix_checksum(f);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: FACP: X_PM1a_CNT_BLK (space 1, 0x10604) is "
			    "neither an I/O port nor memory; using "
			    "PM1a_CNT_BLK 0x600");
	assert_int_equal(info.fadt.pm1a_cnt.space_id, ACPI_GAS_IO);
	assert_int_equal(info.fadt.pm1a_cnt.address, 0x600);
}

int main(void)
{
#define T(f) cmocka_unit_test(f)
#define TT(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T(test_encodings_accepted),
		T(test_candidates_rejected),
		T(test_not_definitions),
		T(test_first_good_candidate_wins),
		T(test_every_truncation),
		TT(test_qemu_q35),
		TT(test_qemu_pc),
		TT(test_qemu_q35_hpet_off),
		TT(test_published_without_aml),
		TT(test_bad_dsdt_s5_is_logged),
		TT(test_ssdt_when_dsdt_has_none),
		TT(test_dsdt_wins_over_ssdt),
		TT(test_bad_ssdts_log_once),
		TT(test_rejected_dsdt_is_not_scanned),
		TT(test_fadt_pm1_blocks),
		TT(test_fadt_pm1_x_io_too_big),
	};
#undef T
#undef TT
	return cmocka_run_group_tests(tests, NULL, NULL);
}
