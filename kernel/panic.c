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
#include "mm/layout.h"
#include "trace.h"

#define BACKTRACE_MAX_FRAMES 32

static atomic_int panicking;

int panic_begin(void)
{
	irq_disable();
	int expected = 0;
	if (!atomic_compare_exchange_strong(&panicking, &expected, 1))
		return 0;
	log_panic_mode();
	return 1;
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

/* A frame pointer is followed only while it points into kernel memory and
 * moves up the stack, so a corrupt chain ends the walk instead of faulting
 * again inside the panic path. */
static int frame_ok(uint64_t rbp, uint64_t prev)
{
	return rbp && (rbp & 7) == 0 && rbp > prev && is_kernel_addr(rbp) &&
	       is_kernel_addr(rbp + 15);
}

void backtrace_from(uint64_t rip, uint64_t rbp)
{
	kprintf("backtrace:");
	print_frame(0, rip);
	uint64_t prev = 0;
	for (int n = 1; n < BACKTRACE_MAX_FRAMES && frame_ok(rbp, prev); n++) {
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
	if (!panic_begin())
		for (;;)
			hlt();
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
