/* SPDX-License-Identifier: MIT */
/*
 * The kernel's use of the CPU topology (the decoder is kernel/topology.h):
 * each CPU reads its own CPUID leaves at bring-up into its struct cpu;
 * once every AP is up the BSP numbers the online CPUs densely, assigns
 * NUMA nodes from SRAT, takes distances from SLIT, prints the one boot
 * line, and from then on the description is read-only.
 *
 * Rules: topology_cpu_init() runs on the CPU it describes, with
 * interrupts off, before that CPU marks itself online (cpu_mark_online()
 * releases what it wrote; the BSP reads it after acquiring the online
 * bit). topology_boot_summary() runs once on the BSP after
 * smp_boot_aps(); it publishes the table with a release store, and every
 * reader (console, report, the scheduler's domain builder) checks
 * topology_ready() (acquire) first. Nothing changes afterwards: CPUs
 * never go offline, and the summary works from one copy of the online
 * mask, so an AP that still comes online later (one that read its slot
 * just before smp/boot.c withdrew it, or a late probe-mode AP) is simply
 * not described.
 */
#ifndef COHORT_TOPOLOGY_BOOT_H
#define COHORT_TOPOLOGY_BOOT_H

#include <stdbool.h>

#include "topology.h"

struct cpu;

/* Read this CPU's CPUID topology leaves and decode them with its APIC id
 * into c->topo (node 0 until the summary). c must be the calling CPU;
 * interrupts off. The BSP's leaves are also kept for the report. */
void topology_cpu_init(struct cpu *c);

/* Once, on the BSP, after every AP is online or given up: number the
 * online CPUs, assign nodes, log
 *   topology: 2 packages, 2 nodes, 16 cores, 32 threads; LLC: 2 groups
 *   of 16 (CPUID 0x0b, LLC leaf 4, SRAT, SLIT)
 * and publish. CPUs that never came online get no entry. Allocates
 * (kzalloc) the table; without memory it logs one line and topology_ready()
 * stays false (no topology: one flat machine). */
void topology_boot_summary(void);

/* True once topology_boot_summary() has published (acquire). */
bool topology_ready(void);

/* Logical CPU cpu's dense description, or NULL if not ready or that CPU
 * was not online when the summary took its one copy of the online mask
 * (none comes online after it: smp_boot_aps() closes every start-up slot
 * first, smp/slot.h). Read-only; any context. */
const struct cpu_topo *topology_cpu(int cpu);

/* For the scheduler's domain builder: out[i] = logical CPU i's
 * description for i < n; a CPU that is not online (never started,
 * failed, beyond the highest online one) gets every id -1. Returns the
 * number of CPU slots described at boot (highest online CPU + 1), or 0
 * before topology_ready() (then every out[i] is -1). Any context. */
int topology_describe(struct cpu_topo *out, int n);

/* The NUMA nodes and their distances (one node at distance 10 before the
 * summary or without SRAT). Read-only; any context. */
const struct topo_nodes *topology_nodes(void);

/* Log logical CPU cpu's place, for the console's `cpus`:
 *   cpu5: topology apic 5, package 0, die 0, core 2, thread 1, llc 0, node 0
 * (dense ids, as struct cpu_topo). Nothing before the summary or for a
 * CPU that is not online. Any context. */
void topology_log_cpu(int cpu);

/* The boot line without its "topology: " prefix (for the report); ""
 * before the summary. */
const char *topology_line(void);

/* The BSP's CPUID topology leaves, as read at bring-up (n == 0 before). */
const struct topo_cpuid *topology_bsp_cpuid(void);

#endif
