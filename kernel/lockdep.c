// SPDX-License-Identifier: MIT
/*
 * Lock validation (lockdep.h has the rules). The rank table below is the
 * one in docs/locking.md ("Lock ranks"); keep the two identical.
 *
 * Why ranks and not a learned dependency graph (Linux's lockdep): the
 * kernel has a dozen lock classes and one written order, so a fixed rank
 * per class checks that order at the first bad acquisition, in one
 * comparison per held lock, with no graph memory.
 */
#include "lockdep.h"

#include <stdatomic.h>

#include "cpu.h"
#include "ksyms.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "panic.h"
#include "spinlock.h"

/* Same-rank locks of this class nest in ascending address order (the run
 * queues live in one array, so address order is CPU-id order). */
#define LOCK_NEST_BY_ADDRESS 1u
/* Taken with interrupts on by design (it waits for other CPUs' IPIs while
 * held): never from interrupt context. */
#define LOCK_IRQ_UNSAFE 2u

struct lock_class {
	const char *name;
	int rank;
	unsigned flags;
	/* First acquisition in interrupt context, and first with interrupts
	 * on: claimed once (state 0 -> 1), written, then published (2). */
	atomic_int irq_state, irqs_on_state;
	const char *irq_site, *irqs_on_site;
	uintptr_t irq_ip, irqs_on_ip;
};

#define RANK(n, r, f) { .name = (n), .rank = (r), .flags = (f) }

/* docs/locking.md, "Lock ranks". A lock may be taken only while every
 * lock held in the same context has a lower rank. */
static struct lock_class classes[] = {
	RANK("proc_table", 2, LOCK_IRQ_UNSAFE),
	RANK("proc_alarm", 3, LOCK_IRQ_UNSAFE),
	RANK("proc", 4, LOCK_IRQ_UNSAFE),
	RANK("proc_reap", 6, 0),
	RANK("futex", 8, LOCK_IRQ_UNSAFE | LOCK_NEST_BY_ADDRESS),
	RANK("sched_attr", 10, 0),
	RANK("wait_queue", 20, 0), /* any other scheduler lock name */
	RANK("rq", 30, LOCK_NEST_BY_ADDRESS),
	RANK("sched_threads", 40, 0),
	RANK("timer", 50, 0),
	RANK("fd_table", 52, 0),
	RANK("pipe", 53, 0),
	RANK("tty", 54, 0),
	RANK("aspace", 55, LOCK_IRQ_UNSAFE),
	RANK("heap", 60, 0),
	RANK("vmm", 61, 0),
	RANK("pmm", 62, 0),
	RANK("kstack", 63, 0),
	RANK("tlb", 70, LOCK_IRQ_UNSAFE),
	RANK("ipi-mailbox", 71, 0),
	RANK("test-monotonic", 80, 0),
	RANK("test-stress", 80, 0),
	RANK("test-lockdep-low", 81, 0),
	RANK("test-lockdep-high", 82, 0),
	RANK("test-lockdep-irq", 83, 0),
	RANK("test-owner", 84, 0),
	RANK("stress-slot", 85, 0),
	RANK("ioapic", 90, 0),
	RANK("trace-names", 91, 0),
	RANK("log_warn", 98, 0),
	RANK("log", 99, 0),
};

#define NR_CLASSES (sizeof(classes) / sizeof(classes[0]))

static atomic_bool validation_off;

void lockdep_off(void)
{
	atomic_store(&validation_off, true);
}

static uint16_t class_by_name(const char *name)
{
	for (size_t i = 0; i < NR_CLASSES; i++)
		if (strcmp(classes[i].name, name) == 0)
			return (uint16_t)(i + 1);
	return 0;
}

uint16_t lockdep_sched_class(const char *name)
{
	uint16_t c = class_by_name(name);
	if (c && (strcmp(name, "sched_attr") == 0 || strcmp(name, "rq") == 0 ||
		  strcmp(name, "sched_threads") == 0))
		return c;
	return class_by_name("wait_queue");
}

/* Format "site (symbol+0xoff)" for a report. */
static const char *describe(char *buf, size_t n, const char *site, uintptr_t ip)
{
	uint64_t off = 0;
	const char *sym = ip ? ksym_lookup(ip, &off) : 0;
	if (sym)
		k_snprintf(buf, n, "%s (%s+0x%lx)", site ? site : "?", sym,
			   (unsigned long)off);
	else
		k_snprintf(buf, n, "%s", site ? site : "?");
	return buf;
}

#define SITE_MAX 128

/* Panic with both sites: "<what> at <site a>; <other> at <site b>". */
__attribute__((noreturn)) static void report(const char *what,
					      const char *site_a, uintptr_t ip_a,
					      const char *other,
					      const char *site_b, uintptr_t ip_b)
{
	char a[SITE_MAX], b[SITE_MAX];
	lockdep_off();
	panic("lockdep: %s at %s; %s at %s", what,
	      describe(a, sizeof(a), site_a, ip_a), other,
	      describe(b, sizeof(b), site_b, ip_b));
}

static struct lock_class *class_of(struct spinlock *l, const char *site)
{
	if (!l->lock_class) {
		uint16_t c = class_by_name(l->name);
		if (!c) {
			lockdep_off();
			panic("lockdep: lock '%s' taken at %s has no rank: add it "
			      "to docs/locking.md and kernel/lockdep.c",
			      l->name, site);
		}
		l->lock_class = c;
	}
	return &classes[l->lock_class - 1];
}

int lockdep_rank(struct spinlock *l)
{
	uint16_t c = l->lock_class ? l->lock_class : class_by_name(l->name);
	return c ? classes[c - 1].rank : -1;
}

/* Record the first site of a kind; returns false if already recorded. */
static bool claim(atomic_int *state, const char **site_out, uintptr_t *ip_out,
		  const char *site, uintptr_t ip)
{
	int expected = 0;
	if (atomic_load_explicit(state, memory_order_acquire) == 2)
		return false;
	if (!atomic_compare_exchange_strong(state, &expected, 1))
		return false;
	*site_out = site;
	*ip_out = ip;
	atomic_store_explicit(state, 2, memory_order_release);
	return true;
}

static bool recorded(atomic_int *state)
{
	return atomic_load_explicit(state, memory_order_acquire) == 2;
}

static void check_irq_usage(struct lock_class *k, struct spinlock *l,
			    const char *site, uintptr_t ip, bool in_irq,
			    bool irqs_on)
{
	char what[96];
	if (in_irq) {
		if (recorded(&k->irqs_on_state)) {
			k_snprintf(what, sizeof(what), "lock '%s' taken in "
				   "interrupt context", l->name);
			report(what, site, ip, "but also taken with interrupts on",
			       k->irqs_on_site, k->irqs_on_ip);
		}
		if (k->flags & LOCK_IRQ_UNSAFE) {
			k_snprintf(what, sizeof(what), "irq-unsafe lock '%s' taken "
				   "in interrupt context", l->name);
			report(what, site, ip, "declared taken with interrupts on",
			       "kernel/lockdep.c (rank table)", 0);
		}
		claim(&k->irq_state, &k->irq_site, &k->irq_ip, site, ip);
	} else if (irqs_on) {
		if (recorded(&k->irq_state)) {
			k_snprintf(what, sizeof(what), "lock '%s' taken with "
				   "interrupts on", l->name);
			report(what, site, ip, "but also taken in interrupt context",
			       k->irq_site, k->irq_ip);
		}
		claim(&k->irqs_on_state, &k->irqs_on_site, &k->irqs_on_ip, site,
		      ip);
	}
}

static void check_order(struct cpu *c, struct lock_class *k, struct spinlock *l,
			const char *site, uintptr_t ip)
{
	for (int i = 0; i < c->held_count; i++) {
		struct held_lock *h = &c->held[i];
		if (h->irq_depth != c->irq_depth)
			continue; /* the interrupted context's locks */
		struct lock_class *hk = &classes[h->lock->lock_class - 1];
		if (hk->rank < k->rank)
			continue;
		if (hk->rank == k->rank && hk == k &&
		    (k->flags & LOCK_NEST_BY_ADDRESS) &&
		    (uintptr_t)h->lock < (uintptr_t)l)
			continue;
		char what[128], other[96];
		k_snprintf(what, sizeof(what), "lock order: '%s' (rank %d) taken",
			   l->name, k->rank);
		k_snprintf(other, sizeof(other), "while holding '%s' (rank %d) "
			   "taken", h->lock->name, hk->rank);
		report(what, site, ip, other, h->site, h->ip);
	}
}

void lockdep_acquire(struct spinlock *l, const char *site, uintptr_t ip,
		     bool trylock)
{
	if (!cpu_ready || atomic_load_explicit(&validation_off,
					       memory_order_relaxed))
		return;
	/* Preemption is disabled: this CPU's state is ours. */
	struct cpu *c = raw_this_cpu();
	struct lock_class *k = class_of(l, site);
	if (!trylock) {
		bool irqs_on = read_rflags() & RFLAGS_IF;
		check_irq_usage(k, l, site, ip, c->irq_depth > 0 && !irqs_on,
				irqs_on);
		check_order(c, k, l, site, ip);
	}
	if (c->held_count == CPU_HELD_LOCKS_MAX) {
		lockdep_off();
		panic("lockdep: more than %d locks held on this CPU, at %s",
		      CPU_HELD_LOCKS_MAX, site);
	}
	c->held[c->held_count++] = (struct held_lock){
		.lock = l, .site = site, .ip = ip, .irq_depth = c->irq_depth
	};
}

void lockdep_release(struct spinlock *l, const char *site, uintptr_t ip)
{
	if (!cpu_ready)
		return;
	struct cpu *c = raw_this_cpu();
	/* Usually the last one taken, but not always (a double run-queue
	 * lock may be released in either order): search from the top. */
	for (int i = c->held_count - 1; i >= 0; i--) {
		if (c->held[i].lock != l)
			continue;
		for (int j = i; j + 1 < c->held_count; j++)
			c->held[j] = c->held[j + 1];
		c->held_count--;
		return;
	}
	if (atomic_load_explicit(&validation_off, memory_order_relaxed))
		return; /* taken before validation stopped, or not at all */
	char a[SITE_MAX];
	lockdep_off();
	panic("lockdep: lock '%s' released at %s but not held on this CPU",
	      l->name, describe(a, sizeof(a), site, ip));
}
