// SPDX-License-Identifier: MIT
/*
 * The kernel's physical allocator: pmm.c's core, filled from the boot
 * memory map and guarded by pmm_lock; once the topology is published and
 * SRAT names two nodes or more, one pool per node over that core
 * (pmm_node.h): allocation tries the current CPU's node, then the others
 * by SLIT distance; a freed page goes back to its own node's pool (the
 * bitmap bit of its pfn, and its node's free count).
 */
#include "pmm.h"

#include <stdatomic.h>

#include "../../acpi/acpi.h"
#include "../boot_info.h"
#include "../cpu.h"
#include "../lib/printf.h"
#include "../lib/string.h"
#include "../log.h"
#include "../panic.h"
#include "../platform.h"
#include "../spinlock.h"
#include "../topology_boot.h"
#include "layout.h"
#include "pmm_node.h"

/* Below 1 MiB: the AP trampoline, the real-mode IVT/BDA/EBDA and option
 * ROM areas. Little memory, many firmware surprises: never hand it out. */
#define LOW_RESERVED_END 0x100000ULL

/* Protects: pmm (both bitmaps and the counters), and the node pools'
 * mutable state below (free counts, hints, local/remote counters). One
 * lock for every node: the pools share one bitmap, whose words a range
 * boundary may split between two nodes. Leaf lock. */
static struct spinlock pmm_lock = SPINLOCK_INIT("pmm");
static struct pmm pmm;

/* Written once by pmm_numa_init() before numa_on is set (release), then
 * read-only: any context may read it after an acquire load of numa_on. */
static struct pmm_node_map node_map;
static atomic_bool numa_on;
/* Guarded by pmm_lock. node_total is fixed once numa_on is set. */
static uint64_t node_free[TOPO_MAX_NODES], node_total[TOPO_MAX_NODES];
static uint64_t node_hint[TOPO_MAX_NODES];
/* Per node of the requesting CPU: allocations its own node served, and
 * ones another node served (its node had no fitting run). */
static uint64_t node_local[TOPO_MAX_NODES], node_remote[TOPO_MAX_NODES];

static const char *const type_names[] = {
	[BOOT_MEM_USABLE] = "usable",	    [BOOT_MEM_RESERVED] = "reserved",
	[BOOT_MEM_ACPI_RECLAIM] = "acpi",    [BOOT_MEM_ACPI_NVS] = "acpi-nvs",
	[BOOT_MEM_MMIO] = "mmio",	    [BOOT_MEM_KERNEL] = "kernel",
	[BOOT_MEM_LOADER] = "loader",	    [BOOT_MEM_RUNTIME] = "efi-runtime",
	[BOOT_MEM_BAD] = "bad",		    [BOOT_MEM_PERSISTENT] = "persistent",
};

void pmm_print_map(const struct boot_info *bi)
{
	const struct boot_mmap_entry *m = phys_to_virt(bi->mmap);
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		uint32_t t = m[i].type;
		kprintf("mem:   %016lx-%016lx %-11s (efi type %u)", m[i].phys,
			m[i].phys + m[i].pages * PAGE_SIZE - 1,
			t < sizeof(type_names) / sizeof(type_names[0]) &&
					type_names[t] ?
				type_names[t] :
				"?",
			m[i].efi_type);
	}
}

void pmm_init(const struct boot_info *bi)
{
	const struct boot_mmap_entry *m = phys_to_virt(bi->mmap);
	uint64_t end = 0, total = 0;

	if (bi->mmap_count == 0)
		panic("mem: the loader passed an empty memory map");
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		uint64_t e = m[i].phys + m[i].pages * PAGE_SIZE;
		if (m[i].type != BOOT_MEM_MMIO && m[i].type != BOOT_MEM_RESERVED)
			total += m[i].pages * PAGE_SIZE;
		if (pmm_type_allocatable(m[i].type) && e > end)
			end = e;
	}
	/* Only the direct map can reach a page: anything above is ignored. */
	if (end > bi->direct_map_size)
		end = bi->direct_map_size;
	uint64_t npages = end / PAGE_SIZE;
	size_t bytes = pmm_bitmap_bytes(npages);
	uint64_t bitmap_pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;

	/* The bitmap goes in the first usable run above 1 MiB that fits. */
	uint64_t bitmap = pmm_place_bitmap(m, bi->mmap_count, bytes,
					   LOW_RESERVED_END, end);
	if (!bitmap)
		panic("mem: no room for a %lu KiB page bitmap", bytes / 1024);

	pmm_core_init(&pmm, phys_to_virt(bitmap), npages);
	pmm_core_add_map(&pmm, m, bi->mmap_count);
	pmm_core_reserve(&pmm, 0, LOW_RESERVED_END / PAGE_SIZE);
	if (bi->trampoline)
		pmm_core_reserve(&pmm, bi->trampoline / PAGE_SIZE, 1);
	pmm_core_reserve(&pmm, bitmap / PAGE_SIZE, bitmap_pages);

	kprintf("mem: %lu MiB RAM, %lu MiB usable, %lu MiB free "
		"(bitmap %lu KiB at %#lx, %u map entries)",
		total >> 20, (pmm.usable_pages * PAGE_SIZE) >> 20,
		(pmm.free_pages * PAGE_SIZE) >> 20, bytes / 1024, bitmap,
		bi->mmap_count);
}

/* The calling CPU's node: the caller holds pmm_lock (interrupts off, so
 * the CPU cannot change under it). */
static int this_node(void)
{
	const struct cpu_topo *t = topology_cpu(this_cpu()->id);
	return t && t->node >= 0 && t->node < node_map.nnodes ? t->node : 0;
}

/* Node-aware allocation; pmm_lock held, numa_on set. The nearest node
 * with a fitting run serves; none (a run no single range holds): the
 * whole-machine search of one-node kernels. */
static int64_t alloc_nodes(uint64_t count)
{
	int home = this_node();
	for (int i = 0; i < node_map.nnodes; i++) {
		int k = node_map.order[home][i];
		if (node_free[k] < count)
			continue;
		int64_t pfn = pmm_node_alloc(&node_map, &pmm, k, count,
					     &node_hint[k]);
		if (pfn >= 0) {
			if (k == home)
				node_local[home]++;
			else
				node_remote[home]++;
			return pfn;
		}
	}
	int64_t pfn = pmm_core_alloc(&pmm, count);
	if (pfn >= 0)
		node_remote[home]++;
	return pfn;
}

/* Both allocation calls: `limit` is a pfn bound, or 0 for none. */
static uint64_t alloc(uint64_t count, uint64_t limit_pfn)
{
	uint64_t f = spin_lock_irqsave(&pmm_lock);
	/* Relaxed: numa_on only changes under pmm_lock, which we hold. */
	bool numa = atomic_load_explicit(&numa_on, memory_order_relaxed);
	int64_t pfn = limit_pfn ? pmm_core_alloc_below(&pmm, count, limit_pfn) :
		      numa	? alloc_nodes(count) :
				  pmm_core_alloc(&pmm, count);
	if (pfn >= 0 && numa)
		pmm_node_account(&node_map, (uint64_t)pfn, count, -1, node_free);
	spin_unlock_irqrestore(&pmm_lock, f);
	if (pfn < 0)
		return 0;
	uint64_t phys = (uint64_t)pfn * PAGE_SIZE;
	memset(phys_to_virt(phys), 0, count * PAGE_SIZE);
	return phys;
}

uint64_t pmm_alloc_pages(uint64_t count)
{
	return alloc(count, 0);
}

uint64_t pmm_alloc_pages_below(uint64_t count, uint64_t limit)
{
	return limit / PAGE_SIZE ? alloc(count, limit / PAGE_SIZE) : 0;
}

void pmm_free_pages(uint64_t phys, uint64_t count)
{
	uint64_t f = spin_lock_irqsave(&pmm_lock);
	int r = (phys % PAGE_SIZE) ? -1 :
				     pmm_core_free(&pmm, phys / PAGE_SIZE, count);
	if (r == 0 && atomic_load_explicit(&numa_on, memory_order_relaxed))
		pmm_node_account(&node_map, phys / PAGE_SIZE, count, 1,
				 node_free);
	spin_unlock_irqrestore(&pmm_lock, f);
	if (r)
		panic("pmm: free of %lu page(s) at %#lx that were not allocated",
		      count, phys);
}

uint64_t pmm_total_count(void)
{
	uint64_t f = spin_lock_irqsave(&pmm_lock);
	uint64_t n = pmm.usable_pages;
	spin_unlock_irqrestore(&pmm_lock, f);
	return n;
}

uint64_t pmm_free_count(void)
{
	uint64_t f = spin_lock_irqsave(&pmm_lock);
	uint64_t n = pmm.free_pages;
	spin_unlock_irqrestore(&pmm_lock, f);
	return n;
}

uint64_t pmm_page_count(void)
{
	return pmm.npages; /* set once in pmm_init, before any other CPU runs */
}

/* ---- NUMA node pools --------------------------------------------------- */

static void log_line(void *ctx, const char *msg)
{
	(void)ctx;
	kprintf("%s", msg);
}

void pmm_numa_init(void)
{
	static struct pmm_node_srat srat[PMM_NODE_MAX_SRAT];
	static bool has_cpu[TOPO_MAX_NODES];
	/* node_free as the switch left it, for the line below: node_free
	 * itself is pmm_lock's, and other CPUs allocate meanwhile. */
	static uint64_t free_at_switch[TOPO_MAX_NODES];
	const struct topo_nodes *t = topology_nodes();
	const struct acpi_srat *s = &platform_acpi()->srat;

	/* One node (no SRAT, or one domain): the one pool of before, at the
	 * cost of before. */
	if (!topology_ready() || !t->from_srat || t->n < 2)
		return;
	int n = pmm_node_srat_ranges(s, t, srat);
	for (int c = 0; c < cpu_possible_count; c++) {
		const struct cpu_topo *ct = topology_cpu(c);
		if (ct && ct->node >= 0 && ct->node < TOPO_MAX_NODES)
			has_cpu[ct->node] = true;
	}
	/* Nobody reads node_map before numa_on: built without the lock. */
	pmm_node_map_build(&node_map, &pmm, srat, n, t, has_cpu, log_line, 0);

	uint64_t f = spin_lock_irqsave(&pmm_lock);
	for (int i = 0; i < node_map.n; i++) {
		const struct pmm_node_range *r = &node_map.r[i];
		node_free[r->node] += pmm_core_free_in(&pmm, r->start, r->end);
		node_total[r->node] += pmm_core_usable_in(&pmm, r->start, r->end);
		if (!node_hint[r->node])
			node_hint[r->node] = r->start;
	}
	memcpy(free_at_switch, node_free, sizeof(free_at_switch));
	atomic_store_explicit(&numa_on, true, memory_order_release);
	spin_unlock_irqrestore(&pmm_lock, f);

	char line[256];
	int len = k_snprintf(line, sizeof(line), "mem: %d nodes, MiB free:",
			     node_map.nnodes);
	for (int k = 0; k < node_map.nnodes && len < (int)sizeof(line); k++)
		len += k_snprintf(line + len, sizeof(line) - (size_t)len,
				  " %d:%lu", k,
				  (free_at_switch[k] * PAGE_SIZE) >> 20);
	if (len < (int)sizeof(line))
		k_snprintf(line + len, sizeof(line) - (size_t)len,
			   " (%d ranges)", node_map.n);
	kprintf("%s", line);
}

int pmm_node_count(void)
{
	return atomic_load_explicit(&numa_on, memory_order_acquire) ?
		       node_map.nnodes :
		       1;
}

int pmm_node_of(uint64_t phys)
{
	if (!atomic_load_explicit(&numa_on, memory_order_acquire))
		return 0;
	return pmm_node_of_pfn(&node_map, phys / PAGE_SIZE);
}

bool pmm_node_stats(int node, struct pmm_node_stat *out)
{
	if (node < 0 || node >= pmm_node_count())
		return false;
	uint64_t f = spin_lock_irqsave(&pmm_lock);
	*out = (struct pmm_node_stat){ node_free[node], node_total[node],
				       node_local[node], node_remote[node] };
	spin_unlock_irqrestore(&pmm_lock, f);
	return true;
}

void pmm_log_nodes(const char *prefix)
{
	struct pmm_node_stat st;
	if (pmm_node_count() < 2)
		return; /* one node: the totals say it all */
	for (int k = 0; pmm_node_stats(k, &st); k++)
		kprintf("%snode %d: %lu MiB free of %lu MiB, allocations "
			"%lu local, %lu remote",
			prefix, k, (st.free * PAGE_SIZE) >> 20,
			(st.total * PAGE_SIZE) >> 20, st.local, st.remote);
}
