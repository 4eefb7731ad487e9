/* SPDX-License-Identifier: MIT */
/*
 * Kernel command line: space-separated words, each `name` or `name=value`.
 * Every option the kernel (or the loader) understands is declared in one
 * table (kernel/options.c, documented in docs/cmdline.md) with its kind and,
 * where it has one, its list of allowed values. Parsing validates each word
 * against that table: an unknown name, a missing or malformed value, or a
 * value outside the list or the range gets one warning line and is
 * ignored; it never stops the boot. A repeated option: the last one wins.
 *
 * Pure: builds on the host (tests/unit/kernel/cmdline-test.c).
 */
#ifndef COHORT_CMDLINE_H
#define COHORT_CMDLINE_H

#include <stdint.h>

#define CMDLINE_MAX_LEN 1024
#define CMDLINE_MAX_WORDS 64

enum cmdline_kind {
	CMDLINE_FLAG,	/* `name` alone */
	CMDLINE_STRING, /* `name=value`, value non-empty */
	CMDLINE_UINT,	/* `name=123` or `name=0x7b` */
};

struct cmdline_option {
	const char *name;
	enum cmdline_kind kind;
	/* "a|b|c" for CMDLINE_STRING; "min..max" (inclusive, decimal) for
	 * CMDLINE_UINT; NULL = any value. */
	const char *choices;
	const char *help;
};

struct cmdline {
	char buf[CMDLINE_MAX_LEN]; /* the words, NUL-separated */
	int count;
	const char *name[CMDLINE_MAX_WORDS];
	const char *value[CMDLINE_MAX_WORDS]; /* NULL for flags */
};

/* Called once per rejected word with a complete message. */
typedef void (*cmdline_warn_fn)(const char *msg);

/* Parse `line` against `opts` (n entries). Returns the number of words
 * rejected. */
int cmdline_parse(struct cmdline *c, const char *line,
		  const struct cmdline_option *opts, int n, cmdline_warn_fn warn);

/* Value of the last accepted `name=value`, or NULL. */
const char *cmdline_get(const struct cmdline *c, const char *name);
/* 1 if the flag `name` was given. */
int cmdline_flag(const struct cmdline *c, const char *name);
/* Parse a decimal or 0x-hex number; returns 0 and sets *out, or -1. */
int cmdline_parse_uint(const char *s, uint64_t *out);

/* ---- The kernel's table and parsed line (options.c) ---- */
extern const struct cmdline_option kernel_options[];
extern const int kernel_option_count;
extern struct cmdline boot_cmdline;

#endif
