// SPDX-License-Identifier: MIT
/* Command-line parsing (see cmdline.h). Validate each word fully, then
 * record it: a rejected word leaves no trace but its warning. */
#include "cmdline.h"

#include "lib/printf.h"
#include "lib/string.h"

int cmdline_parse_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (!s || !*s)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return -1;
	}
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (*s | 0x20) - 'a' + 10;
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1; /* overflow */
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* Is `value` one of the '|'-separated words in `choices`? */
static int in_choices(const char *choices, const char *value)
{
	size_t len = strlen(value);
	for (const char *p = choices; *p;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if (n == len && strncmp(p, value, n) == 0)
			return 1;
		if (!bar)
			break;
		p = bar + 1;
	}
	return 0;
}

/* Is v inside the "min..max" range `range`? A malformed range (a bug in
 * the table, not in the input) accepts nothing, so it shows in testing. */
static int in_range(const char *range, uint64_t v)
{
	char min[24];
	const char *dots = strchr(range, '.');
	uint64_t lo, hi;

	if (!dots || dots[1] != '.' || (size_t)(dots - range) >= sizeof(min))
		return 0;
	memcpy(min, range, (size_t)(dots - range));
	min[dots - range] = 0;
	if (cmdline_parse_uint(min, &lo) || cmdline_parse_uint(dots + 2, &hi))
		return 0;
	return v >= lo && v <= hi;
}

static const struct cmdline_option *find(const struct cmdline_option *opts,
					 int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return 0;
}

static int reject(cmdline_warn_fn warn, const char *fmt, const char *a,
		  const char *b)
{
	char msg[192];
	k_snprintf(msg, sizeof(msg), fmt, a, b);
	if (warn)
		warn(msg);
	return 1;
}

/* Check one word; returns 0 to accept, 1 after warning. */
static int check(const struct cmdline_option *o, const char *name,
		 const char *value, cmdline_warn_fn warn)
{
	uint64_t v;

	if (!o)
		return reject(warn, "cmdline: unknown option '%s' ignored%s",
			      name, "");
	switch (o->kind) {
	case CMDLINE_FLAG:
		if (value)
			return reject(warn,
				      "cmdline: option '%s' takes no value; '%s' ignored",
				      name, value);
		return 0;
	case CMDLINE_UINT:
		if (!value || cmdline_parse_uint(value, &v))
			return reject(warn,
				      "cmdline: option '%s' needs a number, got '%s'; ignored",
				      name, value ? value : "");
		if (o->choices && !in_range(o->choices, v)) {
			char why[64];
			k_snprintf(why, sizeof(why), "%s, got '%s'", o->choices,
				   value);
			return reject(warn,
				      "cmdline: option '%s' must be in %s; ignored",
				      name, why);
		}
		return 0;
	case CMDLINE_STRING:
		if (!value || !*value)
			return reject(warn,
				      "cmdline: option '%s' needs a value%s; ignored",
				      name, "");
		if (o->choices && !in_choices(o->choices, value))
			return reject(warn,
				      "cmdline: option '%s' must be one of %s; ignored",
				      name, o->choices);
		return 0;
	}
	return 1;
}

int cmdline_parse(struct cmdline *c, const char *line,
		  const struct cmdline_option *opts, int n, cmdline_warn_fn warn)
{
	size_t pos = 0;
	int rejected = 0;

	c->count = 0;
	while (line && *line) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line)
			break;
		const char *w = line;
		while (*line && *line != ' ' && *line != '\t')
			line++;
		size_t len = (size_t)(line - w);
		if (pos + len + 1 > sizeof(c->buf) ||
		    c->count == CMDLINE_MAX_WORDS) {
			if (warn)
				warn("cmdline: too long; the rest is ignored");
			return rejected + 1;
		}
		char *word = c->buf + pos;
		memcpy(word, w, len);
		word[len] = 0;
		char *eq = strchr(word, '=');
		const char *value = 0;
		if (eq) {
			*eq = 0;
			value = eq + 1;
		}
		if (check(find(opts, n, word), word, value, warn)) {
			rejected++;
			continue; /* buf space is reused by the next word */
		}
		pos += len + 1;
		c->name[c->count] = word;
		c->value[c->count] = value;
		c->count++;
	}
	return rejected;
}

const char *cmdline_get(const struct cmdline *c, const char *name)
{
	for (int i = c->count - 1; i >= 0; i--)
		if (strcmp(c->name[i], name) == 0 && c->value[i])
			return c->value[i];
	return 0;
}

int cmdline_flag(const struct cmdline *c, const char *name)
{
	for (int i = 0; i < c->count; i++)
		if (strcmp(c->name[i], name) == 0 && !c->value[i])
			return 1;
	return 0;
}
