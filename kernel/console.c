// SPDX-License-Identifier: MIT
#include "console.h"

#include "../drivers/ioapic.h"
#include "../drivers/lapic.h"
#include "../drivers/serial.h"
#include "cpu.h"
#include "lib/string.h"
#include "log.h"
#include "mm/pmm.h"
#include "power.h"
#include "trace.h"
#include "time.h"
#include "trap.h"
#include "vectors.h"

#define COM1_IRQ 4
#define BACKSPACE 0x08
#define DELETE 0x7f

/* Owned by the interrupt handler (one CPU, interrupts off). */
static char line[CONSOLE_LINE_MAX];
static int len;

struct command {
	const char *name;
	void (*run)(void);
	const char *help;
};

static void cmd_help(void);

static void cmd_uptime(void)
{
	uint64_t ns = now_ns();
	kprintf("uptime %lu.%06lu s", ns / 1000000000, ns / 1000 % 1000000);
}

static void cmd_mem(void)
{
	kprintf("mem: %lu pages free (%lu MiB)", pmm_free_count(),
		pmm_free_count() * 4096 >> 20);
}

static void cmd_cpus(void)
{
	for (int i = 0; i < MAX_CPUS; i++) {
		struct cpu *c = &cpus[i];
		if (c->state != CPU_ONLINE)
			continue;
		kprintf("cpu%d: apic %u, %lu irqs, %lu timer events, %lu spurious",
			c->id, c->apic_id, c->irqs, c->timer_events, c->spurious);
	}
}

static void cmd_trace_dump(void)
{
	trace_dump();
}

static void cmd_reboot(void)
{
	machine_reboot();
}

static void cmd_halt(void)
{
	machine_halt();
}

static const struct command commands[] = {
	{ "help", cmd_help, "list commands" },
	{ "uptime", cmd_uptime, "time since boot" },
	{ "mem", cmd_mem, "free physical memory" },
	{ "cpus", cmd_cpus, "online CPUs and their interrupt counts" },
	{ "trace dump", cmd_trace_dump, "print the scheduler trace (v2 block)" },
	{ "reboot", cmd_reboot, "stop all CPUs, then reset the machine" },
	{ "halt", cmd_halt, "stop all CPUs" },
};

static void cmd_help(void)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		kprintf("console: %-10s %s", commands[i].name, commands[i].help);
}

static void run_line(void)
{
	line[len] = 0;
	if (len == 0)
		return;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, line) == 0) {
			commands[i].run();
			return;
		}
	kprintf("console: unknown command '%s' (try help)", line);
}

static void rx_interrupt(struct trap_frame *f)
{
	int c;
	(void)f;
	while ((c = serial_getc()) >= 0) {
		char echo[3] = { (char)c, 0, 0 };
		if (c == '\r' || c == '\n') {
			log_raw("\n");
			run_line();
			len = 0;
		} else if (c == BACKSPACE || c == DELETE) {
			if (len > 0) {
				len--;
				log_raw("\b \b");
			}
		} else if (c >= 0x20 && c < 0x7f && len < CONSOLE_LINE_MAX - 1) {
			line[len++] = (char)c;
			log_raw(echo);
		}
	}
}

void console_init(void)
{
	trap_set_handler(VEC_ISA_BASE + COM1_IRQ, rx_interrupt);
	int gsi = isa_irq_route(COM1_IRQ, VEC_ISA_BASE + COM1_IRQ, lapic_id());
	if (gsi < 0 || serial_enable_rx_interrupt() < 0) {
		kprintf("console: no serial input (COM1 IRQ %d not routable)",
			COM1_IRQ);
		return;
	}
	kprintf("console: serial input on ISA IRQ %d -> GSI %d; type 'help'",
		COM1_IRQ, gsi);
}
