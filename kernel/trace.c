// SPDX-License-Identifier: MIT
/*
 * Scheduler trace buffers: one ring of fixed-size binary records per CPU,
 * filled by the scheduler through arch_trace_event() and printed on request
 * as a trace format v2 block (docs/tracing.md) that tools/schedtrace reads.
 *
 * Recording is lock-free: only the CPU itself appends to its ring, always
 * with interrupts off (the scheduler calls in with its run-queue lock held
 * or interrupts disabled), so a plain index is enough. A full ring stops
 * recording and counts what it drops: the dump then starts at the true
 * beginning, which keeps every switch-in paired with its switch-out.
 * Thread names and classes, which records do not carry, go to a small
 * table indexed by tid when a thread starts or changes class.
 */
#include "trace.h"

#include "../sched/sched.h"
#include "cmdline.h"
#include "cpu.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "log.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "spinlock.h"

#define TRACE_DEFAULT_EVENTS 16384 /* per CPU: 512 KiB of 32-byte records */
/* Without trace_buf=, all rings together stay within this many events
 * (32 MiB): the default per CPU up to 64 CPUs, fewer beyond (80 CPUs:
 * 13107 each; 1024: 1024 each), so a large machine does not spend half a
 * GiB on tracing it never asked for. */
#define TRACE_DEFAULT_TOTAL_EVENTS (64u * TRACE_DEFAULT_EVENTS)
#define TRACE_MIN_EVENTS 64
#define TRACE_MAX_EVENTS (1u << 20)
#define TRACE_NAMES 1024 /* tids modulo this; older names get overwritten */
#define CLASS_NAME_MAX 12

struct trace_rec {
	uint64_t ns;
	int64_t arg;
	int32_t tid_a, tid_b;
	uint16_t cpu;
	uint8_t event;
	uint8_t class_id; /* NEW, CLASS: the class at that moment (class_names) */
	uint8_t pad[2];
};

/* Class names as the scheduler spells them; index 0 = unknown. */
static const char *const class_names[] = { "-", "deadline", "rt", "fair",
					   "idle" };

static uint8_t class_id_of(const char *name)
{
	for (uint8_t i = 1; name && i < sizeof(class_names) / sizeof(class_names[0]);
	     i++)
		if (strcmp(class_names[i], name) == 0)
			return i;
	return 0;
}

_Static_assert(sizeof(struct trace_rec) == 32, "two records per cache line");

struct trace_ring {
	/* Written only by the owning CPU with interrupts off. */
	struct trace_rec *rec;
	uint32_t count;
	uint64_t dropped;
};

struct trace_name {
	int32_t tid;
	char name[16];
	char class_name[CLASS_NAME_MAX];
};

/* cpu_possible_count entries, allocated by trace_init() on the BSP before
 * any AP starts (NULL: tracing off); each entry then belongs to its CPU
 * (struct trace_ring). */
static struct trace_ring *rings;
static uint32_t capacity; /* records per CPU; 0 = tracing off */
static bool dump_after_test;
/* Protects: names[]. Leaf: taken under run-queue locks, takes nothing. */
static struct spinlock names_lock = SPINLOCK_INIT("trace-names");
static struct trace_name names[TRACE_NAMES];

void trace_init(void)
{
	const char *opt = cmdline_get(&boot_cmdline, "trace");
	const char *size = cmdline_get(&boot_cmdline, "trace_buf");
	uint64_t dflt = TRACE_DEFAULT_TOTAL_EVENTS / (uint32_t)cpu_possible_count;
	uint64_t n;

	if (opt && strcmp(opt, "off") == 0) {
		kprintf("tracing: off");
		return;
	}
	if (dflt > TRACE_DEFAULT_EVENTS)
		dflt = TRACE_DEFAULT_EVENTS;
	if (dflt < TRACE_MIN_EVENTS)
		dflt = TRACE_MIN_EVENTS;
	n = dflt;
	dump_after_test = opt && strcmp(opt, "dump") == 0;
	if (size && (cmdline_parse_uint(size, &n) || n < TRACE_MIN_EVENTS ||
		     n > TRACE_MAX_EVENTS)) {
		kprintf("tracing: trace_buf=%s outside %u..%u; using %lu", size,
			TRACE_MIN_EVENTS, TRACE_MAX_EVENTS, (unsigned long)dflt);
		n = dflt;
	}
	rings = kzalloc(sizeof(*rings) * (size_t)cpu_possible_count);
	if (!rings) {
		kprintf("tracing: off (no memory for %d ring headers)",
			cpu_possible_count);
		return;
	}
	capacity = (uint32_t)n;
	for (int i = 0; i < TRACE_NAMES; i++)
		names[i].tid = SCHED_TRACE_NO_TID;
	kprintf("tracing: on, %u events per CPU (%lu KiB each)%s", capacity,
		(unsigned long)capacity * sizeof(struct trace_rec) / 1024,
		dump_after_test ? "; dumped after test= runs" : "");
}

/* Called on each CPU as it comes online (before the scheduler uses it). */
int trace_cpu_init(int cpu)
{
	if (!capacity)
		return 0;
	uint64_t pages = ((uint64_t)capacity * sizeof(struct trace_rec) +
			  PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t phys = pmm_alloc_pages(pages);
	if (!phys) {
		kprintf("tracing: no memory for cpu%d's buffer; not tracing it", cpu);
		return -1;
	}
	rings[cpu].rec = phys_to_virt(phys);
	rings[cpu].count = 0;
	rings[cpu].dropped = 0;
	return 0;
}

bool trace_dump_requested(void)
{
	return dump_after_test;
}

static void remember_name(const struct sched_trace_rec *r)
{
	struct trace_name *n = &names[(uint32_t)r->tid_a % TRACE_NAMES];
	uint64_t f = spin_lock_irqsave(&names_lock);
	n->tid = r->tid_a;
	k_snprintf(n->name, sizeof(n->name), "%s", r->name);
	k_snprintf(n->class_name, sizeof(n->class_name), "%s",
		   r->class_name ? r->class_name : "-");
	spin_unlock_irqrestore(&names_lock, f);
}

void arch_trace_event(const struct sched_trace_rec *r)
{
	/* Read once: trace_dump() sets it to 0 to freeze the rings, and the
	 * bound below must be the one this append started with. */
	uint32_t cap = __atomic_load_n(&capacity, __ATOMIC_ACQUIRE);
	if (!cap)
		return;
	if (r->name && r->tid_a != SCHED_TRACE_NO_TID)
		remember_name(r);
	struct trace_ring *ring = &rings[this_cpu()->id];
	if (!ring->rec)
		return;
	if (ring->count >= cap) {
		ring->dropped++;
		return;
	}
	ring->rec[ring->count++] = (struct trace_rec){
		.ns = r->ns,
		.arg = r->arg,
		.tid_a = r->tid_a,
		.tid_b = r->tid_b,
		.cpu = (uint16_t)r->cpu,
		.event = (uint8_t)r->event,
		.class_id = class_id_of(r->class_name),
	};
}

static const struct trace_name *lookup(int32_t tid)
{
	const struct trace_name *n = &names[(uint32_t)tid % TRACE_NAMES];
	return n->tid == tid ? n : 0;
}

/* Events are named by ring and slot: (cpu << 20) | index. Slots fit in
 * 20 bits because a ring holds at most TRACE_MAX_EVENTS = 1 << 20, and
 * CPU ids in the 12 above (24 bits for the slot left 8 for the CPU: ids
 * from 256 up wrapped onto ring 0 and beyond). */
#define TRACE_REF_SLOT_BITS 20
_Static_assert(TRACE_MAX_EVENTS <= 1u << TRACE_REF_SLOT_BITS,
	       "a slot index must fit its bits");
_Static_assert((uint64_t)MAX_CPUS << TRACE_REF_SLOT_BITS <= 1ull << 32,
	       "every CPU id must fit a 32-bit event ref");

static const struct trace_rec *rec_at(uint32_t ref)
{
	return &rings[ref >> TRACE_REF_SLOT_BITS]
			.rec[ref & ((1u << TRACE_REF_SLOT_BITS) - 1)];
}

static uint64_t order_pages(uint32_t events)
{
	return ((uint64_t)events * 2 * sizeof(uint32_t) + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* Every recorded event's ref, sorted by timestamp, stable (bottom-up
 * merge sort over an array and its scratch twin). NULL if out of memory. */
static uint32_t *sorted_order(int ncpus, uint32_t events)
{
	(void)ncpus;
	if (!events)
		return 0;
	uint64_t phys = pmm_alloc_pages(order_pages(events));
	if (!phys)
		return 0;
	uint32_t *a = phys_to_virt(phys), *b = a + events;
	uint32_t k = 0;
	for (int c = 0; c < cpu_possible_count; c++)
		for (uint32_t i = 0; rings[c].rec && i < rings[c].count; i++)
			a[k++] = ((uint32_t)c << TRACE_REF_SLOT_BITS) | i;
	for (uint32_t width = 1; width < events; width *= 2) {
		for (uint32_t lo = 0; lo < events; lo += 2 * width) {
			uint32_t mid = lo + width < events ? lo + width : events;
			uint32_t hi = lo + 2 * width < events ? lo + 2 * width : events;
			uint32_t i = lo, j = mid, o = lo;
			while (i < mid && j < hi)
				b[o++] = rec_at(a[j])->ns < rec_at(a[i])->ns ?
						 a[j++] :
						 a[i++];
			while (i < mid)
				b[o++] = a[i++];
			while (j < hi)
				b[o++] = a[j++];
		}
		uint32_t *t = a;
		a = b;
		b = t;
	}
	/* The result may sit in either half; callers free from the base. */
	if (a != (uint32_t *)phys_to_virt(phys)) {
		uint32_t *base = phys_to_virt(phys);
		for (uint32_t i = 0; i < events; i++)
			base[i] = a[i];
		a = base;
	}
	return a;
}

static void free_order(uint32_t *order, uint32_t events)
{
	if (order)
		pmm_free_pages(virt_to_phys(order), order_pages(events));
}

void trace_dump(void)
{
	char line[192];
	uint32_t events = 0;
	uint64_t dropped = 0;
	int ncpus = 0;

	if (!capacity) {
		kprintf("tracing: off (trace=off): nothing to dump");
		return;
	}
	/* Freeze: no CPU may append while we read (they see a full ring). */
	uint32_t saved_cap = capacity;
	__atomic_store_n(&capacity, 0, __ATOMIC_SEQ_CST);
	for (int c = 0; c < cpu_possible_count; c++) {
		if (!rings[c].rec)
			continue;
		ncpus = c + 1;
		events += rings[c].count;
		dropped += rings[c].dropped;
	}
	kprintf("trace: begin v2 cpus=%d events=%u dropped=%lu", ncpus, events,
		dropped);
	for (int c = 0; c < ncpus; c++)
		kprintf("trace: thread %d idle%d idle", -1 - c, c);
	for (int i = 0; i < TRACE_NAMES; i++)
		if (names[i].tid != SCHED_TRACE_NO_TID)
			kprintf("trace: thread %d %s %s", names[i].tid,
				names[i].name, names[i].class_name);
	/* Events are printed in time order. A ring holds what its CPU
	 * recorded, which includes events about other CPUs (a migration
	 * pulled from here, a wakeup sent there), and a path may record an
	 * event stamped at its start after one stamped later: sorting by
	 * time makes every CPU's line monotonic, as the format promises. */
	uint32_t *order = sorted_order(ncpus, events);
	for (uint32_t k = 0; k < events; k++) {
		if (!order)
			break;
		const struct trace_rec *t = rec_at(order[k]);
		const struct trace_name *n =
			t->event == STE_NEW || t->event == STE_CLASS ?
				lookup(t->tid_a) :
				0;
		struct sched_trace_rec r = {
			.ns = t->ns,
			.cpu = t->cpu,
			.event = t->event,
			.tid_a = t->tid_a,
			.tid_b = t->tid_b,
			.arg = t->arg,
			.name = n ? n->name : 0,
			/* The class it had then, not the one it has now. */
			.class_name = n ? class_names[t->class_id] : 0,
		};
		sched_trace_format(&r, line, sizeof(line));
		kprintf("trace: %s", line);
	}
	if (!order && events)
		kprintf("tracing: no memory to sort %u events; dump skipped", events);
	free_order(order, events);
	kprintf("trace: end");
	/* Start a fresh recording. */
	for (int c = 0; c < ncpus; c++) {
		rings[c].count = 0;
		rings[c].dropped = 0;
	}
	__atomic_store_n(&capacity, saved_cap, __ATOMIC_SEQ_CST);
}
