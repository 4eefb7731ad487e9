// SPDX-License-Identifier: MIT
#include "pmtimer.h"

#include "../kernel/arch/x86.h"

static uint16_t port;
static uint32_t mask;

static uint32_t inl(uint16_t p)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p));
	return v;
}

void pmtimer_init(uint16_t p, bool is_32bit)
{
	port = p;
	mask = is_32bit ? 0xffffffffu : 0xffffffu;
}

bool pmtimer_present(void)
{
	return port != 0;
}

uint32_t pmtimer_read(void)
{
	return inl(port) & mask;
}

uint32_t pmtimer_delta(uint32_t a, uint32_t b)
{
	return (b - a) & mask;
}
