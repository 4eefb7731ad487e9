/* SPDX-License-Identifier: MIT */
/*
 * The hand-off of one AP start-up slot (struct tramp_cpu.state,
 * smp/trampoline.h) between the BSP and the AP that takes it: a closed
 * handshake, so that a CPU which answers after the BSP gave up on it is
 * either fully accepted before the BSP's "brought up" summary or kept out
 * for good, never both and never neither.
 *
 *   ARMED     --AP: smp_slot_accept()------>  ACCEPTED   (AP will come online)
 *   ARMED     --BSP: smp_slot_withdraw()---->  WITHDRAWN  (AP must park)
 *
 * Both moves are one compare-and-swap from ARMED; ACCEPTED and WITHDRAWN
 * are final. All read-modify-writes of one memory location are totally
 * ordered (coherence; on x86 a `lock cmpxchg` is atomic and globally
 * ordered), so exactly one of the two CAS operations finds ARMED: the
 * other fails and sees the winner's value. Neither side ever waits for
 * the other to decide.
 *
 * Memory ordering. The CAS carries no data between the sides but one
 * (the last paragraph); what each needs is published elsewhere:
 *  - The slot's fields, the AP's struct cpu and stacks, and the ARMED
 *    store are written by the BSP before its INIT/SIPI; the IPI orders
 *    them before anything the AP runs (lapic_send_ipi() fences before an
 *    x2APIC ICR write; an xAPIC ICR write is an uncached store, ordered
 *    after earlier stores).
 *  - A winning AP publishes its initialised state through
 *    cpu_mark_online() (release store of cpu->state, seq_cst OR into
 *    cpu_online_mask); the BSP reads it after cpu_online() (acquire).
 *  - A winning BSP writes the slot's cpu->state (FAILED/OFFLINE); the
 *    losing AP never writes it, nor any field of its struct cpu another
 *    CPU reads (apic_id, online_ns, topo: it sets only its self pointer,
 *    GDT/TSS and lock bookkeeping), nor anything else shared except one
 *    kwarn() line (the log and the warning table, each under its own
 *    lock, both released before it halts) and, under smp_test_late=,
 *    that hook's flag.
 * The CAS is still acq_rel (acquire on failure) so a side that loses
 * also sees everything the winner wrote before winning. One datum does
 * ride on it: in probe mode the slot's apic_id, which the AP wrote in
 * the trampoline before accepting and the BSP reads after seeing
 * ACCEPTED (acquire), to name a slow AP.
 *
 * Pure functions over the state word: host-tested in
 * tests/unit/smp/slot-test.c (including a two-thread race).
 */
#ifndef COHORT_SMP_SLOT_H
#define COHORT_SMP_SLOT_H

#include <stdbool.h>
#include <stdint.h>

enum smp_slot_state {
	SMP_SLOT_UNUSED = 0,	/* never armed: no AP may accept it */
	SMP_SLOT_ARMED = 1,	/* BSP, before INIT: open for its AP */
	SMP_SLOT_ACCEPTED = 2,	/* the AP won: it comes online */
	SMP_SLOT_WITHDRAWN = 3, /* the BSP won: the AP stays offline */
};

/* AP side, once, before anything it does is visible to other CPUs: true
 * if the AP won the slot (it must then come online without waiting for
 * anyone); false if the BSP withdrew it first (the AP must park, touching
 * nothing shared). */
static inline bool smp_slot_accept(uint32_t *state)
{
	uint32_t expect = SMP_SLOT_ARMED;
	return __atomic_compare_exchange_n(state, &expect, SMP_SLOT_ACCEPTED,
					   false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/* BSP side, when it stops waiting: closes the slot. Returns the final
 * state: SMP_SLOT_WITHDRAWN if the BSP won (or had already withdrawn it),
 * SMP_SLOT_ACCEPTED if the AP won first (the BSP must then count it and
 * wait for it to come online), SMP_SLOT_UNUSED for a slot never armed
 * (left as it is). After this call the slot's state never changes. */
static inline uint32_t smp_slot_withdraw(uint32_t *state)
{
	uint32_t expect = SMP_SLOT_ARMED;
	if (__atomic_compare_exchange_n(state, &expect, SMP_SLOT_WITHDRAWN,
					false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return SMP_SLOT_WITHDRAWN;
	return expect;
}

#endif
