// SPDX-License-Identifier: MIT
/*
 * The kernel side of sched/arch.h: the one file where the arch-free
 * scheduler meets the machine (clock, IPIs, per-CPU timers, the context
 * switch, interrupt flags, the ticket lock, the log).
 *
 * Interrupt protocol. sched/ may switch threads from its timer and IPI entry
 * points, which must therefore run after the LAPIC EOI: otherwise the
 * interrupt's in-service bit would stay set while another thread runs and
 * block every interrupt of equal or lower priority on this CPU. So the
 * interrupt handlers only note what happened (sched_glue_timer_due via the
 * kernel timer queue, sched_glue_resched_ipi from the reschedule vector),
 * and trap.c calls sched_glue_irq_exit() after the EOI, which calls into
 * sched/ with the interrupt frame still on the interrupted thread's stack.
 * Switching there is safe: each thread has its own kernel stack, and when
 * the thread is switched back in it returns through its own frame (iretq).
 * That is the only place a thread is preempted, and only when the CPU's
 * preempt_count is zero (kernel/preempt.h); the thread may resume on
 * another CPU, so nothing per-CPU read before a switch is used after it.
 *
 * Read next: kernel/kthread.c (thread stacks), sched/arch.h (the contract).
 */
#include "sched_glue.h"

#include "../sched/sched.h"
#include "../smp/smp.h"
#include "arch/x86.h"
#include "cmdline.h"
#include "cpu.h"
#include "kthread.h"
#include "log.h"
#include "mm/heap.h"
#include "lockdep.h"
#include "panic.h"
#include "preempt.h"
#include "proc/uctx.h"
#include "spinlock.h"
#include "time.h"
#include "timer.h"
#include "topology_boot.h"
#include "trace.h"

_Static_assert(sizeof(struct spinlock) <= sizeof(((struct sched_lock *)0)->opaque),
	       "sched_lock must hold a kernel spinlock");
_Static_assert(SCHED_MAX_CPUS == MAX_CPUS, "one CPU limit (kernel/cpumask.h)");

extern void switch_stack(uint64_t *save_rsp, uint64_t next_rsp);

/* Per-CPU glue state. Owned by its CPU, touched with interrupts off. A
 * thread that may have switched must look its CPU's entry up again: it
 * may resume on another CPU (sched_glue_irq_exit). */
struct glue_cpu {
	struct thread idle;
	struct kctx idle_ctx;
	struct timer timer; /* the scheduler's one-shot (arch_set_timer) */
	bool timer_due;
	bool resched_due;
	bool online;
	/*
	 * Halt polling (idle_poll_us=). POLL_ON only while this CPU's idle
	 * thread polls with interrupts enabled; a remote arch_send_resched
	 * swaps it to POLL_KICKED instead of sending the IPI. Every reader
	 * that leaves the poll swaps it back to POLL_OFF and, if it was
	 * kicked, does what the IPI would have done. Atomics only: written
	 * by this CPU and by any sender.
	 */
	int poll_state;
	/* In TSC cycles: a poll must not read the clocksource, which may be
	 * the HPET, an MMIO read that a hypervisor serialises. */
	uint64_t poll_cycles;	  /* this CPU's current window, adapted */
	uint64_t halt_start_tsc;  /* hlt entered at; 0 = not halted */
};

enum { POLL_OFF, POLL_ON, POLL_KICKED };

/* cpu_possible_count entries, allocated by sched_glue_init() on the BSP
 * before any AP starts and never freed; each entry is then its CPU's
 * (struct glue_cpu), except poll_state, which senders swap atomically. */
static struct glue_cpu *glue;

/* How soon to retry scheduling work deferred because a lock was held. */
#define PREEMPT_RETRY_NS 100000
static bool sched_running;
/* The longest halt-polling window (idle_poll_us=), in TSC cycles; set
 * once at boot. 0: halt at once. */
static uint64_t idle_poll_max;
#define IDLE_POLL_DEFAULT_US 50

/* Interrupts off or preemption disabled (this_cpu() checks it). */
static struct glue_cpu *me(void)
{
	return &glue[this_cpu()->id];
}

/* ---- sched/arch.h ------------------------------------------------------ */

uint64_t arch_now_ns(void)
{
	return now_ns();
}

/* Checked in debug builds like every this_cpu(): sched/ reads the CPU id
 * only with a run-queue lock held or interrupts off (thread_current,
 * sched_irq_exit and sched_current_cpu pin themselves). */
int arch_this_cpu(void)
{
	return this_cpu()->id;
}

void arch_send_resched(int cpu)
{
	int expect = POLL_ON;
	/* A polling idle CPU sees the swap within its poll loop. */
	if (__atomic_compare_exchange_n(&glue[cpu].poll_state, &expect,
					POLL_KICKED, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return;
	smp_send_reschedule(cpu);
}

/* Leave halt polling (interrupts off); true if a sender kicked us, which
 * then counts as a noted reschedule IPI. */
static bool poll_leave(struct glue_cpu *g)
{
	return __atomic_exchange_n(&g->poll_state, POLL_OFF, __ATOMIC_ACQ_REL) ==
	       POLL_KICKED;
}

static void timer_fired(struct timer *t, uint64_t now)
{
	(void)t;
	(void)now;
	me()->timer_due = true; /* acted on after EOI: sched_glue_irq_exit */
}

void arch_set_timer(uint64_t deadline_ns)
{
	struct glue_cpu *g = me();
	if (deadline_ns == SCHED_TIMER_NONE)
		timer_cancel(&g->timer);
	else
		timer_arm(&g->timer, deadline_ns);
}

void arch_switch(struct thread *prev, struct thread *next)
{
	struct kctx *p = prev->arch_ctx, *n = next->arch_ctx;
	/* Only this CPU's run-queue lock may be held across a switch (it is
	 * handed to the next thread): anything else would be held by a
	 * thread that is not running, or keep preemption off for a thread
	 * that never took it. */
	if (COHORT_DEBUG && cpu_preempt_count() != 1)
		panic("sched: switch from '%s' with preempt_count %d (a lock "
		      "held, or preempt_disable(), across a switch; expected only "
		      "the run-queue lock)", prev->name, cpu_preempt_count());
	/* A user thread's FPU registers, FS base, kernel stack for entries
	 * from user mode, and page tables (kernel/proc/uctx.h). */
	if (p->uctx || n->uctx)
		uctx_switch(p->uctx, n->uctx);
	switch_stack(&p->rsp, n->rsp);
}

uint64_t arch_irq_save(void)
{
	return irq_save();
}

void arch_irq_restore(uint64_t flags)
{
	irq_restore(flags);
}

bool arch_in_irq(void)
{
	/* Handlers run with interrupts off, so with them on this is thread
	 * context, and the answer needs no per-CPU state (which a thread that
	 * can migrate could read from the wrong CPU). */
	if (read_rflags() & RFLAGS_IF)
		return false;
	return this_cpu()->irq_depth > 0;
}

bool arch_preemptible(void)
{
	if (cpu_preempt_count() == 0)
		return true;
	/* A wakeup under one of the kernel's own spinlocks (a futex bucket,
	 * a process lock) found a more urgent thread for this CPU. Switching
	 * now would take the lock along; come back through the scheduler's
	 * timer shortly, as the interrupt path does (pinned: the count is
	 * nonzero). */
	timer_arm(&me()->timer, now_ns() + PREEMPT_RETRY_NS);
	return false;
}

void arch_spin_init(struct sched_lock *l, const char *name)
{
	struct spinlock *k = (struct spinlock *)l->opaque;
	*k = (struct spinlock)SPINLOCK_INIT(name);
	/* Ranked by role, not by name: every wait queue has its own name. */
	k->lock_class = lockdep_sched_class(name);
	l->name = name;
}

/* The call site reported for a scheduler lock is its name plus the
 * caller's address in sched/ (symbolized in lock-validation reports). */
__attribute__((noinline)) void arch_spin_lock(struct sched_lock *l)
{
	spin_lock_ip((struct spinlock *)l->opaque, l->name, SPIN_IP);
}

__attribute__((noinline)) void arch_spin_unlock(struct sched_lock *l)
{
	spin_unlock_ip((struct spinlock *)l->opaque, l->name, SPIN_IP);
}

bool arch_spin_held(const struct sched_lock *l)
{
	return spin_held_by_me((struct spinlock *)l->opaque);
}

/* Only sched_init() calls these, at boot, on the BSP (sched/arch.h). */
void *arch_alloc(size_t size)
{
	return kzalloc(size);
}

void arch_free(void *p)
{
	kfree(p);
}

void arch_log(const char *line)
{
	kprintf("%s", line);
}

void arch_assert_fail(const char *cond, const char *file, int line)
{
	panic("sched: assertion '%s' failed at %s:%d", cond, file, line);
}

/* ---- Interrupt glue ------------------------------------------------------- */

void sched_glue_irq_enter(void)
{
	this_cpu()->irq_depth++;
}

/* Take a per-CPU flag of the CPU the caller runs on NOW. */
static bool take_timer_due(void)
{
	struct glue_cpu *g = me();
	bool due = g->timer_due;
	g->timer_due = false;
	return due;
}

static bool take_resched_due(void)
{
	struct glue_cpu *g = me();
	bool due = g->resched_due;
	g->resched_due = false;
	return due;
}

/*
 * Adapt the polling window to how long the halt that just ended lasted,
 * as Linux's guest halt-polling does: a wake-up that a longer poll would
 * have caught doubles the window (up to the maximum); a halt longer than
 * the maximum, where polling only burns the host's CPU, halves it.
 */
static void poll_adapt(struct glue_cpu *g, uint64_t halted)
{
	if (halted > idle_poll_max)
		g->poll_cycles /= 2;
	else if (halted > g->poll_cycles)
		g->poll_cycles = g->poll_cycles ? g->poll_cycles * 2 :
						  idle_poll_max / 8;
	if (g->poll_cycles > idle_poll_max)
		g->poll_cycles = idle_poll_max;
}

void sched_glue_irq_exit(void)
{
	struct cpu *c = this_cpu(); /* interrupts are off until we return */
	if (!sched_running) { /* before sched_glue_init(): no glue[] yet */
		c->irq_depth--;
		return;
	}
	struct glue_cpu *gc = &glue[c->id];
	if (gc->halt_start_tsc) { /* the first interrupt after an idle hlt */
		poll_adapt(gc, rdtsc() - gc->halt_start_tsc);
		gc->halt_start_tsc = 0;
	}
	if (!glue[c->id].online || c->irq_depth > 1) {
		c->irq_depth--;
		return;
	}
	/* The interrupted code has preemption disabled (it holds a spinlock,
	 * like tlb_lock, or is in a per-CPU sequence): switching now could
	 * move it off this CPU, or hand the CPU to a thread that spins on
	 * its lock. Leave the work noted and come back shortly through the
	 * scheduler's own timer; its event re-programs the timer from the
	 * scheduler's state, so nothing is lost by moving it. Armed while
	 * still counted as interrupt context: the timer lock is then not
	 * ordered against the interrupted code's locks (lockdep.h). */
	if (c->preempt_count) {
		timer_arm(&glue[c->id].timer, now_ns() + PREEMPT_RETRY_NS);
		c->irq_depth--;
		return;
	}
	c->irq_depth--;
	/* An interrupt during halt polling: stop polling before anything
	 * below can switch away from the idle thread, or a sender would
	 * skip the IPI that the next thread here needs. */
	if (__atomic_load_n(&glue[c->id].poll_state, __ATOMIC_RELAXED) != POLL_OFF &&
	    poll_leave(&glue[c->id]))
		glue[c->id].resched_due = true;
	/* Each call below may switch this thread out; it may resume on
	 * another CPU. So no per-CPU pointer survives a call: each flag is
	 * read from the CPU the thread runs on at that moment. */
	if (take_timer_due())
		sched_timer_event();
	if (take_resched_due())
		sched_ipi();
	sched_irq_exit();
}

bool sched_glue_resched_noted(int cpu)
{
	return __atomic_load_n(&glue[cpu].resched_due, __ATOMIC_RELAXED);
}

void sched_glue_resched_ipi(void)
{
	me()->resched_due = true;
}

/* ---- Bring-up ----------------------------------------------------------------- */

/* Command-line names of the scheduler tunables (sched/config.h). hz= and
 * nohz= are shared with the kernel's own tick (kernel/timer.c). */
static const struct {
	const char *option, *tunable;
} tunable_options[] = {
	{ "hz", "tick_hz" },
	{ "sched.min_granularity_ns", "min_granularity_ns" },
	{ "sched.fair_slice_ns", "fair_slice_ns" },
	{ "sched.sleeper_credit_ns", "sleeper_credit_ns" },
	{ "sched.balance_interval_ns", "balance_interval_ns" },
	{ "sched.rt_runtime_ns", "rt_runtime_ns" },
	{ "sched.rt_period_ns", "rt_period_ns" },
	{ "sched.rr_slice_ns", "rr_slice_ns" },
	{ "sched.dl_bound_ppm", "dl_bound_ppm" },
};

static void apply_options(void)
{
	uint64_t v;
	for (size_t i = 0; i < sizeof(tunable_options) / sizeof(tunable_options[0]);
	     i++) {
		const char *s = cmdline_get(&boot_cmdline, tunable_options[i].option);
		/* The parser already checked it is a number; sched/ checks the
		 * range and logs a refusal itself. */
		if (s && cmdline_parse_uint(s, &v) == 0)
			sched_tunable_set(tunable_options[i].tunable, v);
	}
	/* Polling pays where a halted CPU is expensive to wake: under a
	 * hypervisor (CPUID's hypervisor bit; QEMU sets it under TCG too).
	 * On bare metal hlt is cheap to leave and polling only burns power
	 * and an SMT sibling's share. docs/benchmarks.md has the figures. */
	bool hv = cpuid(1, 0).ecx & (1u << 31);
	uint64_t us = hv ? IDLE_POLL_DEFAULT_US : 0;
	const char *poll = cmdline_get(&boot_cmdline, "idle_poll_us");
	if (poll && cmdline_parse_uint(poll, &v) == 0 && v <= 1000)
		us = v;
	if (!time_calibration()->tsc_hz)
		us = 0; /* no TSC rate to bound the window with */
	idle_poll_max = us * (time_calibration()->tsc_hz / 1000000);
	for (int i = 0; i < cpu_possible_count; i++)
		glue[i].poll_cycles = idle_poll_max;
	if (us)
		kprintf("sched: idle CPUs poll up to %lu us before hlt (%s; "
			"idle_poll_us=0 turns it off)", (unsigned long)us,
			poll ? "idle_poll_us=" : "running under a hypervisor");
	else
		kprintf("sched: idle CPUs halt at once (%s)",
			!time_calibration()->tsc_hz ? "no TSC rate" :
			poll ? "idle_poll_us=0" : "no hypervisor");
	const char *nohz = cmdline_get(&boot_cmdline, "nohz");
	if (nohz)
		sched_tunable_set("nohz", nohz[1] == 'n'); /* "on" / "off" */
}

void sched_glue_init(void)
{
	glue = kzalloc(sizeof(*glue) * (size_t)cpu_possible_count);
	if (!glue)
		panic("sched: no memory for %d CPUs' glue state",
		      cpu_possible_count);
	trace_init();
	sched_init(cpu_possible_count);
	apply_options();
	sched_running = true;
}

void sched_glue_topology(void)
{
	const struct topo_nodes *nodes = topology_nodes();
	int n = cpu_possible_count, nn = nodes->n, rc;
	struct cpu_topo *topo = kzalloc(sizeof(*topo) * (size_t)n);
	uint8_t *dist = kzalloc((size_t)nn * (size_t)nn);
	char line[128];

	if (!topo || !dist) {
		kprintf("sched: domains: no memory for %d CPUs' topology: flat",
			n);
		goto out;
	}
	/* CPUs not online at the summary come back with -1 ids, which
	 * sched_set_topology() gives a place of their own (sched.h). */
	if (!topology_describe(topo, n)) {
		kprintf("sched: domains: no topology: flat");
		goto out;
	}
	/* topo_nodes' matrix has a stride of TOPO_MAX_NODES; the builder
	 * takes nn x nn. */
	for (int a = 0; a < nn; a++)
		for (int b = 0; b < nn; b++)
			dist[a * nn + b] = nodes->distance[a][b];
	rc = sched_set_topology(topo, n, dist, nn);
	if (rc < 0) {
		kprintf("sched: domains: not attached (%d): flat", rc);
		goto out;
	}
	sched_topology_line(line, sizeof(line));
	kprintf("sched: domains: %s", line);
out:
	kfree(topo);
	kfree(dist);
}

void sched_glue_cpu_online(void)
{
	uint64_t f = irq_save(); /* first: the caller may not move meanwhile */
	struct cpu *c = this_cpu();
	/* Every started CPU has an id below cpu_possible_count, which sized
	 * the scheduler (sched_cpu_online asserts it). */
	struct glue_cpu *g = &glue[c->id];
	trace_cpu_init(c->id);
	timer_init(&g->timer, timer_fired, 0);
	sched_cpu_online(c->id, &g->idle); /* initialises the idle thread */
	g->idle.arch_ctx = &g->idle_ctx;
	g->online = true;
	irq_restore(f);
}

/*
 * Poll for a reschedule kick for this CPU's window before halting. Under a
 * hypervisor (and QEMU's TCG) a halted vCPU is a sleeping host thread:
 * waking it costs an IPI exit and a host wake-up, which a short poll
 * avoids when work comes soon, as Linux's guest halt-polling does.
 * Interrupts stay enabled so timers are not delayed; an interrupt ends
 * the poll in sched_glue_irq_exit. Returns true unless the window ran
 * out, so the caller looks for work again instead of halting.
 */
static bool idle_poll(void)
{
	struct glue_cpu *g = me(); /* the idle thread never migrates */
	if (!g->poll_cycles)
		return false;
	uint64_t end = rdtsc() + g->poll_cycles;

	__atomic_store_n(&g->poll_state, POLL_ON, __ATOMIC_RELEASE);
	irq_enable();
	while (__atomic_load_n(&g->poll_state, __ATOMIC_ACQUIRE) == POLL_ON &&
	       rdtsc() < end)
		__asm__ volatile("pause");
	irq_disable();
	bool timed_out = __atomic_load_n(&g->poll_state, __ATOMIC_RELAXED) ==
			 POLL_ON;
	if (poll_leave(g)) {
		sched_ipi(); /* what the skipped IPI would have done */
		return true;
	}
	return !timed_out;
}

void sched_glue_idle(void)
{
	/* Every started CPU went through sched_glue_cpu_online() (its id is
	 * below cpu_possible_count, which sized the scheduler); one that did
	 * not has no run queue, and only halts, still answering IPIs (TLB
	 * shootdowns, calls) and NMIs. */
	irq_disable(); /* me(): this CPU's entry, read where we cannot move */
	if (!me()->online)
		for (;;)
			__asm__ volatile("sti; hlt" ::: "memory");
	for (;;) {
		irq_disable();
		sched_irq_exit(); /* pick up work queued without an IPI */
		if (idle_poll_max) {
			if (idle_poll())
				continue;
			me()->halt_start_tsc = rdtsc();
		}
		/* sti's one-instruction shadow makes "enable, then halt"
		 * atomic: a wake-up IPI cannot slip in between. */
		__asm__ volatile("sti; hlt" ::: "memory");
	}
}

