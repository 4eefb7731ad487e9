/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU timers and clockevents.
 *
 * Each CPU owns a queue of struct timer sorted by deadline and programs its
 * own LAPIC timer (TSC-deadline or one-shot, see timer_select.h) for the
 * earliest one, so the clock is tickless by default: a CPU with nothing due
 * takes no timer interrupt at all. `nohz=off` adds a periodic tick at
 * `hz=` (default 1000); `timer=periodic` runs the LAPIC in periodic mode at
 * that rate and checks the queue on every tick.
 *
 * Before the LAPIC timers are calibrated the boot CPU runs a boot tick from
 * the HPET (legacy replacement route, ISA IRQ 0) or, without an HPET, the
 * PIT; timer_switch_from_boot_tick() stops it and logs the switch once.
 *
 * Contract: timer_arm/timer_cancel act on the calling CPU's queue with
 * interrupts off or on (they save and restore); callbacks run in interrupt
 * context on the CPU that armed them, with interrupts off, and may re-arm
 * their own timer.
 */
#ifndef COHORT_TIMER_H
#define COHORT_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "spinlock.h"
#include "timer_select.h"

#define TIMER_DEFAULT_HZ 1000

struct timer;
typedef void (*timer_fn)(struct timer *t, uint64_t now_ns);

struct timer {
	uint64_t deadline_ns;
	timer_fn fn;
	void *arg;
	/* Guarded by the owning CPU's timer_cpu.lock. */
	struct timer *next;
	int cpu; /* -1 when not queued */
};

struct timer_cpu {
	/* Protects: head, and the hardware timer programming. Leaf lock. */
	struct spinlock lock;
	struct timer *head;
	uint64_t programmed_ns; /* deadline the hardware is armed for; 0 = none */
	struct timer tick;	/* the periodic tick when nohz=off */
};

/* Read the options (timer=, hz=, nohz=) and choose the mode for all CPUs
 * (BSP, once, after time_init). Returns the mode. */
enum timer_mode timer_setup(enum timer_force force, uint32_t hz, bool nohz);
enum timer_mode timer_mode(void);
/* Why that mode (a constant string: the refusal or the CPUID fact that
 * decided it), for the hardware report. After timer_setup(). */
const char *timer_mode_reason(void);
/* True when CPUs with one runnable thread or none take no tick (nohz=on
 * and a one-shot mode). After timer_setup(). */
bool timer_tickless(void);
uint32_t timer_hz(void);

/* Start this CPU's clockevent (every CPU, interrupts off). */
void timer_init_cpu(void);

void timer_init(struct timer *t, timer_fn fn, void *arg);
/* Queue (or move) t on this CPU to fire at deadline_ns (now_ns() time). */
void timer_arm(struct timer *t, uint64_t deadline_ns);
/* Remove t if queued on this CPU; returns true if it was queued. */
bool timer_cancel(struct timer *t);

/* Boot tick (BSP only). */
int boot_tick_start(uint32_t hz);
uint64_t boot_ticks(void);
void timer_switch_from_boot_tick(void);

#endif
