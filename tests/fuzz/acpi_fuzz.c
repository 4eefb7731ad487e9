// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for acpi/: acpi_parse() and acpi_log_summary() over
 * arbitrary bytes. Covers everything the parser reads: the RSDP (ACPI 6.5
 * 5.2.5), RSDT/XSDT (5.2.7, 5.2.8), FADT (5.2.9), MADT (5.2.12), the
 * HPET table (IA-PC HPET 1.0a 3.2.4), the \_S5 scan of the DSDT and
 * SSDTs (7.4.2, 20.2), SRAT (5.2.16) and SLIT (5.2.17), and what the
 * kernel builds from the last two (kernel/topology.c, topo_nodes_build():
 * nodes and distances) and the page allocator from SRAT's memory ranges
 * (kernel/mm/pmm_node.c: node pools).
 *
 * Input layout:
 *   byte 0      flags; bit 0 set: repair checksums before parsing
 *   bytes 1..   physical memory from address 0; the RSDP is at address 0
 *
 * Without the repair bit almost every mutation breaks a checksum and the
 * parser stops at the header check, which is worth fuzzing but leaves the
 * MADT and FADT decoders unexplored. With it, the harness first follows
 * the pointers the way the parser would (RSDP, both root tables, their
 * entries, the FADT's DSDT) and fixes each checksum it can reach, so
 * mutations of table bodies get through to the decoders. The seeds
 * (corpus/acpi/, from make-corpus.py) set the bit.
 *
 * ACPI_FUZZ_VERBOSE=1 in the environment prints every log line, to see
 * what a crashing or seed input does: ./build/acpi_fuzz FILE.
 *
 * The memory callback hands out a fresh heap copy of exactly the bytes
 * asked for, so AddressSanitizer catches a read past what was mapped, not
 * only past the end of the input. After parsing, the harness checks the
 * promises acpi.h makes about the result and the log lines, and aborts if
 * one is broken.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"
#include "kernel/mm/pmm_node.h"
#include "kernel/topology.h"

#define FLAG_REPAIR 0x01
#define HEADER_LEN 36
#define MAX_ROOT_ENTRIES 256
#define MAX_COPIES 4096
/* One line per root entry at most, plus a bounded few per table (MADT
 * warnings are capped per kind): a hostile table must not flood the log. */
#define MAX_PARSE_LINES (MAX_ROOT_ENTRIES + 64)

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "acpi_fuzz: check '%s' failed at " \
					"line %d\n",                       \
				#cond, __LINE__);                          \
			abort();                                           \
		}                                                          \
	} while (0)

static const uint8_t *mem;
static size_t mem_size;
static void *copies[MAX_COPIES];
static size_t ncopies;
static size_t nlines;
static int verbose = -1;

static const void *fuzz_map(void *ctx, uint64_t phys, uint64_t len)
{
	(void)ctx;
	CHECK(len > 0);
	if (phys > mem_size || len > mem_size - phys)
		return NULL;
	/* Bounded by the root entry limit: a run maps a few hundred times
	 * at most. More means the parser is looping. */
	CHECK(ncopies < MAX_COPIES);
	void *copy = malloc(len);
	CHECK(copy != NULL);
	memcpy(copy, mem + phys, len);
	copies[ncopies++] = copy;
	return copy;
}

static void fuzz_log(void *ctx, const char *msg)
{
	(void)ctx;
	size_t n = strlen(msg);

	CHECK(strncmp(msg, "acpi: ", 6) == 0);
	CHECK(n < 160);
	for (size_t i = 0; i < n; i++)
		CHECK(msg[i] >= 0x20 && msg[i] < 0x7f);
	nlines++;
	if (verbose < 0)
		verbose = getenv("ACPI_FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "%s\n", msg);
}

/* ---- Checksum repair ---- */

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void fix_sum(uint8_t *p, size_t len, size_t at)
{
	uint8_t s = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		s += p[i];
	p[at] = (uint8_t)-s;
}

/* Fix the table at phys if its header and length fit; return its length
 * (0 if it does not fit). */
static uint32_t fix_table(uint8_t *m, size_t size, uint64_t phys)
{
	if (phys > size || size - phys < HEADER_LEN)
		return 0;
	uint32_t len = rd32(m + phys + 4);
	if (len < HEADER_LEN || len > size - phys)
		return 0;
	fix_sum(m + phys, len, 9);
	return len;
}

static void fix_fadt_dsdt(uint8_t *m, size_t size, uint64_t phys,
			  uint32_t len)
{
	uint64_t dsdt = len >= 148 ? rd64(m + phys + 140) : 0;
	if (!dsdt && len >= 44)
		dsdt = rd32(m + phys + 40);
	if (dsdt)
		fix_table(m, size, dsdt);
}

static void fix_root(uint8_t *m, size_t size, uint64_t phys, int entry_len)
{
	uint32_t len = fix_table(m, size, phys);
	if (!len)
		return;
	uint32_t n = (len - HEADER_LEN) / entry_len;
	if (n > MAX_ROOT_ENTRIES)
		n = MAX_ROOT_ENTRIES;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = m + phys + HEADER_LEN + i * entry_len;
		uint64_t t = entry_len == 8 ? rd64(e) : rd32(e);
		uint32_t tlen = fix_table(m, size, t);
		if (tlen && memcmp(m + t, "FACP", 4) == 0)
			fix_fadt_dsdt(m, size, t, tlen);
	}
	/* Entries may overlap the root table itself; fix it last. */
	fix_table(m, size, phys);
}

static void repair(uint8_t *m, size_t size)
{
	if (size < 20)
		return;
	fix_sum(m, 20, 8);
	if (m[15] >= 2 && size >= 36)
		fix_sum(m, 36, 32);
	fix_root(m, size, rd32(m + 16), 4);
	if (m[15] >= 2 && size >= 36)
		fix_root(m, size, rd64(m + 24), 8);
	/* Fixing tables may have changed RSDP bytes they overlap. */
	fix_sum(m, 20, 8);
	if (m[15] >= 2 && size >= 36)
		fix_sum(m, 36, 32);
}

/* ---- What acpi.h promises ---- */

static bool terminated(const char *s, size_t size)
{
	return memchr(s, 0, size) != NULL;
}

/* A PM1 control block is absent (address 0), an I/O port, or memory. */
static void check_pm1(const struct acpi_gas *g)
{
	if (g->address == 0)
		return;
	CHECK(g->space_id == ACPI_GAS_IO || g->space_id == ACPI_GAS_MEMORY);
	CHECK(g->space_id != ACPI_GAS_IO || g->address <= 0xffff);
}

/* SRAT and SLIT as acpi.h promises them, then the nodes the kernel
 * would build from them. */
static void topo_log(void *ctx, const char *msg)
{
	(void)ctx;
	CHECK(strncmp(msg, "topology: ", 10) == 0);
	CHECK(strlen(msg) < 160);
	nlines++;
}

static void mem_log(void *ctx, const char *msg)
{
	(void)ctx;
	CHECK(strncmp(msg, "mem: ", 5) == 0);
	CHECK(strlen(msg) < 160);
}

/* SRAT's memory ranges as the page allocator splits them into node pools
 * (kernel/mm/pmm_node.c), over 64 MiB of which the first 48 are usable:
 * whatever the ranges say, the map covers every page once and each
 * node's fallback order starts with itself. */
static void check_node_map(const struct acpi_srat *s,
			   const struct topo_nodes *nodes)
{
	enum { NPAGES = 16384 };
	static uint64_t bits[2 * NPAGES / 64];
	static struct pmm p;
	static struct pmm_node_map m;
	static struct pmm_node_srat r[PMM_NODE_MAX_SRAT];
	pmm_core_init(&p, bits, NPAGES);
	pmm_core_add(&p, 256, 12288 - 256);
	int n = pmm_node_srat_ranges(s, nodes, r);
	CHECK(n >= 0 && n <= s->nmem);
	pmm_node_map_build(&m, &p, r, n, nodes, NULL, mem_log, NULL);
	CHECK(m.n >= 1 && m.n <= PMM_NODE_MAX_RANGES);
	CHECK(m.nnodes == nodes->n);
	CHECK(m.r[0].start == 0 && m.r[m.n - 1].end == NPAGES);
	for (int i = 0; i < m.n; i++) {
		CHECK(m.r[i].start < m.r[i].end);
		CHECK(m.r[i].node >= 0 && m.r[i].node < m.nnodes);
		CHECK(i == 0 || m.r[i].start == m.r[i - 1].end);
		CHECK(pmm_node_of_pfn(&m, m.r[i].start) == m.r[i].node);
		CHECK(pmm_node_of_pfn(&m, m.r[i].end - 1) == m.r[i].node);
	}
	for (int k = 0; k < m.nnodes; k++)
		CHECK(m.order[k][0] == k);
}

static void check_numa(const struct acpi_info *info)
{
	const struct acpi_srat *s = &info->srat;
	CHECK(s->ncpus >= 0 && s->ncpus <= ACPI_MAX_CPUS);
	CHECK(s->nmem >= 0 && s->nmem <= ACPI_MAX_SRAT_MEM);
	CHECK(s->ncpus_dropped == 0 || s->ncpus == ACPI_MAX_CPUS);
	CHECK(s->nmem_dropped == 0 || s->nmem == ACPI_MAX_SRAT_MEM);
	if (!s->present)
		CHECK(s->ncpus == 0 && s->nmem == 0 && s->ndisabled == 0);
	for (int i = 0; i < s->ncpus; i++) {
		for (int j = 0; j < i; j++)
			CHECK(s->cpu[j].apic_id != s->cpu[i].apic_id);
		CHECK(acpi_srat_pxm_of(s, s->cpu[i].apic_id) ==
		      (int64_t)s->cpu[i].pxm);
	}
	for (int i = 0; i < s->nmem; i++)
		CHECK(s->mem[i].length > 0);

	const struct acpi_slit *d = &info->slit;
	if (!d->present) {
		CHECK(d->n == 0);
	} else {
		CHECK(d->n >= 1 && d->n <= ACPI_MAX_LOCALITIES);
		bool sym = true;
		for (uint32_t i = 0; i < d->n; i++) {
			CHECK(d->dist[i * d->n + i] == 10);
			for (uint32_t j = 0; j < d->n; j++) {
				CHECK(d->dist[i * d->n + j] >= 10);
				sym &= d->dist[i * d->n + j] == d->dist[j * d->n + i];
			}
		}
		CHECK(sym == d->symmetric);
	}

	static struct topo_nodes nodes;
	topo_nodes_build(s, d, &nodes, topo_log, NULL);
	CHECK(nodes.n >= 1 && nodes.n <= TOPO_MAX_NODES);
	CHECK(nodes.from_srat == (s->present && (s->ncpus || s->nmem)));
	for (int i = 0; i < nodes.n; i++) {
		CHECK(i == 0 || nodes.pxm[i - 1] < nodes.pxm[i]);
		CHECK(nodes.distance[i][i] == 10);
		for (int j = 0; j < nodes.n; j++)
			CHECK(nodes.distance[i][j] >= 10);
	}
	for (int i = 0; i < s->ncpus; i++) {
		int node = topo_node_of(&nodes, s, s->cpu[i].apic_id);
		CHECK(node >= 0 && node < nodes.n);
	}
	check_node_map(s, &nodes);
}

static void check_result(int rc, const struct acpi_info *info)
{
	CHECK(rc == 0 || rc == -1);
	CHECK(info->ntables >= 0 && info->ntables <= ACPI_MAX_TABLES);
	for (int i = 0; i < info->ntables; i++) {
		const struct acpi_table_ref *t = &info->table[i];
		CHECK(terminated(t->sig, sizeof(t->sig)));
		CHECK(terminated(t->oem_id, sizeof(t->oem_id)));
		CHECK(terminated(t->oem_table_id, sizeof(t->oem_table_id)));
	}
	if (rc < 0) {
		/* At most the rejected XSDT is listed; nothing decoded. */
		CHECK(info->ntables <= 1);
		CHECK(!info->madt.present && !info->fadt.present &&
		      !info->hpet.present && !info->s5.present &&
		      !info->srat.present && !info->slit.present);
	}
	check_numa(info);

	const struct acpi_madt *m = &info->madt;
	CHECK(m->ncpus >= 0 && m->ncpus <= ACPI_MAX_CPUS);
	CHECK(m->ncpus_dropped >= 0);
	CHECK(m->ncpus_dropped == 0 || m->ncpus == ACPI_MAX_CPUS);
	CHECK(m->nioapics >= 0 && m->nioapics <= ACPI_MAX_IOAPICS);
	CHECK(m->noverrides >= 0 && m->noverrides <= ACPI_MAX_OVERRIDES);
	CHECK(m->nnmis >= 0 && m->nnmis <= ACPI_MAX_NMIS);
	if (!m->present)
		CHECK(m->ncpus == 0 && m->nioapics == 0 &&
		      m->noverrides == 0 && m->nnmis == 0);
	for (int i = 0; i < m->ncpus; i++) {
		const struct acpi_cpu *c = &m->cpu[i];
		CHECK(c->enabled != c->online_capable);
		CHECK(c->apic_id != 0xffffffffu);
		CHECK(c->from_x2apic_entry || c->apic_id < 0xff);
		for (int j = 0; j < i; j++)
			CHECK(m->cpu[j].apic_id != c->apic_id);
	}
	for (int i = 0; i < m->nnmis; i++)
		CHECK(m->nmi[i].lint <= 1);

	if (info->hpet.present) {
		CHECK(info->hpet.phys != 0);
		CHECK(info->hpet.comparators >= 1 &&
		      info->hpet.comparators <= 32);
	} else {
		CHECK(info->hpet.phys == 0);
	}
	CHECK(info->fadt.pm_timer_port <= 0xffff);
	check_pm1(&info->fadt.pm1a_cnt);
	check_pm1(&info->fadt.pm1b_cnt);
	CHECK(info->fadt.smi_cmd <= 0xffff);
	if (!info->fadt.present)
		CHECK(info->fadt.pm_timer_port == 0 &&
		      info->fadt.dsdt_phys == 0);

	/* \_S5: only from a good DSDT or SSDT, and each value fits the
	 * 3-bit SLP_TYP field the kernel shifts it into. */
	const struct acpi_s5 *s5 = &info->s5;
	if (s5->present) {
		CHECK(s5->slp_typa <= 7 && s5->slp_typb <= 7);
		CHECK(strcmp(s5->table, "DSDT") == 0 ||
		      strcmp(s5->table, "SSDT") == 0);
		CHECK(s5->table_phys != 0 && s5->offset >= HEADER_LEN);
		bool listed = false;
		for (int i = 0; i < info->ntables; i++)
			listed |= info->table[i].phys == s5->table_phys &&
				  info->table[i].valid;
		CHECK(listed || info->ntables == ACPI_MAX_TABLES);
	} else {
		CHECK(s5->table_phys == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acpi_info info;
	struct acpi_mem am = { fuzz_map, NULL };

	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	mem_size = size - 1;
	uint8_t *m = malloc(mem_size ? mem_size : 1);
	CHECK(m != NULL);
	memcpy(m, data + 1, mem_size);
	if (flags & FLAG_REPAIR)
		repair(m, mem_size);
	mem = m;

	nlines = 0;
	memset(&info, 0x5a, sizeof(info)); /* the parser must zero it */
	int rc = acpi_parse(&am, 0, &info, fuzz_log, NULL);
	check_result(rc, &info);
	CHECK(rc == 0 || nlines > 0); /* a failure always says why */
	CHECK(nlines <= MAX_PARSE_LINES);
	acpi_log_summary(&info, fuzz_log, NULL);

	for (size_t i = 0; i < ncopies; i++)
		free(copies[i]);
	ncopies = 0;
	free(m);
	mem = NULL;
	return 0;
}
