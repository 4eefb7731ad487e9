// SPDX-License-Identifier: MIT
/*
 * NUMA nodes of physical memory (pmm_node.h): the pfn -> node table built
 * from SRAT's memory ranges, node fallback order by distance, node-bound
 * allocation over pmm.c's core, and the resident-page counters. Pure, no
 * locking: the caller serialises (pmm_lock for the map and the core, the
 * address space's lock for the counters).
 */
#include "pmm_node.h"


#include "../../acpi/acpi.h"

#define PAGE_BYTES 4096ULL


int pmm_node_srat_ranges(const struct acpi_srat *s,
			 const struct topo_nodes *nodes,
			 struct pmm_node_srat *out)
{
	int n = 0;
	for (int i = 0; i < s->nmem && n < PMM_NODE_MAX_SRAT; i++) {
		int node = -1;
		for (int k = 0; k < nodes->n && k < TOPO_MAX_NODES; k++)
			if (nodes->pxm[k] == s->mem[i].pxm)
				node = k;
		out[n++] = (struct pmm_node_srat){ s->mem[i].base,
						   s->mem[i].length, node };
	}
	return n;
}

/* Fallback order of node `from`: itself, then by distance, ties by id.
 * Insertion sort of at most 64 entries, once per node at boot. */
static void build_order(struct pmm_node_map *m, const struct topo_nodes *t,
			int from)
{
	uint8_t *o = m->order[from];
	int n = 0;
	o[n++] = (uint8_t)from;
	for (int k = 0; k < m->nnodes; k++) {
		if (k == from)
			continue;
		int d = t ? t->distance[from][k] : TOPO_REMOTE_DISTANCE;
		int j = n;
		while (j > 1 && (t ? t->distance[from][o[j - 1]] :
				     TOPO_REMOTE_DISTANCE) > d) {
			o[j] = o[j - 1];
			j--;
		}
		o[j] = (uint8_t)k;
		n++;
	}
}

void pmm_node_map_build(struct pmm_node_map *m, const struct pmm *p,
			const struct pmm_node_srat *srat, int n,
			const struct topo_nodes *nodes,
			const bool *node_has_cpu, topo_log_fn log,
			void *log_ctx)
{
	struct pmm_node_range in[PMM_NODE_MAX_SRAT];
	int k = 0;

	m->nnodes = nodes && nodes->n >= 1 && nodes->n <= TOPO_MAX_NODES ?
			    nodes->n :
			    1;
	m->n = 0;
	if (n > PMM_NODE_MAX_SRAT)
		n = PMM_NODE_MAX_SRAT;

	/* Bytes to pfns (a page partly in a range counts as in it: the
	 * overlap pass below settles a page two ranges share), clipped to
	 * the tracked pages, sorted by start. */
	for (int i = 0; i < n; i++) {
		const struct pmm_node_srat *s = &srat[i];
		if (s->node < 0 || s->node >= m->nnodes) {
			topo_logf(log, log_ctx,
			      "mem: SRAT range %#lx+%#lx names no known node: "
			      "ignored", (unsigned long)s->base,
			      (unsigned long)s->length);
			continue;
		}
		if (s->length == 0)
			continue;
		uint64_t start = s->base / PAGE_BYTES, end;
		/* Wraps: kept up to 2^64 (then the tracked pages), but it is
		 * a firmware bug like the cases here, so it gets its line
		 * too when it is kept (pmm_node.h: one line each). */
		bool wraps = s->length > UINT64_MAX - s->base;
		if (wraps)
			end = UINT64_MAX / PAGE_BYTES + 1;
		else
			end = (s->base + s->length - 1) / PAGE_BYTES + 1;
		if (end > p->npages)
			end = p->npages;
		if (start >= end)
			goto no_ram; /* above every tracked page */
		if (wraps)
			topo_logf(log, log_ctx,
			      "mem: SRAT range %#lx+%#lx (node %d) runs past "
			      "2^64: cut at the end of memory",
			      (unsigned long)s->base, (unsigned long)s->length,
			      s->node);
		int j = k++;
		while (j > 0 && in[j - 1].start > start) {
			in[j] = in[j - 1];
			j--;
		}
		in[j] = (struct pmm_node_range){ start, end, s->node };
		continue;
	no_ram:
		topo_logf(log, log_ctx,
		      "mem: SRAT range %#lx+%#lx (node %d) covers no usable "
		      "RAM: ignored",
		      (unsigned long)s->base, (unsigned long)s->length, s->node);
	}

	/* Overlaps: the range that starts first keeps the shared pages. Then
	 * drop what holds no usable page, and fill the gaps with node 0. */
	uint64_t covered = 0, gap_pages = 0;
	for (int i = 0; i < k; i++) {
		struct pmm_node_range r = in[i];
		if (r.start < covered) {
			topo_logf(log, log_ctx,
			      "mem: SRAT range of node %d at pfn %#lx overlaps "
			      "the one before: %s",
			      r.node, (unsigned long)r.start,
			      r.end <= covered ? "ignored" : "trimmed");
			if (r.end <= covered)
				continue;
			r.start = covered;
		}
		if (pmm_core_usable_in(p, r.start, r.end) == 0) {
			topo_logf(log, log_ctx,
			      "mem: SRAT range of node %d, pfns %#lx-%#lx, "
			      "holds no page the allocator manages: ignored",
			      r.node, (unsigned long)r.start,
			      (unsigned long)(r.end - 1));
			continue;
		}
		if (r.start > covered) {
			gap_pages += pmm_core_usable_in(p, covered, r.start);
			m->r[m->n++] =
				(struct pmm_node_range){ covered, r.start, 0 };
		}
		m->r[m->n++] = r;
		covered = r.end;
	}
	if (covered < p->npages) {
		gap_pages += pmm_core_usable_in(p, covered, p->npages);
		m->r[m->n++] =
			(struct pmm_node_range){ covered, p->npages, 0 };
	}
	if (gap_pages && k)
		topo_logf(log, log_ctx,
		      "mem: %lu usable pages are in no SRAT range: node 0",
		      (unsigned long)gap_pages);

	/* Merge neighbours of one node (a gap next to a node-0 range). */
	int w = 0;
	for (int i = 0; i < m->n; i++) {
		if (w && m->r[w - 1].node == m->r[i].node &&
		    m->r[w - 1].end == m->r[i].start)
			m->r[w - 1].end = m->r[i].end;
		else
			m->r[w++] = m->r[i];
	}
	m->n = w;

	for (int node = 0; node < m->nnodes; node++) {
		build_order(m, nodes, node);
		if (!node_has_cpu || node_has_cpu[node])
			continue;
		for (int i = 0; i < m->n; i++)
			if (m->r[i].node == node) {
				topo_logf(log, log_ctx,
				      "mem: node %d has memory but no CPU: "
				      "used when nearer nodes are full",
				      node);
				break;
			}
	}
}

int pmm_node_range_index(const struct pmm_node_map *m, uint64_t pfn)
{
	int lo = 0, hi = m->n; /* the answer is in [lo, hi] */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (pfn >= m->r[mid].end)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int pmm_node_of_pfn(const struct pmm_node_map *m, uint64_t pfn)
{
	int i = pmm_node_range_index(m, pfn);
	return i < m->n && pfn >= m->r[i].start ? m->r[i].node : 0;
}

void pmm_node_account(const struct pmm_node_map *m, uint64_t pfn,
		      uint64_t count, int64_t delta, uint64_t *per_node)
{
	uint64_t end = pfn + count;
	for (int i = pmm_node_range_index(m, pfn); i < m->n && pfn < end; i++) {
		uint64_t e = m->r[i].end < end ? m->r[i].end : end;
		if (e <= pfn)
			continue;
		per_node[m->r[i].node] += (uint64_t)delta * (e - pfn);
		pfn = e;
	}
	if (pfn < end) /* past the map: node 0, as pmm_node_of_pfn says */
		per_node[0] += (uint64_t)delta * (end - pfn);
}

int64_t pmm_node_alloc(const struct pmm_node_map *m, struct pmm *p, int node,
		       uint64_t count, uint64_t *hint)
{
	/* Two passes: from the hint to the end of the node's ranges, then
	 * every range from its start (covering what lies before the hint). */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < m->n; i++) {
			const struct pmm_node_range *r = &m->r[i];
			if (r->node != node || (pass == 0 && r->end <= *hint))
				continue;
			uint64_t lo = r->start;
			if (pass == 0 && *hint > lo)
				lo = *hint;
			int64_t pfn = pmm_core_alloc_range(p, count, lo, r->end);
			if (pfn >= 0) {
				*hint = (uint64_t)pfn + count;
				return pfn;
			}
		}
	}
	return -1;
}

void pmm_node_resident_add(struct pmm_node_resident *r, int node, int delta)
{
	if (node < 0 || node >= TOPO_MAX_NODES)
		return;
	uint32_t *c = &r->pages[node];
	if (delta > 0) {
		if (*c != UINT32_MAX)
			(*c)++;
		/* Atomic store: placement reads `home` without the lock. */
		if (node != r->home && *c > r->pages[r->home])
			__atomic_store_n(&r->home, node, __ATOMIC_RELAXED);
	} else if (delta < 0 && *c) {
		(*c)--;
	}
}

int pmm_node_home(struct pmm_node_resident *r, int nnodes)
{
	int best = r->home >= 0 && r->home < nnodes ? r->home : 0;
	for (int k = 0; k < nnodes && k < TOPO_MAX_NODES; k++)
		if (r->pages[k] > r->pages[best])
			best = k;
	__atomic_store_n(&r->home, best, __ATOMIC_RELAXED);
	return best;
}
