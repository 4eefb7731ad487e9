// SPDX-License-Identifier: MIT
#include "hpet.h"

#include <stdatomic.h>

#include "../kernel/log.h"
#include "hpet_counter.h"
#include "../kernel/mm/ioremap.h"

/* The register block (IA-PC HPET spec 1.0a, section 2.3): 1 KiB. */
#define HPET_MMIO_SIZE 1024
#define REG_CAP 0x000
#define REG_CONFIG 0x010
#define REG_COUNTER 0x0f0
#define REG_T0_CONFIG 0x100
#define REG_T0_COMPARATOR 0x108

#define CAP_COUNT_64 (1ULL << 13)
#define CAP_LEGACY_ROUTE (1ULL << 15)
#define CONFIG_ENABLE (1ULL << 0)
#define CONFIG_LEGACY (1ULL << 1)
#define TN_INT_ENABLE (1ULL << 2)
#define TN_PERIODIC (1ULL << 3)
#define TN_PERIODIC_CAP (1ULL << 4)
#define TN_SET_VALUE (1ULL << 6)
#define TN_32BIT_MODE (1ULL << 8)
#define FS_PER_SEC 1000000000000000ULL
/* The spec allows at most 100 ns (10 MHz minimum) per tick. */
#define MAX_PERIOD_FS 100000000ULL

static volatile uint8_t *regs;
static uint64_t freq_hz;
static bool counter_64;
/* 32-bit counter extension: the newest extended value any CPU returned.
 * Any CPU updates it with CAS (drivers/hpet_counter.c). */
static _Atomic uint64_t last_read;

static uint64_t rd(uint32_t off)
{
	return *(volatile uint64_t *)(regs + off);
}

static void wr(uint32_t off, uint64_t v)
{
	*(volatile uint64_t *)(regs + off) = v;
}

int hpet_init(uint64_t phys)
{
	regs = ioremap(phys, HPET_MMIO_SIZE, IOREMAP_UC);
	if (!regs) {
		kprintf("hpet: cannot map its registers at %#lx; not using the "
			"HPET", phys);
		return -1;
	}
	uint64_t cap = rd(REG_CAP);
	uint64_t period_fs = cap >> 32;
	if (cap == ~0ULL || period_fs == 0 || period_fs > MAX_PERIOD_FS) {
		kprintf("hpet: registers at %#lx make no sense (cap %#lx); "
			"not using the HPET", phys, cap);
		regs = 0;
		return -1;
	}
	freq_hz = FS_PER_SEC / period_fs;
	counter_64 = cap & CAP_COUNT_64;
	/* Stop, clear legacy routing, start counting from where it is. */
	wr(REG_CONFIG, rd(REG_CONFIG) & ~(CONFIG_LEGACY));
	wr(REG_T0_CONFIG, rd(REG_T0_CONFIG) & ~TN_INT_ENABLE);
	wr(REG_CONFIG, rd(REG_CONFIG) | CONFIG_ENABLE);
	kprintf("hpet: at %#lx, %lu.%03lu MHz, %u comparators, %s counter", phys,
		freq_hz / 1000000, freq_hz / 1000 % 1000,
		(unsigned)((cap >> 8) & 0x1f) + 1, counter_64 ? "64-bit" : "32-bit");
	return 0;
}

bool hpet_present(void)
{
	return regs != 0;
}

uint64_t hpet_hz(void)
{
	return freq_hz;
}

static uint32_t read_counter32(void *ctx)
{
	(void)ctx;
	return *(volatile uint32_t *)(regs + REG_COUNTER);
}

uint64_t hpet_read(void)
{
	if (counter_64)
		return rd(REG_COUNTER);
	return hpet_counter_extend(&last_read, read_counter32, 0);
}

int hpet_tick_start(uint32_t hz)
{
	uint64_t cap = rd(REG_CAP), t0 = rd(REG_T0_CONFIG);
	if (!(cap & CAP_LEGACY_ROUTE) || !(t0 & TN_PERIODIC_CAP))
		return -1;
	uint64_t period = freq_hz / hz;
	wr(REG_CONFIG, rd(REG_CONFIG) & ~CONFIG_ENABLE);
	wr(REG_T0_CONFIG, (t0 & ~TN_32BIT_MODE) | TN_INT_ENABLE | TN_PERIODIC |
				  TN_SET_VALUE);
	/* With SET_VALUE, the first write sets the comparator, the second
	 * the period (spec 2.3.9.2.2). */
	wr(REG_T0_COMPARATOR, rd(REG_COUNTER) + period);
	wr(REG_T0_COMPARATOR, period);
	wr(REG_CONFIG, rd(REG_CONFIG) | CONFIG_LEGACY | CONFIG_ENABLE);
	return 0;
}

void hpet_tick_stop(void)
{
	wr(REG_T0_CONFIG, rd(REG_T0_CONFIG) & ~(TN_INT_ENABLE | TN_PERIODIC));
	wr(REG_CONFIG, rd(REG_CONFIG) & ~CONFIG_LEGACY);
}
