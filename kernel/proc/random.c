// SPDX-License-Identifier: MIT
/*
 * Random bytes for AT_RANDOM and getrandom (proc_internal.h): RDRAND where
 * CPUID says the CPU has it (Intel SDM Vol. 1 7.3.17; retried, as the SDM
 * advises, since it may briefly have nothing), else a xorshift generator
 * seeded from the TSC. Good enough for stack canaries and hash seeds, not
 * for keys: docs/userspace.md says so.
 */
#include "proc_internal.h"

#include "../arch/x86.h"

#define CPUID1_ECX_RDRAND (1U << 30)
#define RDRAND_RETRIES 10

static int rdrand64(uint64_t *v)
{
	for (int i = 0; i < RDRAND_RETRIES; i++) {
		unsigned char ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return 1;
	}
	return 0;
}

/* xorshift64* state, shared by all CPUs: a racy update only mixes more. */
static uint64_t fallback_state;

static uint64_t fallback64(void)
{
	uint64_t x = __atomic_load_n(&fallback_state, __ATOMIC_RELAXED);
	if (!x)
		x = rdtsc() | 1;
	x ^= rdtsc();
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	__atomic_store_n(&fallback_state, x, __ATOMIC_RELAXED);
	return x * 0x2545f4914f6cdd1dULL;
}

void random_fill(void *buf, size_t n)
{
	static int has_rdrand = -1;
	if (has_rdrand < 0)
		has_rdrand = (cpuid(1, 0).ecx & CPUID1_ECX_RDRAND) != 0;
	uint8_t *b = buf;
	while (n) {
		uint64_t v;
		if (!has_rdrand || !rdrand64(&v))
			v = fallback64();
		size_t k = n < 8 ? n : 8;
		for (size_t i = 0; i < k; i++)
			b[i] = (uint8_t)(v >> (8 * i));
		b += k;
		n -= k;
	}
}
