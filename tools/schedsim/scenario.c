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
 *   topology 2x8x2         # 2 packages x 8 cores x 2 threads = 32 CPUs
 *   numa 2                 # nodes (default: one per package)
 *   llc 4                  # cores per last-level cache (default: package)
 *   thread W fair count=64 node=1 : run 50us sleep 1ms loop
 *   thread M fair home=1 : run 1ms sleep 1ms loop   # memory on node 1
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
			int *count, char *err, size_t errlen, int line)
{
	int i = 3;

	memset(t, 0, sizeof(*t));
	t->node = -1;
	*count = 0;
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
		if (strcmp(k, "count") == 0 || strcmp(k, "node") == 0 ||
		    strcmp(k, "home") == 0) {
			char *end;
			long x = strtol(v, &end, 10);

			if (*end || end == v || x < 0 ||
			    (k[0] == 'c' && (x < 1 || x > SIM_MAX_THREADS)) ||
			    (k[0] == 'n' && x >= SIM_MAX_CPUS))
				return fail(err, errlen, line, "bad %s '%s'", k, v);
			if (k[0] == 'c')
				*count = (int)x;
			else if (k[0] == 'h') {
				t->home = (int)x;
				t->has_home = true;
			}
			else
				t->node = (int)x;
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
	if (*count && strlen(t->name) + 5 >= sizeof(t->name))
		return fail(err, errlen, line,
			    "thread name with count= longer than 10");
	if (t->node >= 0 && t->has_mask)
		return fail(err, errlen, line, "node= and cpus= together");
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

/* A whole decimal number in lo..hi. */
static int parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* "PxCxT": packages x cores per package x threads per core. */
static int parse_topology(const char *s, struct sim_spec *spec, char *err,
			  size_t errlen, int line)
{
	char buf[64], *a, *b;

	if (strlen(s) >= sizeof(buf))
		return fail(err, errlen, line, "topology PACKAGESxCORESxTHREADS");
	strcpy(buf, s);
	a = strchr(buf, 'x');
	b = a ? strchr(a + 1, 'x') : NULL;
	if (!a || !b)
		return fail(err, errlen, line,
			    "topology PACKAGESxCORESxTHREADS, e.g. 2x32x2");
	*a++ = 0;
	*b++ = 0;
	if (parse_int(buf, 1, SIM_MAX_CPUS, &spec->packages) ||
	    parse_int(a, 1, SIM_MAX_CPUS, &spec->cores) ||
	    parse_int(b, 1, SIM_MAX_CPUS, &spec->smt))
		return fail(err, errlen, line,
			    "topology PACKAGESxCORESxTHREADS, each >= 1");
	if ((long)spec->packages * spec->cores * spec->smt > SIM_CPU_LIMIT)
		return fail(err, errlen, line,
			    "topology %s is %ld CPUs, more than %d", s,
			    (long)spec->packages * spec->cores * spec->smt,
			    SIM_CPU_LIMIT);
	return 0;
}

/* Every thread line with count=N becomes N threads NAME0..NAME<N-1>. */
static int expand_count(struct sim_spec *spec, int count, char *err,
			size_t errlen, int line)
{
	struct sim_thread_spec *t = &spec->threads[spec->nthreads];
	char base[16];

	if (!count) {
		spec->nthreads++;
		return 0;
	}
	if (spec->nthreads + count > SIM_MAX_THREADS)
		return fail(err, errlen, line, "more than %d threads",
			    SIM_MAX_THREADS);
	strcpy(base, t->name);
	for (int k = count - 1; k >= 0; k--) {
		spec->threads[spec->nthreads + k] = *t;
		char name[32]; /* fits: base <= 10 chars, k < 4096 */

		snprintf(name, sizeof(name), "%s%d", base, k);
		memcpy(spec->threads[spec->nthreads + k].name, name,
		       sizeof(t->name) - 1);
	}
	spec->nthreads += count;
	return 0;
}

/* After the last line: the topology agrees with `cpus`, nodes and LLCs
 * divide the packages evenly, and node= names a node. */
static int check_topology(struct sim_spec *spec, int cpus_line, int numa_line,
			  int llc_line, char *err, size_t errlen)
{
	int nodes, cores_per_node;

	if (!spec->packages) {
		if (spec->nodes > 1 || spec->llc_cores)
			return fail(err, errlen,
				    spec->llc_cores ? llc_line : numa_line,
				    "numa and llc need a topology line");
	} else {
		int n = spec->packages * spec->cores * spec->smt;

		if (cpus_line && spec->ncpus != n)
			return fail(err, errlen, cpus_line,
				    "cpus %d but the topology has %d",
				    spec->ncpus, n);
		spec->ncpus = n;
	}
	nodes = spec->nodes ? spec->nodes : (spec->packages ? spec->packages : 1);
	cores_per_node = spec->cores;
	if (spec->packages && nodes > spec->packages) {
		if (nodes % spec->packages ||
		    spec->cores % (nodes / spec->packages))
			return fail(err, errlen, numa_line,
				    "numa %d does not split %d packages of %d "
				    "cores evenly", nodes, spec->packages,
				    spec->cores);
		cores_per_node = spec->cores / (nodes / spec->packages);
	} else if (spec->packages && spec->packages % nodes) {
		return fail(err, errlen, numa_line,
			    "numa %d does not divide %d packages", nodes,
			    spec->packages);
	}
	if (spec->llc_cores && cores_per_node % spec->llc_cores)
		return fail(err, errlen, llc_line,
			    "llc %d does not divide the %d cores of a node",
			    spec->llc_cores, cores_per_node);
	struct cpu_topo *topo = NULL;

	for (int i = 0; i < spec->nthreads; i++) {
		struct sim_thread_spec *t = &spec->threads[i];

		if (t->has_home && t->home >= nodes) {
			free(topo);
			return fail(err, errlen, 0, "thread %s: home=%d but %d "
				    "node(s)", t->name, t->home, nodes);
		}
		if (t->node < 0)
			continue;
		if (t->node >= nodes) {
			free(topo);
			return fail(err, errlen, 0, "thread %s: node=%d but %d "
				    "node(s)", t->name, t->node, nodes);
		}
		if (!topo) {
			topo = calloc((size_t)spec->ncpus, sizeof(*topo));
			if (!topo)
				return fail(err, errlen, 0, "out of memory");
			sim_spec_topology(spec, topo);
		}
		cpumask_clear(&t->mask);
		for (int c = 0; c < spec->ncpus; c++)
			if (topo[c].node == t->node)
				cpumask_set(&t->mask, c);
		t->has_mask = true;
	}
	free(topo);
	return 0;
}

int scenario_parse(const char *text, struct sim_spec *spec, char *err,
		   size_t errlen)
{
	char *copy = strdup(text), *ln;
	int line = 0, rc = 0, cpus_line = 0, numa_line = 0, llc_line = 0;

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
			cpus_line = line;
			if (parse_int(w[1], 1, SIM_CPU_LIMIT, &spec->ncpus))
				rc = fail(err, errlen, line, "cpus must be 1..%d",
					  SIM_CPU_LIMIT);
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
			int count;

			if (spec->nthreads == SIM_MAX_THREADS)
				rc = fail(err, errlen, line, "too many threads");
			else
				rc = parse_thread(w, nw,
						  &spec->threads[spec->nthreads],
						  &count, err, errlen, line);
			if (!rc)
				rc = expand_count(spec, count, err, errlen, line);
		} else if (strcmp(w[0], "topology") == 0 && nw == 2) {
			rc = parse_topology(w[1], spec, err, errlen, line);
		} else if (strcmp(w[0], "numa") == 0 && nw == 2) {
			if (parse_int(w[1], 1, SIM_MAX_CPUS, &spec->nodes))
				rc = fail(err, errlen, line, "numa must be 1..%d",
					  SIM_MAX_CPUS);
			numa_line = line;
		} else if (strcmp(w[0], "llc") == 0 && nw == 2) {
			if (parse_int(w[1], 1, SIM_MAX_CPUS, &spec->llc_cores))
				rc = fail(err, errlen, line, "llc must be 1..%d",
					  SIM_MAX_CPUS);
			llc_line = line;
		} else {
			rc = fail(err, errlen, line, "unknown directive '%s'", w[0]);
		}
	}
	free(copy);
	if (!rc)
		rc = check_topology(spec, cpus_line, numa_line, llc_line, err,
				    errlen);
	return rc;
}
