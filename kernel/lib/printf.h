/* SPDX-License-Identifier: MIT */
/*
 * Formatted output into a buffer, for the kernel log and anything else.
 * Supports the subset the kernel uses: %d %i %u %x %X %o %p %s %c %%, the
 * length modifiers hh h l ll z, flags '-' '0' ' ' '+' '#', field width and
 * precision (both may be '*'). No floating point: the kernel has no SSE.
 * Arch-free; the host unit tests check it against libc's snprintf.
 */
#ifndef COHORT_LIB_PRINTF_H
#define COHORT_LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/* As C11 vsnprintf: writes at most size-1 characters plus NUL, returns the
 * length the full output would have had. */
int k_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int k_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
