// SPDX-License-Identifier: MIT
/*
 * Reset, power-off and halt (contract in power.h).
 *
 * Each path first stops the other CPUs (NMI, smp_stop_others), then works
 * with interrupts off on the calling CPU alone, so nothing here takes a
 * lock and nothing can race it. Every hardware step is logged before it is
 * tried, and one that leaves the machine running is logged again, so a
 * serial log or a screen photo from a real PC shows which step failed.
 *
 * Registers come from the FADT as Generic Address Structures (ACPI 6.5
 * 5.2.3.2): system I/O, system memory (mapped uncached through
 * ioremap() at boot), and for the reset register also PCI configuration
 * space on bus 0 (written through configuration mechanism #1, ports
 * 0xcf8/0xcfc, which every PC chipset decodes). PM1 control is 16 bits
 * wide (PM1_CNT_LEN is 2 on every PC); the reset register is one byte.
 * The PM1 sequence follows ACPICA's legacy sleep: clear SLP_TYP and
 * SLP_EN keeping the other bits, write SLP_TYP, then SLP_TYP | SLP_EN,
 * to PM1a then PM1b, each with its own value (ACPI 6.5 4.8.3.2.1, 16.1.7).
 * If the firmware left the machine in legacy mode (SCI_EN clear), ACPI
 * mode is switched on first through SMI_CMD (4.8.2.1), as an OS does at
 * boot: in legacy mode the fixed hardware belongs to SMM.
 */
#include "power.h"

#include "../acpi/acpi.h"
#include "../drivers/i8042_probe.h"
#include "../sched/sched.h"
#include "../smp/smp.h"
#include "arch/x86.h"
#include "cpu.h"
#include "log.h"
#include "mm/ioremap.h"
#include "mm/layout.h"
#include "preempt.h"
#include "selftest.h"
#include "time.h"

#define KBC_PULSE_RESET 0xfe /* pulse output line 0 (CPU reset) low */
#define KBC_WAIT_US 100000
#define RESET_SETTLE_US 500000

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define GAS_PCI_CONFIG 2

/* PM1 control register bits (ACPI 6.5 4.8.3.2.1, table "PM1 Control"). */
#define PM1_SCI_EN 0x0001
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK (7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN 0x2000
#define ACPI_MODE_WAIT_US 1000000

/* Written once by power_init() on the boot CPU before any AP runs;
 * read-only afterwards, so no lock. */
static struct {
	bool reset_supported;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	bool have_fadt;
	bool hw_reduced;
	struct acpi_gas pm1a, pm1b;
	uint16_t smi_cmd;
	uint8_t acpi_enable;
	bool have_s5;
	uint8_t slp_typa, slp_typb;
	/* Memory-space registers, mapped uncached once at boot (NULL: I/O
	 * space, or not mappable). */
	volatile uint8_t *reset_va;
	volatile uint16_t *pm1a_va, *pm1b_va;
} hw;

/* An uncached mapping of a memory-space register of size bytes, or NULL
 * (with ioremap's line) if it cannot be mapped. Through the device window
 * rather than the direct map: the direct map covers RAM only, and a
 * write-back alias of a chipset register is what PAT aliasing rules
 * forbid (docs/architecture.md, decision 10). */
static volatile void *map_reg(const struct acpi_gas *g, uint64_t size)
{
	if (g->space_id != ACPI_GAS_MEMORY || g->address == 0)
		return 0;
	return ioremap(g->address, size, IOREMAP_UC);
}

void power_init(const struct acpi_fadt *fadt, const struct acpi_s5 *s5)
{
	if (fadt && fadt->present) {
		hw.have_fadt = true;
		hw.hw_reduced = fadt->hw_reduced;
		hw.reset_supported = fadt->reset_supported;
		hw.reset_reg = fadt->reset_reg;
		hw.reset_value = fadt->reset_value;
		hw.pm1a = fadt->pm1a_cnt;
		hw.pm1b = fadt->pm1b_cnt;
		hw.smi_cmd = (uint16_t)fadt->smi_cmd;
		hw.acpi_enable = fadt->acpi_enable;
		/* ACPI 6.5 5.2.9: the reset register is 8 bits wide; PM1
		 * control is a 16-bit register (PM1_CNT_LEN >= 2). */
		if (hw.reset_supported)
			hw.reset_va = map_reg(&hw.reset_reg, 1);
		hw.pm1a_va = map_reg(&hw.pm1a, 2);
		hw.pm1b_va = map_reg(&hw.pm1b, 2);
	}
	if (s5 && s5->present) {
		hw.have_s5 = true;
		hw.slp_typa = s5->slp_typa;
		hw.slp_typb = s5->slp_typb;
	}
}


static const char *space_name(uint8_t space)
{
	switch (space) {
	case ACPI_GAS_IO:
		return "I/O";
	case ACPI_GAS_MEMORY:
		return "memory";
	case GAS_PCI_CONFIG:
		return "PCI config";
	default:
		return "unknown space";
	}
}

/* The mapping of PM1a or PM1b control, if it is in memory space. */
static volatile uint16_t *pm1_va(const struct acpi_gas *g)
{
	return g == &hw.pm1a ? hw.pm1a_va : hw.pm1b_va;
}

/* Can the kernel reach this 16-bit PM1 register? */
static bool pm1_usable(const struct acpi_gas *g)
{
	if (g->space_id == ACPI_GAS_IO)
		return g->address != 0 && g->address <= 0xfffe;
	return g->space_id == ACPI_GAS_MEMORY && pm1_va(g);
}

static uint16_t pm1_read(const struct acpi_gas *g)
{
	if (g->space_id == ACPI_GAS_IO)
		return inw((uint16_t)g->address);
	return *pm1_va(g);
}

static void pm1_write(const struct acpi_gas *g, uint16_t v)
{
	if (g->space_id == ACPI_GAS_IO)
		outw((uint16_t)g->address, v);
	else
		*pm1_va(g) = v;
}

/* Interrupts off first: power.h promises any context, and a tick taken
 * after the stop could wait for a run-queue lock a stopped CPU holds. */
static void stop_others(void)
{
	irq_disable();
	int others = cpu_online_count() - 1;
	smp_stop_others(false);
	/* A CPU stopped in the middle of a log line holds the log lock for
	 * good; from here on only this CPU runs, so log as a panic does. */
	log_panic_mode();
	kprintf("power: stopped %d other CPU%s", others, others == 1 ? "" : "s");
}

static __attribute__((noreturn)) void halt_forever(void)
{
	for (;;) {
		irq_disable();
		hlt();
	}
}

static __attribute__((noreturn)) void halt_safe(void)
{
	kprintf("power: all CPUs stopped; it is safe to turn the machine off");
	halt_forever();
}

/* ---- Reset ---- */

/* Write the FADT reset value; false (with a line) if the register is in a
 * space or at an address we cannot write. */
static bool reset_reg_write(void)
{
	const struct acpi_gas *g = &hw.reset_reg;
	volatile uint8_t *m;

	switch (g->space_id) {
	case ACPI_GAS_IO:
		if (g->address > 0xffff)
			break;
		outb((uint16_t)g->address, hw.reset_value);
		return true;
	case ACPI_GAS_MEMORY:
		m = hw.reset_va;
		if (!m)
			break;
		*m = hw.reset_value;
		return true;
	case GAS_PCI_CONFIG: {
		/* Bus 0 only (5.2.3.2): device in bits 47:32, function in
		 * 31:16, register in 15:0. */
		uint32_t dev = (g->address >> 32) & 0xffff;
		uint32_t fn = (g->address >> 16) & 0xffff;
		uint32_t reg = g->address & 0xffff;
		if (dev > 31 || fn > 7 || reg > 0xff || g->address >> 48)
			break;
		outl(PCI_CONFIG_ADDRESS,
		     0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc));
		outb((uint16_t)(PCI_CONFIG_DATA + (reg & 3)), hw.reset_value);
		return true;
	}
	default:
		break;
	}
	kprintf("power: reset: FADT reset register %s 0x%llx cannot be "
		"written; skipped", space_name(g->space_id),
		(unsigned long long)g->address);
	return false;
}

static void reset_fadt(void)
{
	if (!hw.reset_supported) {
		kprintf("power: reset: %s", hw.have_fadt ?
			"the FADT offers no reset register" :
			"no FADT, so no ACPI reset register");
		return;
	}
	kprintf("power: reset: FADT reset register (%s 0x%llx <- 0x%x)",
		space_name(hw.reset_reg.space_id),
		(unsigned long long)hw.reset_reg.address, hw.reset_value);
	if (!reset_reg_write())
		return;
	delay_us(RESET_SETTLE_US);
	kprintf("power: reset: still running %u ms after the FADT reset "
		"register write", RESET_SETTLE_US / 1000);
}

static void reset_kbc(void)
{
	uint8_t status = inb(I8042_STATUS);

	/* Nothing decodes the port: the bus floats high. Waiting for the
	 * input buffer would time out and the pulse would go nowhere. */
	if (status == 0xff) {
		kprintf("power: reset: no keyboard controller (port 0x64 "
			"reads 0xff); skipping its reset pulse");
		return;
	}
	kprintf("power: reset: keyboard controller reset pulse (0xfe to "
		"port 0x64)");
	uint64_t end = now_ns() + KBC_WAIT_US * 1000ull;
	while ((inb(I8042_STATUS) & I8042_STATUS_IN_FULL) &&
	       now_ns() < end)
		cpu_relax();
	if (inb(I8042_STATUS) & I8042_STATUS_IN_FULL)
		kprintf("power: reset: keyboard controller input buffer "
			"still full after %u ms; sending anyway",
			KBC_WAIT_US / 1000);
	outb(I8042_COMMAND, KBC_PULSE_RESET);
	delay_us(RESET_SETTLE_US);
	kprintf("power: reset: still running %u ms after the keyboard "
		"controller pulse", RESET_SETTLE_US / 1000);
}

void machine_reboot(void)
{
	kprintf("power: rebooting");
	stop_others();
	irq_disable();
	reset_fadt();
	reset_kbc();
	/* Last resort: an exception with no IDT is a triple fault, which
	 * resets the CPU (and on a PC the platform). */
	kprintf("power: reset: triple fault (empty IDT, then int3)");
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) none = { 0, 0 };
	__asm__ volatile("lidt %0; int3" ::"m"(none));
	halt_forever();
}

/* ---- Power-off ---- */

/* Hand the fixed hardware from SMM to us if the firmware has not. */
static void acpi_mode_enable(void)
{
	if (pm1_read(&hw.pm1a) & PM1_SCI_EN)
		return;
	if (!hw.smi_cmd || !hw.acpi_enable) {
		kprintf("power: off: SCI_EN is clear and the FADT has no "
			"SMI_CMD to switch to ACPI mode; trying anyway");
		return;
	}
	kprintf("power: off: switching to ACPI mode (0x%x to SMI_CMD port "
		"0x%x)", hw.acpi_enable, hw.smi_cmd);
	outb(hw.smi_cmd, hw.acpi_enable);
	uint64_t end = now_ns() + ACPI_MODE_WAIT_US * 1000ull;
	while (!(pm1_read(&hw.pm1a) & PM1_SCI_EN) && now_ns() < end)
		cpu_relax();
	if (!(pm1_read(&hw.pm1a) & PM1_SCI_EN))
		kprintf("power: off: SCI_EN still clear after %u ms; trying "
			"anyway", ACPI_MODE_WAIT_US / 1000);
}

/* Why S5 cannot be tried, or NULL if it can. */
static const char *poweroff_blocker(void)
{
	if (!hw.have_fadt)
		return "no FADT";
	if (hw.hw_reduced)
		return "hardware-reduced ACPI (no PM1 control; its sleep "
		       "registers are not supported)";
	if (!hw.have_s5)
		return "no usable \\_S5 package in the DSDT or SSDTs";
	if (!pm1_usable(&hw.pm1a))
		return "PM1a_CNT is missing or not reachable";
	return 0;
}

void machine_poweroff(void)
{
	kprintf("power: powering off");
	stop_others();
	irq_disable();

	const char *why = poweroff_blocker();
	if (why) {
		kprintf("power: off: cannot enter ACPI S5: %s; halting", why);
		halt_safe();
	}
	bool pm1b = hw.pm1b.address != 0;
	if (pm1b && !pm1_usable(&hw.pm1b)) {
		kprintf("power: off: PM1b_CNT %s 0x%llx is not reachable; "
			"writing PM1a_CNT only", space_name(hw.pm1b.space_id),
			(unsigned long long)hw.pm1b.address);
		pm1b = false;
	}
	acpi_mode_enable();

	uint16_t a = pm1_read(&hw.pm1a) & ~(PM1_SLP_TYP_MASK | PM1_SLP_EN);
	uint16_t b = pm1b ? pm1_read(&hw.pm1b) : 0;

	b &= ~(PM1_SLP_TYP_MASK | PM1_SLP_EN);
	a |= (uint16_t)(hw.slp_typa << PM1_SLP_TYP_SHIFT);
	b |= (uint16_t)(hw.slp_typb << PM1_SLP_TYP_SHIFT);
	kprintf("power: off: ACPI S5: SLP_TYPa %u to PM1a_CNT %s 0x%llx",
		hw.slp_typa, space_name(hw.pm1a.space_id),
		(unsigned long long)hw.pm1a.address);
	if (pm1b)
		kprintf("power: off: ACPI S5: SLP_TYPb %u to PM1b_CNT %s "
			"0x%llx", hw.slp_typb, space_name(hw.pm1b.space_id),
			(unsigned long long)hw.pm1b.address);
	/* SLP_TYP first, then SLP_EN with it: some chipsets latch the type
	 * on the write that sets SLP_EN and want it already in place. */
	pm1_write(&hw.pm1a, a);
	if (pm1b)
		pm1_write(&hw.pm1b, b);
	pm1_write(&hw.pm1a, a | PM1_SLP_EN);
	if (pm1b)
		pm1_write(&hw.pm1b, b | PM1_SLP_EN);

	delay_us(POWER_OFF_WAIT_MS * 1000ull);
	kprintf("power: off: still running %u ms after the S5 request; "
		"halting", POWER_OFF_WAIT_MS);
	halt_safe();
}

void machine_halt(void)
{
	kprintf("power: halting");
	stop_others();
	halt_safe();
}

/* ---- test=power-stop ---- */

static int log_held;

static void hold_log_lock(void *arg)
{
	(void)arg;
	log_hold_for_test(&log_held);
}

/* The holder must be another CPU, chosen with preemption off and kept off
 * until the stop: an async call to this CPU runs here and never returns,
 * and once the holder spins with interrupts off, a thread put on its run
 * queue would never run again. */
int power_selftest_stop(void)
{
	int n = cpu_online_count();

	if (n < 2) {
		kprintf("power-stop: needs at least 2 CPUs");
		return 1;
	}
	/* Where the scheduler may put the init thread: it once picked "the
	 * last CPU" as the holder and hung. */
	selftest_start_on_last_cpu(0);

	preempt_disable();
	int me = this_cpu()->id, holder = cpu_online_other(me);
	smp_call_on(holder, hold_log_lock, 0, false);
	/* No logging until the others are stopped: the lock is taken. */
	/* A bound, not a timing goal: vCPUs of a loaded host can stall. */
	uint64_t end = now_ns() + 10000000000ull;
	while (!__atomic_load_n(&log_held, __ATOMIC_ACQUIRE) && now_ns() < end)
		cpu_relax();
	if (!__atomic_load_n(&log_held, __ATOMIC_ACQUIRE)) {
		preempt_enable();
		/* It may still take the lock: never wait for it. */
		log_panic_mode();
		kprintf("power-stop: cpu%d never took the log lock", holder);
		return 1;
	}
	uint64_t flags = irq_save(); /* stop_others() leaves them off */
	stop_others();
	kprintf("power-stop: logged on cpu%d after stopping cpu%d, which held "
		"the log lock", me, holder);
	irq_restore(flags);
	preempt_enable();
	return 0;
}
