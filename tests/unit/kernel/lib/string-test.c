// SPDX-License-Identifier: MIT
/*
 * kernel/lib/string.c's memcpy, memmove and memset (8 bytes per step with
 * `rep movsq`/`rep stosq`, then the tail): every length from 0 to 80 at
 * every source and destination misalignment against a byte-at-a-time
 * reference, with guard bytes either side that must stay untouched;
 * memmove over overlapping ranges in both directions; the return values;
 * and memset's fill byte taken from the int's low 8 bits. The file is
 * compiled here under k_ names, so libc's functions stay libc's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define memcpy k_memcpy
#define memmove k_memmove
#define memset k_memset
#define memcmp k_memcmp
#define strlen k_strlen
#define strcmp k_strcmp
#define strncmp k_strncmp
#define strchr k_strchr
#include "kernel/lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strcmp
#undef strncmp
#undef strchr

#define MAXLEN 80
#define GUARD 16
#define BUF (GUARD + 8 + MAXLEN + GUARD)

static void pattern(unsigned char *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(seed * 131 + i * 7 + 1);
}

static void test_memcpy_every_length_and_alignment(void **state)
{
	(void)state;
	unsigned char src[BUF], dst[BUF], want[BUF];
	for (size_t so = 0; so < 8; so++)
		for (size_t d_o = 0; d_o < 8; d_o++)
			for (size_t n = 0; n <= MAXLEN; n++) {
				pattern(src, BUF, 1);
				pattern(dst, BUF, 2);
				memcpy(want, dst, BUF);
				for (size_t i = 0; i < n; i++)
					want[GUARD + d_o + i] = src[GUARD + so + i];
				void *r = k_memcpy(dst + GUARD + d_o, src + GUARD + so, n);
				assert_ptr_equal(r, dst + GUARD + d_o);
				assert_memory_equal(dst, want, BUF);
			}
}

static void test_memset_every_length_and_alignment(void **state)
{
	(void)state;
	unsigned char buf[BUF], want[BUF];
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n <= MAXLEN; n++) {
			pattern(buf, BUF, 3);
			memcpy(want, buf, BUF);
			for (size_t i = 0; i < n; i++)
				want[GUARD + off + i] = 0xa5;
			/* Only the low byte counts: 0x1a5 fills with 0xa5. */
			void *r = k_memset(buf + GUARD + off, 0x1a5, n);
			assert_ptr_equal(r, buf + GUARD + off);
			assert_memory_equal(buf, want, BUF);
		}
}

static void test_memset_zero_page(void **state)
{
	(void)state;
	static unsigned char page[4096 + 2];
	memset(page, 0xff, sizeof(page));
	k_memset(page + 1, 0, 4096);
	assert_int_equal(page[0], 0xff);
	assert_int_equal(page[4097], 0xff);
	for (size_t i = 1; i <= 4096; i++)
		assert_int_equal(page[i], 0);
}

/* Overlap both ways: dst below src copies forwards, dst above src must
 * not read bytes it already wrote. */
static void test_memmove_overlapping(void **state)
{
	(void)state;
	unsigned char buf[BUF + 16], want[BUF + 16], tmp[BUF];
	for (int shift = -12; shift <= 12; shift++)
		for (size_t n = 0; n <= MAXLEN; n++) {
			size_t s = GUARD + 12, d = (size_t)((int)s + shift);
			pattern(buf, sizeof(buf), 4);
			memcpy(want, buf, sizeof(buf));
			memcpy(tmp, buf + s, n);
			memcpy(want + d, tmp, n);
			void *r = k_memmove(buf + d, buf + s, n);
			assert_ptr_equal(r, buf + d);
			assert_memory_equal(buf, want, sizeof(buf));
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy_every_length_and_alignment),
		cmocka_unit_test(test_memset_every_length_and_alignment),
		cmocka_unit_test(test_memset_zero_page),
		cmocka_unit_test(test_memmove_overlapping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
