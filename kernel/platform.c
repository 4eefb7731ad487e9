// SPDX-License-Identifier: MIT
#include "platform.h"

#include "../acpi/acpi.h"
#include "../drivers/hpet.h"
#include "../drivers/i8042.h"
#include "../drivers/ioapic.h"
#include "../drivers/lapic.h"
#include "../drivers/pmtimer.h"
#include "../drivers/serial.h"
#include "arch/x86.h"
#include "boot_info.h"
#include "cmdline.h"
#include "console.h"
#include "lib/string.h"
#include "log.h"
#include "log_warn.h"
#include "mm/layout.h"
#include "mm/vmm.h"
#include "power.h"
#include "time.h"
#include "timer.h"

#define BOOT_TICK_HZ 1000

struct platform platform;
/* Large (the MADT's CPU array): static, not on the boot stack. */
static struct acpi_info acpi;
static const struct boot_info *boot;

static const void *acpi_map(void *ctx, uint64_t phys, uint64_t len)
{
	(void)ctx;
	if (len > boot->direct_map_size || phys > boot->direct_map_size - len)
		return 0;
	/* A bad pointer into the framebuffer, whose alias the screen
	 * console unmapped, would fault instead of failing a checksum. */
	if (!vmm_direct_mapped(phys, len))
		return 0;
	return phys_to_virt(phys);
}

const void *platform_acpi_map_for_test(uint64_t phys, uint64_t len)
{
	return acpi_map(0, phys, len);
}

static void acpi_log(void *ctx, const char *msg)
{
	(void)ctx;
	kprintf("%s", msg);
}

/* Everything acpi_parse() logs is a rejected table or entry. */
static void acpi_warn(void *ctx, const char *msg)
{
	(void)ctx;
	kwarn("%s", msg);
}

static enum lapic_force apic_option(void)
{
	const char *v = cmdline_get(&boot_cmdline, "apic");
	if (v && strcmp(v, "xapic") == 0)
		return LAPIC_FORCE_XAPIC;
	if (v && strcmp(v, "x2apic") == 0)
		return LAPIC_FORCE_X2APIC;
	return LAPIC_FORCE_AUTO;
}

static enum timer_force timer_option(void)
{
	const char *v = cmdline_get(&boot_cmdline, "timer");
	if (v && strcmp(v, "deadline") == 0)
		return TIMER_FORCE_DEADLINE;
	if (v && strcmp(v, "oneshot") == 0)
		return TIMER_FORCE_ONESHOT;
	if (v && strcmp(v, "periodic") == 0)
		return TIMER_FORCE_PERIODIC;
	return TIMER_FORCE_AUTO;
}

static void cpu_list_warn(void *ctx, const char *line)
{
	(void)ctx;
	kwarn("%s", line);
}

/* The CPU list SMP will start: enabled MADT entries, BSP first, at most
 * MAX_CPUS (kernel/cpu_list.h; one warning for those left out). */
static void collect_cpus(uint32_t bsp_apic_id)
{
	platform.ncpus = cpu_list_from_madt(&acpi.madt, bsp_apic_id, platform.cpu,
					    MAX_CPUS, &platform.madt_usable,
					    cpu_list_warn, 0);
}

_Static_assert(ACPI_MAX_CPUS >= MAX_CPUS,
	       "the MADT parser keeps an entry for every CPU the kernel can use");

static void apply_nmis(uint32_t uid)
{
	for (int i = 0; i < acpi.madt.nnmis; i++) {
		const struct acpi_nmi *n = &acpi.madt.nmi[i];
		if (n->acpi_uid == 0xffffffffu || n->acpi_uid == uid)
			lapic_set_nmi(n->lint, n->active_low, n->level_triggered);
	}
}

void platform_cpu_init(struct cpu *c)
{
	apply_nmis(c->acpi_uid);
}

/* The revision byte of the FADT's header: the IA-PC boot flags mean
 * something only from revision 2 on. */
static uint8_t fadt_revision(void)
{
	for (int i = 0; i < acpi.ntables; i++)
		if (acpi.table[i].valid && memcmp(acpi.table[i].sig, "FACP", 4) == 0)
			return acpi.table[i].revision;
	return 0;
}

static void start_keyboard(void)
{
	const char *v = cmdline_get(&boot_cmdline, "kbd");
	enum i8042_mode mode = I8042_MODE_AUTO;
	if (v && strcmp(v, "probe") == 0)
		mode = I8042_MODE_PROBE;
	else if (v && strcmp(v, "off") == 0)
		mode = I8042_MODE_OFF;
	i8042_init(i8042_fadt_verdict(acpi.fadt.present, fadt_revision(),
				      acpi.fadt.hw_reduced,
				      acpi.fadt.iapc_boot_arch),
		   mode);
}

void platform_init(const struct boot_info *bi)
{
	boot = bi;
	struct acpi_mem mem = { acpi_map, 0 };

	if (!bi->acpi_rsdp)
		kwarn("platform: the firmware gave no ACPI tables");
	else if (acpi_parse(&mem, bi->acpi_rsdp, &acpi, acpi_warn, 0) == 0)
		acpi_log_summary(&acpi, acpi_log, 0);
	platform.have_madt = acpi.madt.present && acpi.madt.ncpus > 0;
	if (!platform.have_madt)
		kwarn("platform: no usable MADT: one CPU, LAPIC at its MSR "
			"address, no IOAPIC");

	/* Local APIC. */
	int lapic_ok = lapic_init_bsp(acpi.madt.present ? acpi.madt.lapic_phys : 0,
				      acpi_madt_max_apic_id(&acpi.madt),
				      apic_option()) == 0;
	if (lapic_ok)
		lapic_init_cpu();
	else
		kwarn("platform: no usable local APIC: one CPU, no timer "
			"interrupts");
	platform.bsp_apic_id = lapic_ok ? lapic_id() : 0;
	cpus[0]->apic_id = platform.bsp_apic_id;
	if (platform.have_madt && lapic_ok) {
		collect_cpus(platform.bsp_apic_id);
	} else {
		platform.cpu[0] = (struct platform_cpu){ platform.bsp_apic_id, 0 };
		platform.ncpus = 1;
	}
	cpus[0]->acpi_uid = platform.cpu[0].acpi_uid;
	if (lapic_ok)
		apply_nmis(cpus[0]->acpi_uid);

	/* IOAPICs and ISA overrides. */
	for (int i = 0; lapic_ok && i < acpi.madt.nioapics; i++)
		ioapic_add(acpi.madt.ioapic[i].id, acpi.madt.ioapic[i].phys,
			   acpi.madt.ioapic[i].gsi_base);
	for (int i = 0; i < acpi.madt.noverrides; i++) {
		const struct acpi_override *o = &acpi.madt.override[i];
		if (o->bus != 0)
			continue; /* only ISA (bus 0) overrides are defined */
		struct isa_override io = { o->source_irq, o->gsi, o->active_low,
					   o->level_triggered };
		ioapic_add_override(&io);
	}
	platform.have_ioapic = ioapic_count() > 0;

	/* Clocks. */
	if (acpi.hpet.present)
		hpet_init(acpi.hpet.phys);
	else
		kwarn("platform: no HPET: calibrating against the %s%s",
			acpi.fadt.pm_timer_port ? "ACPI PM timer" : "PIT",
			platform.have_ioapic ? ", boot tick from the PIT" : "");
	if (acpi.fadt.present && acpi.fadt.pm_timer_port)
		pmtimer_init((uint16_t)acpi.fadt.pm_timer_port,
			     acpi.fadt.pm_timer_32bit);
	power_init(&acpi.fadt, &acpi.s5);

	if (platform.have_ioapic && boot_tick_start(BOOT_TICK_HZ) == 0)
		irq_enable();
	else
		kwarn("timer: no IOAPIC: no boot tick (calibration polls)");

	time_init(lapic_ok);

	uint64_t hz = 0;
	const char *hz_opt = cmdline_get(&boot_cmdline, "hz");
	if (hz_opt && (cmdline_parse_uint(hz_opt, &hz) || hz < 10 || hz > 10000)) {
		kprintf("timer: hz=%s out of range 10..10000; using %u", hz_opt,
			TIMER_DEFAULT_HZ);
		hz = 0;
	}
	const char *nohz_opt = cmdline_get(&boot_cmdline, "nohz");
	bool nohz = !(nohz_opt && strcmp(nohz_opt, "off") == 0);
	timer_setup(timer_option(), (uint32_t)hz, nohz);
	irq_disable();
	timer_switch_from_boot_tick();
	timer_init_cpu();

	if (platform.have_ioapic) {
		console_init();
		start_keyboard();
	} else {
		kwarn("kbd: no IOAPIC to route the keyboard's IRQ: no "
			"keyboard input");
	}
	irq_enable();
}

const struct acpi_info *platform_acpi(void)
{
	return &acpi;
}
