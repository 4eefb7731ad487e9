/* SPDX-License-Identifier: MIT */
/*
 * Multiprocessor support: starting the application processors, and the
 * ways CPUs talk to each other afterwards.
 *
 *   smp_boot_aps()     INIT/SIPI/SIPI every usable CPU from the MADT, in
 *                      parallel, through the low-memory trampoline
 *                      (smp/boot.c, smp/trampoline.asm);
 *   call functions     run fn(arg) on one CPU, a mask, or all others,
 *                      waiting for completion or not (smp/call.c);
 *   TLB shootdown      flush a page, a range or everything on the CPUs
 *                      that may cache the mapping, and wait (smp/tlb.c);
 *   reschedule IPI     for the scheduler;
 *   stop               panic and power-off stop every other CPU with an
 *                      NMI, which also makes each print its state.
 *
 * Logical CPU ids are dense (0 = BSP) and index cpus[]; APIC ids are only
 * used to address IPIs. Read next: kernel/cpu.h.
 */
#ifndef COHORT_SMP_H
#define COHORT_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "../kernel/cpumask.h"

/* Decide which CPUs will be started (BSP, once, after platform_init and
 * before anything allocates per-CPU data): the MADT's CPUs (or
 * smp_probe=), capped by maxcpus=, nosmp and the lack of a trampoline
 * page or LAPIC, each cap logged once. Sets cpu_possible_count
 * (kernel/cpu.h) to that number: logical ids 0..count-1. */
void smp_plan_cpus(void);
/* Start the APs smp_plan_cpus() chose (BSP, once, after the per-CPU data
 * is allocated); logs one block with each AP's start-up time and ends
 * with "smp: brought up N of M CPUs in T ms". */
void smp_boot_aps(void);
/* now_ns() when smp_boot_aps() sent the first INIT (0 if it started no
 * AP): an AP's start time is its cpus[i].online_ns minus this. Written
 * once by the boot CPU before the APs run; read-only afterwards. */
uint64_t smp_bringup_start_ns(void);
/* Test hook (smp_test_late=APICID, docs/cmdline.md): a no-op without the
 * option; with it, lets that AP, stalled since it found its slot, carry on
 * and waits (at most 2 s) until it has come online or parked itself. The
 * BSP calls it once, after topology_boot_summary(). */
void smp_test_late_release(void);

/* Run fn(arg) on `cpu` in interrupt context. With wait, returns after fn
 * returned (interrupts must be enabled: two CPUs waiting on each other
 * with interrupts off would deadlock). Running on the calling CPU just
 * calls fn (interrupts off). Requests to one CPU run in the order posted.
 * The caller may be preemptible: these pin it (preempt_disable()) while
 * "the calling CPU" matters. Returns 0, or -1 if the CPU is not online. */
int smp_call_on(int cpu, void (*fn)(void *), void *arg, bool wait);
/* The same on every CPU in mask (the caller included if set). */
void smp_call_many(const struct cpumask *mask, void (*fn)(void *), void *arg,
		   bool wait);
/* Every online CPU except the caller. */
void smp_call_others(void (*fn)(void *), void *arg, bool wait);

/* Invalidate kernel mappings [virt, virt + len) on every online CPU
 * (len == 0: everything, by reloading CR3) and wait until all have done
 * it. The caller's CPU is flushed too (under tlb_lock, so on the CPU left
 * out of the IPIs). The targets are one snapshot of the online CPUs; a
 * CPU that comes online later flushes itself. May be called with
 * interrupts on only (it waits for others). */
void tlb_shootdown(uint64_t virt, uint64_t len);
/* The same for user mappings: only the CPUs in `mask` (an address space's
 * CPU mask, kernel/mm/aspace.c; read word by word atomically, as its
 * owners change it) and online; the caller's CPU is flushed only if it is
 * in the mask. Same rules: interrupts on. */
void tlb_shootdown_mask(const struct cpumask *mask, uint64_t virt,
			uint64_t len);

/* For tests: flushes done by `cpu`'s shootdown handler so far; the CPUs
 * the last shootdown sent IPIs to; and a hook tlb_shootdown() calls (with
 * tlb_lock held) once it has chosen its targets, before any IPI, so a test
 * can change the machine at that exact point (test=tlb-online). */
uint64_t smp_tlb_flushes(int cpu);
void smp_tlb_last_targets(struct cpumask *out);
extern void (*smp_tlb_test_hook)(void);

void smp_send_reschedule(int cpu);

/* Stop all other CPUs with an NMI; each prints its registers first if
 * `report`. Used by panic() (report) and power-off/reboot (quiet). */
void smp_stop_others(bool report);

/* Handle an NMI sent by smp_stop_others(); returns false if this NMI was
 * not ours (then it is a hardware NMI and the caller reports it). */
struct trap_frame;
bool smp_nmi_stop(struct trap_frame *f);

/* Install the IPI handlers (BSP, once, before smp_boot_aps). */
void smp_ipi_init(void);

/* Statistics for the IPI test and benchmark. */
uint64_t smp_ipis_received(int cpu);

#endif
