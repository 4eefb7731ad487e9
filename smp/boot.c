// SPDX-License-Identifier: MIT
/*
 * Application processor start-up (Intel SDM Vol. 3A 8.4.4 "MP
 * initialization example", MultiProcessor spec 1.4 appendix B.4).
 *
 * All APs are started in parallel: INIT to each, one 10 ms wait, then
 * SIPI, 200 us, SIPI to each. An AP that has not come online within
 * AP_WINDOW_MS gets one more SIPI (a start-up IPI can be lost on real PCs,
 * for example while firmware holds the CPU in SMM) and AP_RETRY_WINDOW_MS
 * more; after that it is marked failed, logged once, and the boot goes on.
 * Each AP finds its logical id, stack and struct cpu by its APIC id in the
 * slot table the trampoline searches (smp/trampoline.asm).
 *
 * Who is in: each slot is a closed handshake (smp/slot.h). The AP accepts
 * its slot with one CAS in ap_entry() before anything it does is visible
 * to other CPUs; the BSP, when it stops waiting, withdraws every slot with
 * one CAS. Exactly one wins. An AP that loses, however late it wakes (in
 * probe mode too: claiming a slot index does not admit it), logs one line
 * and halts with interrupts off; an AP that wins is waited for and counted
 * before "brought up N of M", so topology_boot_summary() and everything
 * after it see a final set of CPUs.
 */
#include "smp.h"

#include "../drivers/lapic.h"
#include "../kernel/arch/x86.h"
#include "../kernel/boot_info.h"
#include "../kernel/cmdline.h"
#include "../kernel/cpu.h"
#include "../kernel/cpu_list.h"
#include "../kernel/lib/string.h"
#include "../kernel/log.h"
#include "../kernel/log_warn.h"
#include "../kernel/mm/aspace.h"
#include "../kernel/mm/heap.h"
#include "../kernel/mm/ioremap.h"
#include "../kernel/mm/kstack.h"
#include "../kernel/mm/layout.h"
#include "../kernel/mm/pmm.h"
#include "../kernel/panic.h"
#include "../kernel/proc/uctx.h"
#include "../kernel/syscall/syscall.h"
#include "../kernel/platform.h"
#include "../kernel/sched_glue.h"
#include "../kernel/time.h"
#include "../kernel/timer.h"
#include "../kernel/trap.h"
#include "slot.h"
#include "trampoline.h"

#define INIT_DELAY_US 10000
#define SIPI_DELAY_US 200
/* Real CPUs arrive within a millisecond; QEMU's TCG, with more vCPUs than
 * host cores, can take tens. Generous windows cost nothing when every AP
 * answers, since the wait ends as soon as the last one is online. */
#define AP_WINDOW_MS 500
#define AP_RETRY_WINDOW_MS 2000
#define FOUR_GIB (4ULL << 30)
#define PTE_P 1ULL
#define PTE_W 2ULL
#define PTE_PS (1ULL << 7)
#define NO_APIC_ID 0xffffffffu

extern const struct boot_info *boot_info;
void ap_entry(struct cpu *c) __attribute__((noreturn));

/* Owned by the BSP during bring-up; read by APs through the trampoline. */
static struct tramp_cpu *slots;
static uint64_t bringup_start_ns;

uint64_t smp_bringup_start_ns(void)
{
	return bringup_start_ns;
}
static uint64_t kernel_cr3;

/* smp_test_late=APICID (test only, docs/cmdline.md): that AP, once it has
 * found its slot, stalls in ap_entry() until smp_test_late_release(),
 * which kernel_main calls after topology_boot_summary(): an AP that wakes
 * after the BSP gave up on it and after the topology snapshot, on demand.
 * late_armed/late_apic: written by the BSP before any INIT, read-only
 * afterwards. late_go: 0 -> 1 by the BSP (release), the late AP spins on
 * it (acquire). late_done: 0 -> 1 by the late AP (release) once it is
 * online or parked; the BSP waits for it (acquire), so the log shows the
 * outcome before the boot goes on. */
static bool late_armed;
static uint32_t late_apic;
static int late_go, late_done;
#define LATE_WAIT_MS 2000

/* smp_test_slow=APICID (test only, docs/cmdline.md): that AP, right after
 * it accepted its slot, stalls SLOW_STALL_MS before going on, as a vCPU
 * the host does not run for that long (QEMU's TCG with many vCPUs on few
 * host cores): committed, but not online when the BSP closes the slots.
 * slow_armed/slow_apic: written by the BSP before any INIT, read-only
 * afterwards. */
static bool slow_armed;
static uint32_t slow_apic;
#define SLOW_STALL_MS 8000

static void slow_stall(void)
{
	uint64_t end = now_ns() + SLOW_STALL_MS * 1000000ULL;
	while (now_ns() < end)
		cpu_relax();
}

static void late_stall(void)
{
	while (!__atomic_load_n(&late_go, __ATOMIC_ACQUIRE))
		cpu_relax();
}

static void late_report(uint32_t apic_id)
{
	if (late_armed && apic_id == late_apic)
		__atomic_store_n(&late_done, 1, __ATOMIC_RELEASE);
}

void smp_test_late_release(void)
{
	if (!late_armed)
		return;
	kprintf("smp: smp_test_late=%u: releasing that CPU now", late_apic);
	__atomic_store_n(&late_go, 1, __ATOMIC_RELEASE);
	uint64_t end = now_ns() + LATE_WAIT_MS * 1000000ULL;
	while (!__atomic_load_n(&late_done, __ATOMIC_ACQUIRE) && now_ns() < end)
		cpu_relax();
	if (!__atomic_load_n(&late_done, __ATOMIC_ACQUIRE))
		kwarn("smp: smp_test_late=%u: no such CPU, or it did not answer "
		      "within %d ms", late_apic, LATE_WAIT_MS);
}

/* Page tables for the trampoline's switch to long mode: a PML4 below
 * 4 GiB that maps the low 2 MiB 1:1 (the trampoline runs there) and shares
 * the kernel's upper half. Kept for good: a late AP may still use them. */
static uint64_t make_low_pml4(void)
{
	uint64_t pml4 = pmm_alloc_pages_below(1, FOUR_GIB);
	uint64_t pdpt = pmm_alloc_pages(1), pd = pmm_alloc_pages(1);
	if (!pml4 || !pdpt || !pd)
		return 0;
	uint64_t *k = phys_to_virt(read_cr3() & ~0xfffULL);
	uint64_t *t = phys_to_virt(pml4);
	for (int i = 256; i < 512; i++)
		t[i] = k[i];
	t[0] = pdpt | PTE_P | PTE_W;
	((uint64_t *)phys_to_virt(pdpt))[0] = pd | PTE_P | PTE_W;
	((uint64_t *)phys_to_virt(pd))[0] = 0 | PTE_P | PTE_W | PTE_PS;
	return pml4;
}


static void send_init(uint32_t apic_id)
{
	lapic_send_ipi(apic_id, LAPIC_ICR_INIT | LAPIC_ICR_ASSERT | LAPIC_ICR_LEVEL);
	/* The de-assert is for pre-Pentium 4 APICs; x2APIC rejects it. */
	if (lapic_mode() == LAPIC_MODE_XAPIC)
		lapic_send_ipi(apic_id, LAPIC_ICR_INIT | LAPIC_ICR_LEVEL);
}

/* Probe mode: the same sequence as below, broadcast to all but us. */
static void probe_start(void)
{
	uint32_t vec = (uint32_t)(boot_info->trampoline >> 12);
	lapic_send_ipi_others(LAPIC_ICR_INIT | LAPIC_ICR_ASSERT | LAPIC_ICR_LEVEL);
	delay_us(INIT_DELAY_US);
	lapic_send_ipi_others(LAPIC_ICR_STARTUP | vec);
	delay_us(SIPI_DELAY_US);
	lapic_send_ipi_others(LAPIC_ICR_STARTUP | vec);
}

static void send_sipi(uint32_t apic_id)
{
	lapic_send_ipi(apic_id, LAPIC_ICR_STARTUP |
					(uint32_t)(boot_info->trampoline >> 12));
}

/* Wait until every CPU in [1, n) is online or `ms` pass; returns how many
 * are still missing. */
static int wait_online(int n, uint64_t ms)
{
	uint64_t end = now_ns() + ms * 1000000;
	for (;;) {
		int missing = 0;
		for (int i = 1; i < n; i++)
			missing += !cpu_online(i);
		if (!missing || now_ns() >= end)
			return missing;
		cpu_relax();
	}
}

/* The end of bring-up: withdraw every slot (smp/slot.h). A slot whose AP
 * accepted it first stays accepted, and that AP is now committed to come
 * online: it waits for nobody, so wait for it here, before the summary
 * counts the online CPUs. The boot cannot go on without it (it may be
 * half in already: the scheduler sees it before the online mask does).
 *
 * Not online yet is no failure: the CPU answered and is only slow. QEMU's
 * TCG with many vCPUs on few host cores can leave a vCPU unrun for
 * seconds, and firmware's SMM can hold a real CPU. So one line at
 * AP_RETRY_WINDOW_MS, and keep waiting; panic, naming it, only after
 * AP_COMMITTED_WAIT_MS, when it must have died inside ap_entry() with no
 * report (a fault there reports itself: its IDT and TSS are loaded before
 * it accepts). A 2 s panic here would stop healthy boots under TCG
 * (smp_test_slow= shows it). */
#define AP_COMMITTED_WAIT_MS 30000

static void close_slots(int n)
{
	for (int i = 1; i < n; i++)
		smp_slot_withdraw(&slots[i - 1].state);
	uint64_t start = now_ns();
	uint64_t warn_at = start + AP_RETRY_WINDOW_MS * 1000000ULL;
	uint64_t end = start + AP_COMMITTED_WAIT_MS * 1000000ULL;
	for (int i = 1; i < n; i++) {
		if (__atomic_load_n(&slots[i - 1].state, __ATOMIC_ACQUIRE) !=
		    SMP_SLOT_ACCEPTED)
			continue;
		/* The slot's apic_id, not cpus[i]'s: in probe mode the AP
		 * wrote it there before accepting (acquire above). */
		bool warned = false;
		while (!cpu_online(i)) {
			uint64_t t = now_ns();
			if (!warned && t >= warn_at) {
				kwarn("smp: cpu%d (APIC id %u) accepted its start-up "
				      "slot but is not online after %d ms; still "
				      "waiting", i, slots[i - 1].apic_id,
				      AP_RETRY_WINDOW_MS);
				warned = true;
			}
			if (t >= end)
				panic("smp: cpu%d (APIC id %u) accepted its start-up "
				      "slot but did not come online within %d ms", i,
				      slots[i - 1].apic_id, AP_COMMITTED_WAIT_MS);
			cpu_relax();
		}
	}
}

/* An AP whose slot the BSP withdrew first (smp/slot.h): it is not one of
 * the kernel's CPUs and must not look like one. Its struct cpu and stacks
 * are its own for good (never freed), and so far it has loaded only its
 * own registers (CR3, GS base, PAT, GDT/TSS, IDT, CR0/CR4, EFER, FPU); its
 * LAPIC is still off. It says so once and halts with interrupts off; it
 * is not in cpu_online_mask, so no IPI or stop NMI is sent to it. */
static __attribute__((noreturn)) void ap_park_late(struct cpu *c,
						   uint32_t apic_id)
{
	kwarn("smp: cpu%d (APIC id %u) answered too late; left offline", c->id,
	      apic_id);
	late_report(apic_id);
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

static void smp_log(void *ctx, const char *line)
{
	(void)ctx;
	kprintf("%s", line);
}

/* nr_cpus=: the kernel's CPU count (kernel/cpu_list.h logs the cap). */
static int nr_cpus_cap(int n)
{
	const char *v = cmdline_get(&boot_cmdline, "nr_cpus");
	uint64_t max;

	if (!v || cmdline_parse_uint(v, &max))
		return n;
	return cpu_list_cap(n, &max, smp_log, 0);
}

/* How many CPUs to use: *usable = MADT CPUs capped by nr_cpus= and
 * maxcpus= (1 with nosmp); the return value is that, or 1 when a missing
 * trampoline page or LAPIC keeps us on the boot CPU (one log line says
 * which). */
static int cpus_wanted(int *usable)
{
	int n = nr_cpus_cap(platform.ncpus);
	uint64_t max;

	const char *m = cmdline_get(&boot_cmdline, "maxcpus");
	if (m && cmdline_parse_uint(m, &max) == 0) {
		if (max == 0) {
			kprintf("smp: maxcpus=0 means at least the boot CPU; using 1");
			max = 1;
		}
		if ((uint64_t)n > max) {
			kprintf("smp: maxcpus=%lu: using %lu of %d CPUs", max, max, n);
			n = (int)max;
		}
	}
	*usable = n;
	if (n > 1 && cmdline_flag(&boot_cmdline, "nosmp")) {
		/* Asked for one CPU, like maxcpus=1: "brought up 1 of 1". The
		 * cases below wanted more and could not: "1 of N". */
		kprintf("smp: nosmp: staying on the boot CPU");
		*usable = 1;
		return 1;
	}
	if (n > 1 && !boot_info->trampoline) {
		kwarn("smp: no trampoline page below 1 MiB: staying on one CPU");
		return 1;
	}
	if (n > 1 && lapic_mode() == LAPIC_MODE_NONE) {
		kprintf("smp: no local APIC: staying on one CPU");
		return 1;
	}
	return n;
}

/* No MADT: how many CPUs `smp_probe=N` asks us to look for (0 = don't).
 * The answer comes from a broadcast INIT/SIPI: each AP that arrives claims
 * a slot in the trampoline (trampoline.asm, probe mode). */
static int probe_wanted(void)
{
	const char *v = cmdline_get(&boot_cmdline, "smp_probe");
	uint64_t n, max;
	if (!v || cmdline_parse_uint(v, &n) || n < 2)
		return 0;
	if (platform.have_madt) {
		kprintf("smp: smp_probe ignored: the MADT lists the CPUs");
		return 0;
	}
	const char *m = cmdline_get(&boot_cmdline, "maxcpus");
	if (m && cmdline_parse_uint(m, &max) == 0 && max >= 1 && n > max)
		n = max;
	if (n > MAX_CPUS)
		n = MAX_CPUS;
	n = (uint64_t)nr_cpus_cap((int)n);
	if (!boot_info->trampoline || lapic_mode() == LAPIC_MODE_NONE) {
		kprintf("smp: smp_probe: no trampoline page or no LAPIC; staying "
			"on one CPU");
		return 0;
	}
	kprintf("smp: no MADT; smp_probe=%lu: broadcast INIT/SIPI to find up "
		"to %lu more CPUs", n, n - 1);
	return (int)n;
}

/* smp_plan_cpus()'s answer. Written once by the BSP before any AP starts;
 * read-only afterwards. */
static int plan_n = 1, plan_usable = 1, plan_probe;

void smp_plan_cpus(void)
{
	plan_probe = probe_wanted();
	plan_n = plan_probe ? plan_probe : cpus_wanted(&plan_usable);
	if (plan_probe)
		plan_usable = plan_probe;
	cpu_set_possible(plan_n);
}

void smp_boot_aps(void)
{
	int usable = plan_usable;
	int probe_n = plan_probe;
	int n = plan_n;
	const char *lost_opt = cmdline_get(&boot_cmdline, "smp_test_lost");
	uint64_t lost_apic = NO_APIC_ID;

	const char *late_opt = cmdline_get(&boot_cmdline, "smp_test_late");
	const char *slow_opt = cmdline_get(&boot_cmdline, "smp_test_slow");
	uint64_t v;

	if (lost_opt)
		cmdline_parse_uint(lost_opt, &lost_apic);
	if (late_opt && cmdline_parse_uint(late_opt, &v) == 0 && v < NO_APIC_ID) {
		late_apic = (uint32_t)v;
		late_armed = true;
	}
	if (slow_opt && cmdline_parse_uint(slow_opt, &v) == 0 && v < NO_APIC_ID) {
		slow_apic = (uint32_t)v;
		slow_armed = true;
	}
	if (n <= 1) {
		kprintf("smp: brought up 1 of %d CPUs in 0 ms", usable);
		return;
	}

	uint64_t low_pml4 = make_low_pml4();
	slots = kzalloc(sizeof(*slots) * (size_t)(n - 1));
	if (!low_pml4 || !slots)
		panic("smp: out of memory for AP start-up structures");
	for (int i = 1; i < n; i++) {
		struct cpu *c = kzalloc(sizeof(*c));
		if (!c)
			panic("smp: out of memory for cpu%d's struct cpu", i);
		cpus[i] = c; /* before INIT: see cpus[] in kernel/cpu.h */
		c->id = i;
		c->apic_id = probe_n ? NO_APIC_ID : platform.cpu[i].apic_id;
		c->acpi_uid = probe_n ? 0 : platform.cpu[i].acpi_uid;
		c->state = CPU_BOOTING;
		/* Guarded stacks (kernel/mm/kstack.h): the boot stack becomes
		 * the AP's idle thread's stack. */
		uint64_t stack = kstack_alloc(CPU_STACK_PAGES, KSTACK_CPU, i,
					      "idle");
		int ist_ok = 1;
		for (int s = 0; s < IST_COUNT; s++) {
			c->ist_top[s] = kstack_alloc(IST_STACK_PAGES, KSTACK_CPU,
						     i, ist_names[s]);
			ist_ok = ist_ok && c->ist_top[s];
		}
		if (!stack || !ist_ok)
			panic("smp: out of memory for AP stacks");
		/* Published to the AP by its INIT/SIPI (smp/slot.h). */
		slots[i - 1] = (struct tramp_cpu){
			.apic_id = c->apic_id == lost_apic ? NO_APIC_ID : c->apic_id,
			.state = SMP_SLOT_ARMED,
			.stack_top = stack,
			.cpu = (uint64_t)c,
		};
	}

	uint8_t *page = phys_to_virt(boot_info->trampoline);
	memcpy(page, trampoline_start, (size_t)(trampoline_end - trampoline_start));
	struct tramp_params *p = (void *)(page + TRAMP_PARAMS_OFFSET);
	uint32_t t = (uint32_t)boot_info->trampoline;
	p->gdt_base += t;
	p->far32_off += t;
	p->far64_off += t;
	p->cr3_low = low_pml4;
	kernel_cr3 = read_cr3();
	p->cr3 = kernel_cr3;
	p->entry = (uint64_t)ap_entry;
	p->cpus = (uint64_t)slots;
	p->ncpus = (uint32_t)(n - 1);
	p->probe = probe_n != 0;
	p->claimed = 0;
	__atomic_store_n(&p->alive, 0, __ATOMIC_RELEASE);

	bringup_start_ns = now_ns();
	if (probe_n) {
		probe_start();
	} else {
		for (int i = 1; i < n; i++)
			send_init(cpus[i]->apic_id);
		delay_us(INIT_DELAY_US);
		for (int i = 1; i < n; i++)
			send_sipi(cpus[i]->apic_id);
		delay_us(SIPI_DELAY_US);
		for (int i = 1; i < n; i++)
			send_sipi(cpus[i]->apic_id);
	}

	if (probe_n) {
		wait_online(n, AP_WINDOW_MS);
	} else if (wait_online(n, AP_WINDOW_MS)) {
		for (int i = 1; i < n; i++) {
			if (cpu_online(i))
				continue;
			kwarn("smp: cpu%d (APIC id %u) silent after %d ms: sending "
				"SIPI again", i, cpus[i]->apic_id, AP_WINDOW_MS);
			send_sipi(cpus[i]->apic_id);
		}
		wait_online(n, AP_RETRY_WINDOW_MS);
	}
	uint64_t done_ns = now_ns();
	uint64_t last_ns = bringup_start_ns;
	close_slots(n);

	int online = 1;
	/* Probe mode: slots below this were claimed by an AP that exists,
	 * so an unaccepted one among them is a failure, not an empty slot.
	 * Read after the close: a claim made after it is late as well. */
	uint32_t claimed = __atomic_load_n(&p->claimed, __ATOMIC_ACQUIRE);
	kprintf("smp: AP start-up (INIT at +0 us, %u reached the trampoline):",
		__atomic_load_n(&p->alive, __ATOMIC_ACQUIRE));
	for (int i = 1; i < n; i++) {
		struct cpu *c = cpus[i];
		/* Final after close_slots(): ACCEPTED means online. For a
		 * withdrawn slot the BSP alone writes c->state (its AP, if it
		 * ever comes, parks without touching it). */
		bool in = __atomic_load_n(&slots[i - 1].state,
					  __ATOMIC_RELAXED) == SMP_SLOT_ACCEPTED;
		if (!in && probe_n && (uint32_t)(i - 1) >= claimed) {
			/* Nobody claimed the slot: no CPU there, not a failure. */
			__atomic_store_n(&c->state, CPU_OFFLINE, __ATOMIC_RELEASE);
			usable--;
			continue;
		}
		if (!in && probe_n) {
			/* Its APIC id is in the slot (the trampoline wrote it
			 * just after the claim; NO_APIC_ID if not yet), not in
			 * c, which only an accepted AP fills in: without this
			 * the report names it "apic 4294967295". The losing
			 * AP never writes c->apic_id, so the BSP may. */
			c->apic_id = __atomic_load_n(&slots[i - 1].apic_id,
						     __ATOMIC_RELAXED);
			__atomic_store_n(&c->state, CPU_FAILED, __ATOMIC_RELEASE);
			kwarn("smp:   cpu%-3d FAILED: an AP claimed this slot but "
			      "was not in after %d ms; continuing without it", i,
			      AP_WINDOW_MS);
			continue;
		}
		if (!in) {
			__atomic_store_n(&c->state, CPU_FAILED, __ATOMIC_RELEASE);
			kwarn("smp:   cpu%-3d APIC id %-4u FAILED: no answer "
				"after two SIPI rounds; continuing without it",
				i, c->apic_id);
			continue;
		}
		online++;
		uint64_t dt = c->online_ns - bringup_start_ns;
		if (c->online_ns > last_ns)
			last_ns = c->online_ns;
		kprintf("smp:   cpu%-3d APIC id %-4u online after %lu.%03lu ms", i,
			c->apic_id, dt / 1000000, dt / 1000 % 1000);
	}
	uint64_t total = (online == n ? last_ns : done_ns) - bringup_start_ns;
	kprintf("smp: brought up %d of %d CPUs in %lu ms", online, usable,
		total / 1000000);
}

void ap_entry(struct cpu *c)
{
	/* Leave the trampoline's temporary tables first (see trampoline.asm). */
	write_cr3(kernel_cr3);
	cpu_set_current(c);
	/* INIT keeps the firmware's PAT (SDM 3A 11.12.4), whatever it is;
	 * ours before any log line, which writes the write-combining screen
	 * mapping (kernel/mm/ioremap.h). */
	pat_init_cpu();
	gdt_init(c, c->ist_top);
	idt_load();
	write_cr0(read_cr0() | CR0_WP);
	/* INIT cleared CR4; without MCE a machine check shuts this CPU down
	 * instead of reaching #MC (SDM 3A 15.10.1). The trampoline sets it
	 * too; this keeps the rule in C beside the BSP's (kernel/main.c). */
	write_cr4(read_cr4() | CR4_MCE);
	aspace_cpu_init(); /* NX, SMEP, SMAP, UMIP (kernel/mm/aspace.h) */
	syscall_cpu_init();
	fpu_cpu_init();
	/* Only this CPU's own registers so far. Decide now, before anything
	 * other CPUs can see (its LAPIC, the scheduler, the online mask). In
	 * probe mode the trampoline wrote the slot's apic_id. */
	struct tramp_cpu *slot = &slots[c->id - 1];
	if (late_armed && slot->apic_id == late_apic)
		late_stall(); /* smp_test_late= */
	if (!smp_slot_accept(&slot->state))
		ap_park_late(c, slot->apic_id);
	if (slow_armed && slot->apic_id == slow_apic)
		slow_stall(); /* smp_test_slow= */
	lapic_init_cpu();
	if (c->apic_id == NO_APIC_ID) /* probe mode: learn who we are */
		c->apic_id = lapic_id();
	platform_cpu_init(c);
	timer_init_cpu();
	c->online_ns = now_ns();
	sched_glue_cpu_online();
	cpu_mark_online(c);
	late_report(slot->apic_id);
	sched_glue_idle();
}
