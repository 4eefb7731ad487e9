// SPDX-License-Identifier: MIT
#include "panic.h"

#include <stdarg.h>
#include <stdatomic.h>

#include "../drivers/qemu_exit.h"
#include "arch/x86.h"
#include "ksyms.h"
#include "lib/printf.h"
#include "log.h"
#include "../smp/smp.h"
#include "cpu.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "trace.h"

#define BACKTRACE_MAX_FRAMES 32
/* Nested faults on the reporting CPU: the first prints its line, a
 * second skips the printing, a third skips stopping the others too. */
#define NESTED_PRINT_MAX 1
#define NESTED_STOP_MAX 2

/* 0 = no fatal report yet; else the reporting CPU's id + 1. Claimed once
 * with a CAS; never cleared. */
static atomic_int panicking;
/* Faults taken by the reporting CPU after it claimed the report. Only
 * that CPU writes it. */
static atomic_int nested_faults;

static int my_claim(void)
{
	return cpu_ready ? this_cpu()->id + 1 : 1;
}

int panic_begin(void)
{
	irq_disable();
	int expected = 0;
	int me = my_claim();
	if (atomic_compare_exchange_strong(&panicking, &expected, me)) {
		log_panic_mode();
		return PANIC_CLAIMED;
	}
	return expected == me ? PANIC_NESTED : PANIC_OTHER_CPU;
}

static __attribute__((noreturn)) void panic_nested(const char *what)
{
	int n = atomic_fetch_add(&nested_faults, 1);
	if (n < NESTED_PRINT_MAX)
		kprintf("FATAL: %s while reporting a fatal error; stopping", what);
	if (n < NESTED_STOP_MAX) {
		smp_stop_others(true);
		kprintf("halting: failure");
	}
	qemu_exit(QEMU_EXIT_FAILURE);
	for (;;)
		hlt();
}

void panic_halt_or_nested(int claim, const char *what)
{
	if (claim == PANIC_NESTED)
		panic_nested(what);
	/* Another CPU is reporting; it stops this one with an NMI. */
	for (;;)
		hlt();
}

static void print_frame(int n, uint64_t rip)
{
	uint64_t off;
	const char *name = ksym_lookup(rip, &off);
	if (name)
		kprintf("  #%-2d 0x%016lx %s+0x%lx", n, rip, name, off);
	else
		kprintf("  #%-2d 0x%016lx ?", n, rip);
}

/* A frame pointer is followed only while its frame (saved rbp and return
 * address) lies inside the stack the walk started on and moves up it, so
 * a corrupt chain ends the walk instead of faulting inside the fatal
 * report: every such address is mapped (kstack.h). */
static int frame_ok(uint64_t rbp, uint64_t prev, const struct kstack_info *st)
{
	return (rbp & 7) == 0 && rbp > prev && rbp >= st->lo &&
	       rbp + 16 <= st->hi;
}

void backtrace_from(uint64_t rip, uint64_t rbp)
{
	struct kstack_info st;
	kprintf("backtrace:");
	print_frame(0, rip);
	if (!rbp)
		return;
	if (kstack_find(rbp, &st)) {
		kprintf("backtrace: frame pointer %016lx is on no known stack; "
			"not following it", rbp);
		return;
	}
	uint64_t prev = 0;
	for (int n = 1; n < BACKTRACE_MAX_FRAMES; n++) {
		if (!frame_ok(rbp, prev, &st)) {
			if (rbp) /* 0 is where every chain ends */
				kprintf("backtrace: frame pointer %016lx leaves "
					"the stack %016lx-%016lx; stopping",
					rbp, st.lo, st.hi);
			break;
		}
		uint64_t *frame = (uint64_t *)rbp;
		uint64_t ret = frame[1];
		if (!ret)
			break; /* the loader's zero return address */
		/* ret - 1 names the call instruction, not what follows it. */
		print_frame(n, ret - 1);
		prev = rbp;
		rbp = frame[0];
	}
}

__attribute__((noinline)) void backtrace(void)
{
	uint64_t rbp;
	__asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
	/* Start from our caller, not from backtrace() itself. */
	uint64_t *frame = (uint64_t *)rbp;
	backtrace_from(frame[1] - 1, frame[0]);
}

void panic(const char *fmt, ...)
{
	int claim = panic_begin();
	if (claim != PANIC_CLAIMED) {
		/* Only the format: the arguments may be what faults. */
		char what[160];
		k_snprintf(what, sizeof(what), "panic(\"%s\")", fmt);
		panic_halt_or_nested(claim, what);
	}
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	k_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("PANIC: %s", msg);
	backtrace();
	fatal_exit();
}

void fatal_exit(void)
{
	smp_stop_others(true);
	if (trace_dump_requested())
		trace_dump();
	kprintf("halting: failure");
	qemu_exit(QEMU_EXIT_FAILURE);
}
