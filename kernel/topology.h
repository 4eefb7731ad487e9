/* SPDX-License-Identifier: MIT */
/*
 * CPU topology: which hardware threads share a core, a last-level cache
 * (LLC), a die, a package and a NUMA node.
 *
 * This header is pure C with no kernel includes, so the host unit tests
 * (tests/unit/kernel/topology-test.c), the simulator and sched/ can use
 * it as they are. Three parts:
 *
 *  1. The CPUID decoder. topo_decode() takes a table of CPUID leaf values
 *     (what one CPU returned; the kernel reads them at bring-up, the tests
 *     feed real dumps) and that CPU's APIC id, and computes which bits of
 *     the id select the SMT thread, the core, the die and the package, and
 *     which bits select its LLC. It executes no CPUID instruction.
 *     Sources, best first: leaf 0x1F (V2 extended topology), leaf 0x0B
 *     (extended topology), AMD leaves 0x8000001E/0x80000008, and the
 *     legacy leaf 1 / leaf 4 counts. The LLC: leaf 4 (Intel) or
 *     0x8000001D (AMD), the highest-level data or unified cache; without
 *     either, the package.
 *  2. The machine description: topo_number() turns the per-CPU raw ids
 *     (sparse, from APIC id bits) into dense ids, struct cpu_topo, and
 *     topo_nodes_build() turns SRAT and SLIT into dense nodes and a
 *     distance matrix, with the fallbacks (no SRAT: one node; no or
 *     unusable SLIT: 10 local, 20 remote).
 *  3. struct cpu_topo and struct topo_nodes: what the scheduler's domain
 *     builder consumes.
 *
 * Spec: Intel SDM Vol. 2A, CPUID leaves 01H, 04H, 0BH, 1FH; SDM Vol. 3A
 * 10.9 (programming considerations for hardware multi-threading: the
 * x2APIC id's bit fields); AMD64 APM Vol. 3 appendix E (CPUID Fn8000_0008,
 * Fn8000_001D, Fn8000_001E); ACPI 6.5 5.2.16-5.2.17 (SRAT, SLIT).
 *
 * Read next: kernel/topology_boot.h (the kernel's use: per-CPU reads, the
 * boot line, the `cpus` columns), acpi/srat.c, acpi/slit.c,
 * docs/many-cores.md step 2.
 */
#ifndef COHORT_TOPOLOGY_H
#define COHORT_TOPOLOGY_H

#include <stdbool.h>
#include <stdint.h>

/* ---- 1. CPUID decoding -------------------------------------------------- */

/* One CPUID answer: leaf (EAX in), subleaf (ECX in), and the four outputs. */
struct topo_cpuid_leaf {
	uint32_t leaf, subleaf;
	uint32_t eax, ebx, ecx, edx;
};

/* What topo_cpuid_read() (the kernel) or a test collects: leaf 0, 1, 4
 * (every subleaf up to the null type), 0x0B and 0x1F (every subleaf up to
 * the invalid level), 0x80000000, 0x80000001, 0x80000008, 0x8000001D
 * (every subleaf), 0x8000001E. A leaf missing from the table reads as
 * all zeroes, which every decoder below treats as "not there". */
#define TOPO_CPUID_MAX 48
struct topo_cpuid {
	int n;
	struct topo_cpuid_leaf l[TOPO_CPUID_MAX];
};

/* Where the id fields came from. */
enum topo_source {
	TOPO_SRC_SINGLE = 0, /* nothing usable: one thread, one core */
	TOPO_SRC_LEGACY,     /* leaf 1 logical count, leaf 4 core count */
	TOPO_SRC_AMD,	     /* 0x80000008 core bits, 0x8000001E threads */
	TOPO_SRC_LEAF_0B,
	TOPO_SRC_LEAF_1F,
};

enum topo_llc_source {
	TOPO_LLC_PACKAGE = 0, /* no cache leaf: the package is the group */
	TOPO_LLC_LEAF_4,
	TOPO_LLC_AMD_1D,
};

/* One CPU, decoded from its own CPUID and APIC id. The ids are the APIC
 * id's bit fields, so they are sparse but agree across CPUs: `core` and
 * `llc` and `die` include the bits above them, so two CPUs have the same
 * core id exactly when they are SMT siblings of one core. */
struct topo_cpu {
	uint32_t apic_id;
	uint32_t package; /* apic_id >> pkg_shift */
	uint32_t die;	  /* apic_id >> die_shift (= package when CPUID
			   * shows no die level) */
	uint32_t core;	  /* apic_id >> smt_shift */
	uint32_t thread;  /* apic_id & ((1 << smt_shift) - 1) */
	uint32_t llc;	  /* apic_id >> llc_shift */
	/* apic_id >> smt_shift is the core, >> core_shift what is above
	 * the core (module, die or package), >> die_shift the die, >>
	 * pkg_shift the package, >> llc_shift the LLC group. */
	uint8_t smt_shift, core_shift, die_shift, pkg_shift, llc_shift;
	uint8_t llc_level;  /* 1..7, 0 when the LLC is the package */
	uint8_t source;	    /* enum topo_source */
	uint8_t llc_source; /* enum topo_llc_source */
	bool has_dies;	    /* CPUID 0x1F listed a die level (type 5) */
	/* Not CPUID's: the dense NUMA node the kernel assigns from SRAT
	 * once every CPU is up (topo_decode() sets 0). */
	int32_t node;
};

/* The entry for (leaf, subleaf), or NULL if the table has none. */
const struct topo_cpuid_leaf *topo_cpuid_find(const struct topo_cpuid *t,
					      uint32_t leaf, uint32_t subleaf);

/* Append one answer; false (nothing written) when the table is full. */
bool topo_cpuid_add(struct topo_cpuid *t, uint32_t leaf, uint32_t subleaf,
		    uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx);

/*
 * Decode one CPU's topology from its CPUID answers and its APIC id (the
 * x2APIC id when in x2APIC mode; the caller's choice, as the leaves' own
 * id fields are not used, so a test can ask "what would CPU apic_id be").
 * Pure: reads only t, writes only *out. Never fails: an inconsistent or
 * empty table gives the next source down, at worst TOPO_SRC_SINGLE (each
 * CPU its own core and package). Shifts are clamped to 0..32 and nested
 * (smt <= core <= die <= pkg; llc <= pkg), so the ids always nest too.
 */
void topo_decode(const struct topo_cpuid *t, uint32_t apic_id,
		 struct topo_cpu *out);

/* "CPUID 0x1f", "CPUID 0x0b", "CPUID 0x8000001e", "CPUID 1/4",
 * "no topology leaves"; and for the LLC "leaf 4", "leaf 0x8000001d",
 * "package". Never NULL. */
const char *topo_source_name(int source);
const char *topo_llc_source_name(int llc_source);

/* ---- 3. What the scheduler consumes ------------------------------------- */

/*
 * One CPU's place in the machine, every id dense (0..count-1) and unique
 * machine-wide, numbered in order of first appearance by logical CPU
 * (so CPU 0 is in package 0, core 0, LLC 0). Two CPUs are SMT siblings
 * iff their `core` is equal; they share a last-level cache iff `llc` is
 * equal; and so on. Levels nest: same core => same llc => same package,
 * and same core => same die => same package (the decoder clamps: an LLC
 * wider than its package is cut to it). LLC and die need not nest either
 * way (AMD's L3 is per CCX, below the die; a die may hold several).
 * `node` need not nest with package (SRAT may say anything); it is the
 * NUMA node, 0 without SRAT.
 */
struct cpu_topo {
	int package; /* physical package (socket) */
	int die;     /* die inside the package (CPUID 0x1F's die level;
		      * the same as package when there is none) */
	int llc;     /* last-level cache group */
	int core;    /* core: the SMT sibling group */
	int thread;  /* index of this hardware thread within its core, 0.. */
	int node;    /* NUMA node (dense SRAT proximity domain), 0.. */
};

#define TOPO_MAX_NODES 64 /* = ACPI_MAX_LOCALITIES */
#define TOPO_LOCAL_DISTANCE 10
#define TOPO_REMOTE_DISTANCE 20

/* The NUMA nodes: dense ids 0..n-1 in ascending proximity-domain order,
 * and the distance between each pair (10 = local), from SLIT or the
 * fallback. */
struct topo_nodes {
	int n;				/* 1..TOPO_MAX_NODES */
	uint32_t pxm[TOPO_MAX_NODES];	/* node -> proximity domain */
	uint8_t distance[TOPO_MAX_NODES][TOPO_MAX_NODES];
	bool from_srat;			/* false: one node, no SRAT */
	bool from_slit;			/* false: 10/20 fallback */
};

/* ---- 2. Building the machine description ------------------------------- */

/*
 * Dense ids from raw ones: out[i] for raw[i], i < n. package, die, llc
 * and core are numbered by first appearance in index order; thread is
 * the rank of raw[i].thread among the CPUs of the same core (so it is
 * dense too). node[i] is copied into out[i].node (node may be NULL: all
 * node 0). Pure, no scratch memory; O(n^2), only at boot. Returns the
 * number of distinct values of each level in *counts (may be NULL).
 */
struct topo_counts {
	int packages, dies, llcs, cores, threads, nodes;
	int llc_size_min, llc_size_max; /* CPUs per LLC group */
};
void topo_number(const struct topo_cpu *raw, const int *node, int n,
		 struct cpu_topo *out, struct topo_counts *counts);

struct acpi_srat;
struct acpi_slit;
/* Log callback: one complete line, no newline. */
typedef void (*topo_log_fn)(void *ctx, const char *msg);

/* One formatted line (at most 159 characters) to `log`, if it is set:
 * how the pure parsers here and in kernel/mm/pmm_node.c report. */
void topo_logf(topo_log_fn log, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The nodes from SRAT and SLIT (either may be NULL or not present).
 * Nodes are the distinct proximity domains of SRAT's CPU and memory
 * entries, sorted; more than TOPO_MAX_NODES: the first 64 sorted domains
 * are kept and the rest share node 0 (with a line). Distances come from
 * SLIT when it is present and covers every kept domain (a domain number
 * is its SLIT index); otherwise 10 on the diagonal and 20 elsewhere, with
 * one line saying why (no line when there is one node, or no SRAT).
 * Pure; log may be NULL.
 */
void topo_nodes_build(const struct acpi_srat *srat,
		      const struct acpi_slit *slit, struct topo_nodes *out,
		      topo_log_fn log, void *log_ctx);

/* The node of the CPU with this APIC id: the node of its SRAT domain, or
 * 0 when SRAT does not list it (or there is no SRAT). */
int topo_node_of(const struct topo_nodes *nodes, const struct acpi_srat *srat,
		 uint32_t apic_id);

#endif
