// SPDX-License-Identifier: MIT
/*
 * Decoding rules on hand-built tables, each hooked into the q35 capture in
 * place of the real one: a server-style MADT (x2APIC ids above 254,
 * online-capable and unusable entries, placeholders, two I/O APICs, both
 * NMI entry types, a 64-bit LAPIC address override, entry types we skip),
 * the processor-flag rules (an enabled entry beats an earlier
 * online-capable one for the same id, online-capable is reserved before
 * MADT revision 5, only enabled CPUs decide the highest APIC id),
 * MPS INTI flag decoding, LINT and list-size limits; FADT field selection
 * (X_ versus legacy fields, address spaces, short tables, HW-reduced);
 * the HPET block id; the checksum helper; and the summary's wording for
 * what QEMU never produces.
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
	fake_mem_load(&m, "data/qemu-q35");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_mem_free(&m);
	return 0;
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)v);
	wr16(p + 2, (uint16_t)(v >> 16));
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

static void install_madt(void)
{
	tb_end(&b);
	install_table(&m, "APIC", b.buf);
}

static bool summary_has(const char *line)
{
	log_reset(&lc);
	acpi_log_summary(&info, log_capture, &lc);
	for (int i = 0; i < lc.n && i < LOG_MAX_LINES; i++)
		if (strcmp(lc.line[i], line) == 0)
			return true;
	log_print(&lc, "summary");
	fprintf(stderr, "no line \"%s\"\n", line);
	return false;
}

/* ---- MADT ---- */

static void test_server_style_madt(void **state)
{
	(void)state;
	madt_begin(&b, 0xfee00000, 0); /* no 8259s */
	madt_lapic(&b, 0, 0, 1);
	madt_lapic(&b, 1, 2, 1);
	madt_lapic(&b, 2, 0xff, 0);	      /* placeholder, skipped */
	madt_lapic(&b, 3, 4, 0);	      /* unusable: counted */
	madt_x2apic(&b, 0, 1, 0);	      /* repeats the type-0 BSP */
	madt_x2apic(&b, 0x100, 1, 0x100);     /* above 254 */
	madt_x2apic(&b, 0x1ff, 3, 0x1ff);     /* enabled + online-capable */
	madt_x2apic(&b, 0x200, 2, 0x200);     /* hot-pluggable */
	madt_x2apic(&b, 0xffffffff, 0, 0x300); /* placeholder: counted */
	madt_ioapic(&b, 8, 0xfec00000, 0);
	madt_ioapic(&b, 9, 0xfec01000, 24);
	madt_override(&b, 0, 0, 2, 0);
	madt_override(&b, 0, 9, 9, 0xf);
	madt_nmi(&b, 0xff, 5, 1);
	madt_nmi(&b, 1, 0xf, 0);
	madt_x2nmi(&b, 0, 0xffffffff, 1);
	madt_x2nmi(&b, 0xd, 0x100, 1);
	madt_lapic_override(&b, 0x1fee00000ull);
	/* Legal types we do not decode: an NMI source (3) and a future
	 * type with an odd length. */
	tb_u8(&b, 3);
	tb_u8(&b, 8);
	tb_u16(&b, 5);
	tb_u32(&b, 16);
	tb_u8(&b, 0x7f);
	tb_u8(&b, 3);
	tb_u8(&b, 0xee);
	install_madt();

	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){
		"acpi: APIC: CPU entry at offset 0x4c (type 9) repeats APIC "
		"id 0; ignored",
		"acpi: APIC: 2 processor entries are neither enabled nor "
		"online-capable; skipped",
		NULL });

	const struct acpi_madt *md = &info.madt;
	assert_true(md->present);
	assert_false(md->pcat_compat);
	assert_int_equal(md->lapic_phys, 0x1fee00000ull);
	assert_int_equal(md->ncpus, 5);
	const struct acpi_cpu want[5] = {
		{ 0, 0, true, false, false },
		{ 2, 1, true, false, false },
		{ 0x100, 0x100, true, false, true },
		{ 0x1ff, 0x1ff, true, false, true }, /* enabled wins */
		{ 0x200, 0x200, false, true, true },
	};
	for (int i = 0; i < 5; i++) {
		assert_int_equal(md->cpu[i].apic_id, want[i].apic_id);
		assert_int_equal(md->cpu[i].acpi_uid, want[i].acpi_uid);
		assert_int_equal(md->cpu[i].enabled, want[i].enabled);
		assert_int_equal(md->cpu[i].online_capable,
				 want[i].online_capable);
		assert_int_equal(md->cpu[i].from_x2apic_entry,
				 want[i].from_x2apic_entry);
	}
	assert_int_equal(md->nioapics, 2);
	assert_int_equal(md->ioapic[1].id, 9);
	assert_int_equal(md->ioapic[1].phys, 0xfec01000);
	assert_int_equal(md->ioapic[1].gsi_base, 24);
	assert_int_equal(md->noverrides, 2);
	assert_true(md->override[1].active_low);
	assert_true(md->override[1].level_triggered);

	assert_int_equal(md->nnmis, 4);
	assert_int_equal(md->nmi[0].acpi_uid, 0xffffffff); /* type 4, 0xff */
	assert_int_equal(md->nmi[0].lint, 1);
	assert_false(md->nmi[0].active_low);
	assert_false(md->nmi[0].level_triggered);
	assert_int_equal(md->nmi[1].acpi_uid, 1);
	assert_int_equal(md->nmi[1].lint, 0);
	assert_true(md->nmi[1].active_low);
	assert_true(md->nmi[1].level_triggered);
	assert_int_equal(md->nmi[2].acpi_uid, 0xffffffff);
	assert_int_equal(md->nmi[3].acpi_uid, 0x100);
	assert_false(md->nmi[3].active_low);
	assert_true(md->nmi[3].level_triggered);

	assert_true(summary_has(
		"acpi: MADT: local APIC at 0x1fee00000, no 8259 PICs; 5 CPUs "
		"(4 enabled, 1 online-capable, 0 not kept), 2 I/O APICs, "
		"2 overrides, 4 NMIs"));
	assert_true(summary_has(
		"acpi: CPUs: #0 apic 0 uid 0, #1 apic 2 uid 1, #2 apic 256 "
		"uid 256 x2apic, #3 apic 511 uid 511 x2apic, #4 apic 512 "
		"uid 512 x2apic hotplug"));
	assert_true(summary_has(
		"acpi: NMIs: all CPUs LINT1 high edge, uid 1 LINT0 low level, "
		"all CPUs LINT1 high edge, uid 256 LINT1 high level"));
}

/* Each polarity/trigger encoding (ACPI 6.5 5.2.12.5, MPS INTI flags) on an override. */
static void test_inti_flags(void **state)
{
	(void)state;
	const struct {
		uint16_t flags;
		bool low, level;
	} cases[] = {
		{ 0x0, false, false }, /* conforming: ISA high, edge */
		{ 0x1, false, false }, { 0x3, true, false },
		{ 0x4, false, false }, { 0xc, false, true },
		{ 0xd, false, true },  { 0xf, true, true },
		{ 0x2, false, false }, /* reserved polarity */
		{ 0x8, false, false }, /* reserved trigger */
	};
	const int n = sizeof(cases) / sizeof(cases[0]);

	madt_begin(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);
	for (int i = 0; i < n; i++)
		madt_override(&b, 0, (uint8_t)i, (uint32_t)i, cases[i].flags);
	install_madt();
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){
		"acpi: APIC: override at offset 0x7a (IRQ 7) has reserved "
		"flags 0x2; using the ISA default for them",
		"acpi: APIC: override at offset 0x84 (IRQ 8) has reserved "
		"flags 0x8; using the ISA default for them",
		NULL });
	assert_int_equal(info.madt.noverrides, n);
	for (int i = 0; i < n; i++) {
		const struct acpi_override *o = &info.madt.override[i];
		assert_int_equal(o->raw_flags, cases[i].flags);
		assert_int_equal(o->active_low, cases[i].low);
		assert_int_equal(o->level_triggered, cases[i].level);
	}
}

static void test_nmi_on_bad_lint_is_dropped(void **state)
{
	(void)state;
	madt_begin(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);
	madt_nmi(&b, 0xff, 0, 2);	 /* 0x34 */
	madt_x2nmi(&b, 0, 0xffffffff, 1); /* 0x3a */
	install_madt();
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: APIC: NMI entry at offset 0x34 (type 4) "
			    "names LINT2; ignored");
	assert_int_equal(info.madt.nnmis, 1);
	assert_int_equal(info.madt.nmi[0].lint, 1);
}

static void test_usable_x2apic_broadcast_id_is_dropped(void **state)
{
	(void)state;
	madt_begin(&b, 0xfee00000, 1);
	madt_x2apic(&b, 0, 1, 0);
	madt_x2apic(&b, 0xffffffff, 1, 1);
	install_madt();
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: APIC: CPU entry at offset 0x3c (type 9) is "
			    "usable but has APIC id 0xffffffff; ignored");
	assert_int_equal(info.madt.ncpus, 1);
}

/* ---- MADT processor semantics (issue 12) ---- */

/* A fresh copy of the capture, so another MADT can be hooked in. */
static void reload(void)
{
	fake_mem_free(&m);
	fake_mem_load(&m, "data/qemu-q35");
}

/*
 * A CPU listed first as online-capable (not enabled) and again, enabled,
 * in a type-9 entry: the enabled entry must win, or that CPU is never
 * started. The other order keeps the enabled first entry.
 */
static void test_enabled_entry_beats_earlier_online_capable(void **state)
{
	(void)state;
	madt_begin(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);
	madt_lapic(&b, 1, 5, 2);	/* online-capable */
	madt_x2apic(&b, 5, 1, 7);	/* the same CPU, enabled */
	madt_x2apic(&b, 0x120, 1, 8);	/* enabled ... */
	madt_x2apic(&b, 0x120, 2, 9);	/* ... then online-capable */
	install_madt();

	assert_int_equal(parse(&m, &info, &lc), 0);
	const struct acpi_madt *md = &info.madt;
	assert_int_equal(md->ncpus, 3);
	assert_int_equal(md->cpu[1].apic_id, 5);
	assert_true(md->cpu[1].enabled);
	assert_false(md->cpu[1].online_capable);
	assert_true(md->cpu[1].from_x2apic_entry);
	assert_int_equal(md->cpu[1].acpi_uid, 7);
	assert_int_equal(md->cpu[2].apic_id, 0x120);
	assert_true(md->cpu[2].enabled);
	assert_int_equal(md->cpu[2].acpi_uid, 8);
	log_expect(&lc, (const char *const[]){
		"acpi: APIC: CPU entry at offset 0x3c (type 9) enables APIC "
		"id 5, listed before as online-capable; the enabled entry is "
		"kept",
		"acpi: APIC: CPU entry at offset 0x5c (type 9) repeats APIC "
		"id 288; ignored",
		NULL });
}

/* Before MADT revision 5 (ACPI 6.3) bit 1 of the processor flags is
 * reserved: an entry with only that bit set is not a CPU. */
static void test_online_capable_bit_is_reserved_before_revision_5(void **state)
{
	(void)state;
	for (uint8_t rev = 1; rev <= 6; rev++) {
		reload();
		madt_begin(&b, 0xfee00000, 1);
		b.buf[8] = rev;
		madt_lapic(&b, 0, 0, 1);
		madt_lapic(&b, 1, 1, 2);
		madt_x2apic(&b, 0x300, 2, 2);
		madt_x2apic(&b, 0x301, 3, 3); /* enabled, bit 1 too */
		install_madt();

		assert_int_equal(parse(&m, &info, &lc), 0);
		const struct acpi_madt *md = &info.madt;
		if (rev < 5) {
			assert_int_equal(md->ncpus, 2);
			assert_int_equal(md->cpu[1].apic_id, 0x301);
			assert_true(md->cpu[1].enabled);
			log_expect_one(&lc, "acpi: APIC: 2 processor entries "
					    "are neither enabled nor "
					    "online-capable; skipped");
		} else {
			assert_int_equal(md->ncpus, 4);
			assert_true(md->cpu[1].online_capable);
			assert_true(md->cpu[2].online_capable);
			assert_true(md->cpu[3].enabled);
			assert_false(md->cpu[3].online_capable);
			log_expect(&lc, (const char *const[]){ NULL });
		}
	}
}

/* x2APIC mode is forced only by a CPU that will run: an online-capable
 * slot (never started) with a high id must not force it. */
static void test_max_apic_id_counts_enabled_cpus_only(void **state)
{
	(void)state;
	madt_begin(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);
	madt_lapic(&b, 1, 6, 1);
	madt_x2apic(&b, 0x200, 2, 2); /* online-capable slot */
	madt_x2apic(&b, 0x201, 0, 3); /* disabled */
	madt_lapic(&b, 4, 9, 2);      /* online-capable, below 254 */
	install_madt();

	assert_int_equal(parse(&m, &info, &lc), 0);
	assert_int_equal(info.madt.ncpus, 4);
	assert_int_equal(acpi_madt_max_apic_id(&info.madt), 6);

	reload();
	madt_begin(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);
	madt_x2apic(&b, 0x200, 1, 2); /* enabled: does need x2APIC */
	install_madt();
	assert_int_equal(parse(&m, &info, &lc), 0);
	assert_int_equal(acpi_madt_max_apic_id(&info.madt), 0x200);

	struct acpi_madt empty = { 0 };
	assert_int_equal(acpi_madt_max_apic_id(&empty), 0);
}

/* Past each array's size: one warning per kind, the first N kept. */
static void test_list_limits(void **state)
{
	(void)state;
	madt_begin(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);
	for (int i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
		madt_ioapic(&b, (uint8_t)i, 0xfec00000 + 0x1000 * i, 24 * i);
	for (int i = 0; i < ACPI_MAX_OVERRIDES + 2; i++)
		madt_override(&b, 0, (uint8_t)i, (uint32_t)i, 0);
	for (int i = 0; i < ACPI_MAX_NMIS + 2; i++)
		madt_nmi(&b, (uint8_t)i, 0, 1);
	install_madt();
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){
		"acpi: APIC: more than 16 I/O APICs; the rest are ignored",
		"acpi: APIC: more than 32 interrupt overrides; the rest are "
		"ignored",
		"acpi: APIC: more than 32 NMI entries; the rest are ignored",
		NULL });
	assert_int_equal(info.madt.nioapics, ACPI_MAX_IOAPICS);
	assert_int_equal(info.madt.ioapic[15].gsi_base, 24 * 15);
	assert_int_equal(info.madt.noverrides, ACPI_MAX_OVERRIDES);
	assert_int_equal(info.madt.nnmis, ACPI_MAX_NMIS);
	assert_int_equal(info.madt.nmi[31].acpi_uid, 31);
}

/* An empty MADT is valid: present, no CPUs; the kernel then runs on the
 * boot CPU alone. */
static void test_empty_madt(void **state)
{
	(void)state;
	madt_begin(&b, 0xfee00000, 1);
	install_madt();
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });
	assert_true(info.madt.present);
	assert_int_equal(info.madt.ncpus, 0);
	assert_true(summary_has("acpi: MADT: local APIC at 0xfee00000, 8259 "
				"PICs present; 0 CPUs (0 enabled, 0 online-"
				"capable, 0 not kept), 0 I/O APICs, 0 "
				"overrides, 0 NMIs"));
}

/* ---- FADT ---- */

/* q35 FADT offsets (ACPI 6.5 5.2.9). */
#define FADT_DSDT 40
#define FADT_PM_TMR_BLK 76
#define FADT_FLAGS 112
#define FADT_X_DSDT 140
#define FADT_X_PM_TMR_BLK 208

static uint8_t *facp(void)
{
	return fake_mem_table(&m, "FACP");
}

static void facp_done(void)
{
	table_fix_checksum(facp());
}

static void test_fadt_x_pm_timer_in_memory_space(void **state)
{
	(void)state;
	uint8_t *f = facp();
	f[FADT_X_PM_TMR_BLK] = ACPI_GAS_MEMORY;
	wr32(f + FADT_PM_TMR_BLK, 0x1808);
	facp_done();
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: FACP: X_PM_TMR_BLK is at 0x608 in address "
			    "space 0, not an I/O port; using PM_TMR_BLK "
			    "0x1808");
	assert_int_equal(info.fadt.pm_timer_port, 0x1808);
}

/* X_PM_TMR_BLK wins over PM_TMR_BLK when set and usable. */
static void test_fadt_prefers_x_pm_timer(void **state)
{
	(void)state;
	wr32(facp() + FADT_PM_TMR_BLK, 0x1808);
	facp_done();
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });
	assert_int_equal(info.fadt.pm_timer_port, 0x608);
}

static void test_fadt_zero_x_pm_timer_uses_legacy(void **state)
{
	(void)state;
	wr64(facp() + FADT_X_PM_TMR_BLK + 4, 0);
	wr32(facp() + FADT_PM_TMR_BLK, 0x1808);
	facp_done();
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });
	assert_int_equal(info.fadt.pm_timer_port, 0x1808);
}

static void test_fadt_pm_timer_port_too_big(void **state)
{
	(void)state;
	wr64(facp() + FADT_X_PM_TMR_BLK + 4, 0);
	wr32(facp() + FADT_PM_TMR_BLK, 0x10008);
	facp_done();
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect_one(&lc, "acpi: FACP: PM_TMR_BLK 0x10008 is not an I/O "
			    "port; ignored");
	assert_int_equal(info.fadt.pm_timer_port, 0);
}

/* X_DSDT wins; a zero X_DSDT falls back to DSDT. Point both somewhere
 * else so the test tells them apart. */
static void test_fadt_dsdt_selection(void **state)
{
	(void)state;
	uint64_t copy = fake_mem_alloc(&m, 0x2187);
	memcpy(fake_mem_ptr(&m, copy, 0x2187), fake_mem_table(&m, "DSDT"),
	       0x2187);
	wr64(facp() + FADT_X_DSDT, copy);
	facp_done();
	assert_int_equal(parse(&m, &info, &lc), 0);
	assert_int_equal(info.fadt.dsdt_phys, copy);
	assert_int_equal(info.table[info.ntables - 1].phys, copy);

	wr64(facp() + FADT_X_DSDT, 0);
	wr32(facp() + FADT_DSDT, (uint32_t)copy);
	facp_done();
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });
	assert_int_equal(info.fadt.dsdt_phys, copy);
}

static void test_fadt_flags(void **state)
{
	(void)state;
	/* TMR_VAL_EXT on, RESET_REG_SUP off. */
	wr32(facp() + FADT_FLAGS, (0x84a5 | 1u << 8) & ~(1u << 10));
	facp_done();
	assert_int_equal(parse(&m, &info, &lc), 0);
	assert_true(info.fadt.pm_timer_32bit);
	assert_false(info.fadt.reset_supported);
	/* The register is still decoded, for whoever wants to look. */
	assert_int_equal(info.fadt.reset_reg.address, 0xcf9);
	assert_true(summary_has("acpi: FADT: PM timer at port 0x608 (32-bit); "
				"no reset register; not hardware-reduced"));
}

/* HW-reduced: the fixed PM blocks are to be ignored, whatever they say. */
static void test_fadt_hw_reduced(void **state)
{
	(void)state;
	wr32(facp() + FADT_FLAGS, 0x84a5 | 1u << 20);
	facp_done();
	assert_int_equal(parse(&m, &info, &lc), 0);
	assert_true(info.fadt.hw_reduced);
	assert_int_equal(info.fadt.pm_timer_port, 0);
	assert_int_equal(info.fadt.pm1a_cnt.address, 0);
	assert_true(info.fadt.reset_supported);
	assert_true(summary_has("acpi: FADT: no PM timer; reset I/O 0xcf9 <- "
				"0xf; hardware-reduced"));
}

/* A 116-byte table with RESET_REG_SUP set still has no reset register:
 * the flag cannot make the table longer. Built by shortening q35's. */
static void test_fadt_short_table_ignores_reset_flag(void **state)
{
	(void)state;
	wr32(facp() + 4, 116);
	facp_done();
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });
	assert_true(info.fadt.present);
	assert_true(info.fadt.flags & (1u << 10));
	assert_false(info.fadt.reset_supported);
	/* Only the 32-bit fields are left. */
	assert_int_equal(info.fadt.pm_timer_port, 0x608);
	assert_int_equal(info.fadt.dsdt_phys, 0x1f779000);
}

/* ---- HPET ---- */

static void test_hpet_block_id(void **state)
{
	(void)state;
	uint8_t *h = fake_mem_table(&m, "HPET");
	wr32(h + 36, 0x10221f01); /* 32 comparators, 32-bit counter */
	h[52] = 2;
	wr16(h + 53, 0x1234);
	table_fix_checksum(h);
	assert_int_equal(parse(&m, &info, &lc), 0);
	assert_true(info.hpet.present);
	assert_int_equal(info.hpet.comparators, 32);
	assert_false(info.hpet.counter_64bit);
	assert_int_equal(info.hpet.hpet_number, 2);
	assert_int_equal(info.hpet.min_tick, 0x1234);
	assert_true(summary_has("acpi: HPET 2 at 0xfed00000: 32 comparators, "
				"32-bit counter, min tick 4660"));
}

/* ---- Absent tables, helpers, odd callers ---- */

static void test_summary_when_tables_are_missing(void **state)
{
	(void)state;
	xsdt_repoint(&m, fake_mem_phys(&m, "APIC"), 0);
	xsdt_repoint(&m, fake_mem_phys(&m, "HPET"), 0);
	xsdt_repoint(&m, fake_mem_phys(&m, "FACP"), 0);
	assert_int_equal(parse(&m, &info, &lc), 0);
	assert_true(summary_has("acpi: no MADT"));
	assert_true(summary_has("acpi: no HPET"));
	assert_true(summary_has("acpi: no FADT"));
}

static void test_summary_marks_rejected_tables(void **state)
{
	(void)state;
	fake_mem_table(&m, "MCFG")[24]++;
	assert_int_equal(parse(&m, &info, &lc), 0);
	assert_true(summary_has("acpi: MCFG at 0x1f775000 len 0x3c rev 1 BOCHS "
				"BXPC REJECTED"));
}

static void test_checksum_helper(void **state)
{
	(void)state;
	uint8_t bytes[4] = { 0x10, 0x20, 0x30, 0xa0 };
	assert_true(acpi_checksum_ok(bytes, 4));
	assert_false(acpi_checksum_ok(bytes, 3));
	bytes[3]++;
	assert_false(acpi_checksum_ok(bytes, 4));
	assert_true(acpi_checksum_ok(bytes, 0));
	for (int i = 0; i < m.nfiles; i++) {
		if (strcmp(m.file[i].name, "RSDP") == 0 ||
		    strcmp(m.file[i].name, "FACS") == 0)
			continue; /* no length-wide checksum */
		const uint8_t *t = fake_mem_ptr(&m, m.file[i].phys,
						m.file[i].len);
		assert_true(acpi_checksum_ok(t, m.file[i].len));
	}
}

/* A NULL log is allowed; a NULL or incomplete mem is refused. */
static void test_odd_callers(void **state)
{
	(void)state;
	fake_mem_table(&m, "APIC")[24]++;
	assert_int_equal(acpi_parse(&m.mem, fake_mem_phys(&m, "RSDP"), &info,
				    NULL, NULL), 0);
	assert_false(info.madt.present);
	acpi_log_summary(&info, NULL, NULL);

	log_reset(&lc);
	assert_int_equal(acpi_parse(NULL, 0x1000, &info, log_capture, &lc), -1);
	log_expect_one(&lc, "acpi: no memory access function");
	assert_false(info.madt.present);
	assert_int_equal(acpi_parse(&m.mem, 0x1000, NULL, NULL, NULL), -1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_server_style_madt),
		T(test_inti_flags),
		T(test_nmi_on_bad_lint_is_dropped),
		T(test_usable_x2apic_broadcast_id_is_dropped),
		T(test_enabled_entry_beats_earlier_online_capable),
		T(test_online_capable_bit_is_reserved_before_revision_5),
		T(test_max_apic_id_counts_enabled_cpus_only),
		T(test_list_limits),
		T(test_empty_madt),
		T(test_fadt_x_pm_timer_in_memory_space),
		T(test_fadt_prefers_x_pm_timer),
		T(test_fadt_zero_x_pm_timer_uses_legacy),
		T(test_fadt_pm_timer_port_too_big),
		T(test_fadt_dsdt_selection),
		T(test_fadt_flags),
		T(test_fadt_hw_reduced),
		T(test_fadt_short_table_ignores_reset_flag),
		T(test_hpet_block_id),
		T(test_summary_when_tables_are_missing),
		T(test_summary_marks_rejected_tables),
		T(test_checksum_helper),
		T(test_odd_callers),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
