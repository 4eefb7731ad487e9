// SPDX-License-Identifier: MIT
/*
 * acpi_parse() over real firmware tables: the QEMU captures in data/
 * (q35, pc with its ACPI 1.0 FADT, q35 with hpet=off and sparse APIC ids)
 * and two real PCs in data-published/ (an x2APIC-only Meteor Lake
 * handheld with placeholder entries, an AMD laptop with two I/O APICs and
 * a 32-bit PM timer). Every expected value below was read off the table
 * bytes (see the data READMEs), not off the parser's output. Also: the
 * RSDT path (ACPI 1.0 RSDP) and the q35 boot-log summary, line by line.
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

static int teardown(void **state)
{
	(void)state;
	fake_mem_free(&m);
	return 0;
}

static void expect_table(int i, const char *sig, uint64_t phys)
{
	assert_true(i < info.ntables);
	assert_string_equal(info.table[i].sig, sig);
	assert_int_equal(info.table[i].phys, phys);
	assert_true(info.table[i].valid);
}

static void expect_cpu(int i, uint32_t apic_id, uint32_t uid, bool x2apic)
{
	assert_true(i < info.madt.ncpus);
	assert_int_equal(info.madt.cpu[i].apic_id, apic_id);
	assert_int_equal(info.madt.cpu[i].acpi_uid, uid);
	assert_true(info.madt.cpu[i].enabled);
	assert_false(info.madt.cpu[i].online_capable);
	assert_int_equal(info.madt.cpu[i].from_x2apic_entry, x2apic);
}

static void expect_override(int i, uint8_t irq, uint32_t gsi, bool low,
			    bool level, uint16_t raw)
{
	const struct acpi_override *o = &info.madt.override[i];
	assert_true(i < info.madt.noverrides);
	assert_int_equal(o->bus, 0);
	assert_int_equal(o->source_irq, irq);
	assert_int_equal(o->gsi, gsi);
	assert_int_equal(o->active_low, low);
	assert_int_equal(o->level_triggered, level);
	assert_int_equal(o->raw_flags, raw);
}

/* QEMU's ISA overrides: the PIT's IRQ0 on GSI2 (edge, high), and the PCI
 * link IRQs 5, 9, 10, 11 level-triggered active-high (flags 0x0d). */
static void expect_qemu_overrides(void)
{
	assert_int_equal(info.madt.noverrides, 5);
	expect_override(0, 0, 2, false, false, 0x0000);
	expect_override(1, 5, 5, false, true, 0x000d);
	expect_override(2, 9, 9, false, true, 0x000d);
	expect_override(3, 10, 10, false, true, 0x000d);
	expect_override(4, 11, 11, false, true, 0x000d);
}

/* QEMU: one IOAPIC (id 0, 0xfec00000, GSI 0), LINT1 NMI on all CPUs,
 * dual 8259s, LAPIC at 0xfee00000. */
static void expect_qemu_madt(int ncpus)
{
	assert_true(info.madt.present);
	assert_int_equal(info.madt.lapic_phys, 0xfee00000);
	assert_true(info.madt.pcat_compat);
	assert_int_equal(info.madt.ncpus, ncpus);
	assert_int_equal(info.madt.ncpus_dropped, 0);
	assert_int_equal(info.madt.nioapics, 1);
	assert_int_equal(info.madt.ioapic[0].id, 0);
	assert_int_equal(info.madt.ioapic[0].phys, 0xfec00000);
	assert_int_equal(info.madt.ioapic[0].gsi_base, 0);
	expect_qemu_overrides();
	assert_int_equal(info.madt.nnmis, 1);
	assert_int_equal(info.madt.nmi[0].acpi_uid, 0xffffffff);
	assert_int_equal(info.madt.nmi[0].lint, 1);
	assert_false(info.madt.nmi[0].active_low);
	assert_false(info.madt.nmi[0].level_triggered);
}

/* QEMU's HPET: block id 0x8086a201 = 3 comparators, 64-bit counter. */
static void expect_qemu_hpet(void)
{
	assert_true(info.hpet.present);
	assert_int_equal(info.hpet.phys, 0xfed00000);
	assert_int_equal(info.hpet.comparators, 3);
	assert_true(info.hpet.counter_64bit);
	assert_int_equal(info.hpet.min_tick, 0);
	assert_int_equal(info.hpet.hpet_number, 0);
}

/* q35's 244-byte FADT (revision 3). */
static void expect_q35_fadt(uint64_t dsdt)
{
	const struct acpi_fadt *f = &info.fadt;
	assert_true(f->present);
	assert_int_equal(f->pm_timer_port, 0x608);
	assert_false(f->pm_timer_32bit); /* flags 0x84a5: no TMR_VAL_EXT */
	assert_false(f->hw_reduced);
	assert_true(f->reset_supported);
	assert_int_equal(f->reset_reg.space_id, ACPI_GAS_IO);
	assert_int_equal(f->reset_reg.bit_width, 8);
	assert_int_equal(f->reset_reg.address, 0xcf9);
	assert_int_equal(f->reset_value, 0x0f);
	assert_int_equal(f->pm1a_cnt.address, 0x604);
	assert_int_equal(f->pm1b_cnt.address, 0);
	assert_int_equal(f->iapc_boot_arch, 0x0002); /* 8042 present */
	assert_int_equal(f->flags, 0x84a5);
	assert_int_equal(f->dsdt_phys, dsdt);
}

static void test_q35(void **state)
{
	(void)state;
	fake_mem_load(&m, "data/qemu-q35");
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });

	assert_int_equal(info.rsdp_phys, 0x1f77d014);
	assert_int_equal(info.rsdp_revision, 2);
	assert_true(info.xsdt_used);
	assert_int_equal(info.ntables, 8);
	expect_table(0, "XSDT", 0x1f77c0e8);
	expect_table(1, "FACP", 0x1f778000);
	expect_table(2, "APIC", 0x1f777000);
	expect_table(3, "HPET", 0x1f776000);
	expect_table(4, "MCFG", 0x1f775000);
	expect_table(5, "WAET", 0x1f774000);
	expect_table(6, "BGRT", 0x1f773000);
	expect_table(7, "DSDT", 0x1f779000);
	assert_string_equal(info.table[0].oem_id, "BOCHS");
	assert_string_equal(info.table[0].oem_table_id, "BXPC");
	assert_int_equal(info.table[0].revision, 1);
	assert_int_equal(info.table[0].length, 0x54);
	assert_int_equal(info.table[1].revision, 3);

	expect_qemu_madt(4);
	for (int i = 0; i < 4; i++)
		expect_cpu(i, i, i, false);
	expect_qemu_hpet();
	expect_q35_fadt(0x1f779000);
}

static void test_pc_has_acpi1_fadt(void **state)
{
	(void)state;
	fake_mem_load(&m, "data/qemu-pc");
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });

	assert_true(info.xsdt_used);
	assert_int_equal(info.ntables, 7);
	expect_table(0, "XSDT", 0x1f77c0e8);
	expect_table(1, "FACP", 0x1f779000);
	expect_table(2, "APIC", 0x1f778000);
	expect_table(3, "HPET", 0x1f777000);
	expect_table(4, "WAET", 0x1f776000);
	expect_table(5, "BGRT", 0x1f775000);
	expect_table(6, "DSDT", 0x1f77a000);

	expect_qemu_madt(2);
	expect_cpu(0, 0, 0, false);
	expect_cpu(1, 1, 1, false);
	expect_qemu_hpet();

	/* 116 bytes, revision 1: no X_ fields, no RESET_REG. */
	const struct acpi_fadt *f = &info.fadt;
	assert_true(f->present);
	assert_int_equal(info.table[1].length, 116);
	assert_int_equal(f->pm_timer_port, 0xb008);
	assert_false(f->pm_timer_32bit);
	assert_int_equal(f->pm1a_cnt.address, 0xb004);
	assert_int_equal(f->pm1b_cnt.address, 0);
	assert_false(f->reset_supported);
	assert_int_equal(f->reset_reg.address, 0);
	assert_false(f->hw_reduced);
	assert_int_equal(f->flags, 0x80a5);
	assert_int_equal(f->dsdt_phys, 0x1f77a000);
}

static void test_q35_hpet_off_sparse_apic_ids(void **state)
{
	(void)state;
	fake_mem_load(&m, "data/qemu-q35-hpet-off");
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });

	/* -smp 6,sockets=2,cores=3: ids 0,1,2 then 4,5,6; uids dense. */
	expect_qemu_madt(6);
	const uint32_t ids[] = { 0, 1, 2, 4, 5, 6 };
	for (int i = 0; i < 6; i++)
		expect_cpu(i, ids[i], i, false);

	assert_false(info.hpet.present);
	for (int i = 0; i < info.ntables; i++)
		assert_string_not_equal(info.table[i].sig, "HPET");
	assert_int_equal(info.ntables, 7);
	expect_q35_fadt(0x1f779000);
}

/* An ACPI 1.0 RSDP (revision 0) has no XSDT: the RSDT is used, quietly. */
static void test_q35_through_rsdt(void **state)
{
	(void)state;
	fake_mem_load(&m, "data/qemu-q35");
	make_rsdt(&m);
	uint8_t *rsdp = fake_mem_table(&m, "RSDP");
	rsdp[15] = 0;
	rsdp_fix_checksums(rsdp);

	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });
	assert_int_equal(info.rsdp_revision, 0);
	assert_false(info.xsdt_used);
	expect_table(0, "RSDT", 0x1f77c074);
	assert_int_equal(info.table[0].length, 36 + 6 * 4);
	assert_int_equal(info.ntables, 8);
	expect_qemu_madt(4);
	expect_qemu_hpet();
	expect_q35_fadt(0x1f779000);
}

static void test_msi_claw_x2apic_only(void **state)
{
	(void)state;
	fake_mem_load(&m, "data-published/msi-claw-a1m");
	assert_int_equal(parse(&m, &info, &lc), 0);
	/* UIDs 0x16..0x2f: x2APIC id 0xffffffff, flags 0. */
	log_expect_one(&lc, "acpi: APIC: 26 processor entries are neither "
			    "enabled nor online-capable; skipped");

	assert_true(info.xsdt_used);
	assert_int_equal(info.ntables, 5);
	expect_table(0, "XSDT", 0x655a0200);
	expect_table(1, "FACP", 0x655a1000);
	expect_table(2, "APIC", 0x655a2000);
	expect_table(3, "HPET", 0x655a3000);
	expect_table(4, "DSDT", 0x655ad000);
	assert_string_equal(info.table[2].oem_id, "MSI_NB");
	assert_string_equal(info.table[2].oem_table_id, "MEGABOOK");
	assert_int_equal(info.table[2].revision, 5);

	const struct acpi_madt *md = &info.madt;
	assert_true(md->present);
	assert_int_equal(md->lapic_phys, 0xfee00000);
	assert_true(md->pcat_compat);
	assert_int_equal(md->ncpus, 22);
	const uint32_t ids[22] = { 0x10, 0x11, 0x18, 0x19, 0x20, 0x21, 0x28,
				   0x29, 0x30, 0x31, 0x38, 0x39, 0x00, 0x02,
				   0x04, 0x06, 0x08, 0x0a, 0x0c, 0x0e, 0x40,
				   0x42 };
	const uint32_t uids[22] = { 8,	9,  10, 11, 12, 13, 14, 15,
				    16, 17, 18, 19, 0,	1,  2,	3,
				    4,	5,  6,	7,  20, 21 };
	for (int i = 0; i < 22; i++)
		expect_cpu(i, ids[i], uids[i], true);

	assert_int_equal(md->nioapics, 1);
	assert_int_equal(md->ioapic[0].id, 2);
	assert_int_equal(md->ioapic[0].phys, 0xfec00000);
	assert_int_equal(md->ioapic[0].gsi_base, 0);
	assert_int_equal(md->noverrides, 2);
	expect_override(0, 0, 2, false, false, 0x0000);
	expect_override(1, 9, 9, false, true, 0x000d);
	/* Type 10, uid 0xffffffff, LINT1, flags 0x0d: high, level. */
	assert_int_equal(md->nnmis, 1);
	assert_int_equal(md->nmi[0].acpi_uid, 0xffffffff);
	assert_int_equal(md->nmi[0].lint, 1);
	assert_false(md->nmi[0].active_low);
	assert_true(md->nmi[0].level_triggered);

	assert_true(info.hpet.present);
	assert_int_equal(info.hpet.phys, 0xfed00000);
	assert_int_equal(info.hpet.comparators, 3);
	assert_true(info.hpet.counter_64bit);
	assert_int_equal(info.hpet.min_tick, 0x80);

	const struct acpi_fadt *f = &info.fadt;
	assert_true(f->present);
	assert_int_equal(f->pm_timer_port, 0x1808);
	assert_false(f->pm_timer_32bit); /* flags 0x2384e5 */
	assert_false(f->hw_reduced);
	assert_true(f->reset_supported);
	assert_int_equal(f->reset_reg.space_id, ACPI_GAS_IO);
	assert_int_equal(f->reset_reg.address, 0xcf9);
	assert_int_equal(f->reset_value, 6);
	assert_int_equal(f->pm1a_cnt.address, 0x1804);
	assert_int_equal(f->pm1b_cnt.address, 0);
	assert_int_equal(f->iapc_boot_arch, 0x0012);
	assert_int_equal(f->flags, 0x2384e5);
	assert_int_equal(f->dsdt_phys, 0x655ad000);
}

static void test_surface_two_ioapics(void **state)
{
	(void)state;
	fake_mem_load(&m, "data-published/surface-laptop-4-amd");
	assert_int_equal(parse(&m, &info, &lc), 0);
	log_expect(&lc, (const char *const[]){ NULL });

	const struct acpi_madt *md = &info.madt;
	assert_true(md->present);
	assert_int_equal(md->ncpus, 16);
	for (int i = 0; i < 8; i++) {
		expect_cpu(i, 2 * i, 2 * i, false);
		expect_cpu(8 + i, 2 * i + 1, 2 * i + 1, false);
	}
	assert_int_equal(md->nioapics, 2);
	assert_int_equal(md->ioapic[0].id, 0x21);
	assert_int_equal(md->ioapic[0].phys, 0xfec00000);
	assert_int_equal(md->ioapic[0].gsi_base, 0);
	assert_int_equal(md->ioapic[1].id, 0x22);
	assert_int_equal(md->ioapic[1].phys, 0xfec01000);
	assert_int_equal(md->ioapic[1].gsi_base, 24);
	assert_int_equal(md->noverrides, 2);
	expect_override(0, 0, 2, false, false, 0x0000);
	expect_override(1, 9, 9, true, true, 0x000f);
	assert_int_equal(md->nnmis, 1);
	assert_int_equal(md->nmi[0].acpi_uid, 0xffffffff); /* type 4, 0xff */
	assert_int_equal(md->nmi[0].lint, 1);
	assert_false(md->nmi[0].active_low);
	assert_false(md->nmi[0].level_triggered);

	/* Block id 0x10228201: 3 comparators, COUNT_SIZE_CAP clear. */
	assert_true(info.hpet.present);
	assert_int_equal(info.hpet.comparators, 3);
	assert_false(info.hpet.counter_64bit);
	assert_int_equal(info.hpet.min_tick, 0xb17e);

	/* Flags 0x20c5bd: TMR_VAL_EXT set. */
	assert_int_equal(info.fadt.pm_timer_port, 0x408);
	assert_true(info.fadt.pm_timer_32bit);
	assert_true(info.fadt.reset_supported);
	assert_int_equal(info.fadt.reset_value, 6);
	assert_int_equal(info.fadt.dsdt_phys, 0x7c7cf000);
}

static void summary(struct log_capture *c)
{
	log_reset(c);
	acpi_log_summary(&info, log_capture, c);
}

static void test_q35_summary(void **state)
{
	(void)state;
	fake_mem_load(&m, "data/qemu-q35");
	assert_int_equal(parse(&m, &info, &lc), 0);
	summary(&lc);
	log_expect(&lc, (const char *const[]){
		"acpi: RSDP at 0x1f77d014, revision 2; root table XSDT",
		"acpi: XSDT at 0x1f77c0e8 len 0x54 rev 1 BOCHS BXPC",
		"acpi: FACP at 0x1f778000 len 0xf4 rev 3 BOCHS BXPC",
		"acpi: APIC at 0x1f777000 len 0x90 rev 1 BOCHS BXPC",
		"acpi: HPET at 0x1f776000 len 0x38 rev 1 BOCHS BXPC",
		"acpi: MCFG at 0x1f775000 len 0x3c rev 1 BOCHS BXPC",
		"acpi: WAET at 0x1f774000 len 0x28 rev 1 BOCHS BXPC",
		"acpi: BGRT at 0x1f773000 len 0x38 rev 1 INTEL EDK2",
		"acpi: DSDT at 0x1f779000 len 0x2187 rev 1 BOCHS BXPC",
		"acpi: MADT: local APIC at 0xfee00000, 8259 PICs present; "
		"4 CPUs (4 enabled, 0 online-capable, 0 not kept), "
		"1 I/O APICs, 5 overrides, 1 NMIs",
		"acpi: CPUs: #0 apic 0 uid 0, #1 apic 1 uid 1, "
		"#2 apic 2 uid 2, #3 apic 3 uid 3",
		"acpi: I/O APIC id 0 at 0xfec00000, GSI base 0",
		"acpi: overrides: IRQ0->GSI2 high edge, IRQ5->GSI5 high level, "
		"IRQ9->GSI9 high level, IRQ10->GSI10 high level, "
		"IRQ11->GSI11 high level",
		"acpi: NMIs: all CPUs LINT1 high edge",
		"acpi: HPET 0 at 0xfed00000: 3 comparators, 64-bit counter, "
		"min tick 0",
		"acpi: FADT: PM timer at port 0x608 (24-bit); "
		"reset I/O 0xcf9 <- 0xf; not hardware-reduced",
		"acpi: power-off: \\_S5 in DSDT at offset 0x1f53: "
		"SLP_TYPa 0, SLP_TYPb 0; PM1a_CNT I/O 0x604, no PM1b_CNT",
		NULL });
}

/* 22 CPUs do not fit one line: they wrap, each line under the limit,
 * every CPU exactly once, none split. */
static void test_msi_summary_wraps_cpu_list(void **state)
{
	(void)state;
	fake_mem_load(&m, "data-published/msi-claw-a1m");
	assert_int_equal(parse(&m, &info, &lc), 0);
	summary(&lc);

	int cpu_lines = 0, seen = 0;
	for (int i = 0; i < lc.n; i++) {
		const char *l = lc.line[i];
		if (strncmp(l, "acpi: CPUs: ", 12) != 0)
			continue;
		cpu_lines++;
		for (const char *s = l; (s = strchr(s, '#')); s++) {
			int idx = -1;
			assert_int_equal(sscanf(s, "#%d", &idx), 1);
			assert_int_equal(idx, seen);
			seen++;
		}
		assert_true(strlen(l) < 160);
	}
	assert_int_equal(seen, 22);
	assert_true(cpu_lines >= 2);
	/* The 13th entry, APIC id 0, from an x2APIC entry. */
	bool found = false;
	for (int i = 0; i < lc.n; i++)
		found |= strstr(lc.line[i], "#12 apic 0 uid 0 x2apic") != NULL;
	assert_true(found);
	/* The NMI is level-triggered on this machine. */
	found = false;
	for (int i = 0; i < lc.n; i++)
		found |= strcmp(lc.line[i], "acpi: NMIs: all CPUs LINT1 high "
					    "level") == 0;
	assert_true(found);
}

static void test_pc_summary_fadt_without_reset(void **state)
{
	(void)state;
	fake_mem_load(&m, "data/qemu-pc");
	assert_int_equal(parse(&m, &info, &lc), 0);
	summary(&lc);
	assert_string_equal(lc.line[lc.n - 2],
			    "acpi: FADT: PM timer at port 0xb008 (24-bit); "
			    "no reset register; not hardware-reduced");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_q35, teardown),
		cmocka_unit_test_teardown(test_pc_has_acpi1_fadt, teardown),
		cmocka_unit_test_teardown(test_q35_hpet_off_sparse_apic_ids,
					  teardown),
		cmocka_unit_test_teardown(test_q35_through_rsdt, teardown),
		cmocka_unit_test_teardown(test_msi_claw_x2apic_only, teardown),
		cmocka_unit_test_teardown(test_surface_two_ioapics, teardown),
		cmocka_unit_test_teardown(test_q35_summary, teardown),
		cmocka_unit_test_teardown(test_msi_summary_wraps_cpu_list,
					  teardown),
		cmocka_unit_test_teardown(test_pc_summary_fadt_without_reset,
					  teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
