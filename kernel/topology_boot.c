// SPDX-License-Identifier: MIT
/*
 * Per-CPU CPUID reads, the dense machine description and the boot line
 * (topology_boot.h has the contract and the ordering rules).
 *
 * CPUID answers are per CPU (the APIC id fields differ; a hybrid part's
 * cores may differ in cache leaves), so each CPU reads its own at
 * bring-up. The decoding is kernel/topology.c, shared with the tests.
 */
#include "topology_boot.h"

#include "../acpi/acpi.h"
#include "arch/x86.h"
#include "cpu.h"
#include "lib/printf.h"
#include "log.h"
#include "log_warn.h"
#include "mm/heap.h"
#include "platform.h"

/* Real CPUs list at most 5 levels or caches; the cap bounds the reads
 * when a hypervisor never ends the list. */
#define SUBLEAF_MAX 8

/* Written by the BSP in topology_boot_summary() before `ready` is
 * released; read-only afterwards. table[] is indexed by logical CPU and
 * sized by the highest online one (allocated once, never freed); an
 * entry of a CPU that is not online has every id -1. */
static struct cpu_topo *table;
static int table_len;
static struct topo_nodes nodes;
static char line[160];
static bool ready;
/* Written by CPU 0 in its topology_cpu_init(), before any AP starts. */
static struct topo_cpuid bsp_cpuid;

static void add(struct topo_cpuid *t, uint32_t leaf, uint32_t sub,
		struct cpuid_regs r)
{
	topo_cpuid_add(t, leaf, sub, r.eax, r.ebx, r.ecx, r.edx);
}

/* Every leaf topo_decode() may look at, as topology.h lists them. */
static void read_cpuid(struct topo_cpuid *t)
{
	struct cpuid_regs r0 = cpuid(0, 0), e0 = cpuid(0x80000000u, 0);

	t->n = 0;
	add(t, 0, 0, r0);
	if (r0.eax >= 1)
		add(t, 1, 0, cpuid(1, 0));
	for (uint32_t i = 0; r0.eax >= 4 && i < SUBLEAF_MAX; i++) {
		struct cpuid_regs r = cpuid(4, i);
		if ((r.eax & 0x1f) == 0)
			break;
		add(t, 4, i, r);
	}
	static const uint32_t ext_leaves[] = { 0x0b, 0x1f };
	for (int k = 0; k < 2; k++) {
		for (uint32_t i = 0; r0.eax >= ext_leaves[k] && i < SUBLEAF_MAX;
		     i++) {
			struct cpuid_regs r = cpuid(ext_leaves[k], i);
			if (((r.ecx >> 8) & 0xff) == 0 || (r.ebx & 0xffff) == 0)
				break;
			add(t, ext_leaves[k], i, r);
		}
	}
	if (e0.eax < 0x80000000u || e0.eax > 0x8fffffffu)
		return;
	add(t, 0x80000000u, 0, e0);
	if (e0.eax >= 0x80000001u)
		add(t, 0x80000001u, 0, cpuid(0x80000001u, 0));
	if (e0.eax >= 0x80000008u)
		add(t, 0x80000008u, 0, cpuid(0x80000008u, 0));
	for (uint32_t i = 0; e0.eax >= 0x8000001du && i < SUBLEAF_MAX; i++) {
		struct cpuid_regs r = cpuid(0x8000001du, i);
		if ((r.eax & 0x1f) == 0)
			break;
		add(t, 0x8000001du, i, r);
	}
	if (e0.eax >= 0x8000001eu)
		add(t, 0x8000001eu, 0, cpuid(0x8000001eu, 0));
}

void topology_cpu_init(struct cpu *c)
{
	struct topo_cpuid t;

	read_cpuid(&t);
	topo_decode(&t, c->apic_id, &c->topo);
	if (c->id == 0)
		bsp_cpuid = t;
}

static void log_line(void *ctx, const char *msg)
{
	(void)ctx;
	kwarn("%s", msg);
}

static const char *plural(int n)
{
	return n == 1 ? "" : "s";
}

/* The "a, b, c" of the boot line. */
static void format_line(const struct topo_counts *k, const struct topo_cpu *r0)
{
	char dies[24] = "", llc[32], numa[48];
	if (k->dies != k->packages)
		k_snprintf(dies, sizeof(dies), "%d dies, ", k->dies);
	if (k->llc_size_min == k->llc_size_max)
		k_snprintf(llc, sizeof(llc), "%d group%s of %d", k->llcs,
			   plural(k->llcs), k->llc_size_max);
	else
		k_snprintf(llc, sizeof(llc), "%d groups of %d-%d", k->llcs,
			   k->llc_size_min, k->llc_size_max);
	if (!nodes.from_srat)
		k_snprintf(numa, sizeof(numa), "no SRAT: one node");
	else
		k_snprintf(numa, sizeof(numa), "SRAT, %s",
			   nodes.from_slit ? "SLIT" : "no SLIT: 10/20");
	k_snprintf(line, sizeof(line), "%d package%s, %s%d node%s, %d core%s, "
		   "%d thread%s; LLC: %s (%s, LLC %s, %s)", k->packages,
		   plural(k->packages), dies, nodes.n, plural(nodes.n), k->cores,
		   plural(k->cores), k->threads, plural(k->threads), llc,
		   topo_source_name(r0->source),
		   topo_llc_source_name(r0->llc_source), numa);
}

void topology_boot_summary(void)
{
	const struct acpi_info *a = platform_acpi();
	int n = 0, last = -1, unplaced = 0, differ = -1;
	/* One copy of the online mask for both passes below. The set is
	 * final by now (smp_boot_aps() closed every start-up slot and
	 * waited for each AP that got in: smp/slot.h), so this is only a
	 * guard: read twice, a mask that still grew could size the scratch
	 * one CPU short. A CPU that came online after this copy would get
	 * no description (topology_cpu() is NULL for it). */
	struct cpumask online;

	topo_nodes_build(&a->srat, &a->slit, &nodes, log_line, 0);
	cpu_online_snapshot(&online);
	for (int i = 0; i < cpu_possible_count; i++) {
		if (cpumask_test(&online, i)) {
			n++;
			last = i;
		}
	}
	/* Scratch for the numbering, in online order. */
	struct topo_cpu *raw = kzalloc(sizeof(*raw) * (size_t)n);
	int *raw_node = kzalloc(sizeof(int) * (size_t)n);
	int *raw_cpu = kzalloc(sizeof(int) * (size_t)n);
	struct cpu_topo *dense = kzalloc(sizeof(*dense) * (size_t)n);
	table = kzalloc(sizeof(*table) * (size_t)(last + 1));
	if (!raw || !raw_node || !raw_cpu || !dense || !table) {
		kwarn("topology: no memory for %d CPUs' description; the "
		      "scheduler sees one flat machine", n);
		kfree(table);
		table = 0;
		goto out;
	}
	table_len = last + 1;

	int k = 0;
	for (int i = 0; i <= last; i++) {
		table[i] = (struct cpu_topo){ -1, -1, -1, -1, -1, -1 };
		if (!cpumask_test(&online, i))
			continue;
		struct cpu *c = cpus[i];
		int node = topo_node_of(&nodes, &a->srat, c->apic_id);
		if (nodes.from_srat && acpi_srat_pxm_of(&a->srat, c->apic_id) < 0)
			unplaced++;
		c->topo.node = node;
		raw[k] = c->topo;
		raw_node[k] = node;
		raw_cpu[k] = i;
		/* Hybrid parts and hypervisors could give CPUs different
		 * layouts; the numbering still works (ids are keyed by
		 * package), but the log says so. */
		if (differ < 0 && k > 0 &&
		    (raw[k].source != raw[0].source ||
		     raw[k].smt_shift != raw[0].smt_shift ||
		     raw[k].pkg_shift != raw[0].pkg_shift ||
		     raw[k].llc_shift != raw[0].llc_shift))
			differ = i;
		k++;
	}
	if (unplaced)
		kwarn("topology: %d CPU%s not in SRAT; put in node 0", unplaced,
		      plural(unplaced));
	if (differ >= 0)
		kwarn("topology: cpu%d's CPUID layout differs from cpu0's "
		      "(shifts smt %u pkg %u llc %u vs %u %u %u)", differ,
		      cpus[differ]->topo.smt_shift, cpus[differ]->topo.pkg_shift,
		      cpus[differ]->topo.llc_shift, raw[0].smt_shift,
		      raw[0].pkg_shift, raw[0].llc_shift);

	struct topo_counts counts;
	topo_number(raw, raw_node, k, dense, &counts);
	for (int j = 0; j < k; j++)
		table[raw_cpu[j]] = dense[j];
	format_line(&counts, &raw[0]);
	__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
	kprintf("topology: %s", line);
out:
	kfree(raw);
	kfree(raw_node);
	kfree(raw_cpu);
	kfree(dense);
}

bool topology_ready(void)
{
	return __atomic_load_n(&ready, __ATOMIC_ACQUIRE);
}

const struct cpu_topo *topology_cpu(int cpu)
{
	if (!topology_ready() || cpu < 0 || cpu >= table_len ||
	    table[cpu].core < 0)
		return 0;
	return &table[cpu];
}

int topology_describe(struct cpu_topo *out, int n)
{
	for (int i = 0; i < n; i++) {
		const struct cpu_topo *t = topology_cpu(i);
		out[i] = t ? *t : (struct cpu_topo){ -1, -1, -1, -1, -1, -1 };
	}
	return topology_ready() ? table_len : 0;
}

const struct topo_nodes *topology_nodes(void)
{
	static const struct topo_nodes one = { .n = 1, .distance = { { 10 } } };
	return topology_ready() ? &nodes : &one;
}

const char *topology_line(void)
{
	return topology_ready() ? line : "";
}

const struct topo_cpuid *topology_bsp_cpuid(void)
{
	return &bsp_cpuid;
}

void topology_log_cpu(int cpu)
{
	const struct cpu_topo *t = topology_cpu(cpu);
	if (!t)
		return;
	kprintf("cpu%d: topology apic %u, package %d, die %d, core %d, thread "
		"%d, llc %d, node %d", cpu, cpus[cpu]->apic_id, t->package,
		t->die, t->core, t->thread, t->llc, t->node);
}
