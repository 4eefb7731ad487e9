// SPDX-License-Identifier: MIT
/*
 * kernel_main: the boot CPU's path from the loader's jump to "ready".
 *
 * The order matters and each step says why it comes where it does;
 * docs/boot.md ("Kernel start-up order") keeps the list.
 */
#include "../drivers/fbcon.h"
#include "../drivers/pic.h"
#include "../drivers/qemu_exit.h"
#include "../drivers/serial.h"
#include "../drivers/tsc.h"
#include "acpidump.h"
#include "arch/x86.h"
#include "boot_info.h"
#include "cmdline.h"
#include "cpu.h"
#include "fs/vfs.h"
#include "errno.h"
#include "gdt.h"
#include "lib/string.h"
#include "log.h"
#include "log_warn.h"
#include "mm/aspace.h"
#include "mm/heap.h"
#include "mm/ioremap.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "kthread.h"
#include "panic.h"
#include "proc/proc.h"
#include "report.h"
#include "topology_boot.h"
#include "syscall/syscall.h"
#include "sched_glue.h"
#include "platform.h"
#include "../smp/bench.h"
#include "../smp/smp.h"
#include "time.h"
#include "sched_stress.h"
#include "selftest.h"
#include "trap.h"

#ifndef COHORT_VERSION
#define COHORT_VERSION "unknown"
#endif

/* Kept global (and not static) so a debugger can read them by name:
 * tests/system/test_gdb.py does. */
const struct boot_info *boot_info;
uint64_t boot_ready_ns;

/* The BSP's IST stacks until kstack_init() can give it guarded ones. */
#define BSP_EARLY_IST_SIZE (IST_STACK_PAGES * PAGE_SIZE)
static uint8_t bsp_ist[IST_COUNT][BSP_EARLY_IST_SIZE] __attribute__((aligned(16)));

/* In entry.S: switch to the stack at `top` (a zero return address on it
 * ends backtraces) and jump to fn(arg). */
void kstack_run_on(uint64_t top, void (*fn)(const struct boot_info *),
		   const struct boot_info *arg) __attribute__((noreturn));

static const char *const cmdline_sources[] = {
	[BOOT_CMDLINE_NONE] = "none",
	[BOOT_CMDLINE_FILE] = "CMDLINE.TXT",
	[BOOT_CMDLINE_LOAD_OPTIONS] = "UEFI LoadOptions",
};

static const char *const tramp_sources[] = {
	[BOOT_TRAMP_NONE] = "none",
	[BOOT_TRAMP_ALLOCATED] = "allocated before ExitBootServices",
	[BOOT_TRAMP_BOOT_SERVICES] = "reclaimed boot-services page",
};

/* The loader and kernel are built together; a mismatch means someone
 * copied only one of them to the ESP. Say so, and stop. */
static void check_boot_info(const struct boot_info *bi)
{
	if (bi->magic == BOOT_INFO_MAGIC && bi->version == BOOT_INFO_VERSION &&
	    bi->size == sizeof(*bi))
		return;
	if (bi->magic != BOOT_INFO_MAGIC)
		kprintf("boot: bad boot_info magic %#lx: not started by the "
			"Cohort loader", bi->magic);
	else
		kprintf("boot: boot_info version %u (%u bytes) from the loader, "
			"kernel expects version %u (%u bytes): loader and kernel "
			"are from different builds; copy both from one build",
			bi->version, bi->size, BOOT_INFO_VERSION,
			(unsigned)sizeof(*bi));
	kprintf("halting: failure");
	qemu_exit(QEMU_EXIT_FAILURE);
}

/* The loader identity-mapped its jump page; nothing in the lower half may
 * stay mapped, or a null dereference would not fault. */
static void drop_lower_half(void)
{
	uint64_t *pml4 = phys_to_virt(read_cr3() & ~0xfffULL);
	for (int i = 0; i < 256; i++)
		pml4[i] = 0;
	write_cr3(read_cr3());
}

static void cmdline_warn(const char *msg)
{
	kwarn("%s", msg);
}

/* The loader's command-line notes again (it printed them on the
 * firmware console, which a PC without serial only shows briefly). */
static void log_cmdline_notes(uint32_t notes)
{
	if (notes & BOOT_CMDLINE_NOTE_TRUNCATED)
		kprintf("boot: warning: the loader dropped words past the "
			"%d-byte command-line limit", BOOT_CMDLINE_MAX - 1);
	if (notes & BOOT_CMDLINE_NOTE_NON_ASCII)
		kprintf("boot: warning: the loader refused a command line "
			"that was not ASCII");
	if (notes & BOOT_CMDLINE_NOTE_FILE_TOO_BIG)
		kprintf("boot: warning: CMDLINE.TXT was over 4096 bytes and "
			"ignored");
	if (notes & BOOT_CMDLINE_NOTE_UTF16)
		kprintf("boot: CMDLINE.TXT was UTF-16; the loader converted it");
	else if (notes & BOOT_CMDLINE_NOTE_BOM)
		kprintf("boot: the loader stripped a byte-order mark from the "
			"command line");
}

static void log_boot_info(const struct boot_info *bi)
{
	char fw[32];
	kprintf("boot: firmware: %s",
		report_firmware(bi->firmware_bits, fw, sizeof(fw)));
	kprintf("boot: cmdline from %s: \"%s\"",
		bi->cmdline_source < 3 ? cmdline_sources[bi->cmdline_source] :
					 "?",
		bi->cmdline);
	log_cmdline_notes(bi->cmdline_notes);
	kprintf("boot: kernel %lu KiB at phys %#lx, direct map %lu GiB, "
		"ExitBootServices attempts %u",
		bi->kernel_size >> 10, bi->kernel_phys,
		bi->direct_map_size >> 30, bi->exit_boot_attempts);
	if (bi->acpi_rsdp)
		kprintf("boot: ACPI RSDP at %#lx (%s GUID)", bi->acpi_rsdp,
			bi->acpi_rsdp_revision >= 2 ? "ACPI 2.0" : "ACPI 1.0");
	else
		kprintf("boot: no ACPI RSDP from the firmware");
	if (bi->fb.format != BOOT_FB_NONE)
		kprintf("boot: framebuffer %ux%u at %#lx, %u pixels per line",
			bi->fb.width, bi->fb.height, bi->fb.phys,
			bi->fb.pitch_pixels);
	else
		kprintf("boot: no linear framebuffer");
	if (bi->trampoline)
		kprintf("boot: AP trampoline page %#lx (%s)", bi->trampoline,
			tramp_sources[bi->trampoline_source < 3 ?
					      bi->trampoline_source :
					      0]);
	else
		kprintf("boot: no free page below 1 MiB for the AP trampoline: "
			"will boot on one CPU");
}

/* Clean passes of the thread below; test=sched-stress reports them
 * (declared in sched_stress.h). */
atomic_ulong sched_check_passes;

/* `sched_check=MS`: every MS milliseconds, run the scheduler's whole-state
 * checker and its work-conservation check, and panic loudly if either
 * fails. The system tests turn it on; it is off by default because the
 * checker takes every run-queue lock and its thread takes timer events. */
static void sched_check_thread(void *arg)
{
	uint64_t period_ns = (uint64_t)(uintptr_t)arg * 1000000;
	for (;;) {
		thread_sleep_for(period_ns);
		if (sched_check_all() < 0)
			panic("sched_check: scheduler invariants broken (see above)");
		if (sched_check_work_conserving(now_ns()) < 0)
			panic("sched_check: a CPU idled while work waited (see above)");
		atomic_fetch_add(&sched_check_passes, 1);
	}
}

static void start_sched_check(void)
{
	uint64_t ms;
	const char *v = cmdline_get(&boot_cmdline, "sched_check");
	int err;
	if (!v || cmdline_parse_uint(v, &ms) || ms == 0)
		return;
	if (kthread_create("sched-check", sched_check_thread,
			   (void *)(uintptr_t)ms, 0, 0, &err))
		kprintf("sched: checking invariants and work conservation every "
			"%lu ms", ms);
}

/* The words after " -- " on the command line: pid 1's arguments. Set by
 * kernel_main before the command line is parsed; read-only afterwards. */
static char init_args[BOOT_CMDLINE_MAX];

/* Split `line` at its first " -- " (or a leading "-- "): the kernel's own
 * words go to `kernel`, the rest to init_args. */
static void split_cmdline(const char *line, char *kernel, size_t size)
{
	const char *sep = 0;
	size_t n = strlen(line), klen = n;
	if (n >= 3 && memcmp(line, "-- ", 3) == 0) {
		sep = line + 3;
		klen = 0;
	} else if (n >= 3 && strcmp(line + n - 3, " --") == 0) {
		sep = line + n;
		klen = n - 3;
	} else {
		for (size_t i = 0; i + 4 <= n && !sep; i++)
			if (memcmp(line + i, " -- ", 4) == 0) {
				sep = line + i + 4;
				klen = i;
			}
	}
	if (klen >= size)
		klen = size - 1;
	memcpy(kernel, line, klen);
	kernel[klen] = 0;
	if (sep) {
		size_t r = strlen(sep) < sizeof(init_args) - 1 ? strlen(sep) :
								 sizeof(init_args) - 1;
		memcpy(init_args, sep, r);
		init_args[r] = 0;
	}
}

#define INIT_ARGS_MAX 32

/* pid 1: init= (default /bin/init) with the words after " -- ". */
static void start_userspace(void)
{
	static char *argv[INIT_ARGS_MAX + 1];
	/* Not for self-tests and benchmarks: the reaper and alarm threads
	 * would add wakeups to their exact counts. */
	proc_init();
	const char *path = cmdline_get(&boot_cmdline, "init");
	if (!path)
		path = "/bin/init";
	int argc = 0;
	argv[argc++] = (char *)path;
	for (char *w = init_args; *w && argc < INIT_ARGS_MAX;) {
		while (*w == ' ')
			*w++ = 0;
		if (!*w)
			break;
		argv[argc++] = w;
		while (*w && *w != ' ')
			w++;
	}
	argv[argc] = 0;
	int r = proc_start_init(path, argc, argv);
	if (r == 0)
		kprintf("init: started %s as pid 1; serial input now goes to it "
			"(Ctrl-T at the start of a line: the kernel console)",
			path);
	else
		kprintf("init: cannot start %s (error %d%s); no user space, the "
			"kernel console stays available", path, r,
			r == -ENOENT ? ": no such file; no initramfs?" :
			r == -ENOEXEC ? ": not a static x86-64 program" : "");
}

/* Runs what the command line asks for once the system is up. */
static void init_thread(void *arg)
{
	(void)arg;
	if (cmdline_flag(&boot_cmdline, "report"))
		report_print();
	start_sched_check();
	const char *bench = cmdline_get(&boot_cmdline, "bench");
	if (bench) {
		bench_run(bench);
		smp_stop_others(false);
		qemu_exit(QEMU_EXIT_SUCCESS);
	}
	const char *test = cmdline_get(&boot_cmdline, "test");
	if (test) {
		selftest_run(test);
		return;
	}
	start_userspace();
}

/* The loader's boot stack and the early IST stacks have no guard page;
 * the BSP leaves them for guarded ones (kernel/mm/kstack.h) as soon as
 * there is a page allocator. Until then, a fault reports with a backtrace
 * bounded by these ranges. */
static void register_early_stacks(const struct boot_info *bi)
{
	uint64_t lo = (uint64_t)phys_to_virt(bi->boot_stack);
	kstack_register_fixed(lo, lo + BOOT_STACK_SIZE, "loader boot");
	for (int i = 0; i < IST_COUNT; i++)
		kstack_register_fixed((uint64_t)bsp_ist[i],
				      (uint64_t)&bsp_ist[i][BSP_EARLY_IST_SIZE],
				      ist_names[i]);
}

/* Guarded IST stacks for the BSP. The TSS is read when an exception
 * arrives, so updating its IST slots takes effect at once. */
static void bsp_guarded_ist(void)
{
	for (int i = 0; i < IST_COUNT; i++) {
		uint64_t top = kstack_alloc(IST_STACK_PAGES, KSTACK_CPU, 0,
					    ist_names[i]);
		if (!top)
			panic("boot: no memory for the boot CPU's %s stack",
			      ist_names[i]);
		cpus[0]->ist_top[i] = top;
		cpus[0]->tss.ist[i] = top;
	}
}

static void kernel_main_late(const struct boot_info *bi)
	__attribute__((noreturn));

void kernel_main(const struct boot_info *bi) __attribute__((noreturn));

void kernel_main(const struct boot_info *bi)
{
	tsc_boot = rdtsc();
	cpus[0]->id = 0;
	cpu_set_current(cpus[0]);
	serial_init();

	/* Our own GDT/IDT before anything can fault: the firmware's tables
	 * are no longer mapped. */
	for (int i = 0; i < IST_COUNT; i++)
		cpus[0]->ist_top[i] = (uint64_t)&bsp_ist[i][IST_STACK_SIZE];
	gdt_init(cpus[0], cpus[0]->ist_top);
	idt_init();
	pic_disable();
	write_cr0(read_cr0() | CR0_WP); /* read-only pages bind the kernel too */
	/* Machine checks reach #MC (on its IST stack) instead of shutting
	 * the CPU down (SDM 3A 15.10.1); after idt_init, so the handler is
	 * there. The APs do the same in ap_entry. */
	write_cr4(read_cr4() | CR4_MCE);
	syscall_cpu_init();

	check_boot_info(bi);
	boot_info = bi;
	register_early_stacks(bi);
	drop_lower_half();

	struct tsc_calibration cal = tsc_calibrate();
	log_raw("\n");
	kprintf("Cohort %s booting", COHORT_VERSION);
	if (cal.hz)
		kprintf("tsc: %lu.%03lu MHz from %s (spread %lu ppm)",
			cal.hz / 1000000, cal.hz / 1000 % 1000, cal.source,
			cal.spread_ppm);
	else
		kprintf("tsc: no reference clock answered; log times read 0");

	static char kernel_words[BOOT_CMDLINE_MAX];
	split_cmdline(bi->cmdline, kernel_words, sizeof(kernel_words));
	cmdline_parse(&boot_cmdline, kernel_words, kernel_options,
		      kernel_option_count, cmdline_warn);
	log_boot_info(bi);

	pmm_init(bi);
	aspace_init(); /* before anything maps kernel pages (docs/userspace.md) */
	/* PAT before the first ioremap(); then the screen console, while
	 * this CPU still runs alone (drivers/fbcon.h, mm/ioremap.h). */
	if (pat_init_cpu() < 0)
		kprintf("pat: this CPU has no PAT: write-combining mappings "
			"are write-through");
	console_setup(bi, cmdline_get(&boot_cmdline, "console"));
	if (cmdline_flag(&boot_cmdline, "memmap"))
		pmm_print_map(bi);
	if (cmdline_flag(&boot_cmdline, "acpidump"))
		acpidump(bi);

	/* Leave the loader's unguarded stacks. The new boot stack becomes
	 * CPU 0's idle thread's stack. */
	kstack_init();
	bsp_guarded_ist();
	uint64_t top = kstack_alloc(BSP_STACK_PAGES, KSTACK_CPU, 0, "idle");
	if (!top)
		panic("boot: no memory for the boot CPU's stack");
	kstack_run_on(top, kernel_main_late, bi);
}

static void kernel_main_late(const struct boot_info *bi)
{
	/* ACPI, APICs, clocks, timers; interrupts are on afterwards. */
	platform_init(bi);
	fpu_cpu_init();
	time_realtime_init();
	smp_plan_cpus(); /* cpu_possible_count: sizes the per-CPU data below */
	sched_glue_init();
	cpus[0]->online_ns = now_ns();
	sched_glue_cpu_online();
	cpu_mark_online(cpus[0]);
	smp_ipi_init();
	smp_boot_aps();
	topology_boot_summary();
	sched_glue_topology(); /* domains, from the summary's description */
	smp_test_late_release(); /* smp_test_late= only */
	pmm_numa_init(); /* node pools from SRAT, now that CPUs have nodes */
	vfs_init(bi);

	uint64_t now = rdtsc();
	boot_ready_ns = uptime_ns();
	kprintf("boot: timing loader->kernel %lu us, kernel->ready %lu us",
		tsc_to_ns(tsc_boot - bi->tsc_loader_entry) / 1000,
		tsc_to_ns(now - tsc_boot) / 1000);
	kprintf("cohort: ready (%d CPUs online)", cpu_online_count());

	/* Self-tests and benchmarks may block, so they run in a thread; this
	 * boot context becomes CPU 0's idle thread. */
	int err;
	if (!kthread_create("init", init_thread, 0, 0, 0, &err))
		panic("init: cannot create the init thread (%d)", err);
	sched_glue_idle();
}
