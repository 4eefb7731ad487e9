// SPDX-License-Identifier: MIT
/*
 * test=numa (kernel/selftest.c): node-local allocation on a machine with
 * two NUMA nodes or more (tests/system/test_numa.py boots one). From a
 * kernel thread pinned to a CPU of the first node, then of the last:
 * pages come from that CPU's node; an address space faulted in there
 * counts its resident pages on that node and names it its home node;
 * its fork, a copy-on-write in the child and unmapping half of it keep
 * the counts by node exact (they add up to `resident`).
 * Then, pinned to the last node, single pages are taken until the node
 * is empty: the next allocation succeeds from another node (the nearest
 * by SLIT), counted as remote; everything is returned and the node's
 * free count is back where it was.
 */
#include "pmm_node_test.h"

#include "../cpu.h"
#include "../kthread.h"
#include "../log.h"
#include "../topology_boot.h"
#include "aspace.h"
#include "aspace_internal.h"
#include "layout.h"
#include "pmm.h"

#define LOCAL_PAGES 64
#define AS_PAGES 16
#define AS_BASE 0x400000ULL

struct job {
	int node;     /* the node of the CPU it runs on */
	int failures; /* checks that failed */
	bool exhaust; /* run the exhaustion part */
};

static void check(struct job *j, bool ok, const char *what)
{
	if (!ok) {
		kprintf("numa: FAILED: %s", what);
		j->failures++;
	}
}

static void local_pages(struct job *j)
{
	static uint64_t pages[LOCAL_PAGES];
	int here = 0;
	for (int i = 0; i < LOCAL_PAGES; i++) {
		pages[i] = pmm_alloc_pages(1);
		here += pages[i] && pmm_node_of(pages[i]) == j->node;
	}
	for (int i = 0; i < LOCAL_PAGES; i++)
		if (pages[i])
			pmm_free_pages(pages[i], 1);
	kprintf("numa: cpu %d (node %d): %d of %d pages from node %d",
		raw_this_cpu()->id, j->node, here, LOCAL_PAGES, j->node);
	check(j, here == LOCAL_PAGES, "every page from the CPU's own node");
}

/* Resident pages by node add up to `resident`, as every path that
 * changes one changes the other. */
static bool counts_exact(struct aspace *as)
{
	uint64_t sum = 0;
	for (int k = 0; k < pmm_node_count(); k++)
		sum += aspace_node_pages(as, k);
	return sum == aspace_resident_pages(as);
}

/* The other paths that change `resident`, on the 16 pages `as` holds on
 * j->node: fork's shared pages (+16 in the child), a copy-on-write
 * write in the child (+1 for the copy, made here, -1 for the shared
 * page), and unmapping half of the parent's (-8). */
static void shared_pages(struct job *j, struct aspace *as)
{
	struct aspace *child = aspace_fork(as);
	check(j, child != 0, "a forked address space");
	if (!child)
		return;
	uint32_t forked = aspace_node_pages(child, j->node);
	int cow = aspace_fault(child, AS_BASE, PF_WRITE);
	uint32_t after_cow = aspace_node_pages(child, j->node);
	int unmapped = aspace_unmap(as, AS_BASE, AS_PAGES / 2 * PAGE_SIZE);
	uint32_t parent = aspace_node_pages(as, j->node);
	kprintf("numa: node %d: fork %u, after a copy-on-write %u, parent "
		"after unmapping half %u (resident %lu and %lu)",
		j->node, forked, after_cow, parent,
		(unsigned long)aspace_resident_pages(child),
		(unsigned long)aspace_resident_pages(as));
	check(j, forked == AS_PAGES && cow == 0 && after_cow == AS_PAGES,
	      "fork and copy-on-write count the child's pages on the node");
	check(j, unmapped == 0 && parent == AS_PAGES / 2,
	      "unmapping takes the pages off the node");
	check(j, counts_exact(as) && counts_exact(child),
	      "pages by node add up to the resident pages");
	aspace_put(child);
}

static void process_pages(struct job *j)
{
	struct aspace *as = aspace_create();
	check(j, as != 0, "an address space");
	if (!as)
		return;
	int faulted = 0;
	if (!aspace_map(as, AS_BASE, AS_PAGES * PAGE_SIZE, VM_READ | VM_WRITE,
			0, 0, 0, 0))
		for (int i = 0; i < AS_PAGES; i++)
			faulted += !aspace_fault(as, AS_BASE + i * PAGE_SIZE,
						 PF_WRITE);
	uint32_t there = aspace_node_pages(as, j->node);
	int home = aspace_home_node(as);
	kprintf("numa: node %d: address space of %d faulted pages: %u on "
		"node %d, home node %d (hint %d)",
		j->node, faulted, there, j->node, home, aspace_home_hint(as));
	check(j, faulted == AS_PAGES && there == AS_PAGES,
	      "resident pages counted on the faulting CPU's node");
	check(j, home == j->node && aspace_home_hint(as) == j->node,
	      "the home node is where the pages are");
	if (faulted == AS_PAGES)
		shared_pages(j, as);
	aspace_put(as);
}

static void exhaust(struct job *j)
{
	struct pmm_node_stat before, full, after;
	pmm_node_stats(j->node, &before);
	/* Each page holds the address of the one taken before it. */
	uint64_t head = 0, n = 0, other = 0;
	while (n <= before.total) {
		uint64_t p = pmm_alloc_pages(1);
		if (!p)
			break;
		if (pmm_node_of(p) != j->node) {
			other = p;
			break;
		}
		*(uint64_t *)phys_to_virt(p) = head;
		head = p;
		n++;
	}
	pmm_node_stats(j->node, &full);
	int from = other ? pmm_node_of(other) : -1;
	kprintf("numa: node %d exhausted after %lu pages; the next page came "
		"from node %d; remote allocations %lu -> %lu",
		j->node, n, from, before.remote, full.remote);
	check(j, other != 0, "an allocation with the node empty succeeds");
	check(j, full.remote > before.remote, "it is counted as remote");
	if (other)
		pmm_free_pages(other, 1);
	while (head) {
		uint64_t next = *(uint64_t *)phys_to_virt(head);
		pmm_free_pages(head, 1);
		head = next;
	}
	pmm_node_stats(j->node, &after);
	kprintf("numa: node %d: %lu pages free before, %lu after",
		j->node, before.free, after.free);
	check(j, after.free == before.free, "every page back in its node");
}

static void job_thread(void *arg)
{
	struct job *j = arg;
	local_pages(j);
	process_pages(j);
	if (j->exhaust)
		exhaust(j);
}

/* A CPU of `node` that took part in the topology, or -1. */
static int cpu_of_node(int node)
{
	for (int c = 0; c < cpu_possible_count; c++) {
		const struct cpu_topo *t = topology_cpu(c);
		if (t && t->node == node && cpu_online(c))
			return c;
	}
	return -1;
}

int selftest_numa(void)
{
	int nodes = pmm_node_count();
	if (nodes < 2) {
		kprintf("numa: one memory node: boot with two -numa nodes");
		return 1;
	}
	int failures = 0;
	for (int pass = 0; pass < 2; pass++) {
		struct job j = { pass ? nodes - 1 : 0, 0, pass == 1 };
		int cpu = cpu_of_node(j.node);
		if (cpu < 0) {
			kprintf("numa: node %d has no CPU online", j.node);
			failures++;
			continue;
		}
		struct cpumask one;
		cpumask_clear(&one);
		cpumask_set(&one, cpu);
		int err;
		struct thread *t = kthread_create("numa-test", job_thread, &j, 0,
						  &one, &err);
		if (!t) {
			kprintf("numa: cannot create the test thread (%d)", err);
			return 1;
		}
		kthread_join(t, 0);
		failures += j.failures;
	}
	pmm_log_nodes("numa: ");
	return failures != 0;
}
