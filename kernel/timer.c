// SPDX-License-Identifier: MIT
#include "timer.h"

#include "../drivers/hpet.h"
#include "../drivers/ioapic.h"
#include "../drivers/lapic.h"
#include "../drivers/pit.h"
#include "arch/x86.h"
#include "cpu.h"
#include "cpu_ident.h"
#include "log.h"
#include "log_warn.h"
#include "panic.h"
#include "time.h"
#include "trap.h"
#include "vectors.h"

#define BOOT_TICK_IRQ 0

/* Chosen once on the BSP by timer_setup(); read-only afterwards. */
static enum timer_mode mode;
static uint32_t tick_hz = TIMER_DEFAULT_HZ;
static bool nohz = true;

enum timer_mode timer_mode(void)
{
	return mode;
}

uint32_t timer_hz(void)
{
	return tick_hz;
}

/* Why timer_setup() chose its mode, for the hardware report. Written
 * once by timer_setup() (boot CPU, before the APs start); read-only
 * afterwards. */
static const char *mode_why = "not set up";

const char *timer_mode_reason(void)
{
	return mode_why;
}

bool timer_tickless(void)
{
	return nohz;
}

enum timer_mode timer_setup(enum timer_force force, uint32_t hz, bool nohz_on)
{
	struct cpu_ident id;
	cpu_ident_read(&id);
	struct timer_facts f = {
		.has_lapic = lapic_mode() != LAPIC_MODE_NONE,
		.has_tsc_deadline = id.tsc_deadline,
		.hypervisor = id.hypervisor,
		.intel = id.vendor_id == CPU_VENDOR_INTEL,
		.family = id.family,
		.model = id.model,
		.stepping = id.stepping,
		.microcode = id.microcode,
		.force = force,
	};
	const char *why;
	mode = timer_choose_mode(&f, &why);
	if (why)
		kprintf("timer: %s", why);
	mode_why = why ? why :
		   f.force != TIMER_FORCE_AUTO ? "timer= on the command line" :
		   f.has_tsc_deadline ? "CPUID.01H:ECX[24]: the CPU has TSC-deadline" :
					"CPUID.01H:ECX[24] is clear: no TSC-deadline";
	if (hz)
		tick_hz = hz;
	nohz = nohz_on && mode != TIMER_MODE_LAPIC_PERIODIC;
	if (mode != TIMER_MODE_NONE && !time_calibration()->lapic_hz &&
	    mode != TIMER_MODE_TSC_DEADLINE) {
		kwarn("timer: LAPIC timer frequency unknown; no per-CPU timer");
		mode = TIMER_MODE_NONE;
		mode_why = "LAPIC timer frequency unknown";
	}
	return mode;
}

/* Program the hardware for the head of the queue. Lock held. */
static void program(struct timer_cpu *tc, uint64_t now)
{
	if (mode == TIMER_MODE_LAPIC_PERIODIC)
		return; /* the tick checks the queue */
	if (!tc->head) {
		if (tc->programmed_ns)
			lapic_timer_stop();
		tc->programmed_ns = 0;
		return;
	}
	uint64_t when = tc->head->deadline_ns;
	/*
	 * Armed for this deadline or an earlier one that has not fired: leave
	 * the hardware alone. The early interrupt finds nothing due and
	 * programs the head then. The common case is the scheduler's slice
	 * end moving later at every switch; rewriting the timer each time
	 * costs an MSR or MMIO write, which a hypervisor (or TCG) turns into
	 * a host timer update, where one spurious interrupt per slice is
	 * cheap. programmed_ns is cleared when the interrupt is handled, so
	 * a non-zero value always means an interrupt is still to come.
	 */
	if (tc->programmed_ns && tc->programmed_ns <= when)
		return;
	tc->programmed_ns = when;
	uint64_t delta = when > now ? when - now : 0;
	/* Both conversions saturate (timer_select.c): a far deadline such as
	 * thread_sleep_until(UINT64_MAX - 1) must not wrap into the past. */
	if (mode == TIMER_MODE_TSC_DEADLINE) {
		lapic_timer_deadline(
			timer_deadline_tsc(rdtsc(), delta, time_tsc_conv()));
		return;
	}
	lapic_timer_oneshot(
		timer_oneshot_count(delta, time_calibration()->lapic_hz));
}

static void insert(struct timer_cpu *tc, struct timer *t)
{
	struct timer **pp = &tc->head;
	while (*pp && (*pp)->deadline_ns <= t->deadline_ns)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->cpu = this_cpu()->id;
}

static bool unlink(struct timer_cpu *tc, struct timer *t)
{
	for (struct timer **pp = &tc->head; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			t->next = 0;
			t->cpu = -1;
			return true;
		}
	return false;
}

void timer_init(struct timer *t, timer_fn fn, void *arg)
{
	t->fn = fn;
	t->arg = arg;
	t->next = 0;
	t->cpu = -1;
	t->deadline_ns = 0;
}

void timer_arm(struct timer *t, uint64_t deadline_ns)
{
	uint64_t f = irq_save(); /* first: pins us to the CPU we queue on */
	struct timer_cpu *tc = &this_cpu()->timer;
	spin_lock(&tc->lock);
	ASSERT(t->cpu == -1 || t->cpu == this_cpu()->id);
	if (t->cpu != -1)
		unlink(tc, t);
	t->deadline_ns = deadline_ns;
	insert(tc, t);
	if (tc->head == t)
		program(tc, now_ns());
	spin_unlock_irqrestore(&tc->lock, f);
}

bool timer_cancel(struct timer *t)
{
	uint64_t f = irq_save(); /* first: pins us to the CPU we queue on */
	struct timer_cpu *tc = &this_cpu()->timer;
	spin_lock(&tc->lock);
	bool was_head = tc->head == t;
	bool queued = unlink(tc, t);
	if (was_head)
		program(tc, now_ns());
	spin_unlock_irqrestore(&tc->lock, f);
	return queued;
}

static void timer_interrupt(struct trap_frame *frame)
{
	struct cpu *c = this_cpu();
	struct timer_cpu *tc = &c->timer;
	(void)frame;

	c->timer_events++;
	spin_lock(&tc->lock);
	tc->programmed_ns = 0;
	uint64_t now = now_ns();
	while (tc->head && tc->head->deadline_ns <= now) {
		struct timer *t = tc->head;
		unlink(tc, t);
		/* Drop the lock: the callback may re-arm (this or another
		 * timer). Interrupts stay off, so nothing else on this CPU
		 * touches the queue meanwhile. */
		spin_unlock(&tc->lock);
		t->fn(t, now);
		spin_lock(&tc->lock);
		now = now_ns();
	}
	program(tc, now);
	spin_unlock(&tc->lock);
}

static void tick_fn(struct timer *t, uint64_t now)
{
	uint64_t period = NSEC_PER_SEC / tick_hz;
	/* Next multiple of the period: a late tick does not drift. */
	uint64_t next = t->deadline_ns + period;
	if (next <= now)
		next = now + period - (now - t->deadline_ns) % period;
	timer_arm(t, next);
}

void timer_init_cpu(void)
{
	struct timer_cpu *tc = &this_cpu()->timer;

	tc->lock = (struct spinlock)SPINLOCK_INIT("timer");
	tc->head = 0;
	tc->programmed_ns = 0;
	if (mode == TIMER_MODE_NONE)
		return;
	if (this_cpu()->id == 0)
		trap_set_handler(VEC_LAPIC_TIMER, timer_interrupt);
	if (mode == TIMER_MODE_LAPIC_PERIODIC) {
		uint64_t count = time_calibration()->lapic_hz / tick_hz;
		lapic_timer_periodic((uint32_t)(count ? count : 1));
		return;
	}
	if (!nohz) {
		timer_init(&tc->tick, tick_fn, 0);
		timer_arm(&tc->tick, now_ns() + NSEC_PER_SEC / tick_hz);
	}
}

/* ---- Boot tick --------------------------------------------------------- */

static volatile uint64_t boot_tick_count;
static const char *boot_tick_source = "none";
static int boot_tick_gsi = -1;

static void boot_tick_interrupt(struct trap_frame *f)
{
	(void)f;
	boot_tick_count++;
}

int boot_tick_start(uint32_t hz)
{
	if (ioapic_count() == 0)
		return -1;
	trap_set_handler(VEC_ISA_BASE + BOOT_TICK_IRQ, boot_tick_interrupt);
	if (hpet_present() && hpet_tick_start(hz) == 0) {
		boot_tick_source = "hpet";
	} else {
		pit_tick_start(hz);
		boot_tick_source = "pit";
	}
	boot_tick_gsi = isa_irq_route(BOOT_TICK_IRQ, VEC_ISA_BASE + BOOT_TICK_IRQ,
				      lapic_id());
	kprintf("timer: boot tick from %s at %u Hz (ISA IRQ %d -> GSI %d)",
		boot_tick_source, hz, BOOT_TICK_IRQ, boot_tick_gsi);
	return 0;
}

uint64_t boot_ticks(void)
{
	return boot_tick_count;
}

void timer_switch_from_boot_tick(void)
{
	if (boot_tick_gsi >= 0) {
		ioapic_mask_gsi((uint32_t)boot_tick_gsi, true);
		if (boot_tick_source[0] == 'h')
			hpet_tick_stop();
		else
			pit_tick_stop();
	}
	const struct time_calibration *cal = time_calibration();
	if (mode == TIMER_MODE_TSC_DEADLINE)
		kprintf("timer: tick source %s -> %s (tsc %lu.%03lu MHz), %s, "
			"%lu boot ticks",
			boot_tick_source, timer_mode_name(mode),
			cal->tsc_hz / 1000000, cal->tsc_hz / 1000 % 1000,
			nohz ? "tickless" : "periodic tick", boot_tick_count);
	else
		kprintf("timer: tick source %s -> %s (lapic %lu.%01lu MHz), %s, "
			"%lu boot ticks",
			boot_tick_source, timer_mode_name(mode),
			cal->lapic_hz * 16 / 1000000,
			cal->lapic_hz * 16 / 100000 % 10,
			mode == TIMER_MODE_LAPIC_PERIODIC || !nohz ?
				"periodic tick" :
				"tickless",
			boot_tick_count);
}
