// SPDX-License-Identifier: MIT
#include "log.h"

#include <stdatomic.h>

#include "../drivers/fbcon.h"
#include "../drivers/serial.h"
#include "../drivers/tsc.h"
#include "arch/x86.h"
#include "cpu.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "spinlock.h"

#define LOG_LINE_MAX 512

/* Protects: the serial transmitter and the screen console's state
 * (drivers/fbcon.h), so each line goes out whole. Leaf lock: nothing is
 * taken while it is held. */
static struct spinlock log_lock = SPINLOCK_INIT("log");
static atomic_int panic_mode;
/* 0 under console=fb: the log is drawn on the screen only. Written and
 * read under log_lock; a panic report goes to serial whatever it says. */
static int serial_on = 1;

void log_panic_mode(void)
{
	atomic_store(&panic_mode, 1);
}

void log_hold_for_test(int *held)
{
	(void)spin_lock_irqsave(&log_lock);
	__atomic_store_n(held, 1, __ATOMIC_RELEASE);
	for (;;)
		cpu_relax();
}

/* Spins to wait for the log lock in panic mode before writing anyway:
 * enough for any live CPU to finish its line, bounded for a dead one. */
#define PANIC_LOCK_SPINS 2000000

static int try_lock_bounded(void)
{
	for (int i = 0; i < PANIC_LOCK_SPINS; i++) {
		if (spin_trylock(&log_lock))
			return 1;
		cpu_relax();
	}
	return 0;
}

static void out(const char *s, size_t len)
{
	if (atomic_load_explicit(&panic_mode, memory_order_relaxed)) {
		/* Several CPUs report at once during a panic: keep lines
		 * whole if the lock can be had, but never wait forever on a
		 * holder that may be dead (or be this CPU). */
		uint64_t f = irq_save();
		int locked = try_lock_bounded();
		serial_write(s, len);
		fbcon_write(s, len);
		if (locked)
			spin_unlock(&log_lock);
		irq_restore(f);
		return;
	}
	uint64_t f = spin_lock_irqsave(&log_lock);
	if (serial_on)
		serial_write(s, len);
	fbcon_write(s, len); /* the screen: drivers/fbcon.h */
	spin_unlock_irqrestore(&log_lock, f);
}

void log_set_serial(int on)
{
	uint64_t f = spin_lock_irqsave(&log_lock);
	serial_on = on;
	spin_unlock_irqrestore(&log_lock, f);
}

void vkprintf(const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	uint64_t ns = uptime_ns();
	int n;

	if (cpu_ready)
		n = k_snprintf(line, sizeof(line), "[%5lu.%06lu] cpu%d: ",
			       (unsigned long)(ns / 1000000000),
			       (unsigned long)(ns / 1000 % 1000000),
			       raw_this_cpu()->id); /* a prefix: stale is harmless */
	else
		n = k_snprintf(line, sizeof(line), "[%5lu.%06lu] cpu?: ",
			       (unsigned long)(ns / 1000000000),
			       (unsigned long)(ns / 1000 % 1000000));
	/* Leave room for "\n": an over-long message is cut, not lost. */
	k_vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	size_t len = strlen(line);
	line[len++] = '\n';
	out(line, len);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
}

void log_raw(const char *s)
{
	out(s, strlen(s));
}

void log_write(const char *s, unsigned long len)
{
	out(s, len);
}
