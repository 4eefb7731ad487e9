// SPDX-License-Identifier: MIT
/*
 * SRAT and SLIT (acpi/srat.c, acpi/slit.c). First the real tables QEMU
 * 7.2 builds for -smp 32,sockets=2,cores=8,threads=2 with two NUMA nodes
 * of 256 MiB and "-numa dist,src=0,dst=1,val=21" (data/qemu-q35-numa/;
 * the expected values were read off the table bytes independently of the
 * parser, see data/README.md), then hand-made tables that put the
 * capture's SRAT or SLIT slot on something else: every decoded entry
 * type, the Enabled flag, repeated CPUs, and each malformed shape with its
 * exact log line, after which the table is not kept (the kernel's
 * fallbacks: one node, 10/20 distances) and the other tables still are.
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
static struct tb b;

static int setup(void **state)
{
	(void)state;
	fake_mem_load(&m, "data/qemu-q35-numa");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_mem_free(&m);
	return 0;
}

/* ---- the real capture --------------------------------------------------- */

static void test_qemu_srat(void **state)
{
	(void)state;
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });
	const struct acpi_srat *s = &info.srat;
	assert_true(s->present);
	assert_int_equal(s->ncpus, 32);
	assert_int_equal(s->ncpus_dropped, 0);
	for (int i = 0; i < 32; i++) {
		assert_int_equal(s->cpu[i].apic_id, i);
		assert_int_equal(s->cpu[i].pxm, i < 16 ? 0 : 1);
		assert_false(s->cpu[i].from_x2apic_entry);
		assert_int_equal(acpi_srat_pxm_of(s, i), i < 16 ? 0 : 1);
	}
	assert_int_equal(acpi_srat_pxm_of(s, 32), -1);
	/* Three ranges; the fourth entry is QEMU's disabled placeholder
	 * for hot-pluggable memory (flags 0, length 0). */
	assert_int_equal(s->nmem, 3);
	assert_int_equal(s->ndisabled, 1);
	assert_int_equal(s->mem[0].base, 0);
	assert_int_equal(s->mem[0].length, 0xa0000);
	assert_int_equal(s->mem[0].pxm, 0);
	assert_int_equal(s->mem[1].base, 0x100000);
	assert_int_equal(s->mem[1].length, 0xff00000);
	assert_int_equal(s->mem[1].pxm, 0);
	assert_int_equal(s->mem[2].base, 0x10000000);
	assert_int_equal(s->mem[2].length, 0x10000000);
	assert_int_equal(s->mem[2].pxm, 1);
	assert_false(s->mem[2].hotplug);
	assert_false(s->mem[2].nonvolatile);
	/* The rest of the machine still parses. */
	assert_true(info.madt.present);
	assert_int_equal(info.madt.ncpus, 32);
	assert_true(info.hpet.present);
}

static void test_qemu_slit(void **state)
{
	(void)state;
	assert_int_equal(parse(&m, &info, &lc), 0);
	const struct acpi_slit *d = &info.slit;
	assert_true(d->present);
	assert_int_equal(d->n, 2);
	assert_true(d->symmetric);
	static const uint8_t want[4] = { 10, 21, 21, 10 };
	assert_memory_equal(d->dist, want, 4);
}

static void test_qemu_summary(void **state)
{
	(void)state;
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_reset(&lc);
	acpi_log_summary(&info, log_capture, &lc);
	const char *want[] = {
		"acpi: SRAT: 32 CPUs, 3 memory ranges in 2 domains; 1 disabled "
		"entries",
		"acpi: SRAT memory: [0x0-0xa0000) domain 0, [0x100000-0x10000000) "
		"domain 0, [0x10000000-0x20000000) domain 1",
		"acpi: SLIT: 2 localities, 0: 10 21, 1: 21 10",
	};
	/* The NUMA lines are the summary's last three. */
	assert_true(lc.n >= 3);
	for (int i = 0; i < 3; i++)
		assert_string_equal(lc.line[lc.n - 3 + i], want[i]);
}

static void test_no_srat_no_lines(void **state)
{
	(void)state;
	struct fake_mem q;
	fake_mem_load(&q, "data/qemu-q35");
	assert_int_equal(parse(&q, &info, &lc), 0);
	assert_false(info.srat.present);
	assert_false(info.slit.present);
	assert_int_equal(acpi_srat_pxm_of(&info.srat, 0), -1);
	log_reset(&lc);
	acpi_log_summary(&info, log_capture, &lc);
	for (int i = 0; i < lc.n && i < LOG_MAX_LINES; i++) {
		assert_null(strstr(lc.line[i], "SRAT:"));
		assert_null(strstr(lc.line[i], "SLIT:"));
	}
	fake_mem_free(&q);
}

/* ---- hand-made SRATs ---------------------------------------------------- */

static void srat_begin(void)
{
	tb_begin(&b, "SRAT", 3);
	tb_u32(&b, 1); /* reserved, must be 1 */
	tb_u64(&b, 0);
}

static void srat_lapic(uint8_t apic, uint32_t pxm, uint32_t flags)
{
	tb_u8(&b, 0);
	tb_u8(&b, 16);
	tb_u8(&b, (uint8_t)pxm);
	tb_u8(&b, apic);
	tb_u32(&b, flags);
	tb_u8(&b, 0); /* SAPIC EID */
	tb_u8(&b, (uint8_t)(pxm >> 8));
	tb_u8(&b, (uint8_t)(pxm >> 16));
	tb_u8(&b, (uint8_t)(pxm >> 24));
	tb_u32(&b, 0); /* clock domain */
}

static void srat_x2apic(uint32_t id, uint32_t pxm, uint32_t flags)
{
	tb_u8(&b, 2);
	tb_u8(&b, 24);
	tb_u16(&b, 0);
	tb_u32(&b, pxm);
	tb_u32(&b, id);
	tb_u32(&b, flags);
	tb_u32(&b, 0);
	tb_u32(&b, 0);
}

static void srat_mem(uint32_t pxm, uint64_t base, uint64_t len, uint32_t flags)
{
	tb_u8(&b, 1);
	tb_u8(&b, 40);
	tb_u32(&b, pxm);
	tb_u16(&b, 0);
	tb_u64(&b, base);
	tb_u64(&b, len);
	tb_u32(&b, 0);
	tb_u32(&b, flags);
	tb_u64(&b, 0);
}

static void install(const char *slot)
{
	tb_end(&b);
	install_table(&m, slot, b.buf);
}

static void test_srat_every_type(void **state)
{
	(void)state;
	srat_begin();
	srat_lapic(3, 0x01020304, 1);	  /* all four domain bytes */
	srat_x2apic(0x1234, 7, 1);
	srat_lapic(4, 1, 0);		  /* disabled: skipped */
	srat_mem(7, 0x100000000ull, 0x40000000, 1 | 2 | 4);
	srat_mem(1, 0x200000000ull, 0x1000, 0); /* disabled */
	/* A GICC affinity entry (type 3, 18 bytes): skipped by length. */
	tb_u8(&b, 3);
	tb_u8(&b, 18);
	for (int i = 0; i < 16; i++)
		tb_u8(&b, 0xee);
	srat_mem(2, 0x300000000ull, 0, 1); /* empty range: nothing */
	install("SRAT");
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });
	const struct acpi_srat *s = &info.srat;
	assert_true(s->present);
	assert_int_equal(s->ncpus, 2);
	assert_int_equal(s->cpu[0].apic_id, 3);
	assert_int_equal(s->cpu[0].pxm, 0x01020304);
	assert_int_equal(s->cpu[1].apic_id, 0x1234);
	assert_int_equal(s->cpu[1].pxm, 7);
	assert_true(s->cpu[1].from_x2apic_entry);
	assert_int_equal(s->ndisabled, 2);
	assert_int_equal(s->nmem, 1);
	assert_int_equal(s->mem[0].base, 0x100000000ull);
	assert_int_equal(s->mem[0].length, 0x40000000);
	assert_true(s->mem[0].hotplug);
	assert_true(s->mem[0].nonvolatile);
	assert_int_equal(acpi_srat_pxm_of(s, 4), -1);
}

/*
 * SRAT revision 1 (ACPI 2.0) had 8-bit proximity domains: type 0's bytes
 * 9-11 were reserved and a memory entry's domain was one byte followed by
 * reserved ones. The 32-bit domain came with revision 2 (ACPI 3.0), so a
 * revision-1 table's upper bytes are not a domain, whatever they hold
 * (Linux masks them the same way, arch/x86/mm/srat.c). QEMU still builds
 * revision 1 (with zeroes there: the capture above).
 */
static void test_srat_revision_1_has_8_bit_domains(void **state)
{
	(void)state;
	tb_begin(&b, "SRAT", 1);
	tb_u32(&b, 1);
	tb_u64(&b, 0);
	srat_lapic(3, 0xabcdef01, 1);	 /* old firmware's junk in 9-11 */
	srat_mem(0x12345602, 0x100000000ull, 0x1000, 1);
	srat_x2apic(0x1234, 0x300, 1);	 /* no such entry in revision 1 */
	install("SRAT");
	assert_int_equal(parse(&m, &info, &lc), 0);
	const struct acpi_srat *s = &info.srat;
	assert_true(s->present);
	assert_int_equal(s->ncpus, 2);
	assert_int_equal(s->cpu[0].pxm, 0x01);
	assert_int_equal(s->mem[0].pxm, 0x02);
	assert_int_equal(s->cpu[1].pxm, 0x300);
}

static void test_srat_repeated_cpu_keeps_first(void **state)
{
	(void)state;
	srat_begin();
	srat_lapic(5, 0, 1);
	srat_x2apic(5, 1, 1); /* firmware lists a CPU twice */
	install("SRAT");
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: SRAT: entry at offset 0x40 (type 2) repeats "
			    "APIC id 5 (domain 1); the first (domain 0) is kept");
	assert_int_equal(info.srat.ncpus, 1);
	assert_int_equal(acpi_srat_pxm_of(&info.srat, 5), 0);
}

static void test_srat_repeats_are_capped(void **state)
{
	(void)state;
	srat_begin();
	srat_lapic(5, 0, 1);
	for (int i = 0; i < 10; i++)
		srat_lapic(5, 1, 1);
	install("SRAT");
	assert_int_equal(parse(&m, &info, &lc), 0);
	assert_int_equal(lc.n, 5);
	assert_string_equal(lc.line[4], "acpi: SRAT: 6 more entries repeat an "
					"APIC id; ignored");
}

static void test_srat_more_cpus_than_kept(void **state)
{
	(void)state;
	srat_begin();
	for (uint32_t i = 0; i < ACPI_MAX_CPUS + 3; i++)
		srat_x2apic(i, i & 1, 1);
	install("SRAT");
	assert_int_equal(parse(&m, &info, &lc), 0);
	char want[96];
	snprintf(want, sizeof(want), "acpi: SRAT: 3 more CPU entries than the "
		 "%d kept; those CPUs get no domain", ACPI_MAX_CPUS);
	log_expect_one(&lc, want);
	assert_int_equal(info.srat.ncpus, ACPI_MAX_CPUS);
	assert_int_equal(info.srat.ncpus_dropped, 3);
}

static void test_srat_more_ranges_than_kept(void **state)
{
	(void)state;
	srat_begin();
	for (uint32_t i = 0; i < ACPI_MAX_SRAT_MEM + 2; i++)
		srat_mem(0, (uint64_t)i << 20, 1 << 20, 1);
	install("SRAT");
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: SRAT: 2 more memory ranges than the 64 kept; "
			    "ignored");
	assert_int_equal(info.srat.nmem, ACPI_MAX_SRAT_MEM);
}

/* Malformed SRATs: one line, present == false, the rest intact. */
static void expect_srat_rejected(const char *line)
{
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, line);
	assert_false(info.srat.present);
	assert_int_equal(info.srat.ncpus, 0);
	assert_int_equal(info.srat.nmem, 0);
	assert_true(info.madt.present);
	assert_true(info.slit.present);
}

static void test_srat_entry_past_end(void **state)
{
	(void)state;
	srat_begin();
	srat_lapic(0, 0, 1);
	tb_u8(&b, 1);
	tb_u8(&b, 40); /* a memory entry that the table cuts after 2 bytes */
	install("SRAT");
	expect_srat_rejected("acpi: SRAT: entry at offset 0x40 (type 1) runs "
			     "past the end of the table (length 0x42)");
}

static void test_srat_zero_length_entry(void **state)
{
	(void)state;
	srat_begin();
	srat_lapic(0, 0, 1);
	tb_u8(&b, 2);
	tb_u8(&b, 0); /* would loop forever */
	for (int i = 0; i < 22; i++)
		tb_u8(&b, 0);
	install("SRAT");
	expect_srat_rejected("acpi: SRAT: entry at offset 0x40 (type 2) has "
			     "length 0");
}

static void test_srat_entry_too_short(void **state)
{
	(void)state;
	srat_begin();
	srat_lapic(1, 0, 1); /* a good entry first: all-or-nothing */
	tb_u8(&b, 1);
	tb_u8(&b, 24); /* memory affinity needs 40 */
	for (int i = 0; i < 22; i++)
		tb_u8(&b, 0xff);
	install("SRAT");
	expect_srat_rejected("acpi: SRAT: entry at offset 0x40 (type 1) has "
			     "length 24; the type needs 40");
}

static void test_srat_one_trailing_byte(void **state)
{
	(void)state;
	srat_begin();
	srat_lapic(1, 0, 1);
	tb_u8(&b, 0);
	install("SRAT");
	expect_srat_rejected("acpi: SRAT: entry at offset 0x40 (type 0) runs "
			     "past the end of the table (length 0x41)");
}

static void test_srat_shorter_than_header(void **state)
{
	(void)state;
	tb_begin(&b, "SRAT", 3);
	tb_u32(&b, 1);
	install("SRAT");
	expect_srat_rejected("acpi: SRAT: length 0x28 is shorter than the "
			     "48-byte SRAT header");
}

static void test_srat_empty_is_present(void **state)
{
	(void)state;
	srat_begin();
	install("SRAT");
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });
	assert_true(info.srat.present);
	assert_int_equal(info.srat.ncpus, 0);
}

/* ---- hand-made SLITs ---------------------------------------------------- */

static void slit(uint64_t n, const uint8_t *d, uint32_t bytes)
{
	tb_begin(&b, "SLIT", 1);
	tb_u64(&b, n);
	for (uint32_t i = 0; i < bytes; i++)
		tb_u8(&b, d[i]);
	install("SLIT");
}

static void expect_slit_rejected(const char *line)
{
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, line);
	assert_false(info.slit.present);
	assert_true(info.srat.present);
	assert_true(info.madt.present);
}

static void test_slit_four_nodes(void **state)
{
	(void)state;
	/* A 4-socket ring: neighbours 16, across 22; 255 = unreachable
	 * is legal and kept. */
	static const uint8_t d[16] = { 10, 16, 22, 16, 16, 10, 16, 22,
				       22, 16, 10, 255, 16, 22, 255, 10 };
	slit(4, d, 16);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });
	assert_true(info.slit.present);
	assert_int_equal(info.slit.n, 4);
	assert_true(info.slit.symmetric);
	assert_memory_equal(info.slit.dist, d, 16);
}

static void test_slit_asymmetric_is_kept_with_a_line(void **state)
{
	(void)state;
	static const uint8_t d[9] = { 10, 20, 30, 20, 10, 20, 31, 20, 10 };
	slit(3, d, 9);
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: SLIT: not symmetric: 0->2 is 30 but 2->0 is "
			    "31; kept as is");
	assert_true(info.slit.present);
	assert_false(info.slit.symmetric);
	assert_int_equal(info.slit.dist[2 * 3 + 0], 31);
}

static void test_slit_bad_diagonal(void **state)
{
	(void)state;
	static const uint8_t d[4] = { 10, 20, 20, 0 };
	slit(2, d, 4);
	expect_slit_rejected("acpi: SLIT: distance from locality 1 to itself is "
			     "0, not 10");
}

static void test_slit_below_local(void **state)
{
	(void)state;
	static const uint8_t d[4] = { 10, 9, 20, 10 };
	slit(2, d, 4);
	expect_slit_rejected("acpi: SLIT: distance from locality 0 to 1 is 9, "
			     "below the local 10");
}

static void test_slit_too_short_for_count(void **state)
{
	(void)state;
	static const uint8_t d[8] = { 10, 20, 20, 20, 10, 20, 20, 20 };
	slit(3, d, 8);
	expect_slit_rejected("acpi: SLIT: 3 localities need 0x35 bytes; the "
			     "table has 0x34");
}

static void test_slit_zero_localities(void **state)
{
	(void)state;
	slit(0, NULL, 0);
	expect_slit_rejected("acpi: SLIT: 0 localities; 1 to 64 are supported");
}

static void test_slit_huge_count(void **state)
{
	(void)state;
	/* n * n would overflow 64 bits: refused before any arithmetic. */
	static const uint8_t d[4] = { 10, 20, 20, 10 };
	slit(0x100000001ull, d, 4);
	expect_slit_rejected("acpi: SLIT: 4294967297 localities; 1 to 64 are "
			     "supported");
}

static void test_slit_shorter_than_header(void **state)
{
	(void)state;
	tb_begin(&b, "SLIT", 1);
	tb_u32(&b, 2);
	install("SLIT");
	expect_slit_rejected("acpi: SLIT: length 0x28 is shorter than the "
			     "44-byte SLIT header");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_qemu_srat),
		T(test_qemu_slit),
		T(test_qemu_summary),
		T(test_no_srat_no_lines),
		T(test_srat_every_type),
		T(test_srat_revision_1_has_8_bit_domains),
	T(test_srat_repeated_cpu_keeps_first),
		T(test_srat_repeats_are_capped),
		T(test_srat_more_cpus_than_kept),
		T(test_srat_more_ranges_than_kept),
		T(test_srat_entry_past_end),
		T(test_srat_zero_length_entry),
		T(test_srat_entry_too_short),
		T(test_srat_one_trailing_byte),
		T(test_srat_shorter_than_header),
		T(test_srat_empty_is_present),
		T(test_slit_four_nodes),
		T(test_slit_asymmetric_is_kept_with_a_line),
		T(test_slit_bad_diagonal),
		T(test_slit_below_local),
		T(test_slit_too_short_for_count),
		T(test_slit_zero_localities),
		T(test_slit_huge_count),
		T(test_slit_shorter_than_header),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
