// SPDX-License-Identifier: MIT
#include "qemu_exit.h"

#include "../kernel/arch/x86.h"

#define CPUID_1_ECX_HYPERVISOR (1u << 31)

void qemu_exit(int code)
{
	irq_disable();
	if (cpuid(1, 0).ecx & CPUID_1_ECX_HYPERVISOR)
		outb(QEMU_EXIT_PORT, (uint8_t)code);
	for (;;)
		hlt();
}
