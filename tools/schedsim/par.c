// SPDX-License-Identifier: MIT
/*
 * par: sched/arch.h over simulated CPUs that interleave at every lock
 * (see par.h for the model). The main loop is the "hardware": it picks
 * which CPU executes next, advances the clock and raises interrupts; the
 * CPUs execute coroutines (one per simulated thread, one idle thread per
 * CPU) that give control back at hook points.
 *
 * Invariants the loop keeps:
 * - The coroutine running on CPU c is always cpu[c].curr; arch_switch
 *   changes curr and swaps stacks directly, so a thread switched out in the
 *   middle of a scheduler call resumes there, possibly on another CPU.
 * - Interrupts are delivered only where the running thread has them on
 *   (relax points, the idle halt, arch_irq_restore to "on"), on its stack.
 * - Time moves only in the main loop: never while a CPU is half-way
 *   through an interrupt-off section, and never past an armed timer.
 *
 * Read next: explore.c.
 */
#include "tools/schedsim/par.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_internal.h"
#include "tools/schedsim/sim.h"

struct par *par_current;
void (*par_assert_hook)(const char *msg);

/*
 * Stack switches, told to AddressSanitizer (when it is on) so that it
 * tracks which stack is live; without this it warns about swapcontext and
 * may report false positives.
 */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
static const void *main_bottom;
static size_t main_size;

static void swap(ucontext_t *from, ucontext_t *to, const char *to_stack,
		 size_t to_size)
{
	void *fake = NULL;
	const void *old_bottom;
	size_t old_size;

	__sanitizer_start_switch_fiber(&fake, to_stack ? to_stack : main_bottom,
				       to_stack ? to_size : main_size);
	swapcontext(from, to);
	__sanitizer_finish_switch_fiber(fake, &old_bottom, &old_size);
	if (!to_stack) /* we are main again: nothing to learn */
		return;
}

/* First instructions of a coroutine: finish the switch that started it
 * (and learn the main stack's bounds, if main started it). */
static void fiber_entered(void)
{
	const void *bottom;
	size_t size;

	__sanitizer_finish_switch_fiber(NULL, &bottom, &size);
	if (!main_bottom) {
		main_bottom = bottom;
		main_size = size;
	}
}
#else
static void swap(ucontext_t *from, ucontext_t *to, const char *to_stack,
		 size_t to_size)
{
	(void)to_stack;
	(void)to_size;
	swapcontext(from, to);
}

static void fiber_entered(void)
{
}
#endif

#define PAR_STACK_SIZE (256 * 1024)
/* Time that passes while every running thread computes (relax points). */
#define PAR_QUANTUM_NS 10000

/* Set while the main loop (not a coroutine) calls into sched/: hooks do
 * nothing and nothing may block. */
static bool in_main = true;

void par_fail(struct par *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failures++)
		return;
	va_start(ap, fmt);
	vsnprintf(p->fail, sizeof(p->fail), fmt, ap);
	va_end(ap);
}

static uint64_t rng_next(struct par *p)
{
	/* xorshift64*: deterministic for a seed, good enough to explore. */
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return p->rng * 2685821657736338717ULL;
}

static struct par_cpu *me(void)
{
	return &par_current->cpu[par_current->this_cpu];
}

/* ---- Coroutines ---------------------------------------------------------- */

static void note_depth(struct par_thread *t)
{
	char probe;
	uintptr_t top = (uintptr_t)t->stack + t->stack_size;
	size_t depth = top - (uintptr_t)&probe;

	if (t->stack && depth < t->stack_size && depth > t->max_depth)
		t->max_depth = depth;
}

/* Give the CPU back to the main loop; returns when it resumes us. */
static void yield_to_main(void)
{
	struct par *p = par_current;
	struct par_thread *self = me()->curr;

	in_main = true;
	swap(&self->ctx, &p->main_ctx, NULL, 0);
	in_main = false;
}

static void deliver_interrupts(void);

static void hook(enum par_hook kind, const struct sched_lock *l,
		 const char *point)
{
	struct par *p = par_current;
	int want = -1;

	if (in_main)
		return;
	p->hooks++;
	note_depth(me()->curr);
	if (p->on_hook)
		want = p->on_hook(p, p->this_cpu, kind, l, point,
				  p->on_hook_arg);
	if (want >= 0 && want != p->this_cpu && want < p->ncpus) {
		p->want_cpu = want;
		yield_to_main();
	} else if (p->random && rng_next(p) % 100 < p->switch_pct) {
		yield_to_main();
	}
	if (kind == PAR_HOOK_IRQ_ON && me()->irq_flags == 0)
		deliver_interrupts();
}

/*
 * Interrupt delivery on the running thread's stack, interrupts on: the
 * pending reschedule IPI first, then the timer, as the kernel glue does
 * after the EOI. Each may switch threads; when this thread runs again it
 * may be on another CPU, so the CPU is looked up afresh every time.
 */
static void deliver_interrupts(void)
{
	struct par *p = par_current;

	for (int guard = 0; guard < 64; guard++) {
		struct par_cpu *c = me();

		if (c->irq_flags != 0)
			return;
		if (c->call_fn) {
			void (*fn)(void *) = c->call_fn;

			c->call_fn = NULL;
			c->irq_flags = 1;
			c->in_irq = true;
			fn(c->call_arg);
			me()->in_irq = false;
		} else if (c->ipi_pending) {
			c->ipi_pending = false;
			c->irq_flags = 1;
			sched_ipi();
		} else if (c->timer_ns <= p->now_ns) {
			c->timer_ns = SCHED_TIMER_NONE;
			c->irq_flags = 1;
			sched_timer_event();
		} else {
			return;
		}
		sched_irq_exit();
		me()->irq_flags = 0; /* iretq on whichever CPU we are now */
	}
	par_fail(p, "cpu%d: interrupt storm (64 back to back)", p->this_cpu);
}

static void idle_entry(void)
{
	fiber_entered();
	for (;;) {
		struct par_cpu *c = me();

		c->irq_flags = 1;
		sched_irq_exit(); /* pick up work queued without an IPI */
		c = me();
		/* "sti; hlt": the main loop resumes a halted CPU only to
		 * deliver an interrupt. */
		c->irq_flags = 0;
		c->halted = true;
		yield_to_main();
		me()->halted = false;
		deliver_interrupts();
	}
}

static void thread_entry(void)
{
	struct par *p = par_current;
	struct par_thread *self = me()->curr;

	fiber_entered();
	sched_finish_switch();
	sched_irq_exit(); /* act on a reschedule the finish asked for */
	me()->irq_flags = 0;
	self->body(p, self);
	self->exited = true;
	thread_exit(0);
	fprintf(stderr, "par: thread_exit returned\n");
	abort();
}

static void coroutine_init(struct par_thread *t, void (*entry)(void))
{
	t->stack_size = PAR_STACK_SIZE;
	if (!t->stack) {
		t->stack = malloc(t->stack_size);
		if (!t->stack)
			abort();
	}
	t->max_depth = 0;
	getcontext(&t->ctx);
	t->ctx.uc_stack.ss_sp = t->stack;
	t->ctx.uc_stack.ss_size = t->stack_size;
	t->ctx.uc_link = NULL;
	makecontext(&t->ctx, entry, 0);
}

/* ---- sched/arch.h ------------------------------------------------------- */

uint64_t par_arch_now_ns(void)
{
	return par_current->now_ns;
}

int par_arch_this_cpu(void)
{
	return par_current->this_cpu;
}

void par_arch_send_resched(int cpu)
{
	SCHED_ASSERT(cpu != par_current->this_cpu);
	par_current->cpu[cpu].ipi_pending = true;
}

void par_arch_set_timer(uint64_t deadline_ns)
{
	me()->timer_ns = deadline_ns;
}

void par_arch_switch(struct thread *prev, struct thread *next)
{
	struct par_thread *pp = prev->arch_ctx, *np = next->arch_ctx;

	SCHED_ASSERT(!in_main); /* only a coroutine can be switched out */
	SCHED_ASSERT(me()->curr == pp);
	note_depth(pp);
	if (pp->in_finish)
		pp->switches_in_finish++;
	np->runs++;
	np->wakes_pending = 0;
	me()->curr = np;
	swap(&pp->ctx, &np->ctx, np->stack, np->stack_size);
	/* Running again, on whichever CPU switched to us. */
}

uint64_t par_arch_irq_save(void)
{
	uint64_t old = me()->irq_flags;

	me()->irq_flags = 1;
	return old;
}

void par_arch_irq_restore(uint64_t flags)
{
	bool on = me()->irq_flags && !flags;

	me()->irq_flags = flags;
	if (on)
		hook(PAR_HOOK_IRQ_ON, NULL, NULL);
}

bool par_arch_in_irq(void)
{
	return me()->in_irq;
}

/* opaque[0]: held; opaque[1]: holder's CPU. */
void par_arch_spin_lock(struct sched_lock *l)
{
	struct par_cpu *c;

	hook(PAR_HOOK_LOCK, l, NULL);
	c = me();
	if (l->opaque[0] && l->opaque[1] == par_current->this_cpu) {
		fprintf(stderr, "par: cpu%d: lock %s taken twice\n",
			par_current->this_cpu, l->name);
		abort();
	}
	while (l->opaque[0]) {
		if (in_main) {
			fprintf(stderr, "par: lock %s held at a check\n",
				l->name);
			abort();
		}
		c->spinning_on = l;
		yield_to_main();
		c = me(); /* interrupts are off: still the same CPU */
	}
	c->spinning_on = NULL;
	sim_lock_order_check(c->held, c->nheld, l);
	if (c->nheld == PAR_MAX_HELD)
		abort();
	c->held[c->nheld++] = l;
	l->opaque[0] = 1;
	l->opaque[1] = (unsigned char)par_current->this_cpu;
}

void par_arch_spin_unlock(struct sched_lock *l)
{
	struct par_cpu *c = me();

	if (!l->opaque[0] || l->opaque[1] != par_current->this_cpu) {
		fprintf(stderr, "par: cpu%d: lock %s released, not held here\n",
			par_current->this_cpu, l->name);
		abort();
	}
	l->opaque[0] = 0;
	for (int i = 0; i < c->nheld; i++)
		if (c->held[i] == l) {
			c->held[i] = c->held[--c->nheld];
			break;
		}
	hook(PAR_HOOK_UNLOCK, l, NULL);
}

void par_arch_race_point(const char *name)
{
	struct par_thread *self;

	if (in_main)
		return;
	self = me()->curr;
	/* sched_finish_switch must never switch: a nested switch there
	 * resumes later, maybe elsewhere, with the old CPU's state in hand,
	 * and each level keeps its frames on the stack. */
	if (strcmp(name, "finish:enter") == 0)
		self->in_finish++;
	else if (strcmp(name, "finish:exit") == 0)
		self->in_finish--;
	hook(PAR_HOOK_POINT, NULL, name);
}

bool par_arch_spin_held(const struct sched_lock *l)
{
	return l->opaque[0] && l->opaque[1] == par_current->this_cpu;
}

/* ---- Machine ----------------------------------------------------------------- */

struct par *par_create(int ncpus)
{
	return par_create_topo(ncpus, NULL, 1);
}

struct par *par_create_topo(int ncpus, const struct cpu_topo *topo_in,
			    int nr_nodes)
{
	struct par *p;

	if (ncpus < 1 || ncpus > PAR_MAX_CPUS || ncpus > SCHED_MAX_CPUS)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ncpus = ncpus;
	p->want_cpu = p->sticky_cpu = -1;
	p->check_each_step = true;
	p->rng = 0x9e3779b97f4a7c15ULL;
	sim_current = NULL;
	par_current = p;
	in_main = true;
	sched_debug_checks = true;
	sched_tunables_reset();
	sched_init(ncpus);
	for (int c = 0; c < ncpus; c++) {
		struct par_cpu *pc = &p->cpu[c];

		p->this_cpu = c;
		pc->irq_flags = 1;
		pc->timer_ns = SCHED_TIMER_NONE;
		sched_cpu_online(c, &pc->idle.t);
		pc->idle.t.arch_ctx = &pc->idle;
		pc->idle.id = -1 - c;
		pc->idle.in_use = true;
		coroutine_init(&pc->idle, idle_entry);
		pc->curr = &pc->idle;
	}
	p->this_cpu = 0;
	/* Domains attached, one flat LLC (placement as without them), so
	 * every interleaving also checks the idle masks (sched_check_all). */
	if (ncpus > 1) {
		struct cpu_topo topo[PAR_MAX_CPUS];

		for (int c = 0; c < ncpus; c++)
			topo[c] = topo_in ? topo_in[c] :
					    (struct cpu_topo){ .core = c };
		/* The balance summaries too (balance.c), checked likewise. */
		balance_summaries_always = true;
		if (sched_set_topology(topo, ncpus, NULL, nr_nodes) < 0) {
			par_destroy(p);
			return NULL;
		}
	}
	return p;
}

void par_destroy(struct par *p)
{
	if (!p)
		return;
	for (int c = 0; c < p->ncpus; c++)
		free(p->cpu[c].idle.stack);
	for (int i = 0; i < PAR_MAX_THREADS; i++)
		free(p->threads[i].stack);
	if (par_current == p)
		par_current = NULL;
	free(p);
}

static struct par_thread *slot_alloc(struct par *p, par_body_fn body,
				     void *arg)
{
	for (int i = 0; i < PAR_MAX_THREADS; i++) {
		struct par_thread *t = &p->threads[i];

		if (t->in_use)
			continue;
		char *stack = t->stack;
		memset(t, 0, sizeof(*t));
		t->stack = stack;
		t->in_use = true;
		t->id = i;
		t->body = body;
		t->arg = arg;
		t->t.arch_ctx = t;
		t->t.owner = t;
		coroutine_init(t, thread_entry);
		return t;
	}
	return NULL;
}

static struct par_thread *create(struct par *p, const char *name,
				 par_body_fn body, void *arg,
				 const struct sched_attr *attr,
				 const struct cpumask *mask, int *err)
{
	struct par_thread *t = slot_alloc(p, body, arg);

	if (!t) {
		*err = -EAGAIN;
		return NULL;
	}
	*err = thread_create(&t->t, name, attr, mask);
	if (*err) {
		t->in_use = false;
		return NULL;
	}
	return t;
}

struct par_thread *par_spawn(struct par *p, int cpu, const char *name,
			     par_body_fn body, void *arg,
			     const struct sched_attr *attr,
			     const struct cpumask *mask, int *err)
{
	struct par_thread *t;
	int saved = p->this_cpu;

	SCHED_ASSERT(in_main);
	p->this_cpu = cpu;
	p->cpu[cpu].in_irq = true;
	p->cpu[cpu].irq_flags = 1;
	t = create(p, name, body, arg, attr, mask, err);
	p->cpu[cpu].in_irq = false;
	/* The spawner's interrupt exit: let the CPU act on a reschedule the
	 * creation asked for (the main loop cannot switch threads). */
	p->cpu[cpu].ipi_pending = true;
	p->this_cpu = saved;
	return t;
}

struct par_thread *par_thread_create(struct par *p, const char *name,
				     par_body_fn body, void *arg,
				     const struct sched_attr *attr,
				     const struct cpumask *mask, int *err)
{
	SCHED_ASSERT(!in_main);
	return create(p, name, body, arg, attr, mask, err);
}

int par_join(struct par *p, struct par_thread *t)
{
	int code = 0, r;

	(void)p;
	while ((r = thread_join(&t->t, &code)) == -EAGAIN)
		;
	if (r == 0) {
		t->reaped = true;
		t->in_use = false;
	}
	return r;
}

void par_relax(struct par *p)
{
	struct par_cpu *c = me();

	SCHED_ASSERT(c->irq_flags == 0);
	note_depth(c->curr);
	p->hooks++;
	if (p->on_hook) {
		int want = p->on_hook(p, p->this_cpu, PAR_HOOK_RELAX, NULL,
				      NULL, p->on_hook_arg);
		if (want >= 0 && want != p->this_cpu && want < p->ncpus)
			p->want_cpu = want;
	}
	c->relaxing = true;
	yield_to_main();
	me()->relaxing = false;
	deliver_interrupts();
}

void par_compute_until(struct par *p, uint64_t until_ns)
{
	while (p->now_ns < until_ns && !p->failures)
		par_relax(p);
}

int par_running_on(struct par *p, const struct par_thread *t)
{
	for (int c = 0; c < p->ncpus; c++)
		if (p->cpu[c].curr == t)
			return c;
	return -1;
}

/* ---- Main loop ----------------------------------------------------------------- */

static bool irq_pending(const struct par *p, const struct par_cpu *c)
{
	return c->ipi_pending || c->call_fn || c->timer_ns <= p->now_ns;
}

void par_irq_call(struct par *p, int cpu, void (*fn)(void *), void *arg)
{
	SCHED_ASSERT(!p->cpu[cpu].call_fn);
	p->cpu[cpu].call_arg = arg;
	p->cpu[cpu].call_fn = fn;
}

/* Running (mid-way through something) and able to make progress. */
static bool active(const struct par_cpu *c)
{
	if (c->halted || c->relaxing)
		return false;
	return !c->spinning_on || !c->spinning_on->opaque[0];
}

static bool steppable(const struct par *p, const struct par_cpu *c)
{
	return active(c) || ((c->halted || c->relaxing) && irq_pending(p, c));
}

static uint64_t earliest_timer(const struct par *p)
{
	uint64_t t = SCHED_TIMER_NONE;

	for (int c = 0; c < p->ncpus; c++)
		if (p->cpu[c].timer_ns < t)
			t = p->cpu[c].timer_ns;
	return t;
}

static int choose(struct par *p)
{
	int cand[PAR_MAX_CPUS], n = 0;

	if (p->want_cpu >= 0) {
		int w = p->want_cpu;

		p->want_cpu = -1;
		if (steppable(p, &p->cpu[w]) || p->cpu[w].relaxing) {
			p->sticky_cpu = w;
			return w;
		}
	}
	if (p->sticky_cpu >= 0 && active(&p->cpu[p->sticky_cpu]))
		return p->sticky_cpu;
	p->sticky_cpu = -1;
	for (int c = 0; c < p->ncpus; c++)
		if (steppable(p, &p->cpu[c]))
			cand[n++] = c;
	if (n == 0)
		return -1;
	if (p->random)
		return cand[rng_next(p) % (uint64_t)n];
	for (int i = 0; i < n; i++) /* interrupted work first */
		if (active(&p->cpu[cand[i]]))
			return cand[i];
	return cand[0];
}

static bool any_lock_held(const struct par *p)
{
	for (int c = 0; c < p->ncpus; c++)
		if (p->cpu[c].nheld)
			return true;
	return false;
}

static void run_checks(struct par *p)
{
	int saved = p->this_cpu;

	p->this_cpu = 0;
	p->checks_run++;
	if (sched_check_all() != 0)
		par_fail(p, "sched_check_all failed at %llu ns",
			 (unsigned long long)p->now_ns);
	else if (sched_check_work_conserving(p->now_ns) != 0)
		par_fail(p, "work conservation failed at %llu ns",
			 (unsigned long long)p->now_ns);
	p->this_cpu = saved;
}

/* A blocked thread must be findable by a waker: sleeping (its timer will
 * fire) or on a wait queue. Checked only when every CPU is parked, when no
 * wake can be half-way done. */
static void check_blocked_findable(struct par *p)
{
	for (int i = 0; i < PAR_MAX_THREADS; i++) {
		struct par_thread *t = &p->threads[i];

		if (!t->in_use || t->t.state != THREAD_BLOCKED)
			continue;
		if (!t->t.sleeping && !t->t.waiting_on)
			par_fail(p, "lost wakeup: %s (tid %d) is blocked on "
				    "nothing (cpu %d) at %llu ns",
				 t->t.name, t->t.tid, t->t.cpu,
				 (unsigned long long)p->now_ns);
	}
}

/* Every CPU parked: is there any work? */
static bool everyone_parked(const struct par *p)
{
	for (int c = 0; c < p->ncpus; c++)
		if (!p->cpu[c].halted)
			return false;
	return true;
}

/* Let CPU c execute until it gives control back. */
static void resume(struct par *p, int c)
{
	struct par_thread *t = p->cpu[c].curr;

	p->this_cpu = c;
	in_main = false;
	swap(&p->main_ctx, &t->ctx, t->stack, t->stack_size);
	in_main = true;
}

int par_run(struct par *p, uint64_t until_ns)
{
	uint64_t idle_rounds = 0;

	par_current = p;
	for (;;) {
		int c;

		if (p->failures)
			return -1;
		if (until_ns && p->now_ns >= until_ns)
			return 0;
		if (p->random && rng_next(p) % 4 == 0 && !any_lock_held(p)) {
			uint64_t step = rng_next(p) % (p->max_step_ns + 1);
			uint64_t lim = earliest_timer(p);

			if (p->now_ns + step > lim)
				step = lim > p->now_ns ? lim - p->now_ns : 0;
			p->now_ns += step;
		}
		c = choose(p);
		if (c < 0) {
			uint64_t next = earliest_timer(p);
			bool relaxers = false;

			for (int i = 0; i < p->ncpus; i++)
				relaxers |= p->cpu[i].relaxing;
			for (int i = 0; i < p->ncpus; i++)
				if (p->cpu[i].spinning_on) {
					par_fail(p, "deadlock: cpu%d spins on "
						    "%s, nobody can release it",
						 i, p->cpu[i].spinning_on->name);
					return -1;
				}
			if (everyone_parked(p)) {
				check_blocked_findable(p);
				if (p->failures)
					return -1;
			}
			if (relaxers) {
				/* Threads compute: time passes in quanta. */
				uint64_t q = p->now_ns + PAR_QUANTUM_NS;

				p->now_ns = next < q && next > p->now_ns ? next : q;
				/* Step each relaxing CPU once. */
				for (int i = 0; i < p->ncpus && !p->failures;
				     i++)
					if (p->cpu[i].relaxing) {
						p->this_cpu = i;
						resume(p, i);
						p->steps++;
						if (p->check_each_step &&
						    !p->failures &&
						    !any_lock_held(p))
							run_checks(p);
					}
				continue;
			}
			if (next == SCHED_TIMER_NONE)
				return 0; /* quiescent: nothing will happen */
			if (next > p->now_ns)
				p->now_ns = next;
			if (++idle_rounds > 10000000) {
				par_fail(p, "no progress");
				return -1;
			}
			continue;
		}
		resume(p, c);
		p->steps++;
		if (p->check_each_step && !p->failures && !any_lock_held(p))
			run_checks(p);
	}
}

void par_reap_all(struct par *p)
{
	SCHED_ASSERT(in_main);
	p->this_cpu = 0;
	for (int i = 0; i < PAR_MAX_THREADS; i++) {
		struct par_thread *t = &p->threads[i];
		int code;

		if (t->in_use && t->t.state == THREAD_ZOMBIE &&
		    thread_join(&t->t, &code) == 0) {
			t->reaped = true;
			t->in_use = false;
		}
	}
}
