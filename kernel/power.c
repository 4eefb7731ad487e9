// SPDX-License-Identifier: MIT
#include "power.h"

#include "../smp/smp.h"
#include "arch/x86.h"
#include "cpu.h"
#include "log.h"
#include "platform.h"
#include "time.h"

#define PCI_RESET_PORT 0xcf9
#define PCI_RESET_FULL 0x0e /* full reset, CPU reset */
#define KBC_COMMAND_PORT 0x64
#define KBC_PULSE_RESET 0xfe
#define RESET_SETTLE_US 50000

static void stop_others(void)
{
	int others = cpu_online_count() - 1;
	smp_stop_others(false);
	kprintf("power: stopped %d other CPU%s", others, others == 1 ? "" : "s");
}

void machine_reboot(void)
{
	kprintf("power: rebooting");
	stop_others();
	irq_disable();
	if (platform.reset_port) {
		outb((uint16_t)platform.reset_port, platform.reset_value);
		delay_us(RESET_SETTLE_US);
	}
	outb(PCI_RESET_PORT, PCI_RESET_FULL);
	delay_us(RESET_SETTLE_US);
	outb(KBC_COMMAND_PORT, KBC_PULSE_RESET);
	delay_us(RESET_SETTLE_US);
	/* Last resort: an exception with no IDT is a triple fault. */
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) none = { 0, 0 };
	__asm__ volatile("lidt %0; int3" ::"m"(none));
	for (;;)
		hlt();
}

void machine_halt(void)
{
	kprintf("power: halting");
	stop_others();
	kprintf("power: all CPUs stopped; it is safe to turn the machine off");
	for (;;) {
		irq_disable();
		hlt();
	}
}
