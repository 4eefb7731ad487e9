// SPDX-License-Identifier: MIT
/*
 * Every boot option, in one table. docs/cmdline.md mirrors it and
 * tests/system/test_cmdline.py checks that the two agree.
 */
#include "cmdline.h"

const struct cmdline_option kernel_options[] = {
	{ "test", CMDLINE_STRING, 0,
	  "run in-kernel self-test NAME (or NAME,NAME,...: in order, in one boot, "
	  "stopping at the first failure), then exit QEMU (33 pass, 35 fail)" },
	{ "bench", CMDLINE_STRING, "all|ipi|tlb|timer|sched|fbcon",
	  "run in-kernel micro-benchmarks after boot, print figures, exit 33 "
	  "(tools/bench/smp)" },
	{ "init", CMDLINE_STRING, 0,
	  "the first user program, pid 1 (default /bin/init); the words after "
	  "` -- ` are its arguments" },
	{ "proc_limit", CMDLINE_UINT, "1..32767",
	  "most processes at once; fork past it fails with EAGAIN (default 1024)" },
	{ "idle_poll_us", CMDLINE_UINT, "0..1000",
	  "longest time an idle CPU polls for work before hlt, adapted per "
	  "CPU; a wake-up in the window needs no IPI (default 50 under a "
	  "hypervisor, 0 = halt at once on bare metal)" },
	{ "console", CMDLINE_STRING, "serial|fb|serial,fb|fb,serial",
	  "where the log and console output go: serial, the screen, or both "
	  "(default: both where both exist)" },
	{ "memmap", CMDLINE_FLAG, 0, "log every boot memory map entry" },
	{ "kbd", CMDLINE_STRING, "probe|off",
	  "PS/2 keyboard: probe the i8042 even if the FADT says there is none, "
	  "or leave it alone (default: follow the FADT)" },
	{ "report", CMDLINE_FLAG, 0,
	  "print the hardware report (as the console's `report`) once the "
	  "kernel is ready" },
	{ "acpidump", CMDLINE_FLAG, 0,
	  "print every ACPI table in acpidump text format (tools/acpi-extract)" },
	{ "apic", CMDLINE_STRING, "xapic|x2apic",
	  "force the local APIC mode (refused with a reason when impossible)" },
	{ "timer", CMDLINE_STRING, "deadline|oneshot|periodic",
	  "force the per-CPU clockevent: TSC-deadline, LAPIC one-shot, or "
	  "LAPIC periodic at hz=" },
	{ "clocksource", CMDLINE_STRING, "tsc|hpet",
	  "force now_ns()'s source: the TSC even when CPUID does not promise "
	  "invariance, or the HPET even when the TSC is invariant" },
	{ "hz", CMDLINE_UINT, 0,
	  "tick rate when a periodic tick runs (default 1000, 10..10000)" },
	{ "nohz", CMDLINE_STRING, "on|off",
	  "off: keep a periodic tick on every CPU (default on: tickless)" },
	{ "sched.min_granularity_ns", CMDLINE_UINT, 0,
	  "scheduler: shortest fair stint before a rotation (default 100 us)" },
	{ "sched.fair_slice_ns", CMDLINE_UINT, 0,
	  "scheduler: fair rotation period when oversubscribed (default 1 ms)" },
	{ "sched.sleeper_credit_ns", CMDLINE_UINT, 0,
	  "scheduler: vruntime credit bound for a waking sleeper (3 ms)" },
	{ "sched.balance_interval_ns", CMDLINE_UINT, 0,
	  "scheduler: periodic load-balance interval (default 50 ms)" },
	{ "sched.rt_runtime_ns", CMDLINE_UINT, 0,
	  "scheduler: RT throttle budget per period (default 950 ms)" },
	{ "sched.rt_period_ns", CMDLINE_UINT, 0,
	  "scheduler: RT throttle period (default 1 s)" },
	{ "sched.rr_slice_ns", CMDLINE_UINT, 0,
	  "scheduler: SCHED_RR slice (default 100 ms)" },
	{ "sched.dl_bound_ppm", CMDLINE_UINT, 0,
	  "scheduler: deadline admission bound per CPU, parts per million "
	  "(default 950000 = 95%)" },
	{ "sched_check", CMDLINE_UINT, 0,
	  "every N ms, check the scheduler's invariants and work conservation; "
	  "panic on a violation (tests)" },
	{ "stress_s", CMDLINE_UINT, "1..86400",
	  "test=sched-stress: how long the stress runs, seconds (default 20)" },
	{ "stress_seed", CMDLINE_UINT, 0,
	  "test=sched-stress: seed of its random operations (default 1); the "
	  "test prints it so a failure can be re-run" },
	{ "trace", CMDLINE_STRING, "on|off|dump",
	  "scheduler tracing (default on); dump: also print the trace after "
	  "test= runs and on a fatal error" },
	{ "trace_buf", CMDLINE_UINT, 0,
	  "trace records per CPU (default 16384, fewer past 64 CPUs; "
	  "64..1048576)" },
	{ "nosmp", CMDLINE_FLAG, 0, "do not start the other CPUs" },
	{ "nr_cpus", CMDLINE_UINT, "1..1024",
	  "the kernel's CPU count: CPUs beyond N are never started and get "
	  "no per-CPU data (as Linux's nr_cpus=)" },
	{ "maxcpus", CMDLINE_UINT, 0,
	  "use at most N CPUs, the boot CPU included" },
	{ "smp_probe", CMDLINE_UINT, 0,
	  "no MADT: find up to N CPUs with a broadcast INIT/SIPI instead of "
	  "staying on one (Bochs with OVMF has no ACPI tables)" },
	{ "smp_test_lost", CMDLINE_UINT, 0,
	  "test: the AP with this APIC id is started but given no slot, so it "
	  "never comes online (exercises the SIPI retry and failure path)" },
	{ "smp_test_late", CMDLINE_UINT, 0,
	  "test: the AP with this APIC id stalls after finding its slot "
	  "until the boot summary is out, then carries on (a CPU that answers "
	  "after the BSP gave up)" },
	{ "smp_test_slow", CMDLINE_UINT, 0,
	  "test: the AP with this APIC id stalls 8 s right after accepting its "
	  "start-up slot (a vCPU the host does not run for that long)" },
	/* Read by the loader before the kernel runs; listed so the kernel
	 * accepts them quietly. */
	{ "efi_tramp", CMDLINE_STRING, "scan|none",
	  "loader: take the AP trampoline page after ExitBootServices (scan) "
	  "or not at all (none), to exercise the fallbacks" },
	{ "efi_stale_key", CMDLINE_FLAG, 0,
	  "loader: pass a stale map key to ExitBootServices once, to exercise "
	  "the retry" },
	{ "efi_test_la57", CMDLINE_FLAG, 0,
	  "loader: act as if the firmware left 5-level paging on, to exercise "
	  "the refusal" },
	{ "efi_test_ebs_fail", CMDLINE_FLAG, 0,
	  "loader: act as if ExitBootServices failed, to exercise the halt" },
	{ "efi_test_no_lm", CMDLINE_FLAG, 0,
	  "loader: act as if the CPU had no long mode, to exercise the "
	  "refusal" },
	{ "efi_test_ia32_la57", CMDLINE_FLAG, 0,
	  "32-bit loader: set CR4.LA57 as a firmware could, to exercise the "
	  "mode switch clearing it" },
};

const int kernel_option_count =
	sizeof(kernel_options) / sizeof(kernel_options[0]);

struct cmdline boot_cmdline;
