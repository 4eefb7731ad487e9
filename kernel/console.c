// SPDX-License-Identifier: MIT
#include "console.h"

#include "../drivers/ioapic.h"
#include "../drivers/lapic.h"
#include "../drivers/serial.h"
#include "../sched/sched.h"
#include "cpu.h"
#include "fs/tty.h"
#include "kthread.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "log.h"
#include "panic.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "power.h"
#include "report.h"
#include "topology_boot.h"
#include "trace.h"
#include "time.h"
#include "trap.h"
#include "vectors.h"

#define COM1_IRQ 4
#define BACKSPACE 0x08
#define DELETE 0x7f

/* Owned by console_input(): its only callers are the serial (ISA IRQ 4)
 * and keyboard (ISA IRQ 1, drivers/i8042.c) interrupt handlers, both
 * routed to the boot CPU and run with interrupts off, so one runs at a
 * time and neither interrupts the other. */
static char line[CONSOLE_LINE_MAX];
static int len;
/* Ctrl-T while /dev/console owns the input: this one line is ours. */
static bool escaped_line;

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
	pmm_log_nodes("mem: ");
}

static void cmd_cpus(void)
{
	for (int i = 0; i < cpu_possible_count; i++) {
		struct cpu *c = cpus[i];
		if (!c || !cpu_online(i))
			continue;
		struct sched_cpu_stats st = { 0 };
		/* A copy taken under that CPU's run-queue lock: the thread
		 * running there may exit and be freed at any moment, so its
		 * struct is never dereferenced from here. */
		char name[16] = "-";
		int tid = -1;
		/* Every online CPU has a run queue (cpu_possible_count sized
		 * the scheduler); false: not the scheduler's yet. */
		if (sched_cpu_curr_info(i, &tid, name))
			sched_cpu_stats(i, &st);
		kprintf("cpu%d: apic %u, running %s, %lu switches, %lu irqs, %lu "
			"timer events, %lu IPIs in, %lu spurious",
			c->id, c->apic_id, name,
			(unsigned long)st.switches, c->irqs, c->timer_events,
			c->ipis_received, c->spurious);
		topology_log_cpu(i);
	}
}

#define PS_MAX 64
static const char *const policy_names[] = { "fair", "fifo", "rr", "deadline",
					    "idle" };
static const char *const state_names[] = { "new", "runnable", "running",
					   "blocked", "zombie", "dead" };

static void cmd_ps(void)
{
	static struct sched_thread_info info[PS_MAX]; /* IRQ stacks are small */
	int n = sched_thread_snapshot(info, PS_MAX);

	/* User threads are named prog[pid] (the main thread) or
	 * prog[pid:tid] (kernel/proc/process.c, uthread_name). */
	kprintf("ps:  tid name            class    params              cpu state     "
		"run_ms  wait_ms migr switches");
	for (int i = 0; i < n && i < PS_MAX; i++) {
		const struct sched_thread_info *t = &info[i];
		char params[32];
		if (t->policy == SCHED_POLICY_DEADLINE)
			k_snprintf(params, sizeof(params), "%lu/%lu/%lu us",
				   (unsigned long)(t->dl_runtime_ns / 1000),
				   (unsigned long)(t->dl_deadline_ns / 1000),
				   (unsigned long)(t->dl_period_ns / 1000));
		else if (t->policy == SCHED_POLICY_FIFO || t->policy == SCHED_POLICY_RR)
			k_snprintf(params, sizeof(params), "prio %d", t->rt_priority);
		else
			k_snprintf(params, sizeof(params), "nice %d", t->nice);
		kprintf("ps: %4d %-15s %-8s %-19s %3d %-9s %7lu %8lu %4lu %8lu", t->tid,
			t->name, t->policy < 5 ? policy_names[t->policy] : "?",
			params, t->cpu, t->state < 6 ? state_names[t->state] : "?",
			(unsigned long)(t->run_ns / 1000000),
			(unsigned long)(t->wait_ns / 1000000),
			(unsigned long)t->migrations, (unsigned long)t->switches);
	}
	if (n > PS_MAX)
		kprintf("ps: ... and %d more", n - PS_MAX);
	kprintf("ps: %d threads (idle threads not listed)", n);
}

#define TOP_ROUNDS 5
#define TOP_INTERVAL_NS 1000000000ULL

/* Runs as a thread: it sleeps between refreshes, which the console's
 * interrupt handler cannot. */
static void top_thread(void *arg)
{
	/* One entry per CPU: on the heap, as 1024 of them would not fit a
	 * thread's 16 KiB stack. */
	struct sched_cpu_stats *prev = kzalloc(sizeof(*prev) *
					       (size_t)cpu_possible_count);
	struct sched_cpu_stats cur;
	(void)arg;
	if (!prev) {
		kprintf("top: no memory for %d CPUs' statistics", cpu_possible_count);
		return;
	}
	sched_account_all();
	for (int c = 0; c < cpu_possible_count; c++)
		if (cpu_online(c))
			sched_cpu_stats(c, &prev[c]);
	for (int r = 1; r <= TOP_ROUNDS; r++) {
		thread_sleep_for(TOP_INTERVAL_NS);
		sched_account_all();
		kprintf("top: refresh %d of %d", r, TOP_ROUNDS);
		for (int c = 0; c < cpu_possible_count; c++) {
			if (!cpu_online(c))
				continue;
			sched_cpu_stats(c, &cur);
			uint64_t busy = cur.busy_ns - prev[c].busy_ns;
			uint64_t idle = cur.idle_ns - prev[c].idle_ns;
			kprintf("top:   cpu%-3d %3lu%% busy  %6lu switches  %5lu timer "
				"events  %4lu migrations in", c,
				(unsigned long)(busy + idle ? busy * 100 / (busy + idle) : 0),
				(unsigned long)(cur.switches - prev[c].switches),
				(unsigned long)(cur.timer_events - prev[c].timer_events),
				(unsigned long)(cur.migrations_in - prev[c].migrations_in));
			prev[c] = cur;
		}
	}
	kfree(prev);
}

static void cmd_top(void)
{
	int err;
	if (!kthread_create("top", top_thread, 0, 0, 0, &err))
		kprintf("console: cannot start top (%d)", err);
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

static void cmd_poweroff(void)
{
	machine_poweroff();
}

static void cmd_report(void)
{
	report_start();
}

static const struct command commands[] = {
	{ "help", cmd_help, "list commands" },
	{ "uptime", cmd_uptime, "time since boot" },
	{ "mem", cmd_mem, "free physical memory" },
	{ "cpus", cmd_cpus, "online CPUs: interrupts, current thread, queue" },
	{ "ps", cmd_ps, "threads: class, parameters, CPU, state, run time" },
	{ "top", cmd_top, "per-CPU load, refreshed every second, 5 times" },
	{ "trace dump", cmd_trace_dump, "print the scheduler trace (v2 block)" },
	{ "reboot", cmd_reboot, "stop all CPUs, then reset the machine" },
	{ "poweroff", cmd_poweroff, "stop all CPUs, then power off (ACPI S5)" },
	{ "halt", cmd_halt, "stop all CPUs" },
	{ "report", cmd_report, "hardware report for a bug report" },
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

void console_input(int c)
{
	char echo[3] = { (char)c, 0, 0 };

	/* The rule that makes the unlocked line editor safe (above). */
	ASSERT(!(read_rflags() & RFLAGS_IF));
	ASSERT(this_cpu()->id == 0);
	/* docs/console.md: a user program reading /dev/console owns the
	 * input; a line already begun here is finished here. */
	if (!escaped_line && len == 0 && tty_owns_input()) {
		if (c == TTY_ESCAPE_KERNEL) {
			escaped_line = true;
			log_raw("kernel> ");
		} else {
			tty_input(c);
		}
		return;
	}
	if (c == '\r' || c == '\n') {
		log_raw("\n");
		run_line();
		len = 0;
		escaped_line = false;
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

static void rx_interrupt(struct trap_frame *f)
{
	int c;
	(void)f;
	while ((c = serial_getc()) >= 0)
		console_input(c);
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
