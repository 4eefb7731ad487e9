/* SPDX-License-Identifier: MIT */
/*
 * NUMA nodes of physical memory: which node each page frame belongs to,
 * in what order an allocation tries the nodes, and the per-node counters.
 *
 * Pure C (no kernel includes beyond the pure pmm core and topology.h), so
 * the host unit tests (tests/unit/kernel/mm/pmm_node-test.c) build it.
 * The kernel layer (pmm_boot.c) feeds it SRAT's memory ranges once the
 * topology is published and keeps one pool per node over the one bitmap
 * of pmm.c (see docs/many-cores.md step 7 and docs/userspace.md "Memory
 * nodes").
 *
 * Guarantees of a built map: its ranges are sorted by start, disjoint,
 * never empty, and together cover [0, npages) exactly, so every tracked
 * page has exactly one node; a page SRAT does not place is on node 0.
 * Hostile SRAT input (ranges that overlap, cover no usable RAM, name an
 * unknown node, wrap around 2^64) is trimmed or dropped with one line
 * each, never refused as a whole, and never makes the build fail.
 *
 * Spec: ACPI 6.5 5.2.16.2 (SRAT memory affinity structure).
 */
#ifndef COHORT_MM_PMM_NODE_H
#define COHORT_MM_PMM_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "../topology.h"
#include "pmm.h"

/* SRAT ranges kept (ACPI_MAX_SRAT_MEM) and the worst-case table: every
 * kept range plus a node-0 gap before, between and after them. */
#define PMM_NODE_MAX_SRAT 64
#define PMM_NODE_MAX_RANGES (2 * PMM_NODE_MAX_SRAT + 1)

/* One SRAT memory range, bytes, already turned into a dense node id by
 * the caller (-1: SRAT's domain is not a known node). */
struct pmm_node_srat {
	uint64_t base, length;
	int node;
};

/* Page frames [start, end) belong to node `node`. */
struct pmm_node_range {
	uint64_t start, end;
	int node;
};

struct pmm_node_map {
	int nnodes; /* 1..TOPO_MAX_NODES */
	int n;	    /* ranges in r[] */
	struct pmm_node_range r[PMM_NODE_MAX_RANGES];
	/* order[k][0..nnodes): node k first, then the others by SLIT
	 * distance from k, ties by node id. */
	uint8_t order[TOPO_MAX_NODES][TOPO_MAX_NODES];
};

struct acpi_srat;
/* SRAT's memory ranges (at most PMM_NODE_MAX_SRAT) with each proximity
 * domain turned into its node of `nodes` (-1 when it is not one). Returns
 * how many were written to out. */
int pmm_node_srat_ranges(const struct acpi_srat *s,
			 const struct topo_nodes *nodes,
			 struct pmm_node_srat *out);

/*
 * Build the map of the pfns [0, p->npages) from n SRAT ranges (n is cut
 * to PMM_NODE_MAX_SRAT) and the nodes `nodes` (nnodes and the distance
 * matrix; NULL: one node). `p` is the filled core: a range (after
 * trimming overlaps, earlier start wins) with no usable page in it is
 * dropped. `node_has_cpu[k]` (may be NULL) false for a node with memory:
 * one line, the node is still used (only as a fallback of the others).
 * Usable pages in no SRAT range go to node 0, with one line. Adjacent
 * ranges of one node are merged. log may be NULL. Never fails.
 */
void pmm_node_map_build(struct pmm_node_map *m, const struct pmm *p,
			const struct pmm_node_srat *srat, int n,
			const struct topo_nodes *nodes,
			const bool *node_has_cpu, topo_log_fn log,
			void *log_ctx);

/* The node of page frame pfn: a binary search, O(log ranges). A pfn
 * beyond the map is node 0. */
int pmm_node_of_pfn(const struct pmm_node_map *m, uint64_t pfn);

/* Index of the range holding pfn (m->n when past the end). */
int pmm_node_range_index(const struct pmm_node_map *m, uint64_t pfn);

/* Add `delta` pages to per_node[node] for every page of [pfn, pfn+count)
 * (a run may span ranges of different nodes). */
void pmm_node_account(const struct pmm_node_map *m, uint64_t pfn,
		      uint64_t count, int64_t delta, uint64_t *per_node);

/*
 * Allocate `count` contiguous pages of node `node` from the core `p`
 * (which must be the one `m` describes), the run lying inside one range
 * of that node. Starts at *hint (a pfn, updated to the run's end: next
 * fit within the node), then wraps. Returns the pfn or -1.
 */
int64_t pmm_node_alloc(const struct pmm_node_map *m, struct pmm *p, int node,
		       uint64_t count, uint64_t *hint);

/* ---- Per-address-space resident pages per node --------------------------
 * Kept in struct aspace (mm/aspace_internal.h) and updated under its
 * lock; pure here so the tests check them. */
struct pmm_node_resident {
	uint32_t pages[TOPO_MAX_NODES];
	int home; /* node with the most pages; ties keep the old one */
};

/* One page of node `node` mapped (+1) or unmapped (-1). A mapping adds
 * in O(1) and moves `home` when that node now has strictly more pages; an
 * unmapping never moves it (pmm_node_home() re-derives). Counts saturate
 * at 0 and UINT32_MAX. */
void pmm_node_resident_add(struct pmm_node_resident *r, int node, int delta);

/* The node with the most pages among 0..nnodes-1; ties: r->home when it
 * is among the most, else the lowest such node. Stores it in r->home. */
int pmm_node_home(struct pmm_node_resident *r, int nnodes);

#endif
