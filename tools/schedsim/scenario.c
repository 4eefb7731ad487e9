// SPDX-License-Identifier: MIT
/*
 * Scenario files for schedsim (format in docs/scheduler.md and --help):
 *
 *   # 4 CPUs, 5 equal threads
 *   cpus 4
 *   duration 20ms
 *   tick 1ms
 *   set dl_bound_ppm 1000000
 *   thread A fair nice=0 cpus=0-3 arrive=0 : run 5ms sleep 1ms loop
 *   thread D deadline runtime=2ms deadline=10ms period=10ms : run 2ms yield loop
 *   thread R fifo prio=50
 *
 * Line-oriented, whitespace-separated; every error names its line.
 *
 * Read next: main.c.
 */
#include "tools/schedsim/sim.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int scenario_parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = { { "ns", 1 }, { "us", NSEC_PER_USEC },
		      { "ms", NSEC_PER_MSEC }, { "s", NSEC_PER_SEC }, { "", 1 } };
	char *end;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)s[0]))
		return -1;
	v = strtoull(s, &end, 10);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].suffix) == 0) {
			if (units[i].mult && v > UINT64_MAX / 4 / units[i].mult)
				return -1;
			*ns = v * units[i].mult;
			return 0;
		}
	return -1;
}

/* "0-3,5" -> mask. */
static int parse_cpus(const char *s, struct cpumask *m)
{
	cpumask_clear(m);
	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b;

		if (end == s || a < 0 || a >= SCHED_MAX_CPUS)
			return -1;
		b = a;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a || b >= SCHED_MAX_CPUS)
				return -1;
		}
		for (long c = a; c <= b; c++)
			cpumask_set(m, (int)c);
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return cpumask_empty(m) ? -1 : 0;
}

#define MAX_WORDS 64

static int fail(char *err, size_t len, int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, len, "line %d: ", line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < len)
		vsnprintf(err + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_thread(char **w, int nw, struct sim_thread_spec *t,
			char *err, size_t errlen, int line)
{
	int i = 3;

	memset(t, 0, sizeof(*t));
	if (nw < 3)
		return fail(err, errlen, line, "thread NAME CLASS [k=v...] [: actions]");
	if (strlen(w[1]) >= sizeof(t->name))
		return fail(err, errlen, line, "thread name longer than 15");
	strcpy(t->name, w[1]);
	if (strcmp(w[2], "fair") == 0)
		t->attr.policy = SCHED_POLICY_FAIR;
	else if (strcmp(w[2], "fifo") == 0)
		t->attr.policy = SCHED_POLICY_FIFO;
	else if (strcmp(w[2], "rr") == 0)
		t->attr.policy = SCHED_POLICY_RR;
	else if (strcmp(w[2], "deadline") == 0 || strcmp(w[2], "dl") == 0)
		t->attr.policy = SCHED_POLICY_DEADLINE;
	else
		return fail(err, errlen, line, "unknown class '%s'", w[2]);

	for (; i < nw && strcmp(w[i], ":") != 0; i++) {
		char *eq = strchr(w[i], '=');
		const char *k = w[i], *v;
		uint64_t *dst = NULL;

		if (!eq)
			return fail(err, errlen, line, "expected key=value, got '%s'", w[i]);
		*eq = 0;
		v = eq + 1;
		if (strcmp(k, "nice") == 0 || strcmp(k, "prio") == 0) {
			char *end;
			long x = strtol(v, &end, 10);

			if (*end || end == v)
				return fail(err, errlen, line, "bad %s '%s'", k, v);
			if (k[0] == 'n')
				t->attr.nice = (int)x;
			else
				t->attr.rt_priority = (int)x;
			continue;
		}
		if (strcmp(k, "cpus") == 0) {
			if (parse_cpus(v, &t->mask))
				return fail(err, errlen, line, "bad cpu list '%s'", v);
			t->has_mask = true;
			continue;
		}
		if (strcmp(k, "runtime") == 0)
			dst = &t->attr.dl_runtime_ns;
		else if (strcmp(k, "deadline") == 0)
			dst = &t->attr.dl_deadline_ns;
		else if (strcmp(k, "period") == 0)
			dst = &t->attr.dl_period_ns;
		else if (strcmp(k, "arrive") == 0)
			dst = &t->arrive_ns;
		else
			return fail(err, errlen, line, "unknown key '%s'", k);
		if (scenario_parse_duration(v, dst))
			return fail(err, errlen, line, "bad duration '%s'", v);
	}
	if (i < nw)
		i++; /* skip ':' */
	for (; i < nw; i++) {
		struct sim_action *a;

		if (t->nactions == SIM_MAX_ACTIONS)
			return fail(err, errlen, line, "more than %d actions",
				    SIM_MAX_ACTIONS);
		a = &t->actions[t->nactions++];
		if (strcmp(w[i], "run") == 0 || strcmp(w[i], "sleep") == 0) {
			a->kind = w[i][0] == 'r' ? SIM_ACT_RUN : SIM_ACT_SLEEP;
			if (i + 1 >= nw || scenario_parse_duration(w[i + 1], &a->dur_ns))
				return fail(err, errlen, line, "%s needs a duration", w[i]);
			i++;
		} else if (strcmp(w[i], "yield") == 0) {
			a->kind = SIM_ACT_YIELD;
		} else if (strcmp(w[i], "wait") == 0) {
			a->kind = SIM_ACT_WAIT;
		} else if (strcmp(w[i], "loop") == 0) {
			a->kind = SIM_ACT_LOOP;
		} else if (strcmp(w[i], "exit") == 0) {
			a->kind = SIM_ACT_EXIT;
		} else if (strcmp(w[i], "forever") == 0) {
			a->kind = SIM_ACT_RUN;
			a->dur_ns = SIM_FOREVER_NS;
		} else {
			return fail(err, errlen, line, "unknown action '%s'", w[i]);
		}
	}
	return 0;
}

int scenario_parse(const char *text, struct sim_spec *spec, char *err,
		   size_t errlen)
{
	char *copy = strdup(text), *ln;
	int line = 0, rc = 0;

	if (!copy)
		return fail(err, errlen, 0, "out of memory");
	memset(spec, 0, sizeof(*spec));
	spec->ncpus = 1;
	spec->duration_ns = 20 * NSEC_PER_MSEC;
	spec->tick_ns = NSEC_PER_MSEC;

	for (char *next = copy; next && !rc;) {
		char *w[MAX_WORDS], *p, *hash;
		int nw = 0;

		ln = next;
		next = strchr(ln, '\n');
		if (next)
			*next++ = 0;
		line++;
		p = ln;
		hash = strchr(ln, '#');
		if (hash)
			*hash = 0;
		while (nw < MAX_WORDS) {
			while (*p && isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			w[nw++] = p;
			while (*p && !isspace((unsigned char)*p))
				p++;
			if (*p)
				*p++ = 0;
		}
		if (nw == 0)
			continue;
		if (strcmp(w[0], "cpus") == 0 && nw == 2) {
			spec->ncpus = atoi(w[1]);
			if (spec->ncpus < 1 || spec->ncpus > SIM_MAX_CPUS)
				rc = fail(err, errlen, line, "cpus must be 1..%d",
					  SIM_MAX_CPUS);
		} else if (strcmp(w[0], "duration") == 0 && nw == 2) {
			if (scenario_parse_duration(w[1], &spec->duration_ns) ||
			    spec->duration_ns == 0)
				rc = fail(err, errlen, line, "bad duration");
		} else if (strcmp(w[0], "tick") == 0 && nw == 2) {
			if (scenario_parse_duration(w[1], &spec->tick_ns) ||
			    spec->tick_ns < NSEC_PER_USEC)
				rc = fail(err, errlen, line, "bad tick (>= 1us)");
		} else if (strcmp(w[0], "set") == 0 && nw == 3) {
			if (spec->nsets == 16 || strlen(w[1]) >= 32)
				rc = fail(err, errlen, line, "too many sets");
			else {
				uint64_t v;

				if (scenario_parse_duration(w[2], &v))
					rc = fail(err, errlen, line, "bad value");
				strcpy(spec->set_names[spec->nsets], w[1]);
				spec->set_values[spec->nsets++] = v;
			}
		} else if (strcmp(w[0], "thread") == 0) {
			if (spec->nthreads == SIM_MAX_THREADS)
				rc = fail(err, errlen, line, "too many threads");
			else
				rc = parse_thread(w, nw,
						  &spec->threads[spec->nthreads++],
						  err, errlen, line);
		} else {
			rc = fail(err, errlen, line, "unknown directive '%s'", w[0]);
		}
	}
	free(copy);
	return rc;
}
