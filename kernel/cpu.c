// SPDX-License-Identifier: MIT
#include "cpu.h"

#include "arch/x86.h"

struct cpu cpus[MAX_CPUS];
int cpu_ready;

void cpu_set_current(struct cpu *c)
{
	c->self = c;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	cpu_ready = 1;
}
