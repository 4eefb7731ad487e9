// SPDX-License-Identifier: MIT
/*
 * Local APIC backends (see lapic.h). The backend is chosen once on the BSP;
 * every CPU then enables its own LAPIC in that mode. Register access goes
 * through two function pointers, set once before any AP starts and never
 * changed, so the hot paths (EOI, IPI) pay one indirect call.
 */
#include "lapic.h"

#include "../kernel/arch/x86.h"
#include "../kernel/log.h"
#include "../kernel/log_warn.h"
#include "../kernel/mm/ioremap.h"
#include "../kernel/mm/layout.h"
#include "../kernel/vectors.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1ULL << 11)
#define APIC_BASE_X2APIC (1ULL << 10)
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ULL
#define X2APIC_MSR_BASE 0x800
#define X2APIC_ICR_MSR 0x830
#define SVR_ENABLE (1u << 8)
#define TIMER_DIVIDE_16 0x3
#define MSR_TSC_DEADLINE 0x6e0
/* An xAPIC IPI is accepted within microseconds; this many polls (far
 * longer) means the APIC is wedged, which is worth a warning, not a hang. */
#define ICR_IDLE_SPIN_LIMIT 10000000

/* Set once on the BSP before APs start; read-only afterwards. */
static enum lapic_mode mode;
/* Why that mode, for the hardware report: set once by lapic_init_bsp()
 * before any AP starts; read-only afterwards. */
static const char *mode_reason = "no local APIC set up";

const char *lapic_mode_reason(void)
{
	return mode_reason;
}
static volatile uint32_t *xapic_regs;

enum lapic_mode lapic_mode(void)
{
	return mode;
}

const char *lapic_mode_name(void)
{
	return mode == LAPIC_MODE_X2APIC ? "x2apic" :
	       mode == LAPIC_MODE_XAPIC	 ? "xapic" :
					   "none";
}

uint32_t lapic_read(uint32_t reg)
{
	if (mode == LAPIC_MODE_X2APIC)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + reg / 16);
	return xapic_regs[reg / 4];
}

void lapic_write(uint32_t reg, uint32_t v)
{
	if (mode == LAPIC_MODE_X2APIC)
		wrmsr(X2APIC_MSR_BASE + reg / 16, v);
	else
		xapic_regs[reg / 4] = v;
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);
	return mode == LAPIC_MODE_X2APIC ? id : id >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	if (mode == LAPIC_MODE_X2APIC) {
		/* One MSR write; x2APIC has no delivery-status bit. WRMSR
		 * to the x2APIC MSRs is not serializing (Intel SDM Vol. 3A
		 * 10.12.3), so the IPI could overtake earlier stores the
		 * target is about to read (a mailbox, a TLB request). mfence
		 * drains the stores; lfence then keeps the WRMSR from
		 * executing before the mfence has completed, which mfence
		 * alone does not promise for a non-memory instruction. This
		 * is the pair Linux uses (weak_wrmsr_fence()). */
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(X2APIC_ICR_MSR, (uint64_t)apic_id << 32 | icr_low);
		return;
	}
	uint64_t f = irq_save();
	for (int i = 0; i < ICR_IDLE_SPIN_LIMIT; i++) {
		if (!(xapic_regs[LAPIC_ICR_LOW / 4] & LAPIC_ICR_PENDING))
			break;
		cpu_relax();
	}
	xapic_regs[LAPIC_ICR_HIGH / 4] = apic_id << 24;
	xapic_regs[LAPIC_ICR_LOW / 4] = icr_low; /* this write sends it */
	irq_restore(f);
}

void lapic_send_ipi_others(uint32_t icr_low)
{
	/* With a shorthand the destination field is ignored. */
	lapic_send_ipi(0, icr_low | LAPIC_ICR_ALL_BUT_SELF);
}

int lapic_init_bsp(uint64_t phys, uint32_t max_apic_id, enum lapic_force force)
{
	struct cpuid_regs r = cpuid(1, 0);
	uint64_t base = rdmsr(MSR_APIC_BASE);
	struct lapic_facts facts = {
		.cpu_has_apic = r.edx & (1u << 9),
		.cpu_has_x2apic = r.ecx & (1u << 21),
		.fw_x2apic_on = (base & APIC_BASE_X2APIC) != 0,
		.max_apic_id = max_apic_id,
		.force = force,
	};
	const char *why;

	mode = lapic_choose_mode(&facts, &why);
	if (why)
		kwarn("apic: %s", why);
	if (mode == LAPIC_MODE_NONE) {
		mode_reason = why;
		return -1;
	}
	if (mode == LAPIC_MODE_XAPIC) {
		/* Prefer the MSR's address: it is what the hardware decodes;
		 * warn if the MADT disagrees. */
		uint64_t msr_phys = base & APIC_BASE_ADDR_MASK;
		if (phys && phys != msr_phys)
			kwarn("apic: MADT says LAPIC at %#lx, IA32_APIC_BASE "
				"says %#lx; using the MSR", phys, msr_phys);
		/* Uncached (ioremap.h); the MTRRs' UC would do on a PC,
		 * but not where firmware left them WB. */
		xapic_regs = ioremap(msr_phys, 4096, IOREMAP_UC);
		if (!xapic_regs) {
			kprintf("apic: cannot map the local APIC at %#lx",
				msr_phys);
			mode = LAPIC_MODE_NONE;
			return -1;
		}
	}
	const char *how = facts.fw_x2apic_on		   ? "enabled by firmware" :
			  force != LAPIC_FORCE_AUTO && !why ? "forced on the command line" :
			  mode == LAPIC_MODE_X2APIC	   ? "CPU supports x2APIC" :
							     "CPU has no x2APIC";
	kprintf("apic: local APIC in %s mode (%s)", lapic_mode_name(), how);
	/* A refusal explains more than the fallback's fact does. */
	mode_reason = why ? why : how;
	return 0;
}

void lapic_init_cpu(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	base |= APIC_BASE_ENABLE;
	if (mode == LAPIC_MODE_X2APIC)
		base |= APIC_BASE_X2APIC;
	wrmsr(MSR_APIC_BASE, base);

	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, VEC_LAPIC_ERROR);
	/* ESR must be written before it is read (SDM 3A 10.5.3). */
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_16);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_LAPIC_SPURIOUS);
	lapic_eoi(); /* drop anything firmware left in service */
}

void lapic_set_nmi(int lint, bool active_low, bool level)
{
	uint32_t v = LAPIC_LVT_NMI | (active_low ? LAPIC_LVT_ACTIVE_LOW : 0) |
		     (level ? LAPIC_LVT_LEVEL : 0);
	lapic_write(lint ? LAPIC_LVT_LINT1 : LAPIC_LVT_LINT0, v);
}

void lapic_timer_oneshot(uint32_t count)
{
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_ONESHOT | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INITIAL, count);
}

void lapic_timer_periodic(uint32_t count)
{
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INITIAL, count);
}

void lapic_timer_deadline(uint64_t tsc)
{
	/* The LVT must be in TSC-deadline mode before the MSR is written
	 * (SDM 3A 10.5.4.1); callers set it once via lapic_timer_stop()
	 * ordering, so check and set here to keep the contract local. */
	uint32_t want = LAPIC_TIMER_TSC_DEADLINE | VEC_LAPIC_TIMER;
	if (lapic_read(LAPIC_LVT_TIMER) != want) {
		lapic_write(LAPIC_LVT_TIMER, want);
		__asm__ volatile("mfence" ::: "memory");
	}
	wrmsr(MSR_TSC_DEADLINE, tsc);
}

void lapic_timer_stop(void)
{
	uint32_t lvt = lapic_read(LAPIC_LVT_TIMER);
	if ((lvt & (3u << 17)) == LAPIC_TIMER_TSC_DEADLINE)
		wrmsr(MSR_TSC_DEADLINE, 0);
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VEC_LAPIC_TIMER);
}

uint32_t lapic_timer_current(void)
{
	return lapic_read(LAPIC_TIMER_CURRENT);
}
