// SPDX-License-Identifier: MIT
/*
 * kernel/topology.c: the CPUID topology decoder, the dense numbering and
 * the NUMA nodes, fed real CPUID answers. Where each dump comes from:
 *
 *  - QEMU 7.2 (TCG, Debian 12), read by Cohort itself inside the guest:
 *    the hardware report's "report: cpuid" lines (kernel/report.c) of the
 *    boot CPU, for
 *      qemu_0b:   -cpu qemu64 (default) -smp 32,sockets=2,cores=8,threads=2
 *      qemu_1f:   -cpu qemu64,vendor=GenuineIntel,level=0x1f
 *                 -smp 32,sockets=2,dies=2,cores=4,threads=2
 *      qemu_epyc: -cpu EPYC -smp 32,sockets=2,cores=8,threads=2 (TCG
 *                 filters TopologyExtensions out of 0x80000001 but QEMU
 *                 still answers 0x8000001D).
 *  - Real CPUs, from libcpuid's test corpus (github.com/anrieff/libcpuid,
 *    tests/): AIDA64 "CPUID Registers / Logical CPU #n" dumps (the
 *    instlatx64 format) and libcpuid's own raw dumps:
 *      i9_12900k_p/e: tests/intel/core_12th_gen/alder-lake-s-i9.test,
 *                 logical CPU #0 (P-core, x2APIC id 0) and #22 (E-core,
 *                 x2APIC id 0x4c); hybrid, leaf 0x1F.
 *      r9_5950x:  tests/amd/zen3/amd-ryzen-9-5950x-16-core-processor.test,
 *                 CPU#000: leaf 0x0B plus 0x8000001D (L3 per 8-core CCD).
 *      r7_1800x:  tests/amd/zen/amd-ryzen-7-1800x-eight-core-processor.test
 *                 (Zen 1: leaf 0x0B all zero, so 0x80000008/0x8000001E;
 *                 the dump keeps only subleaf 0 of 0x8000001D, so that
 *                 leaf is left out here rather than half given).
 *      kentsfield: tests/intel/core2/kentsfield.test (Core 2 Quad Q6600:
 *                 no leaf 0x0B, max leaf 0xA, so leaf 1 and leaf 4; two
 *                 dual-core dies each sharing an L2). Leaf 0x0B is given
 *                 as the real CPU answers it, with leaf 0xA's data: the
 *                 decoder must not believe a leaf above the maximum.
 * Only the leaves the decoder reads are copied; values are verbatim.
 * Expected results come from the vendors' documentation of each part
 * (core/thread counts, which cache is shared by whom), not from running
 * the decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acpi/acpi.h"
#include "kernel/topology.h"

struct leaf {
	uint32_t leaf, sub, a, b, c, d;
};

#define END { 0xffffffffu, 0, 0, 0, 0, 0 }

static const struct leaf qemu_0b[] = {
	{ 0x0, 0, 0x0000000d, 0x68747541, 0x444d4163, 0x69746e65 },
	{ 0x1, 0, 0x00060fb1, 0x00100800, 0x80002001, 0x178bfbfd },
	{ 0xb, 0, 0x00000001, 0x00000002, 0x00000100, 0x00000000 },
	{ 0xb, 1, 0x00000004, 0x00000010, 0x00000201, 0x00000000 },
	{ 0x80000000, 0, 0x8000000a, 0x68747541, 0x444d4163, 0x69746e65 },
	{ 0x80000001, 0, 0x00060fb1, 0x00000000, 0x00000007, 0x2193fbfd },
	{ 0x80000008, 0, 0x00003028, 0x00000000, 0x0000400f, 0x00000000 },
	END
};

static const struct leaf qemu_1f[] = {
	{ 0x0, 0, 0x0000001f, 0x756e6547, 0x6c65746e, 0x49656e69 },
	{ 0x1, 0, 0x00060fb1, 0x00080800, 0x80002001, 0x178bfbfd },
	{ 0x4, 0, 0x0c000121, 0x01c0003f, 0x0000003f, 0x00000001 },
	{ 0x4, 1, 0x0c000122, 0x01c0003f, 0x0000003f, 0x00000001 },
	{ 0x4, 2, 0x0c004143, 0x03c0003f, 0x00000fff, 0x00000001 },
	{ 0x4, 3, 0x0c01c163, 0x03c0003f, 0x00003fff, 0x00000006 },
	{ 0xb, 0, 0x00000001, 0x00000002, 0x00000100, 0x00000000 },
	{ 0xb, 1, 0x00000004, 0x00000008, 0x00000201, 0x00000000 },
	{ 0x1f, 0, 0x00000001, 0x00000002, 0x00000100, 0x00000000 },
	{ 0x1f, 1, 0x00000003, 0x00000008, 0x00000201, 0x00000000 },
	{ 0x1f, 2, 0x00000004, 0x00000010, 0x00000502, 0x00000000 },
	{ 0x80000000, 0, 0x8000000a, 0x756e6547, 0x6c65746e, 0x49656e69 },
	{ 0x80000001, 0, 0x00060fb1, 0x00000000, 0x00000005, 0x20100800 },
	{ 0x80000008, 0, 0x00003028, 0x00000000, 0x00004007, 0x00000000 },
	END
};

static const struct leaf qemu_epyc[] = {
	{ 0x0, 0, 0x0000000d, 0x68747541, 0x444d4163, 0x69746e65 },
	{ 0x1, 0, 0x00800f12, 0x00100800, 0xf6d8320b, 0x178bfbfd },
	{ 0xb, 0, 0x00000001, 0x00000002, 0x00000100, 0x00000000 },
	{ 0xb, 1, 0x00000004, 0x00000010, 0x00000201, 0x00000000 },
	{ 0x80000000, 0, 0x8000001e, 0x68747541, 0x444d4163, 0x69746e65 },
	{ 0x80000001, 0, 0x00800f12, 0x00000000, 0x00000077, 0x2dd3fbfd },
	{ 0x80000008, 0, 0x00003028, 0x00000000, 0x0000400f, 0x00000000 },
	{ 0x8000001d, 0, 0x00004121, 0x01c0003f, 0x0000003f, 0x00000001 },
	{ 0x8000001d, 1, 0x00004122, 0x00c0003f, 0x000000ff, 0x00000001 },
	{ 0x8000001d, 2, 0x00004043, 0x01c0003f, 0x000003ff, 0x00000000 },
	{ 0x8000001d, 3, 0x0003c163, 0x03c0003f, 0x00001fff, 0x00000006 },
	{ 0x8000001e, 0, 0x00000000, 0x00000100, 0x00000000, 0x00000000 },
	END
};

static const struct leaf i9_12900k_p[] = {
	{ 0x0, 0, 0x00000020, 0x756E6547, 0x6C65746E, 0x49656E69 },
	{ 0x1, 0, 0x00090672, 0x00800800, 0x7FFAFBFF, 0xBFEBFBFF },
	{ 0x4, 0, 0xFC004121, 0x02C0003F, 0x0000003F, 0x00000000 },
	{ 0x4, 1, 0xFC004122, 0x01C0003F, 0x0000003F, 0x00000000 },
	{ 0x4, 2, 0xFC01C143, 0x0240003F, 0x000007FF, 0x00000000 },
	{ 0x4, 3, 0xFC1FC163, 0x02C0003F, 0x00009FFF, 0x00000004 },
	{ 0xb, 0, 0x00000001, 0x00000002, 0x00000100, 0x00000000 },
	{ 0xb, 1, 0x00000007, 0x00000018, 0x00000201, 0x00000000 },
	{ 0x1f, 0, 0x00000001, 0x00000002, 0x00000100, 0x00000000 },
	{ 0x1f, 1, 0x00000007, 0x00000018, 0x00000201, 0x00000000 },
	{ 0x80000000, 0, 0x80000008, 0x00000000, 0x00000000, 0x00000000 },
	{ 0x80000001, 0, 0x00000000, 0x00000000, 0x00000121, 0x2C100000 },
	{ 0x80000008, 0, 0x0000302E, 0x00000000, 0x00000000, 0x00000000 },
	END
};

static const struct leaf i9_12900k_e[] = {
	{ 0x0, 0, 0x00000020, 0x756E6547, 0x6C65746E, 0x49656E69 },
	{ 0x1, 0, 0x00090672, 0x4C800800, 0x7FFAFBFF, 0xBFEBFBFF },
	{ 0x4, 0, 0xFC004121, 0x01C0003F, 0x0000003F, 0x00000000 },
	{ 0x4, 1, 0xFC004122, 0x01C0003F, 0x0000007F, 0x00000000 },
	{ 0x4, 2, 0xFC01C143, 0x03C0003F, 0x000007FF, 0x00000000 },
	{ 0x4, 3, 0xFC1FC163, 0x02C0003F, 0x00009FFF, 0x00000004 },
	{ 0xb, 0, 0x00000001, 0x00000001, 0x00000100, 0x0000004C },
	{ 0xb, 1, 0x00000007, 0x00000018, 0x00000201, 0x0000004C },
	{ 0x1f, 0, 0x00000001, 0x00000001, 0x00000100, 0x0000004C },
	{ 0x1f, 1, 0x00000007, 0x00000018, 0x00000201, 0x0000004C },
	{ 0x80000000, 0, 0x80000008, 0x00000000, 0x00000000, 0x00000000 },
	{ 0x80000001, 0, 0x00000000, 0x00000000, 0x00000121, 0x2C100000 },
	{ 0x80000008, 0, 0x0000302E, 0x00000000, 0x00000000, 0x00000000 },
	END
};

static const struct leaf r9_5950x[] = {
	{ 0x0, 0, 0x00000010, 0x68747541, 0x444D4163, 0x69746E65 },
	{ 0x1, 0, 0x00A20F10, 0x00200800, 0x7ED8320B, 0x178BFBFF },
	{ 0x4, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000 },
	{ 0xb, 0, 0x00000001, 0x00000002, 0x00000100, 0x00000000 },
	{ 0xb, 1, 0x00000005, 0x00000020, 0x00000201, 0x00000000 },
	{ 0x80000000, 0, 0x80000023, 0x68747541, 0x444D4163, 0x69746E65 },
	{ 0x80000001, 0, 0x00A20F10, 0x20000000, 0x75C237FF, 0x2FD3FBFF },
	{ 0x80000008, 0, 0x00003030, 0x111EF657, 0x0000501F, 0x00010000 },
	{ 0x8000001d, 0, 0x00004121, 0x01C0003F, 0x0000003F, 0x00000000 },
	{ 0x8000001d, 1, 0x00004122, 0x01C0003F, 0x0000003F, 0x00000000 },
	{ 0x8000001d, 2, 0x00004143, 0x01C0003F, 0x000003FF, 0x00000002 },
	{ 0x8000001d, 3, 0x0003C163, 0x03C0003F, 0x00007FFF, 0x00000001 },
	{ 0x8000001e, 0, 0x00000000, 0x00000100, 0x00000000, 0x00000000 },
	END
};

static const struct leaf r7_1800x[] = {
	{ 0x0, 0, 0x0000000d, 0x68747541, 0x444d4163, 0x69746e65 },
	{ 0x1, 0, 0x00800f11, 0x00100800, 0x7ed8320b, 0x178bfbff },
	{ 0xb, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000000 },
	{ 0x80000000, 0, 0x8000001f, 0x68747541, 0x444d4163, 0x69746e65 },
	{ 0x80000001, 0, 0x00800f11, 0x20000000, 0x35c233ff, 0x2fd3fbff },
	{ 0x80000008, 0, 0x00003030, 0x00000007, 0x0000400f, 0x00000000 },
	{ 0x8000001e, 0, 0x00000000, 0x00000100, 0x00000000, 0x00000000 },
	END
};

static const struct leaf kentsfield[] = {
	{ 0x0, 0, 0x0000000a, 0x756e6547, 0x6c65746e, 0x49656e69 },
	{ 0x1, 0, 0x000006fb, 0x00040800, 0x0000e3bd, 0xbfebfbff },
	{ 0x4, 0, 0x0c000121, 0x01c0003f, 0x0000003f, 0x00000001 },
	{ 0x4, 1, 0x0c000122, 0x01c0003f, 0x0000003f, 0x00000001 },
	{ 0x4, 2, 0x0c004143, 0x03c0003f, 0x00000fff, 0x00000001 },
	{ 0xb, 0, 0x07280202, 0x00000000, 0x00000000, 0x00000503 },
	{ 0x80000000, 0, 0x80000008, 0x00000000, 0x00000000, 0x00000000 },
	{ 0x80000001, 0, 0x00000000, 0x00000000, 0x00000001, 0x20000000 },
	{ 0x80000008, 0, 0x00003024, 0x00000000, 0x00000000, 0x00000000 },
	END
};

static struct topo_cpuid tbl;

static const struct topo_cpuid *load(const struct leaf *l)
{
	memset(&tbl, 0, sizeof(tbl));
	for (; l->leaf != 0xffffffffu; l++)
		assert_true(topo_cpuid_add(&tbl, l->leaf, l->sub, l->a, l->b,
					   l->c, l->d));
	return &tbl;
}

static struct topo_cpu decode(const struct leaf *l, uint32_t apic)
{
	struct topo_cpu o;
	memset(&o, 0xa5, sizeof(o)); /* every field must be written */
	topo_decode(load(l), apic, &o);
	return o;
}

static void expect_shifts(const struct topo_cpu *o, int src, int smt, int pkg,
			  int llc_src, int llc_level, int llc)
{
	assert_int_equal(o->source, src);
	assert_int_equal(o->smt_shift, smt);
	assert_int_equal(o->pkg_shift, pkg);
	assert_int_equal(o->llc_source, llc_src);
	assert_int_equal(o->llc_level, llc_level);
	assert_int_equal(o->llc_shift, llc);
}

/* Decode n CPUs with APIC ids id[] (all from the same table) and number
 * them. */
static struct topo_cpu raw[64];
static struct cpu_topo out[64];
static struct topo_counts number(const struct leaf *l, const uint32_t *id,
				 int n)
{
	struct topo_counts k;
	for (int i = 0; i < n; i++)
		raw[i] = decode(l, id[i]);
	topo_number(raw, NULL, n, out, &k);
	return k;
}

static void expect_counts(const struct topo_counts *k, int pkgs, int dies,
			  int llcs, int cores, int threads, int lmin, int lmax)
{
	assert_int_equal(k->packages, pkgs);
	assert_int_equal(k->dies, dies);
	assert_int_equal(k->llcs, llcs);
	assert_int_equal(k->cores, cores);
	assert_int_equal(k->threads, threads);
	assert_int_equal(k->llc_size_min, lmin);
	assert_int_equal(k->llc_size_max, lmax);
	assert_int_equal(k->nodes, 1);
}

static void test_qemu_leaf_0b(void **state)
{
	(void)state;
	/* QEMU numbers APIC ids densely: thread bit 0, core bits 1-3,
	 * socket from bit 4. No cache leaf for an AMD vendor without
	 * TopologyExtensions: the LLC is the package. */
	struct topo_cpu o = decode(qemu_0b, 0x13);
	expect_shifts(&o, TOPO_SRC_LEAF_0B, 1, 4, TOPO_LLC_PACKAGE, 0, 4);
	assert_int_equal(o.package, 1);
	assert_int_equal(o.core, 0x9);
	assert_int_equal(o.thread, 1);
	assert_int_equal(o.llc, 1);
	assert_int_equal(o.die, 1);
	assert_false(o.has_dies);
	assert_int_equal(o.apic_id, 0x13);
	assert_int_equal(o.node, 0);
	assert_string_equal(topo_source_name(o.source), "CPUID 0x0b");
	assert_string_equal(topo_llc_source_name(o.llc_source), "package");

	uint32_t id[32];
	for (int i = 0; i < 32; i++)
		id[i] = (uint32_t)i;
	struct topo_counts k = number(qemu_0b, id, 32);
	expect_counts(&k, 2, 2, 2, 16, 32, 16, 16);
	for (int i = 0; i < 32; i++) {
		assert_int_equal(out[i].package, i / 16);
		assert_int_equal(out[i].core, i / 2);
		assert_int_equal(out[i].thread, i % 2);
		assert_int_equal(out[i].llc, i / 16);
		assert_int_equal(out[i].die, i / 16);
		assert_int_equal(out[i].node, 0);
	}
}

static void test_qemu_leaf_1f_dies(void **state)
{
	(void)state;
	/* sockets=2,dies=2,cores=4,threads=2: thread bit 0, core bits
	 * 1-2, die bit 3, socket bit 4. QEMU's L3 (leaf 4 subleaf 3)
	 * says 8 ids share it: one per die. 0x1F wins over 0x0B (whose
	 * view has no die level). */
	struct topo_cpu o = decode(qemu_1f, 0x1d);
	expect_shifts(&o, TOPO_SRC_LEAF_1F, 1, 4, TOPO_LLC_LEAF_4, 3, 3);
	assert_int_equal(o.core_shift, 3);
	assert_int_equal(o.die_shift, 3);
	assert_true(o.has_dies);
	assert_int_equal(o.package, 1);
	assert_int_equal(o.die, 3);
	assert_int_equal(o.core, 0xe);
	assert_int_equal(o.thread, 1);
	assert_int_equal(o.llc, 3);

	uint32_t id[32];
	for (int i = 0; i < 32; i++)
		id[i] = (uint32_t)i;
	struct topo_counts k = number(qemu_1f, id, 32);
	expect_counts(&k, 2, 4, 4, 16, 32, 8, 8);
	for (int i = 0; i < 32; i++) {
		assert_int_equal(out[i].die, i / 8);
		assert_int_equal(out[i].llc, i / 8);
	}
}

static void test_qemu_epyc_without_topoext(void **state)
{
	(void)state;
	/* 0x8000001D is answered, but TopologyExtensions (0x80000001
	 * ECX bit 22) is clear under TCG: the leaf is undefined, so the
	 * LLC falls back to the package, as Linux does. */
	struct topo_cpu o = decode(qemu_epyc, 0x1f);
	expect_shifts(&o, TOPO_SRC_LEAF_0B, 1, 4, TOPO_LLC_PACKAGE, 0, 4);
	assert_int_equal(o.package, 1);
}

static void test_alder_lake_hybrid(void **state)
{
	(void)state;
	/* i9-12900K: 8 P-cores with two threads (x2APIC ids 0,1, 8,9, ...
	 * 56,57) and 8 E-cores with one (0x40, 0x42, ... 0x4e); one
	 * package, the 30 MB L3 shared by all 24 (leaf 4 subleaf 3 says
	 * 128 ids). */
	struct topo_cpu p0 = decode(i9_12900k_p, 0);
	expect_shifts(&p0, TOPO_SRC_LEAF_1F, 1, 7, TOPO_LLC_LEAF_4, 3, 7);
	struct topo_cpu p1 = decode(i9_12900k_p, 1);
	assert_int_equal(p1.core, p0.core);
	assert_int_equal(p1.thread, 1);
	struct topo_cpu e = decode(i9_12900k_e, 0x4c);
	expect_shifts(&e, TOPO_SRC_LEAF_1F, 1, 7, TOPO_LLC_LEAF_4, 3, 7);
	assert_int_equal(e.core, 0x26);
	assert_int_equal(e.thread, 0);
	assert_int_equal(e.llc, p0.llc);
	assert_int_equal(e.package, 0);

	/* The whole machine, each CPU with its own kind's leaves. */
	struct topo_counts k;
	int n = 0;
	for (uint32_t c = 0; c < 8; c++) {
		raw[n++] = decode(i9_12900k_p, c * 8);
		raw[n++] = decode(i9_12900k_p, c * 8 + 1);
	}
	for (uint32_t c = 0; c < 8; c++)
		raw[n++] = decode(i9_12900k_e, 0x40 + c * 2);
	topo_number(raw, NULL, n, out, &k);
	expect_counts(&k, 1, 1, 1, 16, 24, 24, 24);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(out[i].core, i / 2);
		assert_int_equal(out[i].thread, i % 2);
	}
	for (int i = 16; i < 24; i++) {
		assert_int_equal(out[i].core, i - 8);
		assert_int_equal(out[i].thread, 0);
	}
}

static void test_zen3_ccd_llc(void **state)
{
	(void)state;
	/* Ryzen 9 5950X: 16 cores, 32 threads, one package; the L3 is per
	 * 8-core CCD: 0x8000001D subleaf 3 says 16 ids share it. */
	struct topo_cpu o = decode(r9_5950x, 0x11);
	expect_shifts(&o, TOPO_SRC_LEAF_0B, 1, 5, TOPO_LLC_AMD_1D, 3, 4);
	assert_int_equal(o.llc, 1);
	assert_int_equal(o.core, 8);
	assert_string_equal(topo_llc_source_name(o.llc_source),
			    "leaf 0x8000001d");

	uint32_t id[32];
	for (int i = 0; i < 32; i++)
		id[i] = (uint32_t)i;
	struct topo_counts k = number(r9_5950x, id, 32);
	expect_counts(&k, 1, 1, 2, 16, 32, 16, 16);
}

static void test_zen1_without_leaf_0b(void **state)
{
	(void)state;
	/* Ryzen 7 1800X: 8 cores, 16 threads. 0x80000008 ECX[15:12] = 4
	 * bits of core+thread, 0x8000001E EBX[15:8] = 1: two threads per
	 * core. */
	struct topo_cpu o = decode(r7_1800x, 0xb);
	expect_shifts(&o, TOPO_SRC_AMD, 1, 4, TOPO_LLC_PACKAGE, 0, 4);
	assert_int_equal(o.core, 5);
	assert_int_equal(o.thread, 1);
	assert_int_equal(o.package, 0);
	assert_string_equal(topo_source_name(o.source),
			    "CPUID 0x80000008/0x8000001e");
	uint32_t id[16];
	for (int i = 0; i < 16; i++)
		id[i] = (uint32_t)i;
	struct topo_counts k = number(r7_1800x, id, 16);
	expect_counts(&k, 1, 1, 1, 8, 16, 16, 16);
}

static void test_core2_legacy_leaves(void **state)
{
	(void)state;
	/* Core 2 Quad: leaf 1 says 4 logical per package, leaf 4 four
	 * cores: no SMT. The L2 (leaf 4 subleaf 2) is shared by 2: the
	 * two dies. Leaf 0x0B is above the maximum (0xA): ignored even
	 * though the table has an answer for it. */
	struct topo_cpu o = decode(kentsfield, 3);
	expect_shifts(&o, TOPO_SRC_LEGACY, 0, 2, TOPO_LLC_LEAF_4, 2, 1);
	assert_int_equal(o.core, 3);
	assert_int_equal(o.thread, 0);
	assert_int_equal(o.llc, 1);
	assert_string_equal(topo_source_name(o.source), "CPUID 1/4");
	uint32_t id[4] = { 0, 1, 2, 3 };
	struct topo_counts k = number(kentsfield, id, 4);
	expect_counts(&k, 1, 1, 2, 4, 4, 2, 2);
}

static void test_legacy_without_htt(void **state)
{
	(void)state;
	/* A single-core CPU: HTT clear, leaf 1 EBX[23:16] is then
	 * meaningless and not used. */
	static const struct leaf one[] = {
		{ 0x0, 0, 0x00000002, 0x756e6547, 0x6c65746e, 0x49656e69 },
		{ 0x1, 0, 0x00000f29, 0x00ff0800, 0, 0x0fcbfbff }, END
	};
	struct topo_cpu o = decode(one, 0);
	expect_shifts(&o, TOPO_SRC_LEGACY, 0, 0, TOPO_LLC_PACKAGE, 0, 0);
}

static void test_empty_table(void **state)
{
	(void)state;
	static const struct leaf none[] = { END };
	struct topo_cpu o = decode(none, 7);
	expect_shifts(&o, TOPO_SRC_SINGLE, 0, 0, TOPO_LLC_PACKAGE, 0, 0);
	assert_int_equal(o.package, 7);
	assert_int_equal(o.core, 7);
	assert_int_equal(o.thread, 0);
	assert_string_equal(topo_source_name(o.source), "no topology leaves");
}

static void test_table_full(void **state)
{
	(void)state;
	memset(&tbl, 0, sizeof(tbl));
	for (int i = 0; i < TOPO_CPUID_MAX; i++)
		assert_true(topo_cpuid_add(&tbl, 4, (uint32_t)i, 0, 0, 0, 0));
	assert_false(topo_cpuid_add(&tbl, 4, 99, 0, 0, 0, 0));
	assert_int_equal(tbl.n, TOPO_CPUID_MAX);
	assert_null(topo_cpuid_find(&tbl, 4, 99));
	assert_non_null(topo_cpuid_find(&tbl, 4, TOPO_CPUID_MAX - 1));
}

/* Hostile tables: shifts out of order or past 32, levels that never
 * end, caches wider than the package. The decoder must still give nested
 * shifts and ids, and stay inside the table. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void test_random_tables_nest(void **state)
{
	(void)state;
	static const uint32_t leaves[] = { 0, 1, 4, 0xb, 0x1f, 0x80000000,
					   0x80000001, 0x80000008, 0x8000001d,
					   0x8000001e };
	for (int iter = 0; iter < 20000; iter++) {
		memset(&tbl, 0, sizeof(tbl));
		int n = (int)(rnd() % TOPO_CPUID_MAX);
		for (int i = 0; i < n; i++) {
			uint32_t leaf = leaves[rnd() % 10];
			uint32_t v[4];
			for (int j = 0; j < 4; j++) {
				v[j] = rnd();
				/* Often-valid shapes, not only noise. */
				if (rnd() % 2)
					v[j] &= 0x3ff;
			}
			if (leaf == 0 && rnd() % 2)
				v[0] = 0x1f;
			if (leaf == 0x80000000 && rnd() % 2)
				v[0] = 0x8000001e;
			topo_cpuid_add(&tbl, leaf, rnd() % 10, v[0], v[1], v[2],
				       v[3]);
		}
		uint32_t apic = rnd();
		struct topo_cpu o;
		topo_decode(&tbl, apic, &o);
		assert_true(o.smt_shift <= o.core_shift);
		assert_true(o.core_shift <= o.die_shift);
		assert_true(o.die_shift <= o.pkg_shift);
		assert_true(o.pkg_shift <= 32);
		assert_true(o.smt_shift <= o.llc_shift);
		assert_true(o.llc_shift <= o.pkg_shift);
		assert_true(o.source <= TOPO_SRC_LEAF_1F);
		assert_true(o.llc_source <= TOPO_LLC_AMD_1D);
		/* The ids are the APIC id's fields. */
		if (o.pkg_shift < 32)
			assert_int_equal(o.package, apic >> o.pkg_shift);
		if (o.smt_shift < 32) {
			assert_int_equal(o.core, apic >> o.smt_shift);
			assert_int_equal(o.core << o.smt_shift | o.thread, apic);
		}
	}
}

/* ---- numbering ---------------------------------------------------------- */

static void test_sparse_apic_ids(void **state)
{
	(void)state;
	/* -smp 6,sockets=2,cores=3 in QEMU: ids 0,1,2 and 4,5,6 (each
	 * socket rounds up to 4 ids; data/qemu-q35-hpet-off's MADT). The
	 * leaf is what QEMU 7.2 answered for that shape (read in the guest,
	 * -cpu qemu64, "report: cpuid" lines). */
	static const struct leaf t[] = {
		{ 0x0, 0, 0x0000000d, 0x68747541, 0x444d4163, 0x69746e65 },
		{ 0xb, 0, 0x00000000, 0x00000001, 0x00000100, 0 },
		{ 0xb, 1, 0x00000002, 0x00000003, 0x00000201, 0 },
		END
	};
	uint32_t id[6] = { 4, 0, 1, 2, 5, 6 }; /* BSP need not be id 0 */
	struct topo_counts k = number(t, id, 6);
	expect_counts(&k, 2, 2, 2, 6, 6, 3, 3);
	/* Numbered by first appearance: logical CPU 0 is package 0. */
	assert_int_equal(out[0].package, 0);
	assert_int_equal(out[1].package, 1);
	assert_int_equal(out[5].package, 0);
	assert_int_equal(out[0].core, 0);
	assert_int_equal(out[1].core, 1);
	for (int i = 0; i < 6; i++)
		assert_int_equal(out[i].thread, 0);
}

static void test_thread_rank_is_dense(void **state)
{
	(void)state;
	/* Listed in reverse: the thread index follows the APIC id bits,
	 * not the listing order. */
	uint32_t id[4] = { 3, 2, 1, 0 };
	struct topo_counts k = number(qemu_0b, id, 4);
	expect_counts(&k, 1, 1, 1, 2, 4, 4, 4);
	assert_int_equal(out[0].thread, 1);
	assert_int_equal(out[1].thread, 0);
	assert_int_equal(out[0].core, 0);
	assert_int_equal(out[2].core, 1);
}

static void test_nodes_passed_through(void **state)
{
	(void)state;
	struct topo_counts k;
	int node[4] = { 1, 1, 0, 0 };
	for (uint32_t i = 0; i < 4; i++)
		raw[i] = decode(qemu_0b, i);
	topo_number(raw, node, 4, out, &k);
	assert_int_equal(k.nodes, 2);
	assert_int_equal(out[0].node, 1);
	assert_int_equal(out[3].node, 0);
}

/* ---- nodes from SRAT/SLIT ----------------------------------------------- */

static struct acpi_srat srat;
static struct acpi_slit slit;
static struct topo_nodes nodes;
static char logged[4][160];
static int nlogged;

static void log_fn(void *ctx, const char *msg)
{
	(void)ctx;
	if (nlogged < 4)
		snprintf(logged[nlogged], sizeof(logged[0]), "%s", msg);
	nlogged++;
}

static void build(bool with_srat, bool with_slit)
{
	nlogged = 0;
	memset(&nodes, 0xa5, sizeof(nodes));
	topo_nodes_build(with_srat ? &srat : NULL, with_slit ? &slit : NULL,
			 &nodes, log_fn, NULL);
}

static void srat_two_nodes(void)
{
	/* As QEMU's -numa capture: ids 0-15 in 0, 16-31 in 1. */
	memset(&srat, 0, sizeof(srat));
	srat.present = true;
	for (int i = 0; i < 32; i++)
		srat.cpu[srat.ncpus++] =
			(struct acpi_srat_cpu){ (uint32_t)i, i < 16 ? 0u : 1u,
						false };
	srat.mem[srat.nmem++] =
		(struct acpi_srat_mem){ 0x100000, 0xff00000, 0, false, false };
	srat.mem[srat.nmem++] =
		(struct acpi_srat_mem){ 0x10000000, 0x10000000, 1, false, false };
	memset(&slit, 0, sizeof(slit));
	slit.present = true;
	slit.n = 2;
	slit.symmetric = true;
	slit.dist[0] = 10;
	slit.dist[1] = 21;
	slit.dist[2] = 21;
	slit.dist[3] = 10;
}

static void test_no_srat_one_node(void **state)
{
	(void)state;
	srat_two_nodes();
	build(false, true);
	assert_int_equal(nodes.n, 1);
	assert_false(nodes.from_srat);
	assert_false(nodes.from_slit);
	assert_int_equal(nodes.distance[0][0], 10);
	assert_int_equal(nlogged, 0);
	assert_int_equal(topo_node_of(&nodes, &srat, 20), 0);
	srat.present = false;
	build(true, true);
	assert_int_equal(nodes.n, 1);
	assert_false(nodes.from_srat);
}

static void test_srat_and_slit(void **state)
{
	(void)state;
	srat_two_nodes();
	build(true, true);
	assert_int_equal(nodes.n, 2);
	assert_true(nodes.from_srat);
	assert_true(nodes.from_slit);
	assert_int_equal(nodes.distance[0][1], 21);
	assert_int_equal(nodes.distance[1][1], 10);
	assert_int_equal(nlogged, 0);
	assert_int_equal(topo_node_of(&nodes, &srat, 3), 0);
	assert_int_equal(topo_node_of(&nodes, &srat, 16), 1);
	assert_int_equal(topo_node_of(&nodes, &srat, 99), 0); /* not listed */
}

static void test_srat_without_slit_falls_back(void **state)
{
	(void)state;
	srat_two_nodes();
	build(true, false);
	assert_int_equal(nodes.n, 2);
	assert_false(nodes.from_slit);
	assert_int_equal(nodes.distance[0][1], 20);
	assert_int_equal(nodes.distance[1][0], 20);
	assert_int_equal(nodes.distance[1][1], 10);
	assert_int_equal(nlogged, 1);
	assert_string_equal(logged[0], "topology: no usable SLIT; node "
				       "distances 10 local, 20 remote");
}

static void test_sparse_domains(void **state)
{
	(void)state;
	/* Domains 0 and 5: nodes 0 and 1, distances from SLIT rows 0
	 * and 5. */
	srat_two_nodes();
	for (int i = 16; i < 32; i++)
		srat.cpu[i].pxm = 5;
	srat.mem[1].pxm = 5;
	slit.n = 6;
	memset(slit.dist, 30, 36);
	for (int i = 0; i < 6; i++)
		slit.dist[i * 6 + i] = 10;
	slit.dist[0 * 6 + 5] = 17;
	slit.dist[5 * 6 + 0] = 18;
	build(true, true);
	assert_int_equal(nodes.n, 2);
	assert_int_equal(nodes.pxm[1], 5);
	assert_int_equal(nodes.distance[0][1], 17);
	assert_int_equal(nodes.distance[1][0], 18);
	assert_int_equal(topo_node_of(&nodes, &srat, 20), 1);
	/* A SLIT too small for domain 5: the fallback, with a line. */
	slit.n = 3;
	build(true, true);
	assert_false(nodes.from_slit);
	assert_int_equal(nodes.distance[0][1], 20);
	assert_string_equal(logged[0], "topology: SLIT has 3 localities but "
				       "SRAT names domain 5; node distances 10 "
				       "local, 20 remote");
}

static void test_too_many_domains(void **state)
{
	(void)state;
	memset(&srat, 0, sizeof(srat));
	srat.present = true;
	/* 100 domains, listed high to low: the lowest 64 are kept. */
	for (int i = 0; i < 100; i++)
		srat.cpu[srat.ncpus++] =
			(struct acpi_srat_cpu){ (uint32_t)i, (uint32_t)(99 - i),
						false };
	build(true, false);
	assert_int_equal(nodes.n, TOPO_MAX_NODES);
	for (int i = 0; i < TOPO_MAX_NODES; i++)
		assert_int_equal(nodes.pxm[i], i);
	assert_string_equal(logged[0], "topology: SRAT names more than 64 "
				       "proximity domains; CPUs of the others "
				       "count as node 0");
	assert_int_equal(topo_node_of(&nodes, &srat, 99), 0);  /* domain 0 */
	assert_int_equal(topo_node_of(&nodes, &srat, 36), 63); /* domain 63 */
	assert_int_equal(topo_node_of(&nodes, &srat, 0), 0);   /* domain 99 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_leaf_0b),
		cmocka_unit_test(test_qemu_leaf_1f_dies),
		cmocka_unit_test(test_qemu_epyc_without_topoext),
		cmocka_unit_test(test_alder_lake_hybrid),
		cmocka_unit_test(test_zen3_ccd_llc),
		cmocka_unit_test(test_zen1_without_leaf_0b),
		cmocka_unit_test(test_core2_legacy_leaves),
		cmocka_unit_test(test_legacy_without_htt),
		cmocka_unit_test(test_empty_table),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_random_tables_nest),
		cmocka_unit_test(test_sparse_apic_ids),
		cmocka_unit_test(test_thread_rank_is_dense),
		cmocka_unit_test(test_nodes_passed_through),
		cmocka_unit_test(test_no_srat_one_node),
		cmocka_unit_test(test_srat_and_slit),
		cmocka_unit_test(test_srat_without_slit_falls_back),
		cmocka_unit_test(test_sparse_domains),
		cmocka_unit_test(test_too_many_domains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
