// SPDX-License-Identifier: MIT
#include "cpu.h"

#include "arch/x86.h"
#include "cpu_ident.h"
#include "panic.h"
#include "preempt.h"

static struct cpu boot_cpu;
struct cpu *cpus[MAX_CPUS] = { &boot_cpu };
int cpu_ready;
int cpu_possible_count = 1;
static bool cpu_possible_set;

void cpu_set_possible(int n)
{
	if (cpu_possible_set || n < 1 || n > MAX_CPUS)
		panic("cpu: possible CPU count %d set twice or outside 1..%d", n,
		      MAX_CPUS);
	cpu_possible_set = true;
	cpu_possible_count = n;
}
struct cpumask cpu_online_mask;

void cpu_mark_online(struct cpu *c)
{
	__atomic_store_n(&c->state, CPU_ONLINE, __ATOMIC_RELEASE);
	__atomic_fetch_or(&cpu_online_mask.bits[c->id / 64], 1ULL << (c->id % 64),
			  __ATOMIC_SEQ_CST);
	/* A TLB shootdown that read the mask before the bit was set left
	 * this CPU out (smp/ipi.c); the locked RMW above orders this flush
	 * after that read, hence after the mapping change it followed. */
	write_cr3(read_cr3());
}

void cpu_online_snapshot(struct cpumask *out)
{
	for (int i = 0; i < CPUMASK_WORDS; i++)
		out->bits[i] = __atomic_load_n(&cpu_online_mask.bits[i],
					       __ATOMIC_ACQUIRE);
}

bool cpu_online(int cpu)
{
	return (__atomic_load_n(&cpu_online_mask.bits[cpu / 64], __ATOMIC_ACQUIRE) >>
		(cpu % 64)) & 1;
}

int cpu_online_list(int *list, int limit)
{
	int n = 0;
	for (int i = 0; i < limit && i < cpu_possible_count; i++)
		if (cpu_online(i))
			list[n++] = i;
	return n;
}

int cpu_online_other(int me)
{
	for (int cpu = cpu_possible_count - 1; cpu >= 0; cpu--)
		if (cpu != me && cpu_online(cpu))
			return cpu;
	return -1;
}

int cpu_online_last(void)
{
	for (int i = CPUMASK_WORDS - 1; i >= 0; i--) {
		uint64_t w = __atomic_load_n(&cpu_online_mask.bits[i],
					     __ATOMIC_ACQUIRE);
		if (w)
			return i * 64 + 63 - __builtin_clzll(w);
	}
	return 0;
}

int cpu_online_count(void)
{
	int n = 0;
	for (int i = 0; i < CPUMASK_WORDS; i++)
		n += popcount64(
			__atomic_load_n(&cpu_online_mask.bits[i], __ATOMIC_ACQUIRE));
	return n;
}

void cpu_set_current(struct cpu *c)
{
	c->self = c;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	cpu_ready = 1;
}

void this_cpu_unpinned(const char *site)
{
	panic("per-CPU access at %s with preemption and interrupts enabled: the "
	      "caller may move to another CPU before it uses the answer "
	      "(use preempt_disable(), or raw_this_cpu() if a stale answer is "
	      "harmless)", site);
}

void preempt_underflow(void)
{
	panic("preempt_enable() without a matching preempt_disable() (count %d)",
	      cpu_preempt_count());
}

static struct cpuid_regs hw_cpuid(uint32_t leaf, uint32_t subleaf)
{
	return cpuid(leaf, subleaf);
}

static uint64_t hw_rdmsr(uint32_t msr)
{
	return rdmsr(msr);
}

static void hw_wrmsr(uint32_t msr, uint64_t value)
{
	wrmsr(msr, value);
}

void cpu_ident_read(struct cpu_ident *id)
{
	static const struct cpu_ident_hw hw = { hw_cpuid, hw_rdmsr, hw_wrmsr };
	uint64_t f = irq_save();
	cpu_ident_probe(&hw, id);
	irq_restore(f);
}
