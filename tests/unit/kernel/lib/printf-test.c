// SPDX-License-Identifier: MIT
/*
 * kernel/lib/printf.c: k_snprintf/k_vsnprintf against the host libc's
 * vsnprintf for every conversion, length modifier, flag, width and
 * precision the kernel supports. Each format is run into buffers of every
 * size from 0 to one past the full length, so truncation (return value,
 * NUL termination, nothing written past `size`) is compared too. The few
 * places where the kernel deliberately differs from glibc (%p of NULL, %s of
 * NULL, unknown conversions, a lone '%') are checked on their own.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include "kernel/lib/printf.h"

#define BUFSZ 512
#define FILLER 0x5a

static int mismatches;

static void show(const char *what, const char *s, size_t n)
{
	fprintf(stderr, "    %s: \"", what);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f)
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fprintf(stderr, "\"\n");
}

/*
 * Format with libc and with the kernel into buffers of size 0 .. full+1 and
 * compare the return values and the whole buffers (so a byte written past
 * `size` shows up as a difference from libc, which writes none).
 */
static void __attribute__((format(printf, 2, 3)))
same_as_libc(int line, const char *fmt, ...)
{
	static char want[BUFSZ], got[BUFSZ];
	va_list ap, aq;

	va_start(ap, fmt);
	va_copy(aq, ap);
	int full = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (full < 0 || full + 2 > BUFSZ) {
		fprintf(stderr, "line %d: format \"%s\" too long for the test\n",
			line, fmt);
		mismatches++;
		va_end(ap);
		return;
	}
	for (size_t size = 0; size <= (size_t)full + 1; size++) {
		memset(want, FILLER, sizeof(want));
		memset(got, FILLER, sizeof(got));
		va_copy(aq, ap);
		int rw = vsnprintf(want, size, fmt, aq);
		va_end(aq);
		va_copy(aq, ap);
		int rg = k_vsnprintf(got, size, fmt, aq);
		va_end(aq);
		if (rw != rg || memcmp(want, got, sizeof(want)) != 0) {
			fprintf(stderr,
				"line %d: format \"%s\", size %zu: libc returned %d, "
				"k_vsnprintf %d\n",
				line, fmt, size, rw, rg);
			show("libc", want, (size_t)full + 2);
			show("ours", got, (size_t)full + 2);
			va_copy(aq, ap);
			vsnprintf(want, sizeof(want), fmt, aq);
			va_end(aq);
			va_copy(aq, ap);
			k_vsnprintf(got, sizeof(got), fmt, aq);
			va_end(aq);
			fprintf(stderr, "    untruncated: libc \"%s\", ours \"%s\"\n",
				want, got);
			mismatches++;
			break; /* one report per format is enough */
		}
	}
	va_end(ap);
}

#define SAME(...) same_as_libc(__LINE__, __VA_ARGS__)
/* For flag combinations that are valid C but that gcc warns about in a
 * literal format ("'0' flag ignored with '-' flag"): hide the literal. */
#define SAME_UNCHECKED(fmt, ...)                                    \
	do {                                                        \
		const char *volatile fmt_ = (fmt);                  \
		same_as_libc(__LINE__, fmt_, __VA_ARGS__);          \
	} while (0)

/* k_vsnprintf with a format the compiler does not check (callers pass
 * formats it would warn about: unknown conversions, an empty format). */
static int k_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = k_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static int setup(void **state)
{
	(void)state;
	mismatches = 0;
	return 0;
}

/* ---- Conversions, compared with libc ---- */

static void test_plain_text_and_percent_match_libc(void **state)
{
	(void)state;
	SAME("%s", "");
	SAME("hello, world");
	SAME("100%%");
	SAME("%%%%");
	SAME("a%cb", 'x');
	SAME("%c%c%c", 'a', ' ', '~');
	assert_int_equal(mismatches, 0);
}

static void test_signed_decimal_matches_libc(void **state)
{
	(void)state;
	static const int ints[] = { 0, 1, -1, 9, 10, 42, -42, 12345,
				    INT_MAX, INT_MIN, INT_MIN + 1 };
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		SAME("%d", ints[i]);
		SAME("%i", ints[i]);
		SAME("[%d|%i]", ints[i], ints[i]);
	}
	SAME("%ld", 0L);
	SAME("%ld", LONG_MAX);
	SAME("%ld", LONG_MIN);
	SAME("%lld", LLONG_MAX);
	SAME("%lld", LLONG_MIN);
	SAME("%lli", -1234567890123LL);
	SAME("%zd", (ssize_t)-5);
	SAME("%zd", (ssize_t)SSIZE_MAX);
	assert_int_equal(mismatches, 0);
}

static void test_unsigned_hex_octal_match_libc(void **state)
{
	(void)state;
	static const unsigned uints[] = { 0, 1, 7, 8, 9, 10, 15, 16, 255,
					  0x1000, 0xdeadbeef, UINT_MAX };
	for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++) {
		SAME("%u", uints[i]);
		SAME("%x", uints[i]);
		SAME("%X", uints[i]);
		SAME("%o", uints[i]);
	}
	SAME("%lu", ULONG_MAX);
	SAME("%lx", 0xfedcba9876543210UL);
	SAME("%lX", 0xfedcba9876543210UL);
	SAME("%lo", ULONG_MAX);
	SAME("%llu", ULLONG_MAX);
	SAME("%llx", ULLONG_MAX);
	SAME("%llo", ULLONG_MAX);
	SAME("%zu", (size_t)0);
	SAME("%zu", SIZE_MAX);
	SAME("%zx", SIZE_MAX);
	assert_int_equal(mismatches, 0);
}

static void test_hh_and_h_truncate_like_libc(void **state)
{
	(void)state;
	static const int vals[] = { 0, 1, 127, 128, 200, 255, 256, -1, -128,
				    -129, 32767, 32768, 65535, 65536, 70000,
				    -32769, INT_MIN, INT_MAX };
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		int v = vals[i];
		SAME("%hhd", v);
		SAME("%hhi", v);
		SAME("%hhu", v);
		SAME("%hhx", v);
		SAME("%hhX", v);
		SAME("%hho", v);
		SAME("%hd", v);
		SAME("%hu", v);
		SAME("%hx", v);
		SAME("%ho", v);
	}
	assert_int_equal(mismatches, 0);
}

static void test_strings_and_chars_match_libc(void **state)
{
	(void)state;
	SAME("%s", "abc");
	SAME("%s|%s", "one", "two");
	SAME("%10s", "abc");
	SAME("%-10s|", "abc");
	SAME("%.2s", "abc");
	SAME("%.0s|", "abc");
	SAME("%.10s", "abc");
	SAME("%8.3s|", "abcdef");
	SAME("%-8.3s|", "abcdef");
	SAME("%2s", "abcdef");
	SAME("%5c|", 'q');
	SAME("%-5c|", 'q');
	SAME("%1c", 'q');
	assert_int_equal(mismatches, 0);
}

static void test_pointers_match_libc(void **state)
{
	(void)state;
	int local;
	SAME("%p", (void *)&local);
	SAME("%p", (void *)0x1);
	SAME("%p", (void *)0xffffffff80001234ULL);
	SAME("%p", (void *)UINTPTR_MAX);
	SAME("%20p|", (void *)0xabcULL);
	assert_int_equal(mismatches, 0);
}

/* Regression (was a bug): %p passes only F_ALT to put_number() and so
 * drops the '-' flag: a left-justified pointer is padded on the left. */
static void test_pointer_left_justified_matches_libc(void **state)
{
	(void)state;
	SAME("%-20p|", (void *)0xabcULL);
	assert_int_equal(mismatches, 0);
}

/* ---- Flags, width, precision, compared with libc ---- */

static void test_flags_match_libc(void **state)
{
	(void)state;
	static const int ints[] = { 0, 1, -1, 42, -42, INT_MAX, INT_MIN };
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		int v = ints[i];
		SAME("%+d", v);
		SAME("% d", v);
		SAME_UNCHECKED("%+ d", v); /* '+' wins over ' ' */
		SAME("%-6d|", v);
		SAME("%06d", v);
		SAME("%+06d", v);
		SAME("% 06d", v);
		SAME("%-+6d|", v);
		SAME("%- 6d|", v);
		SAME_UNCHECKED("%-06d|", v); /* '-' wins over '0' */
	}
	static const unsigned uints[] = { 0, 1, 7, 8, 255, 0xdeadbeef };
	for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++) {
		unsigned v = uints[i];
		SAME("%#x", v);
		SAME("%#X", v);
		SAME("%#o", v);
		SAME("%#10x|", v);
		SAME("%#-10x|", v);
		SAME("%#010x", v);
		SAME("%#010X", v);
		SAME("%#08o", v);
		SAME("%-#8o|", v);
		SAME("%08u", v);
		SAME("%-8u|", v);
		SAME("%08x", v);
		SAME_UNCHECKED("%-#08x|", v);
	}
	SAME("%#llx", ULLONG_MAX);
	SAME("%#llo", ULLONG_MAX);
	SAME("%#lx", 0x10UL);
	assert_int_equal(mismatches, 0);
}

static void test_width_and_precision_match_libc(void **state)
{
	(void)state;
	static const int ints[] = { 0, 5, -5, 123, -123, 123456 };
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		int v = ints[i];
		SAME("%1d", v);
		SAME("%8d|", v);
		SAME("%.0d|", v);
		SAME("%.1d", v);
		SAME("%.5d", v);
		SAME("%8.5d|", v);
		SAME("%-8.5d|", v);
		SAME("%+8.5d|", v);
		SAME_UNCHECKED("%08.5d|", v); /* '0' is ignored with a precision */
		SAME("%5.0d|", v);
		SAME("%+.0d|", v);
	}
	static const unsigned uints[] = { 0, 1, 8, 0x1f, 0x12345 };
	for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++) {
		unsigned v = uints[i];
		SAME("%.0x|", v);
		SAME("%#.0x|", v);
		SAME("%#.0o|", v);
		SAME("%#.3o", v);
		SAME("%#5.3o|", v);
		SAME("%.6x", v);
		SAME("%#.6x", v);
		SAME("%#12.6X|", v);
		SAME("%-#12.6x|", v);
		SAME_UNCHECKED("%012.6x|", v);
		SAME("%.8u", v);
		SAME("%.0u|", v);
	}
	SAME("%40d|", 7);
	SAME("%.40d|", 7);
	SAME("%.30llo", ULLONG_MAX);
	assert_int_equal(mismatches, 0);
}

static void test_star_width_and_precision_match_libc(void **state)
{
	(void)state;
	SAME("%*d|", 6, 42);
	SAME("%*d|", -6, 42); /* negative width: left-justify */
	SAME("%*d|", 0, 42);
	SAME("%.*d|", 4, 42);
	SAME("%.*d|", -1, 42); /* negative precision: as if none */
	SAME("%.*d|", 0, 0);
	SAME("%*.*d|", 8, 4, -42);
	SAME("%*.*d|", -8, 4, -42);
	SAME("%0*d", 6, -42);
	SAME("%*s|", 6, "ab");
	SAME("%*s|", -6, "ab");
	SAME("%.*s|", 2, "abcdef");
	SAME("%.*s|", -2, "abcdef");
	SAME("%*.*s|", 5, 1, "xyz");
	SAME("%*c|", 3, 'z');
	SAME("%*c|", -3, 'z');
	SAME("%#*x|", 10, 0xbeefu);
	SAME("%-*lu|", 12, 99UL);
	assert_int_equal(mismatches, 0);
}

static void test_mixed_format_matches_libc(void **state)
{
	(void)state;
	SAME("cpu%u: apic %#x flags %08lx name '%-8s' rc=%+d (%c) %%",
	     3u, 0x1fu, 0x3fUL, "bsp", -22, 'Y');
	SAME("mem:   %016lx-%016lx %-11s (efi type %u)", 0x100000UL,
	     0x7fffffffUL, "usable", 7u);
	SAME("%s=%zu %hhx:%hx:%llx", "n", (size_t)9, 0x1ff, 0x1ffff,
	     0x123456789abcdefULL);
	assert_int_equal(mismatches, 0);
}

/* ---- Truncation, checked directly ---- */

static void test_truncation_returns_full_length_and_terminates(void **state)
{
	(void)state;
	char buf[16];

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(k_snprintf(buf, 5, "hello %s", "world"), 11);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], 'X'); /* nothing past size */

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(k_snprintf(buf, 1, "%d", 12345), 5);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 'X');

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(k_snprintf(buf, 6, "%5d", 7), 5);
	assert_string_equal(buf, "    7"); /* exactly fits */

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(k_snprintf(buf, 5, "%5d", 7), 5);
	assert_string_equal(buf, "    "); /* one short */
}

static void test_size_zero_writes_nothing(void **state)
{
	(void)state;
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(k_snprintf(buf, 0, "abc%d", 123), 6);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 'X');
	/* C11 allows a null buffer with size 0. */
	assert_int_equal(k_snprintf(NULL, 0, "%s-%s", "ab", "cd"), 5);
}

static void test_empty_format_gives_empty_string(void **state)
{
	(void)state;
	char buf[4] = "XYZ";
	const char *volatile empty = "";

	assert_int_equal(k_fmt(buf, sizeof(buf), empty), 0);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 'Y');
	assert_int_equal(k_fmt(NULL, 0, empty), 0);
}

/* ---- Where the kernel differs from glibc on purpose ---- */

/*
 * glibc prints "(nil)"; the kernel prints 0x and the number like for any
 * other pointer.
 * Regression (was a bug): put_number() drops the "0x" prefix for a zero
 * value, so NULL prints as "0".
 */
static void test_null_pointer_prints_0x0(void **state)
{
	(void)state;
	char buf[32];
	void *volatile null = NULL;

	int n = k_snprintf(buf, sizeof(buf), "%p", null);
	assert_string_equal(buf, "0x0");
	assert_int_equal(n, 3);
	k_snprintf(buf, sizeof(buf), "[%6p]", null);
	assert_string_equal(buf, "[   0x0]");
}

static void test_null_string_prints_null_marker(void **state)
{
	(void)state;
	char buf[32];
	const char *volatile null = NULL;

	assert_int_equal(k_snprintf(buf, sizeof(buf), "%s", null), 6);
	assert_string_equal(buf, "(null)");
	k_snprintf(buf, sizeof(buf), "[%8s]", null);
	assert_string_equal(buf, "[  (null)]");
	k_snprintf(buf, sizeof(buf), "[%.3s]", null);
	assert_string_equal(buf, "[(nu]");
}

static void test_unknown_conversion_printed_verbatim(void **state)
{
	(void)state;
	char buf[32];
	const char *volatile fmt = "a%yb%qc";

	assert_int_equal(k_fmt(buf, sizeof(buf), fmt), 7);
	assert_string_equal(buf, "a%yb%qc");
	/* Arguments still line up after an unknown conversion. */
	fmt = "%w %d";
	k_fmt(buf, sizeof(buf), fmt, 5);
	assert_string_equal(buf, "%w 5");
}

static void test_lone_percent_at_end_stops(void **state)
{
	(void)state;
	char buf[32];
	const char *volatile fmt = "abc%";

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(k_fmt(buf, sizeof(buf), fmt), 3);
	assert_string_equal(buf, "abc");
	fmt = "abc%-08";
	assert_int_equal(k_fmt(buf, sizeof(buf), fmt), 3);
	assert_string_equal(buf, "abc");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka and our notes in order */
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
		T(test_plain_text_and_percent_match_libc),
		T(test_signed_decimal_matches_libc),
		T(test_unsigned_hex_octal_match_libc),
		T(test_hh_and_h_truncate_like_libc),
		T(test_strings_and_chars_match_libc),
		T(test_pointers_match_libc),
		T(test_pointer_left_justified_matches_libc),
		T(test_flags_match_libc),
		T(test_width_and_precision_match_libc),
		T(test_star_width_and_precision_match_libc),
		T(test_mixed_format_matches_libc),
		T(test_truncation_returns_full_length_and_terminates),
		T(test_size_zero_writes_nothing),
		T(test_empty_format_gives_empty_string),
		T(test_null_pointer_prints_0x0),
		T(test_null_string_prints_null_marker),
		T(test_unknown_conversion_printed_verbatim),
		T(test_lone_percent_at_end_stops),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
