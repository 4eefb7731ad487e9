// SPDX-License-Identifier: MIT
/*
 * MMIO window and PAT set-up (see ioremap.h for the rules). Intel SDM
 * Vol. 3A 11.12 (PAT), 11.5.2.2 (memory type selection with MTRRs: a PAT
 * WC or UC page is WC or UC whatever the MTRR says, except UC MTRRs make
 * PAT WC into WC, which is what a framebuffer wants).
 */
#include "ioremap.h"

#include <stdatomic.h>

#include "../arch/x86.h"
#include "../log.h"
#include "layout.h"
#include "vmm.h"

/* Next free byte of the window; only ever grows (compare-and-swap, any
 * CPU), never past the window's end. */
static _Atomic uint64_t next_free = IOREMAP_BASE;

int pat_init_cpu(void)
{
	if (!(cpuid(1, 0).edx & (1u << 16)))
		return -1;
	wrmsr(MSR_PAT, PAT_COHORT);
	/* Nothing cached under PA1 yet (ioremap.h rules); drop any TLB
	 * entry anyway so no translation predates the new table. */
	write_cr3(read_cr3());
	return 0;
}

/* The CPU's physical address width (CPUID 0x80000008 EAX[7:0], Intel
 * SDM Vol. 3A 4.1.4): a PTE with an address bit at or above it set is a
 * reserved-bit page fault on first use. 36 if the leaf is missing; an
 * answer outside [32, 52] (a broken hypervisor) is taken as 52, the PTE
 * format's limit. */
static uint32_t phys_addr_bits(void)
{
	if (cpuid(0x80000000, 0).eax < 0x80000008)
		return 36;
	uint32_t b = cpuid(0x80000008, 0).eax & 0xff;
	return b < 32 || b > 52 ? 52 : b;
}

void *ioremap(uint64_t phys, uint64_t size, uint64_t type)
{
	uint64_t start = phys & ~(PAGE_SIZE - 1);
	uint64_t end = (phys + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (size == 0 || end <= start)
		return 0;
	/* Addresses come from firmware (the HPET table's 64-bit base, the
	 * GOP mode): one the CPU cannot address would fault (a panic) at
	 * the driver's first access instead of being refused. */
	if (end > 1ULL << phys_addr_bits()) {
		kprintf("ioremap: %#lx (+%#lx) is past the CPU's %u-bit "
			"physical addresses; not mapped", phys, size,
			phys_addr_bits());
		return 0;
	}
	/* One unmapped page after each range: a run-off faults. */
	uint64_t span = end - start + PAGE_SIZE;
	/* Taken only if it fits: a request too large (a framebuffer size
	 * from the firmware) must not use up the window for the LAPIC,
	 * IOAPICs and HPET mapped after it. */
	uint64_t v = atomic_load(&next_free);
	do {
		if (span > IOREMAP_BASE + IOREMAP_SIZE - v) {
			kprintf("ioremap: window full; cannot map %#lx (+%#lx)",
				phys, size);
			return 0;
		}
	} while (!atomic_compare_exchange_weak(&next_free, &v, v + span));
	for (uint64_t off = 0; off < end - start; off += PAGE_SIZE) {
		if (vmm_map_page(v + off, start + off,
				 VMM_WRITE | VMM_NX | type) < 0) {
			kprintf("ioremap: no memory for page tables mapping "
				"%#lx (+%#lx)", phys, size);
			return 0;
		}
	}
	return (void *)(v + (phys - start));
}
