/* SPDX-License-Identifier: MIT */
/*
 * The C string and memory functions the kernel uses. Arch-free; on the host
 * the unit tests use libc's instead (same contracts). gcc may emit calls to
 * memcpy/memset/memmove/memcmp itself, so these names must exist.
 */
#ifndef COHORT_LIB_STRING_H
#define COHORT_LIB_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#endif
