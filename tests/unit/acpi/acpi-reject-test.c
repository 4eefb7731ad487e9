// SPDX-License-Identifier: MIT
/*
 * Broken tables, each made from the real q35 capture by one edit: every
 * rejection must cost exactly one log line, with the exact text below,
 * leave the rejected table's struct present == false (the MADT with no
 * CPUs kept from before the bad entry), and leave every other table
 * parsed. Covers the RSDP (both checksums, signature, position), the
 * XSDT -> RSDT fallback, table headers (checksum per table, truncated
 * header, length too short / past memory / over the limit, garbage
 * signature, null entry), MADT entries (past the end, zero length, too
 * short for the type, table too short), repeated APIC ids and the cap on
 * per-entry warnings, FADT and HPET refusals, and duplicate tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acpi-fixture.h"

static struct fake_mem m;
static struct acpi_info info;
static struct log_capture lc;

/* q35 addresses (data/qemu-q35/index.txt). */
#define Q35_RSDP 0x1f77d014ull
#define Q35_RSDT 0x1f77c074ull /* named by the RSDP; see make_rsdt() */
#define Q35_XSDT 0x1f77c0e8ull
#define Q35_FACP 0x1f778000ull
#define Q35_APIC 0x1f777000ull
#define Q35_HPET 0x1f776000ull
#define Q35_DSDT 0x1f779000ull
#define Q35_SPARE 0x1f800000ull /* first fake_mem_alloc() */
#define Q35_END 0x1f900000ull	/* end of the fake memory */

static int setup(void **state)
{
	(void)state;
	fake_mem_load(&m, "data/qemu-q35");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_mem_free(&m);
	return 0;
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

static int table_index(const char *sig)
{
	for (int i = 0; i < info.ntables; i++)
		if (strcmp(info.table[i].sig, sig) == 0)
			return i;
	return -1;
}

/* Everything except the tables named in `except` parsed as usual. */
static void expect_rest_intact(const char *except)
{
	if (!strstr(except, "APIC")) {
		assert_true(info.madt.present);
		assert_int_equal(info.madt.ncpus, 4);
		assert_int_equal(info.madt.nioapics, 1);
	}
	if (!strstr(except, "HPET")) {
		assert_true(info.hpet.present);
		assert_int_equal(info.hpet.phys, 0xfed00000);
	}
	if (!strstr(except, "FACP")) {
		assert_true(info.fadt.present);
		assert_int_equal(info.fadt.pm_timer_port, 0x608);
	}
}

static void expect_madt_empty(void)
{
	assert_false(info.madt.present);
	assert_int_equal(info.madt.ncpus, 0);
	assert_int_equal(info.madt.nioapics, 0);
	assert_int_equal(info.madt.noverrides, 0);
	assert_int_equal(info.madt.nnmis, 0);
}

/* ---- Checksums, one table at a time ---- */

/* Add 1 to a byte the parser does not otherwise read (the OEM revision):
 * the bytes now sum to 0x01. */
static void break_checksum(const char *sig)
{
	fake_mem_table(&m, sig)[24]++;
}

static void test_apic_bad_checksum(void **state)
{
	(void)state;
	break_checksum("APIC");
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: APIC: checksum is wrong (bytes sum to 0x01, "
			    "not 0)");
	expect_madt_empty();
	assert_false(info.table[table_index("APIC")].valid);
	expect_rest_intact("APIC");
}

static void test_facp_bad_checksum(void **state)
{
	(void)state;
	break_checksum("FACP");
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: FACP: checksum is wrong (bytes sum to 0x01, "
			    "not 0)");
	assert_false(info.fadt.present);
	assert_int_equal(info.fadt.pm_timer_port, 0);
	/* No FADT, no DSDT pointer: the DSDT is not listed. */
	assert_int_equal(table_index("DSDT"), -1);
	assert_int_equal(info.ntables, 7);
	expect_rest_intact("FACP");
}

static void test_hpet_bad_checksum(void **state)
{
	(void)state;
	break_checksum("HPET");
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: HPET: checksum is wrong (bytes sum to 0x01, "
			    "not 0)");
	assert_false(info.hpet.present);
	assert_int_equal(info.hpet.phys, 0);
	expect_rest_intact("HPET");
}

static void test_dsdt_bad_checksum(void **state)
{
	(void)state;
	break_checksum("DSDT");
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: DSDT: checksum is wrong (bytes sum to 0x01, "
			    "not 0)");
	int i = table_index("DSDT");
	assert_true(i >= 0);
	assert_false(info.table[i].valid);
	assert_int_equal(info.table[i].phys, Q35_DSDT);
	expect_rest_intact("");
}

/* A table we only list is still checked. */
static void test_mcfg_bad_checksum(void **state)
{
	(void)state;
	break_checksum("MCFG");
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: MCFG: checksum is wrong (bytes sum to 0x01, "
			    "not 0)");
	assert_false(info.table[table_index("MCFG")].valid);
	assert_true(info.table[table_index("WAET")].valid);
	expect_rest_intact("");
}

static void test_xsdt_bad_checksum_falls_back_to_rsdt(void **state)
{
	(void)state;
	make_rsdt(&m);
	break_checksum("XSDT");
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: XSDT: checksum is wrong (bytes sum to 0x01, "
			    "not 0); using the RSDT at 0x1f77c074");
	assert_false(info.xsdt_used);
	assert_string_equal(info.table[0].sig, "XSDT");
	assert_false(info.table[0].valid);
	assert_string_equal(info.table[1].sig, "RSDT");
	assert_true(info.table[1].valid);
	assert_int_equal(info.ntables, 9);
	expect_rest_intact("");
}

/* ---- The RSDP ---- */

static void expect_nothing_parsed(void)
{
	assert_int_equal(info.ntables, 0);
	assert_false(info.madt.present);
	assert_false(info.hpet.present);
	assert_false(info.fadt.present);
}

static void test_rsdp_bad_checksum(void **state)
{
	(void)state;
	fake_mem_table(&m, "RSDP")[9]++; /* OEM id, inside the first 20 */
	assert_int_equal(parse(&m, &info, &lc), -1);
	log_expect_one(&lc, "acpi: RSDP: checksum of the first 20 bytes is "
			    "wrong (sum 0x01)");
	expect_nothing_parsed();
}

static void test_rsdp_bad_extended_checksum(void **state)
{
	(void)state;
	fake_mem_table(&m, "RSDP")[33]++; /* reserved, after the first 20 */
	assert_int_equal(parse(&m, &info, &lc), -1);
	log_expect_one(&lc, "acpi: RSDP: extended checksum of the 36 bytes is "
			    "wrong (sum 0x01)");
	expect_nothing_parsed();
}

static void test_rsdp_bad_signature(void **state)
{
	(void)state;
	fake_mem_table(&m, "RSDP")[0] = 'r';
	assert_int_equal(parse(&m, &info, &lc), -1);
	log_expect_one(&lc, "acpi: RSDP: no \"RSD PTR \" signature at "
			    "0x1f77d014");
	expect_nothing_parsed();
}

static void test_rsdp_outside_memory(void **state)
{
	(void)state;
	log_reset(&lc);
	assert_int_equal(acpi_parse(&m.mem, 0x1000, &info, log_capture, &lc),
			 -1);
	log_expect_one(&lc, "acpi: RSDP: 0x1000 is not in memory");
	expect_nothing_parsed();
	assert_int_equal(info.rsdp_phys, 0x1000);
}

/* Revision 2 at the very end of memory: the first 20 bytes map, the
 * 36 the revision promises do not. */
static void test_rsdp_v2_truncated_by_memory_end(void **state)
{
	(void)state;
	uint64_t at = Q35_END - 20;
	memcpy(fake_mem_ptr(&m, at, 20), fake_mem_table(&m, "RSDP"), 20);
	log_reset(&lc);
	assert_int_equal(acpi_parse(&m.mem, at, &info, log_capture, &lc), -1);
	log_expect_one(&lc, "acpi: RSDP: revision 2 needs 36 bytes at "
			    "0x1f8fffec, past the end of memory");
}

/* ---- Root tables ---- */

static void test_xsdt_outside_memory_falls_back_to_rsdt(void **state)
{
	(void)state;
	make_rsdt(&m);
	uint8_t *rsdp = fake_mem_table(&m, "RSDP");
	wr64(rsdp + 24, 0x7fff0000);
	rsdp_fix_checksums(rsdp);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: XSDT: header at 0x7fff0000 is not in "
			    "memory; using the RSDT at 0x1f77c074");
	assert_false(info.xsdt_used);
	assert_string_equal(info.table[0].sig, "XSDT");
	assert_int_equal(info.table[0].phys, 0x7fff0000);
	assert_false(info.table[0].valid);
	assert_string_equal(info.table[1].sig, "RSDT");
	assert_int_equal(info.table[1].phys, Q35_RSDT);
	expect_rest_intact("");
	for (int i = 0; i < 4; i++)
		assert_int_equal(info.madt.cpu[i].apic_id, i);
}

static void test_no_xsdt_address_uses_rsdt(void **state)
{
	(void)state;
	make_rsdt(&m);
	uint8_t *rsdp = fake_mem_table(&m, "RSDP");
	wr64(rsdp + 24, 0);
	rsdp_fix_checksums(rsdp);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: RSDP: revision 2 but no XSDT address; using "
			    "the RSDT at 0x1f77c074");
	assert_false(info.xsdt_used);
	expect_rest_intact("");
}

/* The captures have no RSDT: the memory it names is zeroes. */
static void test_bad_xsdt_and_no_rsdt_fails(void **state)
{
	(void)state;
	break_checksum("XSDT");
	assert_int_equal(parse(&m, &info, &lc), -1);
	log_expect(&lc, (const char *const[]){
		"acpi: XSDT: checksum is wrong (bytes sum to 0x01, not 0); "
		"using the RSDT at 0x1f77c074",
		"acpi: RSDT: signature 00 00 00 00 at 0x1f77c074 is not a "
		"table name; no ACPI tables",
		NULL });
	assert_false(info.madt.present);
	assert_false(info.fadt.present);
}

/* Some firmware rounds the XSDT length; the whole entries still count. */
static void test_xsdt_partial_entry_is_ignored(void **state)
{
	(void)state;
	uint8_t *x = fake_mem_table(&m, "XSDT");
	wr32(x + 4, 0x54 + 4); /* the 4 bytes after it are zero */
	table_fix_checksum(x);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: XSDT: length 0x58 ends in a partial entry; "
			    "ignored");
	assert_int_equal(info.ntables, 8);
	expect_rest_intact("");
}

static void test_null_xsdt_entry_is_skipped(void **state)
{
	(void)state;
	xsdt_repoint(&m, Q35_HPET, 0);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: XSDT entry 2 is a null pointer; skipped");
	assert_false(info.hpet.present);
	assert_int_equal(info.ntables, 7);
	expect_rest_intact("HPET");
}

/* ---- Table headers ---- */

/* The HPET moved to the last 20 bytes of memory: its header is cut. */
static void test_truncated_header_at_memory_end(void **state)
{
	(void)state;
	uint64_t at = Q35_END - 20;
	memcpy(fake_mem_ptr(&m, at, 20), fake_mem_table(&m, "HPET"), 20);
	xsdt_repoint(&m, Q35_HPET, at);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: XSDT entry 2: header at 0x1f8fffec is not "
			    "in memory");
	assert_false(info.hpet.present);
	/* Listed, so the summary shows what was refused. */
	assert_string_equal(info.table[3].sig, "????");
	assert_int_equal(info.table[3].phys, at);
	assert_false(info.table[3].valid);
	expect_rest_intact("HPET");
}

static void test_length_shorter_than_header(void **state)
{
	(void)state;
	wr32(fake_mem_table(&m, "APIC") + 4, 0x20);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: APIC: length 0x20 is shorter than the "
			    "36-byte header");
	expect_madt_empty();
	int i = table_index("APIC");
	assert_false(info.table[i].valid);
	assert_int_equal(info.table[i].length, 0x20);
	expect_rest_intact("APIC");
}

static void test_length_past_end_of_memory(void **state)
{
	(void)state;
	wr32(fake_mem_table(&m, "APIC") + 4, 0x200000);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: APIC: length 0x200000 at 0x1f777000 runs "
			    "past the end of memory");
	expect_madt_empty();
	expect_rest_intact("APIC");
}

static void test_length_over_limit(void **state)
{
	(void)state;
	wr32(fake_mem_table(&m, "APIC") + 4, 0x1000001);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: APIC: length 0x1000001 is over the 16 MiB "
			    "limit");
	expect_madt_empty();
	expect_rest_intact("APIC");
}

static void test_entry_pointing_at_zeroes(void **state)
{
	(void)state;
	xsdt_repoint(&m, Q35_HPET, Q35_SPARE);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: XSDT entry 2: signature 00 00 00 00 at "
			    "0x1f800000 is not a table name");
	assert_false(info.hpet.present);
	expect_rest_intact("HPET");
}

/* ---- MADT entries ---- */

/* q35's MADT: 4 x type 0 at 0x2c..0x4b, type 1 at 0x4c, 5 x type 2 at
 * 0x58..0x89, type 4 at 0x8a (length 6) up to the end, 0x90. */
static void test_madt_entry_runs_past_end(void **state)
{
	(void)state;
	uint8_t *t = fake_mem_table(&m, "APIC");
	t[0x8b] = 0x10;
	table_fix_checksum(t);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: APIC: entry at offset 0x8a (type 4) runs "
			    "past the end of the table (length 0x90)");
	expect_madt_empty();
	expect_rest_intact("APIC");
}

/* All or nothing: the four CPUs before the bad entry are not kept. */
static void test_madt_zero_length_entry(void **state)
{
	(void)state;
	uint8_t *t = fake_mem_table(&m, "APIC");
	t[0x4d] = 0;
	table_fix_checksum(t);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: APIC: entry at offset 0x4c (type 1) has "
			    "length 0");
	expect_madt_empty();
	assert_true(info.table[table_index("APIC")].valid);
	expect_rest_intact("APIC");
}

static void test_madt_entry_too_short_for_type(void **state)
{
	(void)state;
	uint8_t *t = fake_mem_table(&m, "APIC");
	t[0x4d] = 8; /* an IOAPIC entry is 12 */
	table_fix_checksum(t);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: APIC: entry at offset 0x4c (type 1) has "
			    "length 8; the type needs 12");
	expect_madt_empty();
}

/* One byte left over: not even an entry header. */
static void test_madt_trailing_byte(void **state)
{
	(void)state;
	struct tb b;
	madt_begin(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);
	tb_u8(&b, 0x7f);
	tb_end(&b);
	install_table(&m, "APIC", b.buf);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: APIC: entry at offset 0x34 (type 127) runs "
			    "past the end of the table (length 0x35)");
	expect_madt_empty();
}

static void test_madt_shorter_than_its_header(void **state)
{
	(void)state;
	uint8_t *t = fake_mem_table(&m, "APIC");
	wr32(t + 4, 40);
	table_fix_checksum(t);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: APIC: length 0x28 is shorter than the "
			    "44-byte MADT header");
	expect_madt_empty();
}

/* ---- CPU lists ---- */

static void test_more_than_max_cpus(void **state)
{
	(void)state;
	struct tb b;
	madt_begin(&b, 0xfee00000, 1);
	for (uint32_t i = 0; i < ACPI_MAX_CPUS + 88; i++)
		madt_x2apic(&b, i, 1, i);
	tb_end(&b);
	install_table(&m, "APIC", b.buf);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: APIC: 88 usable CPU entries beyond the "
			    "first 1024 were counted but not kept");
	assert_true(info.madt.present);
	assert_int_equal(info.madt.ncpus, ACPI_MAX_CPUS);
	assert_int_equal(info.madt.ncpus_dropped, 88);
	assert_int_equal(info.madt.cpu[1023].apic_id, 1023);
	assert_int_equal(info.madt.cpu[1023].acpi_uid, 1023);

	log_reset(&lc);
	acpi_log_summary(&info, log_capture, &lc);
	bool found = false;
	for (int i = 0; i < lc.n && i < LOG_MAX_LINES; i++)
		found |= strstr(lc.line[i], "1024 CPUs (1024 enabled, 0 online-"
					    "capable, 88 not kept)") != NULL;
	assert_true(found);
}

/* The same CPU as type 0 and again as type 9 (seen on real firmware):
 * the first entry wins, the repeat costs a warning. */
static void test_duplicate_apic_ids(void **state)
{
	(void)state;
	struct tb b;
	madt_begin(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);      /* 0x2c */
	madt_lapic(&b, 1, 1, 1);      /* 0x34 */
	madt_x2apic(&b, 0, 1, 0);     /* 0x3c */
	madt_x2apic(&b, 1, 1, 1);     /* 0x4c */
	madt_x2apic(&b, 0x100, 1, 2); /* 0x5c */
	tb_end(&b);
	install_table(&m, "APIC", b.buf);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){
		"acpi: APIC: CPU entry at offset 0x3c (type 9) repeats APIC "
		"id 0; ignored",
		"acpi: APIC: CPU entry at offset 0x4c (type 9) repeats APIC "
		"id 1; ignored",
		NULL });
	assert_int_equal(info.madt.ncpus, 3);
	assert_false(info.madt.cpu[0].from_x2apic_entry);
	assert_false(info.madt.cpu[1].from_x2apic_entry);
	assert_int_equal(info.madt.cpu[2].apic_id, 0x100);
	assert_true(info.madt.cpu[2].from_x2apic_entry);
}

/* Every CPU listed twice: four warnings, then one line with the rest. */
static void test_repeat_warnings_are_capped(void **state)
{
	(void)state;
	struct tb b;
	madt_begin(&b, 0xfee00000, 1);
	for (uint8_t i = 0; i < 8; i++)
		madt_lapic(&b, i, i, 1); /* 0x2c + 8 * i */
	for (uint32_t i = 0; i < 8; i++)
		madt_x2apic(&b, i, 1, i); /* 0x6c + 16 * i */
	tb_end(&b);
	install_table(&m, "APIC", b.buf);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){
		"acpi: APIC: CPU entry at offset 0x6c (type 9) repeats APIC "
		"id 0; ignored",
		"acpi: APIC: CPU entry at offset 0x7c (type 9) repeats APIC "
		"id 1; ignored",
		"acpi: APIC: CPU entry at offset 0x8c (type 9) repeats APIC "
		"id 2; ignored",
		"acpi: APIC: CPU entry at offset 0x9c (type 9) repeats APIC "
		"id 3; ignored",
		"acpi: APIC: 4 more CPU entries repeat an APIC id; ignored",
		NULL });
	assert_int_equal(info.madt.ncpus, 8);
}

/* ---- HPET and FADT refusals ---- */

static void test_hpet_in_io_space(void **state)
{
	(void)state;
	uint8_t *t = fake_mem_table(&m, "HPET");
	t[40] = ACPI_GAS_IO;
	table_fix_checksum(t);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: HPET: base address is in address space 1, "
			    "not system memory (0)");
	assert_false(info.hpet.present);
	assert_true(info.table[table_index("HPET")].valid);
	expect_rest_intact("HPET");
}

static void test_hpet_at_zero(void **state)
{
	(void)state;
	uint8_t *t = fake_mem_table(&m, "HPET");
	wr64(t + 44, 0);
	table_fix_checksum(t);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: HPET: base address is 0");
	assert_false(info.hpet.present);
}

static void test_hpet_too_short(void **state)
{
	(void)state;
	uint8_t *t = fake_mem_table(&m, "HPET");
	wr32(t + 4, 0x30);
	table_fix_checksum(t);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: HPET: length 0x30 is shorter than the "
			    "56-byte HPET table");
	assert_false(info.hpet.present);
}

static void test_fadt_shorter_than_acpi1(void **state)
{
	(void)state;
	uint8_t *t = fake_mem_table(&m, "FACP");
	wr32(t + 4, 112);
	table_fix_checksum(t);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: FACP: length 0x70 is shorter than the "
			    "116-byte ACPI 1.0 FADT");
	assert_false(info.fadt.present);
	assert_int_equal(table_index("DSDT"), -1);
	expect_rest_intact("FACP");
}

/* ---- Two tables of a kind ---- */

static uint64_t copy_table_to_spare(const char *sig)
{
	const uint8_t *t = fake_mem_table(&m, sig);
	uint32_t len = t[4] | t[5] << 8;
	uint64_t at = fake_mem_alloc(&m, len);
	memcpy(fake_mem_ptr(&m, at, len), t, len);
	return at;
}

static void test_second_madt_ignored(void **state)
{
	(void)state;
	uint64_t copy = copy_table_to_spare("APIC");
	xsdt_repoint(&m, fake_mem_phys(&m, "MCFG"), copy);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: APIC: another table at 0x1f800000 ignored; "
			    "using the first");
	assert_int_equal(info.madt.ncpus, 4);
}

/* A rejected first MADT does not block a good second one. */
static void test_bad_first_madt_then_good_one(void **state)
{
	(void)state;
	uint64_t copy = copy_table_to_spare("APIC");
	xsdt_repoint(&m, fake_mem_phys(&m, "MCFG"), copy);
	break_checksum("APIC");
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: APIC: checksum is wrong (bytes sum to 0x01, "
			    "not 0)");
	assert_true(info.madt.present);
	assert_int_equal(info.madt.ncpus, 4);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_apic_bad_checksum),
		T(test_facp_bad_checksum),
		T(test_hpet_bad_checksum),
		T(test_dsdt_bad_checksum),
		T(test_mcfg_bad_checksum),
		T(test_xsdt_bad_checksum_falls_back_to_rsdt),
		T(test_rsdp_bad_checksum),
		T(test_rsdp_bad_extended_checksum),
		T(test_rsdp_bad_signature),
		T(test_rsdp_outside_memory),
		T(test_rsdp_v2_truncated_by_memory_end),
		T(test_xsdt_outside_memory_falls_back_to_rsdt),
		T(test_no_xsdt_address_uses_rsdt),
		T(test_bad_xsdt_and_no_rsdt_fails),
		T(test_xsdt_partial_entry_is_ignored),
		T(test_null_xsdt_entry_is_skipped),
		T(test_truncated_header_at_memory_end),
		T(test_length_shorter_than_header),
		T(test_length_past_end_of_memory),
		T(test_length_over_limit),
		T(test_entry_pointing_at_zeroes),
		T(test_madt_entry_runs_past_end),
		T(test_madt_zero_length_entry),
		T(test_madt_entry_too_short_for_type),
		T(test_madt_trailing_byte),
		T(test_madt_shorter_than_its_header),
		T(test_more_than_max_cpus),
		T(test_duplicate_apic_ids),
		T(test_repeat_warnings_are_capped),
		T(test_hpet_in_io_space),
		T(test_hpet_at_zero),
		T(test_hpet_too_short),
		T(test_fadt_shorter_than_acpi1),
		T(test_second_madt_ignored),
		T(test_bad_first_madt_then_good_one),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
