// SPDX-License-Identifier: MIT
/*
 * The hardware report (report.h has the contract; docs/console.md the
 * fields).
 *
 * Everything here is read-only after boot (the ACPI summary, the boot
 * memory map, the clock and timer decisions, each CPU's online time) or
 * copied under its own lock (warnings: kernel/log_warn.c), so the report
 * takes no lock of its own and may run on any CPU at any time after the
 * ready line. Two reads are of this CPU's registers (CPUID, the microcode
 * MSR): they run with interrupts off so the thread cannot move between
 * them.
 *
 * CPU identification: Intel SDM Vol. 2A, CPUID leaves 0, 1 and
 * 0x80000002-4 (display family/model: family 6 and 15 add the extended
 * model, family 15 adds the extended family); microcode revision: SDM
 * Vol. 3A 10.11.7.1 (write 0 to IA32_BIOS_SIGN_ID, CPUID(1), read the high
 * half); AMD keeps the patch level in the low half of the same MSR
 * (MSR0000_008B, AMD BKDG).
 */
#include "report.h"

#include "../acpi/acpi.h"
#include "../drivers/i8042.h"
#include "../drivers/lapic.h"
#include "../smp/smp.h"
#include "arch/x86.h"
#include "boot_info.h"
#include "cpu.h"
#include "cpu_ident.h"
#include "errno.h"
#include "kthread.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "log.h"
#include "log_warn.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "platform.h"
#include "time.h"
#include "timer.h"
#include "timer_select.h"
#include "topology_boot.h"

#ifndef COHORT_VERSION
#define COHORT_VERSION "unknown"
#endif

/* kernel/main.c: set before anything else runs, read-only afterwards. */
extern const struct boot_info *boot_info;

static void report_cpu(void)
{
	struct cpu_ident id;
	uint64_t f = irq_save(); /* the CPU named is the one that was read */
	int cpu = this_cpu()->id;
	cpu_ident_read(&id);
	irq_restore(f);
	/* Brand strings are padded with leading blanks on older Intel parts. */
	char *b = id.brand;
	while (*b == ' ')
		b++;
	for (char *p = b; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	kprintf("report: cpu: %s family 0x%x model 0x%x stepping %u microcode "
		"%s0x%x (read on cpu%d)%s", id.vendor, id.family, id.model,
		id.stepping, id.microcode_known ? "" : "unknown ", id.microcode,
		cpu, id.hypervisor ? ", under a hypervisor" : "");
	kprintf("report: cpu: \"%s\"", *b ? b : "(no brand string)");
}

static void report_clocks(void)
{
	const struct time_calibration *cal = time_calibration();
	kprintf("report: apic: %s mode (%s)", lapic_mode_name(),
		lapic_mode_reason());
	kprintf("report: clocksource: %s (%s)", time_clocksource_name(),
		time_clocksource_reason());
	kprintf("report: timer: %s (%s), %s, hz %u", timer_mode_name(timer_mode()),
		timer_mode_reason(), timer_tickless() ? "tickless" : "periodic tick",
		timer_hz());
	kprintf("report: calibration: against %s, median of %d windows of %lu us",
		clock_ref_name(cal->ref), TIME_CAL_WINDOWS,
		cal->ref == CLOCK_REF_PIT ? (unsigned long)TIME_CAL_PIT_WINDOW_US :
					    (unsigned long)TIME_CAL_WINDOW_US);
	kprintf("report: calibration: tsc %lu.%03lu MHz (%s, spread %lu ppm, %s)",
		cal->tsc_hz / 1000000, cal->tsc_hz / 1000 % 1000,
		cal->tsc_source ? cal->tsc_source : "?", cal->tsc_spread_ppm,
		cal->tsc_invariant ? "invariant" : "not invariant");
	kprintf("report: calibration: lapic timer %lu.%03lu MHz at divide 16 "
		"(spread %lu ppm)", cal->lapic_hz / 1000000,
		cal->lapic_hz / 1000 % 1000, cal->lapic_spread_ppm);
}

static void report_acpi(void)
{
	const struct acpi_info *a = platform_acpi();
	if (!a->ntables) {
		kprintf("report: acpi: no tables (RSDP 0x%lx)",
			(unsigned long)a->rsdp_phys);
		return;
	}
	kprintf("report: acpi: RSDP revision %u at 0x%lx, %s, %d tables",
		a->rsdp_revision, (unsigned long)a->rsdp_phys,
		a->xsdt_used ? "XSDT" : "RSDT", a->ntables);
	for (int i = 0; i < a->ntables; i++) {
		const struct acpi_table_ref *t = &a->table[i];
		kprintf("report: acpi: %-4s oem %-6s %-8s rev %u len 0x%x at 0x%lx "
			"checksum %s", t->sig, t->oem_id, t->oem_table_id,
			t->revision, t->length, (unsigned long)t->phys,
			t->valid ? "ok" : "BAD (or bad header/length)");
	}
	kprintf("report: acpi: FADT IA-PC boot flags 0x%x, %s",
		a->fadt.iapc_boot_arch,
		!a->fadt.present ? "no FADT" :
		a->fadt.hw_reduced ? "hardware-reduced" : "full ACPI hardware");
}

static void report_cpus(void)
{
	int online = 0, failed = 0, known = 0;
	for (int i = 0; i < cpu_possible_count; i++) {
		if (!cpus[i])
			continue;
		enum cpu_state s = __atomic_load_n(&cpus[i]->state, __ATOMIC_ACQUIRE);
		online += s == CPU_ONLINE;
		failed += s == CPU_FAILED;
		known += s != CPU_OFFLINE;
	}
	kprintf("report: cpus: %d usable in the MADT (%s), %d started, %d "
		"online, %d failed", platform.madt_usable,
		platform.have_madt ? "MADT present" : "no MADT", known, online,
		failed);
	uint64_t t0 = smp_bringup_start_ns();
	for (int i = 1; i < cpu_possible_count; i++) {
		const struct cpu *c = cpus[i];
		if (!c)
			continue;
		enum cpu_state s = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
		if (s == CPU_FAILED)
			kprintf("report: cpu%d: apic %u FAILED to start", i,
				c->apic_id);
		else if (s == CPU_ONLINE && c->online_ns >= t0) {
			uint64_t dt = c->online_ns - t0;
			kprintf("report: cpu%d: apic %u online %lu.%03lu ms after "
				"INIT", i, c->apic_id, dt / 1000000,
				dt / 1000 % 1000);
		}
	}
}

static const char *const mem_names[] = {
	[BOOT_MEM_USABLE] = "usable",	     [BOOT_MEM_RESERVED] = "reserved",
	[BOOT_MEM_ACPI_RECLAIM] = "acpi",    [BOOT_MEM_ACPI_NVS] = "nvs",
	[BOOT_MEM_MMIO] = "mmio",	     [BOOT_MEM_KERNEL] = "kernel",
	[BOOT_MEM_LOADER] = "loader",	     [BOOT_MEM_RUNTIME] = "runtime",
	[BOOT_MEM_BAD] = "bad",		     [BOOT_MEM_PERSISTENT] = "persistent",
};
#define MEM_TYPES (sizeof(mem_names) / sizeof(mem_names[0]))

/* RAM, whoever owns it now: not reserved ranges, which include PCI
 * windows (q35's 256 MiB MMCONFIG) and would mislead "highest RAM". */
static bool is_ram(uint32_t type)
{
	return type == BOOT_MEM_USABLE || type == BOOT_MEM_ACPI_RECLAIM ||
	       type == BOOT_MEM_ACPI_NVS || type == BOOT_MEM_KERNEL ||
	       type == BOOT_MEM_LOADER || type == BOOT_MEM_RUNTIME;
}

/* The topology line and the BSP's raw CPUID topology leaves: what a
 * wrong topology on someone's machine needs to be replayed in
 * tests/unit/kernel/topology-test.c. */
static void report_topology(void)
{
	const struct topo_cpuid *t = topology_bsp_cpuid();
	kprintf("report: topology: %s", topology_line());
	for (int i = 0; i < t->n && i < TOPO_CPUID_MAX; i++)
		kprintf("report: cpuid 0x%x.%u: %08x %08x %08x %08x", t->l[i].leaf,
			t->l[i].subleaf, t->l[i].eax, t->l[i].ebx, t->l[i].ecx,
			t->l[i].edx);
}

static void report_memory(void)
{
	const struct boot_info *bi = boot_info;
	const struct boot_mmap_entry *m = phys_to_virt(bi->mmap);
	uint64_t pages[MEM_TYPES] = { 0 }, other = 0, top = 0;
	char line[256];
	int n = 0;

	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		if (m[i].type < MEM_TYPES && mem_names[m[i].type])
			pages[m[i].type] += m[i].pages;
		else
			other += m[i].pages;
		if (is_ram(m[i].type) && m[i].phys + m[i].pages * PAGE_SIZE > top)
			top = m[i].phys + m[i].pages * PAGE_SIZE;
	}
	for (size_t t = 0; t < MEM_TYPES; t++)
		if (mem_names[t] && pages[t] && n < (int)sizeof(line))
			n += k_snprintf(line + n, sizeof(line) - (size_t)n,
					"%s%s %lu KiB", n ? ", " : "", mem_names[t],
					(unsigned long)(pages[t] * 4));
	if (other && n < (int)sizeof(line))
		k_snprintf(line + n, sizeof(line) - (size_t)n, ", unknown %lu KiB",
			   (unsigned long)(other * 4));
	kprintf("report: memory: %u map entries, highest RAM address 0x%lx",
		bi->mmap_count, (unsigned long)top);
	kprintf("report: memory: %s", n ? line : "(empty map)");
	kprintf("report: memory: %lu MiB free now",
		(unsigned long)(pmm_free_count() * PAGE_SIZE >> 20));
	pmm_log_nodes("report: memory: ");
}

static void report_framebuffer(void)
{
	static const char *const formats[] = { "none", "RGBX", "BGRX", "bitmask" };
	const struct boot_framebuffer *fb = &boot_info->fb;
	if (fb->format == BOOT_FB_NONE) {
		kprintf("report: framebuffer: none (the loader found no GOP)");
		return;
	}
	kprintf("report: framebuffer: %ux%u, %u pixels per line, %s%s at 0x%lx "
		"(%lu KiB)", fb->width, fb->height, fb->pitch_pixels,
		fb->format < 4 ? formats[fb->format] : "?",
		fb->format == BOOT_FB_BITMASK ? " (masks below)" : "",
		(unsigned long)fb->phys, (unsigned long)(fb->size >> 10));
	if (fb->format == BOOT_FB_BITMASK)
		kprintf("report: framebuffer: masks red 0x%x green 0x%x blue 0x%x "
			"reserved 0x%x", fb->red_mask, fb->green_mask,
			fb->blue_mask, fb->reserved_mask);
}

static void report_warnings(void)
{
	char text[LOG_WARN_LEN];
	uint64_t ns;
	unsigned n = log_warn_count();
	kprintf("report: warnings: %u logged%s", n,
		n > LOG_WARN_KEEP ? " (the first ones listed)" : "");
	for (unsigned i = 0; log_warn_get(i, text, sizeof(text), &ns); i++)
		kprintf("report: warning [%5lu.%06lu] %s",
			(unsigned long)(ns / 1000000000),
			(unsigned long)(ns / 1000 % 1000000), text);
}

const char *report_firmware(uint32_t bits, char *buf, size_t size)
{
	if (bits == 64)
		return "64-bit UEFI";
	if (bits == 32)
		return "32-bit UEFI (mixed mode: the loader entered long mode)";
	k_snprintf(buf, size, "unknown bitness %u", bits);
	return buf;
}

void report_print(void)
{
	char fw[32];

	kprintf("report: ---- Cohort hardware report: paste from here ----");
	kprintf("report: cohort %s, uptime %lu ms, cmdline \"%s\"",
		COHORT_VERSION, (unsigned long)(now_ns() / 1000000),
		boot_info->cmdline);
	kprintf("report: firmware: %s",
		report_firmware(boot_info->firmware_bits, fw, sizeof(fw)));
	report_cpu();
	report_clocks();
	report_acpi();
	report_cpus();
	report_topology();
	report_memory();
	report_framebuffer();
	kprintf("report: %s (%lu scan codes so far)", i8042_status(),
		i8042_scancodes());
	report_warnings();
	kprintf("report: ---- end of the Cohort hardware report ----");
}

static void report_thread(void *arg)
{
	(void)arg;
	report_print();
}

void report_start(void)
{
	int err;
	if (!kthread_create("report", report_thread, 0, 0, 0, &err))
		kprintf("report: cannot start the report thread (%d)", err);
}
