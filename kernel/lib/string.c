// SPDX-License-Identifier: MIT
/*
 * memcpy, memmove (forwards) and memset move 8 bytes per step with
 * `rep movsq` / `rep stosq`, then the tail bytewise. The byte loops they
 * replace made every page the kernel zeroes or copies (page tables, kernel
 * stacks, copy-on-write faults) cost 4096 iterations: fork + exit + wait
 * spent about a third of its time there (docs/benchmarks.md). Linux uses
 * the same instructions on CPUs without fast short `rep movsb`.
 */
#include "string.h"

#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t q = n >> 3;
	__asm__ volatile("rep movsq"
			 : "+D"(d), "+S"(src), "+c"(q)
			 :
			 : "memory");
	q = n & 7;
	__asm__ volatile("rep movsb"
			 : "+D"(d), "+S"(src), "+c"(q)
			 :
			 : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	/* Forwards is safe unless dst starts inside src. */
	if ((uintptr_t)d - (uintptr_t)s >= n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	uint64_t v = 0x0101010101010101ull * (unsigned char)c;
	size_t q = n >> 3;
	__asm__ volatile("rep stosq"
			 : "+D"(d), "+c"(q)
			 : "a"(v)
			 : "memory");
	q = n & 7;
	__asm__ volatile("rep stosb"
			 : "+D"(d), "+c"(q)
			 : "a"(v)
			 : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return 0;
	}
}
