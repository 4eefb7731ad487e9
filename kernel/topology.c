// SPDX-License-Identifier: MIT
/*
 * The pure half of the CPU topology (topology.h has the contract): CPUID
 * leaf values in, APIC-id bit fields out; raw ids in, dense ids out; SRAT
 * and SLIT in, nodes and distances out. No CPUID instruction, no kernel
 * state, no allocation, so the host tests feed it real dumps.
 *
 * The x2APIC id is a bit string: from the bottom, the SMT thread, then
 * the core, then optional module/tile/die levels, then the package (SDM
 * Vol. 3A 10.9.1). Each CPUID topology leaf says how far to shift the id
 * right to reach the next level. Leaf 0x1F and 0x0B (SDM Vol. 2A, CPUID):
 * subleaf i has the level type in ECX[15:8] (1 SMT, 2 core, 3 module,
 * 4 tile, 5 die, 6 die group; 0 ends the list), the shift to the next
 * level in EAX[4:0] and the logical processors at that level in EBX[15:0]
 * (0 also ends it). Leaf 4 / Fn8000_001D subleaf i describes one cache:
 * type EAX[4:0] (0 none, 1 data, 2 instruction, 3 unified), level
 * EAX[7:5], and "maximum number of addressable IDs for logical processors
 * sharing this cache" minus one in EAX[25:14]: the APIC ids sharing it
 * are those equal above count_order(that + 1) bits, as Linux computes
 * (arch/x86/kernel/cpu/cacheinfo.c). AMD without 0x0B (APM Vol. 3,
 * appendix E): Fn8000_0008 ECX[15:12] ApicIdSize (bits of core and
 * thread in the package; 0 means use NC in ECX[7:0] + 1) and Fn8000_001E
 * EBX[15:8] threads per core minus one (with TopologyExtensions,
 * Fn8000_0001 ECX[22]). Legacy (SDM Vol. 3A 10.9.2 / Linux's
 * detect_ht()): leaf 1 EBX[23:16] addressable logical processors per
 * package when EDX[28] (HTT) is set, leaf 4 EAX[31:26] + 1 cores.
 */
#include "topology.h"

#include <stdarg.h>

#include "../acpi/acpi.h"
#include "lib/printf.h"

#define CPUID_VENDOR_AMD_EBX 0x68747541	  /* "Auth" */
#define CPUID_VENDOR_HYGON_EBX 0x6f677948 /* "Hygo" */
#define CPUID1_EDX_HTT (1u << 28)
#define CPUID_EXT1_ECX_TOPOEXT (1u << 22)

#define LEVEL_SMT 1
#define LEVEL_CORE 2
#define LEVEL_DIE 5

#define CACHE_DATA 1
#define CACHE_UNIFIED 3

/* Real CPUs list at most 5 topology levels and 5 caches; a table that
 * claims more is cut here. */
#define TOPO_MAX_SUBLEAVES 8

const struct topo_cpuid_leaf *topo_cpuid_find(const struct topo_cpuid *t,
					      uint32_t leaf, uint32_t subleaf)
{
	for (int i = 0; i < t->n && i < TOPO_CPUID_MAX; i++)
		if (t->l[i].leaf == leaf && t->l[i].subleaf == subleaf)
			return &t->l[i];
	return 0;
}

bool topo_cpuid_add(struct topo_cpuid *t, uint32_t leaf, uint32_t subleaf,
		    uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	if (t->n < 0 || t->n >= TOPO_CPUID_MAX)
		return false;
	t->l[t->n++] = (struct topo_cpuid_leaf){ leaf, subleaf, eax, ebx, ecx,
						 edx };
	return true;
}

/* Missing leaves read as zero, as CPUID returns for most leaves past the
 * maximum (it does not always: hence the explicit maximum checks). */
static struct topo_cpuid_leaf get(const struct topo_cpuid *t, uint32_t leaf,
				  uint32_t subleaf)
{
	const struct topo_cpuid_leaf *l = topo_cpuid_find(t, leaf, subleaf);
	return l ? *l : (struct topo_cpuid_leaf){ leaf, subleaf, 0, 0, 0, 0 };
}

/* Bits needed to number x things: ceil(log2(x)), 0 for x <= 1. */
static uint8_t count_order(uint32_t x)
{
	uint8_t k = 0;
	while (k < 32 && (1ull << k) < x)
		k++;
	return k;
}

static uint32_t max_basic(const struct topo_cpuid *t)
{
	return get(t, 0, 0).eax;
}

static uint32_t max_ext(const struct topo_cpuid *t)
{
	uint32_t m = get(t, 0x80000000u, 0).eax;
	/* Intel answers an out-of-range extended leaf with the highest
	 * basic leaf's data; anything below 0x80000000 means "none". */
	return m >= 0x80000000u ? m : 0;
}

static bool is_amd(const struct topo_cpuid *t)
{
	uint32_t v = get(t, 0, 0).ebx;
	return v == CPUID_VENDOR_AMD_EBX || v == CPUID_VENDOR_HYGON_EBX;
}

/* Leaf 0x1F or 0x0B. Returns false when the leaf is absent or lists no
 * valid first level (then the caller tries the next source). */
static bool decode_ext_leaf(const struct topo_cpuid *t, uint32_t leaf,
			    struct topo_cpu *o)
{
	if (max_basic(t) < leaf)
		return false;
	struct topo_cpuid_leaf l0 = get(t, leaf, 0);
	if ((l0.ebx & 0xffff) == 0 || ((l0.ecx >> 8) & 0xff) == 0)
		return false;

	/* A level's shift gives the id of the level ABOVE it, so a die's
	 * own id is the id above the level listed before it. */
	int smt = -1, core = -1, die = -1, pkg = 0, below = 0;
	for (uint32_t i = 0; i < TOPO_MAX_SUBLEAVES; i++) {
		struct topo_cpuid_leaf l = get(t, leaf, i);
		uint32_t type = (l.ecx >> 8) & 0xff;
		uint8_t shift = l.eax & 0x1f;

		if (type == 0 || (l.ebx & 0xffff) == 0)
			break;
		if (type == LEVEL_SMT)
			smt = shift;
		else if (type == LEVEL_CORE)
			core = shift;
		else if (type == LEVEL_DIE)
			die = below;
		/* Module and tile levels only widen the package shift. */
		below = shift;
		/* Levels only grow upwards; the last one is the package. */
		if (shift > pkg)
			pkg = shift;
	}
	o->smt_shift = smt < 0 ? 0 : (uint8_t)smt;
	o->core_shift = core < 0 ? o->smt_shift : (uint8_t)core;
	o->pkg_shift = (uint8_t)pkg;
	o->has_dies = die >= 0;
	o->die_shift = die < 0 ? o->pkg_shift : (uint8_t)die;
	o->source = leaf == 0x1f ? TOPO_SRC_LEAF_1F : TOPO_SRC_LEAF_0B;
	return true;
}

static bool decode_amd(const struct topo_cpuid *t, struct topo_cpu *o)
{
	if (!is_amd(t) || max_ext(t) < 0x80000008u)
		return false;
	uint32_t ecx = get(t, 0x80000008u, 0).ecx;
	uint32_t apic_bits = (ecx >> 12) & 0xf;
	uint8_t pkg = apic_bits ? (uint8_t)apic_bits :
				  count_order((ecx & 0xff) + 1);
	uint8_t smt = 0;

	if (max_ext(t) >= 0x8000001eu &&
	    (get(t, 0x80000001u, 0).ecx & CPUID_EXT1_ECX_TOPOEXT))
		smt = count_order(((get(t, 0x8000001eu, 0).ebx >> 8) & 0xff) + 1);
	o->smt_shift = smt;
	o->core_shift = o->die_shift = o->pkg_shift = pkg;
	o->source = TOPO_SRC_AMD;
	return true;
}

static bool decode_legacy(const struct topo_cpuid *t, struct topo_cpu *o)
{
	if (max_basic(t) < 1)
		return false;
	struct topo_cpuid_leaf l1 = get(t, 1, 0);
	uint32_t logical = 1, cores = 1;

	if (l1.edx & CPUID1_EDX_HTT)
		logical = (l1.ebx >> 16) & 0xff;
	if (logical < 1)
		logical = 1;
	if (max_basic(t) >= 4 && (get(t, 4, 0).eax & 0x1f) != 0)
		cores = (get(t, 4, 0).eax >> 26) + 1;
	uint32_t per_core = cores < logical ? logical / cores : 1;
	o->smt_shift = count_order(per_core);
	o->pkg_shift = count_order(logical);
	if (o->pkg_shift < o->smt_shift)
		o->pkg_shift = o->smt_shift;
	o->core_shift = o->die_shift = o->pkg_shift;
	o->source = TOPO_SRC_LEGACY;
	return true;
}

/* The highest-level data or unified cache described by leaf (4 or
 * 0x8000001D): its level and sharing shift. False if the leaf lists no
 * such cache. */
static bool decode_cache_leaf(const struct topo_cpuid *t, uint32_t leaf,
			      uint8_t *level, uint8_t *shift)
{
	if (leaf == 4 ? max_basic(t) < 4 : max_ext(t) < leaf)
		return false;
	bool found = false;
	for (uint32_t i = 0; i < TOPO_MAX_SUBLEAVES; i++) {
		uint32_t eax = get(t, leaf, i).eax;
		uint32_t type = eax & 0x1f;
		uint8_t lv = (eax >> 5) & 7;

		if (type == 0)
			break;
		if (type != CACHE_DATA && type != CACHE_UNIFIED)
			continue;
		if (!found || lv >= *level) {
			*level = lv;
			*shift = count_order(((eax >> 14) & 0xfff) + 1);
			found = true;
		}
	}
	return found;
}

void topo_decode(const struct topo_cpuid *t, uint32_t apic_id,
		 struct topo_cpu *o)
{
	*o = (struct topo_cpu){ .apic_id = apic_id };

	if (!decode_ext_leaf(t, 0x1f, o) && !decode_ext_leaf(t, 0x0b, o) &&
	    !decode_amd(t, o) && !decode_legacy(t, o))
		o->source = TOPO_SRC_SINGLE; /* all shifts 0 */

	/* Nest the levels, whatever the table said, so the ids nest. */
	if (o->pkg_shift > 32)
		o->pkg_shift = 32;
	if (o->die_shift > o->pkg_shift)
		o->die_shift = o->pkg_shift;
	if (o->core_shift > o->die_shift)
		o->core_shift = o->die_shift;
	if (o->smt_shift > o->core_shift)
		o->smt_shift = o->core_shift;

	uint8_t level = 0, shift = 0;
	bool amd = is_amd(t);
	uint32_t first = amd ? 0x8000001du : 4, second = amd ? 4 : 0x8000001du;
	/* 0x8000001D is defined only with TopologyExtensions. */
	bool ext_ok = get(t, 0x80000001u, 0).ecx & CPUID_EXT1_ECX_TOPOEXT;
	if ((first != 0x8000001du || ext_ok) &&
	    decode_cache_leaf(t, first, &level, &shift))
		o->llc_source = first == 4 ? TOPO_LLC_LEAF_4 : TOPO_LLC_AMD_1D;
	else if ((second != 0x8000001du || ext_ok) &&
		 decode_cache_leaf(t, second, &level, &shift))
		o->llc_source = second == 4 ? TOPO_LLC_LEAF_4 : TOPO_LLC_AMD_1D;
	if (o->llc_source == TOPO_LLC_PACKAGE) {
		shift = o->pkg_shift;
		level = 0;
	}
	if (shift > o->pkg_shift)
		shift = o->pkg_shift;
	if (shift < o->smt_shift)
		shift = o->smt_shift;
	o->llc_shift = shift;
	o->llc_level = level;

	/* A shift of 32 leaves nothing: every CPU in one group. */
#define ABOVE(s) ((s) >= 32 ? 0u : apic_id >> (s))
	o->package = ABOVE(o->pkg_shift);
	o->die = ABOVE(o->die_shift);
	o->core = ABOVE(o->smt_shift);
	o->llc = ABOVE(o->llc_shift);
	o->thread = o->smt_shift >= 32 ? apic_id :
					 apic_id & ((1u << o->smt_shift) - 1);
#undef ABOVE
}

const char *topo_source_name(int source)
{
	switch (source) {
	case TOPO_SRC_LEAF_1F:
		return "CPUID 0x1f";
	case TOPO_SRC_LEAF_0B:
		return "CPUID 0x0b";
	case TOPO_SRC_AMD:
		return "CPUID 0x80000008/0x8000001e";
	case TOPO_SRC_LEGACY:
		return "CPUID 1/4";
	default:
		return "no topology leaves";
	}
}

const char *topo_llc_source_name(int llc_source)
{
	switch (llc_source) {
	case TOPO_LLC_LEAF_4:
		return "leaf 4";
	case TOPO_LLC_AMD_1D:
		return "leaf 0x8000001d";
	default:
		return "package";
	}
}

/* The levels topo_number() numbers, and each one's key: the package is
 * part of every key but the node's, so a firmware bug that gives two
 * packages the same low bits cannot merge their cores. */
enum { LV_PACKAGE, LV_DIE, LV_LLC, LV_CORE, LV_NODE, LV_COUNT };

static uint64_t level_key(const struct topo_cpu *r, const int *node, int i,
			  int level)
{
	uint64_t pkg = (uint64_t)r[i].package << 32;
	switch (level) {
	case LV_PACKAGE:
		return pkg;
	case LV_DIE:
		return pkg | r[i].die;
	case LV_LLC:
		return pkg | r[i].llc;
	case LV_CORE:
		return pkg | r[i].core;
	default:
		return node ? (uint32_t)node[i] : 0;
	}
}

static int *level_id(struct cpu_topo *o, int level)
{
	switch (level) {
	case LV_PACKAGE:
		return &o->package;
	case LV_DIE:
		return &o->die;
	case LV_LLC:
		return &o->llc;
	case LV_CORE:
		return &o->core;
	default:
		return &o->node;
	}
}

void topo_number(const struct topo_cpu *raw, const int *node, int n,
		 struct cpu_topo *out, struct topo_counts *counts)
{
	struct topo_counts c = { 0 };
	int *count[LV_COUNT] = { &c.packages, &c.dies, &c.llcs, &c.cores,
				 &c.nodes };

	if (n < 0)
		n = 0;
	/* Each CPU takes the id of the first earlier CPU with its key, or
	 * the next new one: O(n^2) per level, once at boot (2.6 million
	 * comparisons at 1024 CPUs), and no scratch memory. */
	for (int i = 0; i < n; i++) {
		out[i] = (struct cpu_topo){ 0 };
		for (int lv = 0; lv < LV_COUNT; lv++) {
			uint64_t k = level_key(raw, node, i, lv);
			int j = 0;
			while (j < i && level_key(raw, node, j, lv) != k)
				j++;
			*level_id(&out[i], lv) =
				j < i ? *level_id(&out[j], lv) : (*count[lv])++;
		}
		/* node[] holds node numbers already (topo_nodes_build()):
		 * kept as given, only counted above. */
		out[i].node = node ? node[i] : 0;
	}
	for (int i = 0; i < n; i++) {
		int rank = 0, size = 0;
		for (int j = 0; j < n; j++) {
			if (out[j].core == out[i].core &&
			    (raw[j].thread < raw[i].thread ||
			     (raw[j].thread == raw[i].thread && j < i)))
				rank++;
			if (out[j].llc == out[i].llc)
				size++;
		}
		out[i].thread = rank;
		if (c.llc_size_min == 0 || size < c.llc_size_min)
			c.llc_size_min = size;
		if (size > c.llc_size_max)
			c.llc_size_max = size;
	}
	c.threads = n;
	if (counts)
		*counts = c;
}

void topo_logf(topo_log_fn log, void *ctx, const char *fmt, ...)
{
	char line[160];
	va_list ap;

	if (!log)
		return;
	va_start(ap, fmt);
	k_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log(ctx, line);
}

/* Insert pxm into the sorted set; false if it is full (pxm not added). */
static bool pxm_add(struct topo_nodes *o, uint32_t pxm, bool *dropped)
{
	int i = 0;
	while (i < o->n && o->pxm[i] < pxm)
		i++;
	if (i < o->n && o->pxm[i] == pxm)
		return true;
	if (o->n == TOPO_MAX_NODES) {
		/* Keep the lowest 64: drop the largest. */
		if (i == o->n) {
			*dropped = true;
			return false;
		}
		o->n--;
		*dropped = true;
	}
	for (int j = o->n; j > i; j--)
		o->pxm[j] = o->pxm[j - 1];
	o->pxm[i] = pxm;
	o->n++;
	return true;
}

void topo_nodes_build(const struct acpi_srat *srat,
		      const struct acpi_slit *slit, struct topo_nodes *o,
		      topo_log_fn log, void *log_ctx)
{
	bool dropped = false;

	*o = (struct topo_nodes){ 0 };
	if (srat && srat->present) {
		for (int i = 0; i < srat->ncpus && i < ACPI_MAX_CPUS; i++)
			pxm_add(o, srat->cpu[i].pxm, &dropped);
		for (int i = 0; i < srat->nmem && i < ACPI_MAX_SRAT_MEM; i++)
			pxm_add(o, srat->mem[i].pxm, &dropped);
	}
	if (dropped)
		topo_logf(log, log_ctx, "topology: SRAT names more than %d "
		      "proximity domains; CPUs of the others count as node 0",
		      TOPO_MAX_NODES);
	o->from_srat = o->n > 0;
	if (o->n == 0) {
		o->n = 1;
		o->pxm[0] = 0;
	}

	bool slit_ok = slit && slit->present && o->from_srat;
	uint32_t missing = 0;
	for (int i = 0; slit_ok && i < o->n; i++) {
		if (o->pxm[i] >= slit->n) {
			slit_ok = false;
			missing = o->pxm[i];
		}
	}
	o->from_slit = slit_ok;
	for (int i = 0; i < o->n; i++)
		for (int j = 0; j < o->n; j++)
			o->distance[i][j] =
				slit_ok ? slit->dist[o->pxm[i] * slit->n + o->pxm[j]] :
				i == j	? TOPO_LOCAL_DISTANCE :
					  TOPO_REMOTE_DISTANCE;
	if (slit_ok || o->n == 1)
		return;
	if (slit && slit->present)
		topo_logf(log, log_ctx, "topology: SLIT has %u localities but SRAT "
		      "names domain %u; node distances 10 local, 20 remote",
		      slit->n, missing);
	else
		topo_logf(log, log_ctx, "topology: no usable SLIT; node distances "
		      "10 local, 20 remote");
}

int topo_node_of(const struct topo_nodes *nodes, const struct acpi_srat *srat,
		 uint32_t apic_id)
{
	if (!nodes->from_srat || !srat || !srat->present)
		return 0;
	/* acpi_srat_pxm_of()'s loop, repeated so the tests of this file
	 * need no acpi/ objects. */
	for (int c = 0; c < srat->ncpus && c < ACPI_MAX_CPUS; c++) {
		if (srat->cpu[c].apic_id != apic_id)
			continue;
		for (int i = 0; i < nodes->n; i++)
			if (nodes->pxm[i] == srat->cpu[c].pxm)
				return i;
		return 0;
	}
	return 0;
}
