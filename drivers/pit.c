// SPDX-License-Identifier: MIT
#include "pit.h"

#include "../kernel/arch/x86.h"

#define PIT_CH2_DATA 0x42
#define PIT_COMMAND 0x43
#define PIT_CH2_LOHI_MODE0 0xb0 /* channel 2, lobyte/hibyte, mode 0 */
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
/* Give up if OUT2 has not risen after ~10x the expected reads. */
#define OUT2_POLL_LIMIT 50000000

uint64_t pit_measure_tsc(uint16_t pit_ticks)
{
	outb(PORT_B, (inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	outb(PIT_COMMAND, PIT_CH2_LOHI_MODE0);
	outb(PIT_CH2_DATA, pit_ticks & 0xff);
	outb(PIT_CH2_DATA, pit_ticks >> 8);
	uint64_t t0 = rdtsc();
	for (long i = 0; i < OUT2_POLL_LIMIT; i++)
		if (inb(PORT_B) & PORT_B_OUT2)
			return rdtsc() - t0;
	return 0;
}

#define PIT_CH0_DATA 0x40
#define PIT_CH0_LOHI_MODE2 0x34 /* channel 0, lobyte/hibyte, rate generator */
#define PIT_CH0_LOHI_MODE0 0x30 /* one-shot: fires once, then stays quiet */

void pit_tick_start(uint32_t hz)
{
	uint32_t div = PIT_HZ / hz;
	outb(PIT_COMMAND, PIT_CH0_LOHI_MODE2);
	outb(PIT_CH0_DATA, div & 0xff);
	outb(PIT_CH0_DATA, (div >> 8) & 0xff);
}

void pit_tick_stop(void)
{
	/* Mode 0 with count 1: one last edge, then OUT0 stays high. */
	outb(PIT_COMMAND, PIT_CH0_LOHI_MODE0);
	outb(PIT_CH0_DATA, 1);
	outb(PIT_CH0_DATA, 0);
}
