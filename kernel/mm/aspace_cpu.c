// SPDX-License-Identifier: MIT
/*
 * Address spaces and CPUs (aspace.h has the contracts): which address
 * space each CPU has loaded, the per-address-space CPU masks that TLB
 * shootdowns follow, lazy TLB, moving CPUs off a dying address space, and
 * the CPU protections (NX, SMEP, SMAP, UMIP) with the boot-time set-up of
 * the kernel half (aspace_init).
 *
 * The mask rule: a CPU is in an address space's mask from just before it
 * loads its PML4 until just after it loads another, so a shootdown that
 * misses a CPU's bit comes before that CPU's walk of the new entries, and
 * one that sees it reaches a CPU that may cache them.
 *
 * Intel SDM Vol. 3A 4.10.4 (TLB invalidation, CR3 loads), 4.6 (SMEP,
 * SMAP), 2.5 (CR4.UMIP); CPUID leaf 7 and 0x80000001 (Vol. 2A).
 */
#include "aspace.h"

#include "../arch/x86.h"
#include "../cpu.h"
#include "../log.h"
#include "../panic.h"
#include "../../smp/smp.h"
#include "aspace_internal.h"
#include "layout.h"
#include "page.h"
#include "pmm.h"
#include "vmm.h"

#define KERNEL_HALF_FIRST 256 /* PML4 entries 256-511: the kernel's */
#define PT_ENTRIES 512

uint64_t aspace_pte_nx;

/* Per CPU, owned by that CPU (read and written only by it, with interrupts
 * off): the address space whose tables are in its CR3 (NULL: the
 * kernel's), and the one of the user thread running there (NULL: a kernel
 * thread; differs from loaded[] only under lazy TLB). */
static struct aspace *loaded[MAX_CPUS];
static struct aspace *active[MAX_CPUS];

/* ---- Loading on a CPU ---------------------------------------------------- */

void aspace_cpu_mask(const struct aspace *as, struct cpumask *out)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		out->bits[i] = __atomic_load_n(&as->cpus.bits[i],
					       __ATOMIC_SEQ_CST);
}

static void mask_set(struct aspace *as, int cpu)
{
	__atomic_fetch_or(&as->cpus.bits[cpu / 64], 1ULL << (cpu % 64),
			  __ATOMIC_SEQ_CST);
}

static void mask_clear(struct aspace *as, int cpu)
{
	__atomic_fetch_and(&as->cpus.bits[cpu / 64], ~(1ULL << (cpu % 64)),
			   __ATOMIC_SEQ_CST);
}

/* Runs on each CPU of a dying address space's mask (interrupts off). */
static void unload_if_loaded(void *arg)
{
	struct aspace *as = arg;
	int me = this_cpu()->id;
	if (active[me] == as)
		active[me] = 0;
	if (loaded[me] != as)
		return; /* it moved on meanwhile */
	write_cr3(vmm_kernel_pml4());
	loaded[me] = 0;
	mask_clear(as, me);
}

void aspace_unload_everywhere(struct aspace *as)
{
	struct cpumask m;
	aspace_cpu_mask(as, &m);
	/* One CPU at a time, not smp_call_many: a waited-for smp_call_on
	 * keeps its request on our stack, while smp_call_many allocates one
	 * per CPU and panics without memory. This put must work with no
	 * memory left: it is often how memory comes back (the process that
	 * used it up was killed for it). Rare (only CPUs still lazy), so
	 * the serial IPIs cost nothing that matters. */
	for_each_cpu(cpu, &m)
		smp_call_on(cpu, unload_if_loaded, as, true);
	aspace_cpu_mask(as, &m);
	ASSERT(cpumask_empty(&m));
}

void aspace_switch(struct aspace *next)
{
	ASSERT(!(read_rflags() & RFLAGS_IF));
	int me = this_cpu()->id;
	active[me] = next;
	struct aspace *prev = loaded[me];
	if (!next || next == prev)
		return; /* a kernel thread keeps what is loaded: lazy TLB */
	/* Join the mask before loading: a shootdown that misses the bit
	 * started its change before we load, and the load sees the change. */
	mask_set(next, me);
	write_cr3(next->pml4);
	loaded[me] = next;
	/* Leave prev's mask after loading: until then its shootdowns must
	 * reach us. This is the last touch of prev (its final put may free
	 * it as soon as the bit is clear). */
	if (prev)
		mask_clear(prev, me);
}

void aspace_switch_kernel(void)
{
	ASSERT(!(read_rflags() & RFLAGS_IF));
	int me = this_cpu()->id;
	struct aspace *prev = loaded[me];
	active[me] = 0;
	if (!prev)
		return;
	write_cr3(vmm_kernel_pml4());
	loaded[me] = 0;
	mask_clear(prev, me);
}

struct aspace *aspace_current(void)
{
	uint64_t f = irq_save(); /* the slot of the CPU we read it on */
	struct aspace *as = active[this_cpu()->id];
	irq_restore(f);
	return as;
}

/* ---- Boot ------------------------------------------------------------------ */

#define MSR_EFER 0xc0000080
#define EFER_NXE (1ULL << 11)
#define CR4_UMIP (1ULL << 11)
#define CR4_SMEP (1ULL << 20)
#define CR4_SMAP (1ULL << 21)
#define CPUID_EXT_NX (1u << 20)	 /* 0x80000001 EDX */
#define CPUID_7_SMEP (1u << 7)	 /* 7.0 EBX */
#define CPUID_7_SMAP (1u << 20)	 /* 7.0 EBX */
#define CPUID_7_UMIP (1u << 2)	 /* 7.0 ECX */

/* usercopy.S executes stac/clac only when this is set (they are #UD on a
 * CPU without SMAP). Set once by the BSP before any user copy. */
uint8_t usercopy_smap;

static atomic_bool protections_logged;

void aspace_cpu_init(void)
{
	struct cpuid_regs l0 = cpuid(0, 0), e0 = cpuid(0x80000000, 0);
	struct cpuid_regs l7 = l0.eax >= 7 ? cpuid(7, 0) : (struct cpuid_regs){ 0 };
	struct cpuid_regs e1 = e0.eax >= 0x80000001 ? cpuid(0x80000001, 0) :
						      (struct cpuid_regs){ 0 };
	bool nx = e1.edx & CPUID_EXT_NX, smep = l7.ebx & CPUID_7_SMEP,
	     smap = l7.ebx & CPUID_7_SMAP, umip = l7.ecx & CPUID_7_UMIP;
	if (nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr4(read_cr4() | (smep ? CR4_SMEP : 0) | (smap ? CR4_SMAP : 0) |
		  (umip ? CR4_UMIP : 0));
	if (atomic_exchange(&protections_logged, true))
		return;
	aspace_pte_nx = nx ? PTE_NX : 0;
	usercopy_smap = smap;
	kprintf("mm: CPU protections: NX %s, SMEP %s, SMAP %s, UMIP %s",
		nx ? "on" : "off (not in CPUID)",
		smep ? "on" : "off (not in CPUID)",
		smap ? "on" : "off (not in CPUID)",
		umip ? "on" : "off (not in CPUID)");
}

void aspace_init(void)
{
	vmm_init();
	uint64_t *k = phys_to_virt(vmm_kernel_pml4());
	int added = 0;
	for (int i = KERNEL_HALF_FIRST; i < PT_ENTRIES; i++) {
		if (k[i] & PTE_P)
			continue;
		uint64_t p = pmm_alloc_pages(1);
		if (!p)
			panic("mm: no memory for the kernel half's tables");
		k[i] = p | PTE_P | PTE_W;
		added++;
	}
	write_cr3(read_cr3()); /* no stale "not present" caches */
	page_refs_init();
	aspace_cpu_init();
	kprintf("mm: kernel half: %d of %d PML4 entries given a table at boot",
		added, PT_ENTRIES - KERNEL_HALF_FIRST);
}
