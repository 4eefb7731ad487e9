// SPDX-License-Identifier: MIT
/*
 * kernel/cmdline.c: parsing a command line against a small option table
 * defined here (one option of each kind, one with a list of choices).
 * Covers accepted words, every kind of rejection and its exact warning
 * text, duplicates (last wins), whitespace, the length and word-count
 * limits, and cmdline_parse_uint on its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/cmdline.h"

static const struct cmdline_option opts[] = {
	{ "verbose", CMDLINE_FLAG, NULL, "a flag" },
	{ "nosmp", CMDLINE_FLAG, NULL, "another flag" },
	{ "maxcpus", CMDLINE_UINT, NULL, "a number" },
	{ "test", CMDLINE_STRING, NULL, "any non-empty string" },
	{ "console", CMDLINE_STRING, "serial|vga|both", "one of three" },
	{ "seconds", CMDLINE_UINT, "1..86400", "a number in a range" },
};
#define NOPTS ((int)(sizeof(opts) / sizeof(opts[0])))

/* ---- Warning capture ---- */

#define MAX_KEPT 8
static int nwarn;
static char warned[MAX_KEPT][256];

static void capture(const char *msg)
{
	if (nwarn < MAX_KEPT)
		snprintf(warned[nwarn], sizeof(warned[0]), "%s", msg);
	nwarn++;
}

static struct cmdline c;

static int parse(const char *line)
{
	nwarn = 0;
	memset(warned, 0, sizeof(warned));
	memset(&c, 0x5a, sizeof(c)); /* no leftovers from the last test */
	return cmdline_parse(&c, line, opts, NOPTS, capture);
}

/* The line must be rejected with exactly one warning, `msg`, and leave no
 * word behind. */
static void rejected_with(const char *line, const char *msg)
{
	int r = parse(line);
	if (nwarn != 1 || strcmp(warned[0], msg) != 0)
		fprintf(stderr, "line \"%s\": %d warning(s), first \"%s\"\n",
			line, nwarn, warned[0]);
	assert_int_equal(r, 1);
	assert_int_equal(nwarn, 1);
	assert_string_equal(warned[0], msg);
	assert_int_equal(c.count, 0);
}

/* ---- Accepted input ---- */

static void test_empty_null_and_blank_lines_give_no_words(void **state)
{
	(void)state;
	const char *lines[] = { "", " ", "\t", "  \t \t  " };

	assert_int_equal(parse(NULL), 0);
	assert_int_equal(c.count, 0);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_equal(parse(lines[i]), 0);
		assert_int_equal(c.count, 0);
		assert_int_equal(nwarn, 0);
	}
	assert_null(cmdline_get(&c, "test"));
	assert_int_equal(cmdline_flag(&c, "verbose"), 0);
}

static void test_each_kind_is_recorded(void **state)
{
	(void)state;

	assert_int_equal(parse("verbose maxcpus=4 test=boot console=vga"), 0);
	assert_int_equal(nwarn, 0);
	assert_int_equal(c.count, 4);
	assert_string_equal(c.name[0], "verbose");
	assert_null(c.value[0]);
	assert_string_equal(c.name[1], "maxcpus");
	assert_string_equal(c.value[1], "4");
	assert_string_equal(c.name[3], "console");
	assert_string_equal(c.value[3], "vga");

	assert_int_equal(cmdline_flag(&c, "verbose"), 1);
	assert_int_equal(cmdline_flag(&c, "nosmp"), 0);
	assert_string_equal(cmdline_get(&c, "maxcpus"), "4");
	assert_string_equal(cmdline_get(&c, "test"), "boot");
	assert_string_equal(cmdline_get(&c, "console"), "vga");
	assert_null(cmdline_get(&c, "nosmp"));
}

static void test_get_and_flag_do_not_mix_up_kinds(void **state)
{
	(void)state;

	assert_int_equal(parse("verbose test=x"), 0);
	assert_null(cmdline_get(&c, "verbose")); /* a flag has no value */
	assert_int_equal(cmdline_flag(&c, "test"), 0); /* not a flag */
	assert_null(cmdline_get(&c, "tes"));	       /* no prefix match */
	assert_null(cmdline_get(&c, "testx"));
}

static void test_value_keeps_later_equals_signs(void **state)
{
	(void)state;

	assert_int_equal(parse("test=a=b=c"), 0);
	assert_string_equal(cmdline_get(&c, "test"), "a=b=c");
}

static void test_whitespace_tabs_and_runs_separate_words(void **state)
{
	(void)state;

	assert_int_equal(parse("  \tverbose\t\tmaxcpus=2 \t test=x   "), 0);
	assert_int_equal(nwarn, 0);
	assert_int_equal(c.count, 3);
	assert_string_equal(c.name[0], "verbose");
	assert_string_equal(cmdline_get(&c, "maxcpus"), "2");
	assert_string_equal(cmdline_get(&c, "test"), "x"); /* no trailing blank */
}

static void test_last_duplicate_wins(void **state)
{
	(void)state;

	assert_int_equal(parse("test=first maxcpus=1 test=second maxcpus=0x2"),
			 0);
	assert_string_equal(cmdline_get(&c, "test"), "second");
	assert_string_equal(cmdline_get(&c, "maxcpus"), "0x2");

	/* A rejected repeat does not override the accepted one. */
	assert_int_equal(parse("console=vga console=bogus"), 1);
	assert_string_equal(cmdline_get(&c, "console"), "vga");

	assert_int_equal(parse("verbose verbose"), 0);
	assert_int_equal(cmdline_flag(&c, "verbose"), 1);
}

static void test_every_listed_choice_is_accepted(void **state)
{
	(void)state;
	const char *ok[] = { "console=serial", "console=vga", "console=both" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(parse(ok[i]), 0);
		assert_int_equal(nwarn, 0);
		assert_string_equal(cmdline_get(&c, "console"),
				    strchr(ok[i], '=') + 1);
	}
}

static void test_uint_accepts_decimal_and_hex(void **state)
{
	(void)state;
	const char *ok[] = { "maxcpus=0", "maxcpus=18446744073709551615",
			     "maxcpus=0x0", "maxcpus=0XfF",
			     "maxcpus=0xffffffffffffffff", "maxcpus=007" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(parse(ok[i]), 0);
		assert_int_equal(nwarn, 0);
		assert_int_equal(c.count, 1);
	}
}

/* ---- Rejected words: one warning each, exact text ---- */

static void test_unknown_option_warns_once_and_is_ignored(void **state)
{
	(void)state;

	assert_int_equal(parse("bogus verbose"), 1);
	assert_int_equal(nwarn, 1);
	assert_string_equal(warned[0], "cmdline: unknown option 'bogus' ignored");
	assert_int_equal(c.count, 1);
	assert_string_equal(c.name[0], "verbose");
	assert_int_equal(cmdline_flag(&c, "bogus"), 0);

	rejected_with("bogus=1", "cmdline: unknown option 'bogus' ignored");
	rejected_with("=x", "cmdline: unknown option '' ignored");
	rejected_with("Verbose", "cmdline: unknown option 'Verbose' ignored");
	rejected_with("verbos", "cmdline: unknown option 'verbos' ignored");
}

static void test_each_bad_word_gets_its_own_warning(void **state)
{
	(void)state;

	assert_int_equal(parse("a verbose b=1 verbose=2 c"), 4);
	assert_int_equal(nwarn, 4);
	assert_string_equal(warned[0], "cmdline: unknown option 'a' ignored");
	assert_string_equal(warned[1], "cmdline: unknown option 'b' ignored");
	assert_string_equal(warned[2],
			    "cmdline: option 'verbose' takes no value; '2' ignored");
	assert_string_equal(warned[3], "cmdline: unknown option 'c' ignored");
	assert_int_equal(c.count, 1);
}

static void test_flag_given_a_value_warns(void **state)
{
	(void)state;

	rejected_with("verbose=1",
		      "cmdline: option 'verbose' takes no value; '1' ignored");
	rejected_with("verbose=",
		      "cmdline: option 'verbose' takes no value; '' ignored");
	assert_int_equal(cmdline_flag(&c, "verbose"), 0);
}

static void test_uint_rejects_garbage_and_overflow(void **state)
{
	(void)state;
	static const struct {
		const char *line, *msg;
	} bad[] = {
		{ "maxcpus", "cmdline: option 'maxcpus' needs a number, got ''; ignored" },
		{ "maxcpus=", "cmdline: option 'maxcpus' needs a number, got ''; ignored" },
		{ "maxcpus=abc", "cmdline: option 'maxcpus' needs a number, got 'abc'; ignored" },
		{ "maxcpus=12a", "cmdline: option 'maxcpus' needs a number, got '12a'; ignored" },
		{ "maxcpus=0x", "cmdline: option 'maxcpus' needs a number, got '0x'; ignored" },
		{ "maxcpus=0xg", "cmdline: option 'maxcpus' needs a number, got '0xg'; ignored" },
		{ "maxcpus=-1", "cmdline: option 'maxcpus' needs a number, got '-1'; ignored" },
		{ "maxcpus=+1", "cmdline: option 'maxcpus' needs a number, got '+1'; ignored" },
		{ "maxcpus=1f", "cmdline: option 'maxcpus' needs a number, got '1f'; ignored" },
		{ "maxcpus=18446744073709551616",
		  "cmdline: option 'maxcpus' needs a number, got '18446744073709551616'; ignored" },
		{ "maxcpus=0x10000000000000000",
		  "cmdline: option 'maxcpus' needs a number, got '0x10000000000000000'; ignored" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		rejected_with(bad[i].line, bad[i].msg);
}

static void test_uint_range_accepts_both_ends(void **state)
{
	(void)state;
	assert_int_equal(parse("seconds=1"), 0);
	assert_string_equal(cmdline_get(&c, "seconds"), "1");
	assert_int_equal(parse("seconds=86400"), 0);
	assert_string_equal(cmdline_get(&c, "seconds"), "86400");
	assert_int_equal(parse("seconds=0x10"), 0);
	assert_int_equal(nwarn, 0);
}

static void test_uint_outside_range_warns_once(void **state)
{
	(void)state;
	rejected_with("seconds=0",
		      "cmdline: option 'seconds' must be in 1..86400, got '0'; ignored");
	rejected_with("seconds=86401",
		      "cmdline: option 'seconds' must be in 1..86400, got '86401'; ignored");
	rejected_with("seconds=abc",
		      "cmdline: option 'seconds' needs a number, got 'abc'; ignored");
}

static void test_string_option_needs_a_value(void **state)
{
	(void)state;

	rejected_with("test", "cmdline: option 'test' needs a value; ignored");
	rejected_with("test=", "cmdline: option 'test' needs a value; ignored");
}

static void test_string_with_choices_rejects_other_values(void **state)
{
	(void)state;
	const char *bad[] = { "console=ser",	    "console=serialx",
			      "console=VGA",	    "console=serial|vga",
			      "console=|",	    "console=bot",
			      "console=vgaboth" };
	const char *msg =
		"cmdline: option 'console' must be one of serial|vga|both; ignored";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		rejected_with(bad[i], msg);
}

static void test_warn_callback_may_be_null(void **state)
{
	(void)state;

	assert_int_equal(cmdline_parse(&c, "bogus verbose maxcpus=x", opts,
				       NOPTS, NULL),
			 2);
	assert_int_equal(c.count, 1);
	assert_int_equal(cmdline_flag(&c, "verbose"), 1);
}

static void test_overlong_name_gives_truncated_terminated_warning(void **state)
{
	(void)state;
	char line[600];

	memset(line, 'n', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	assert_int_equal(parse(line), 1);
	assert_int_equal(nwarn, 1);
	/* cmdline.c formats into a 192-byte buffer. */
	assert_int_equal(strlen(warned[0]), 191);
	assert_memory_equal(warned[0], "cmdline: unknown option 'nnnn", 29);
}

/* ---- Limits ---- */

static void test_longest_word_that_fits_is_accepted(void **state)
{
	(void)state;
	char line[CMDLINE_MAX_LEN + 1];

	/* "test=" + value, plus its NUL, fills buf exactly. */
	memcpy(line, "test=", 5);
	memset(line + 5, 'v', CMDLINE_MAX_LEN - 1 - 5);
	line[CMDLINE_MAX_LEN - 1] = 0;
	assert_int_equal(parse(line), 0);
	assert_int_equal(nwarn, 0);
	assert_int_equal(strlen(cmdline_get(&c, "test")), CMDLINE_MAX_LEN - 6);

	/* One byte more does not fit. */
	line[CMDLINE_MAX_LEN - 1] = 'v';
	line[CMDLINE_MAX_LEN] = 0;
	rejected_with(line, "cmdline: too long; the rest is ignored");
}

static void test_too_long_line_warns_and_keeps_the_words_before(void **state)
{
	(void)state;
	char line[3 * CMDLINE_MAX_LEN];
	size_t len = 0;
	int words = 0;

	/* 25-character words until well past CMDLINE_MAX_LEN (but fewer
	 * than CMDLINE_MAX_WORDS of them fit, so the byte limit is hit). */
	while (len < 2 * CMDLINE_MAX_LEN)
		len += (size_t)sprintf(line + len, "test=%020d ", words++);
	strcpy(line + len, "verbose");

	assert_int_equal(parse(line), 1);
	assert_int_equal(nwarn, 1);
	assert_string_equal(warned[0], "cmdline: too long; the rest is ignored");
	/* Each word takes 26 bytes of buf ("test", NUL, 20 digits, NUL). */
	assert_int_equal(c.count, CMDLINE_MAX_LEN / 26);
	char want[32];
	snprintf(want, sizeof(want), "%020d", c.count - 1);
	assert_string_equal(cmdline_get(&c, "test"), want);
	assert_int_equal(cmdline_flag(&c, "verbose"), 0); /* after the cut */
}

static void test_more_than_max_words_warns(void **state)
{
	(void)state;
	char line[(CMDLINE_MAX_WORDS + 1) * 2 + 1];

	for (int i = 0; i <= CMDLINE_MAX_WORDS; i++)
		memcpy(line + 2 * i, "x ", 2);
	line[sizeof(line) - 1] = 0;
	/* Unknown words are rejected and take no slot... */
	assert_int_equal(parse(line), CMDLINE_MAX_WORDS + 1);
	assert_int_equal(c.count, 0);

	/* ...accepted ones do: the 65th is cut off. */
	char line2[(CMDLINE_MAX_WORDS + 1) * 6 + 1];
	for (int i = 0; i <= CMDLINE_MAX_WORDS; i++)
		memcpy(line2 + 6 * i, "nosmp ", 6);
	line2[sizeof(line2) - 1] = 0;
	assert_int_equal(parse(line2), 1);
	assert_int_equal(nwarn, 1);
	assert_string_equal(warned[0], "cmdline: too long; the rest is ignored");
	assert_int_equal(c.count, CMDLINE_MAX_WORDS);
}

static void test_rejected_words_use_no_buffer_space(void **state)
{
	(void)state;
	char line[4 * CMDLINE_MAX_LEN];
	size_t len = 0;

	/* 2.5 KiB of unknown words, then a good one. */
	for (int i = 0; i < 250; i++)
		len += (size_t)sprintf(line + len, "junk%05d ", i);
	strcpy(line + len, "test=kept");
	assert_int_equal(parse(line), 250);
	assert_int_equal(nwarn, 250);
	assert_int_equal(c.count, 1);
	assert_string_equal(cmdline_get(&c, "test"), "kept");
}

static void test_reparse_forgets_the_previous_line(void **state)
{
	(void)state;

	assert_int_equal(cmdline_parse(&c, "verbose test=a", opts, NOPTS,
				       capture),
			 0);
	assert_int_equal(cmdline_parse(&c, "nosmp", opts, NOPTS, capture), 0);
	assert_int_equal(c.count, 1);
	assert_int_equal(cmdline_flag(&c, "verbose"), 0);
	assert_null(cmdline_get(&c, "test"));
}

/* ---- cmdline_parse_uint ---- */

static void test_parse_uint_values(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
		{ "0", 0 },
		{ "1", 1 },
		{ "42", 42 },
		{ "000123", 123 },
		{ "4294967296", 4294967296ULL },
		{ "18446744073709551615", UINT64_MAX },
		{ "0x0", 0 },
		{ "0x7b", 0x7b },
		{ "0X7B", 0x7b },
		{ "0xDeadBeef", 0xdeadbeef },
		{ "0x00000000000000000001", 1 },
		{ "0xffffffffffffffff", UINT64_MAX },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t v = 12345;
		if (cmdline_parse_uint(ok[i].s, &v) != 0 || v != ok[i].v)
			fprintf(stderr, "\"%s\" -> %llu\n", ok[i].s,
				(unsigned long long)v);
		assert_int_equal(cmdline_parse_uint(ok[i].s, &v), 0);
		assert_int_equal(v, ok[i].v);
	}
}

static void test_parse_uint_rejects_and_leaves_output_alone(void **state)
{
	(void)state;
	const char *bad[] = {
		"",	    "x",	"0x",	     "0xx1",	 " 1",
		"1 ",	    "-0",	"+5",	     "1e3",	 "12a",
		"0b101",    "1.0",	"0x1g",	     "ff",	 "0x-1",
		"18446744073709551616", "99999999999999999999",
		"0x10000000000000000", "0x1ffffffffffffffff",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 777;
		if (cmdline_parse_uint(bad[i], &v) != -1)
			fprintf(stderr, "\"%s\" was accepted\n", bad[i]);
		assert_int_equal(cmdline_parse_uint(bad[i], &v), -1);
		assert_int_equal(v, 777);
	}
	uint64_t v = 777;
	assert_int_equal(cmdline_parse_uint(NULL, &v), -1);
	assert_int_equal(v, 777);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka and our notes in order */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_null_and_blank_lines_give_no_words),
		cmocka_unit_test(test_each_kind_is_recorded),
		cmocka_unit_test(test_get_and_flag_do_not_mix_up_kinds),
		cmocka_unit_test(test_value_keeps_later_equals_signs),
		cmocka_unit_test(test_whitespace_tabs_and_runs_separate_words),
		cmocka_unit_test(test_last_duplicate_wins),
		cmocka_unit_test(test_every_listed_choice_is_accepted),
		cmocka_unit_test(test_uint_accepts_decimal_and_hex),
		cmocka_unit_test(test_unknown_option_warns_once_and_is_ignored),
		cmocka_unit_test(test_each_bad_word_gets_its_own_warning),
		cmocka_unit_test(test_flag_given_a_value_warns),
		cmocka_unit_test(test_uint_rejects_garbage_and_overflow),
		cmocka_unit_test(test_uint_range_accepts_both_ends),
		cmocka_unit_test(test_uint_outside_range_warns_once),
		cmocka_unit_test(test_string_option_needs_a_value),
		cmocka_unit_test(test_string_with_choices_rejects_other_values),
		cmocka_unit_test(test_warn_callback_may_be_null),
		cmocka_unit_test(test_overlong_name_gives_truncated_terminated_warning),
		cmocka_unit_test(test_longest_word_that_fits_is_accepted),
		cmocka_unit_test(test_too_long_line_warns_and_keeps_the_words_before),
		cmocka_unit_test(test_more_than_max_words_warns),
		cmocka_unit_test(test_rejected_words_use_no_buffer_space),
		cmocka_unit_test(test_reparse_forgets_the_previous_line),
		cmocka_unit_test(test_parse_uint_values),
		cmocka_unit_test(test_parse_uint_rejects_and_leaves_output_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
