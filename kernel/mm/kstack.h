/* SPDX-License-Identifier: MIT */
/*
 * Kernel stacks with guard pages. Every kernel stack (kernel threads, each
 * CPU's boot/idle stack, the IST stacks for #DF, NMI and #MC) lives in its
 * own KSTACK_SLOT_SIZE slot of a dedicated virtual region, mapped with
 * 4 KiB pages at the top of the slot; the rest of the slot below it stays
 * unmapped. Running off the bottom of a stack therefore faults at once
 * (and, because the #PF cannot push its frame on the overflowed stack,
 * raises #DF, which runs on its own IST stack: kernel/trap.c turns that
 * into "stack overflow in thread X on cpuN") instead of silently
 * overwriting whatever page the direct map put below it.
 *
 * The region also answers, without locks, "which stack is this address
 * on, and what are its bounds": the backtrace walker (kernel/panic.c)
 * bounds its walk with it, and the fault path names the overflowed stack.
 * A few early stacks outside the region (the loader's boot stack, the
 * boot CPU's first IST stacks) are registered with kstack_register_fixed()
 * so the walker knows their bounds too; they have no guard page.
 *
 * Freeing unmaps the pages and returns them to pmm at once; the virtual
 * slot is reused only after a TLB shootdown (see kstack.c for why).
 *
 * Read next: kernel/kthread.c (thread stacks), smp/boot.c (CPU stacks).
 */
#ifndef COHORT_MM_KSTACK_H
#define COHORT_MM_KSTACK_H

#include <stdint.h>

/* PML4 slot 508: away from the direct map (256..), the scratch window
 * (510) and the kernel image (511). */
#define KSTACK_REGION_BASE 0xfffffe0000000000ULL
#define KSTACK_SLOT_SIZE (64 * 1024ULL)
/* 512 MiB of address space; its page tables (1 MiB) are allocated once
 * by kstack_init(). A CPU takes 1 + IST_COUNT (4) slots: MAX_CPUS (1024)
 * CPUs at most half of them (kstack.c checks). */
#define KSTACK_SLOTS 8192
#define KSTACK_REGION_END (KSTACK_REGION_BASE + KSTACK_SLOTS * KSTACK_SLOT_SIZE)
/* At least one unmapped page stays below every stack. */
#define KSTACK_MAX_PAGES (KSTACK_SLOT_SIZE / 4096 - 1)

enum kstack_kind {
	KSTACK_FREE = 0,
	KSTACK_THREAD, /* a kernel thread's stack; `thread` names it */
	KSTACK_CPU,    /* one of cpu `cpu`'s own stacks; `what` names it */
	KSTACK_FIXED,  /* registered early stack, no guard */
};

/* What an address on (or just below) a stack belongs to. */
struct kstack_info {
	enum kstack_kind kind;
	uint64_t lo, hi;	  /* mapped bounds [lo, hi) */
	const struct thread *thread; /* KSTACK_THREAD */
	int cpu;		  /* KSTACK_CPU */
	const char *what;	  /* KSTACK_CPU/FIXED: "idle", "#DF", ... */
};

/* Allocate the region's page tables (BSP, once, after pmm_init and
 * before any AP page tables copy the kernel half). */
void kstack_init(void);

/* Allocate a stack of `pages` (1..KSTACK_MAX_PAGES) zeroed pages with an
 * unmapped guard below it. Returns the stack's top (one past its highest
 * byte, 16-byte aligned) or 0 if out of memory or slots. May call
 * tlb_shootdown() to recycle slots, so interrupts must be on unless the
 * system is still single-CPU (boot). */
uint64_t kstack_alloc(int pages, enum kstack_kind kind, int cpu,
		      const char *what);
/* Name the thread a KSTACK_THREAD stack belongs to (its struct exists only
 * after the stack: kthread.c allocates the stack first). */
void kstack_set_thread(uint64_t top, const struct thread *t);
/* Unmap and free the stack whose top kstack_alloc() returned. Must not be
 * the stack in use, on any CPU. */
void kstack_free(uint64_t top);

/* Bounds of a stack with no slot (no guard page): used by the walker. */
void kstack_register_fixed(uint64_t lo, uint64_t hi, const char *what);

/* Lock-free, for the fault paths. Fill *info for the stack that `addr` is
 * on; 0 if it is on one, -1 if not. */
int kstack_find(uint64_t addr, struct kstack_info *info);
/* Fill *info for the stack whose guard (the unmapped part of its slot)
 * holds `addr`; 0 if so, -1 if `addr` is no guard page. */
int kstack_guard_hit(uint64_t addr, struct kstack_info *info);

/* Mapped stacks right now (for the self-tests' leak checks). */
int kstack_in_use(void);

#endif
