// SPDX-License-Identifier: MIT
/*
 * primes: a deterministic, CPU-bound, embarrassingly parallel workload for
 * the speed-up demos (issue 11), the same static binary on Cohort and on
 * Linux.
 *
 *   primes [-t] [-w WORKERS] [-n N]
 *
 * Counts the primes in [2, N] (default 10^9: one worker runs several
 * seconds under QEMU TCG) with a segmented sieve of
 * Eratosthenes: [2, N] is cut into WORKERS equal contiguous ranges (by
 * worker index), each worker sieves its range in 32 KiB segments with the
 * base primes up to sqrt(N) it computes itself. Workers are processes
 * (fork; each sends its result through a pipe) or, with -t, threads of one
 * process. The timed section makes no system call except the clock reads
 * at its edges, writes no shared memory, and prints nothing; each worker
 * allocates its buffers and touches every page of them before its clock
 * starts, so no page fault or allocator lock falls inside either (with
 * threads, two workers in malloc at once could meet on musl's lock and
 * one would sleep on the futex in the middle of the measurement).
 *
 * Output, one line:
 *   primes: mode=proc workers=2 cpus=2 n=10000000 wall_us=812345
 *   count=664579 OK workers=0:801234@0-0,1:799876@1-1
 * where each worker is index:time_us@cpu_at_start-cpu_at_end, with its
 * start and end as offsets from the section's start in `spans=`, and the
 * start itself on CLOCK_MONOTONIC in `t0_ns=`. The count
 * is checked against the known values of pi(10^k); exit status 0 iff OK.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 64
#define SEGMENT_BYTES (32 * 1024) /* one L1-sized segment at a time */

struct result {
	uint64_t count;
	uint64_t start_ns, end_ns;
	int cpu_start, cpu_end;
};

static uint64_t n_max = 1000000000;
static int workers = 1;
static uint64_t t0;
static struct result results[MAX_WORKERS]; /* threads: one slot each */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cpu_now(void)
{
	unsigned cpu = 0; /* the getcpu system call: musl 1.2.3 has no wrapper */
	return syscall(SYS_getcpu, &cpu, NULL, NULL) == 0 ? (int)cpu : -1;
}

static uint64_t isqrt(uint64_t n)
{
	uint64_t r = 0;
	while ((r + 1) * (r + 1) <= n)
		r++;
	return r;
}

/* A worker's buffers for count_range(lo, hi): allocated and written once
 * before the clock starts. */
struct sieve {
	uint64_t limit;
	uint8_t *small, *seg;
	uint32_t *base;
};

static void sieve_alloc(struct sieve *sv, uint64_t hi)
{
	sv->limit = isqrt(hi) + 1;
	sv->small = malloc(sv->limit + 1);
	sv->base = malloc(sizeof(uint32_t) * (sv->limit / 2 + 2));
	sv->seg = malloc(SEGMENT_BYTES);
	if (!sv->small || !sv->base || !sv->seg)
		abort();
	memset(sv->small, 0, sv->limit + 1);
	memset(sv->base, 0, sizeof(uint32_t) * (sv->limit / 2 + 2));
	memset(sv->seg, 0, SEGMENT_BYTES);
}

static void sieve_free(struct sieve *sv)
{
	free(sv->small);
	free(sv->base);
	free(sv->seg);
}

/* Primes in [lo, hi), lo >= 2, by a segmented sieve. Pure computation. */
static uint64_t count_range(const struct sieve *sv, uint64_t lo, uint64_t hi)
{
	uint64_t limit = sv->limit;
	uint8_t *small = sv->small, *seg = sv->seg;
	uint32_t *base = sv->base;
	size_t nbase = 0;
	uint64_t count = 0;
	for (uint64_t i = 2; i <= limit; i++) {
		if (small[i])
			continue;
		base[nbase++] = (uint32_t)i;
		for (uint64_t j = i * i; j <= limit; j += i)
			small[j] = 1;
	}
	for (uint64_t s = lo; s < hi; s += SEGMENT_BYTES) {
		uint64_t e = s + SEGMENT_BYTES < hi ? s + SEGMENT_BYTES : hi;
		memset(seg, 0, e - s);
		for (size_t k = 0; k < nbase; k++) {
			uint64_t p = base[k];
			if (p * p >= e)
				break;
			uint64_t first = (s + p - 1) / p * p;
			if (first < p * p)
				first = p * p;
			for (uint64_t m = first; m < e; m += p)
				seg[m - s] = 1;
		}
		for (uint64_t x = s; x < e; x++)
			count += !seg[x - s];
	}
	return count;
}

static void run_worker(int index, struct result *r)
{
	uint64_t span = (n_max - 1) / (uint64_t)workers; /* [2, N]: N-1 numbers */
	uint64_t lo = 2 + span * (uint64_t)index;
	uint64_t hi = index == workers - 1 ? n_max + 1 : lo + span;
	struct sieve sv;
	sieve_alloc(&sv, hi);
	r->cpu_start = cpu_now();
	r->start_ns = now_ns();
	r->count = count_range(&sv, lo, hi);
	r->end_ns = now_ns();
	r->cpu_end = cpu_now();
	sieve_free(&sv);
}

static void *thread_main(void *arg)
{
	int index = (int)(intptr_t)arg;
	run_worker(index, &results[index]);
	return NULL;
}

static int known_count(uint64_t n, uint64_t *count)
{
	static const struct {
		uint64_t n, pi;
	} known[] = {
		{ 1000000, 78498 },	  { 10000000, 664579 },
		{ 100000000, 5761455 }, { 1000000000, 50847534 },
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].n == n) {
			*count = known[i].pi;
			return 1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	int threads = 0, opt;
	while ((opt = getopt(argc, argv, "tw:n:")) != -1) {
		if (opt == 't')
			threads = 1;
		else if (opt == 'w')
			workers = atoi(optarg);
		else if (opt == 'n')
			n_max = strtoull(optarg, NULL, 10);
		else
			goto usage;
	}
	if (workers < 1 || workers > MAX_WORKERS || n_max < 100 ||
	    n_max / (uint64_t)workers < 100)
		goto usage;

	t0 = now_ns();
	if (threads) {
		pthread_t t[MAX_WORKERS];
		for (int i = 0; i < workers; i++)
			if (pthread_create(&t[i], NULL, thread_main, (void *)(intptr_t)i))
				return 3;
		for (int i = 0; i < workers; i++)
			pthread_join(t[i], NULL);
	} else {
		int fds[2];
		if (pipe(fds))
			return 3;
		for (int i = 0; i < workers; i++) {
			pid_t pid = fork();
			if (pid < 0)
				return 3;
			if (pid == 0) {
				struct { int index; struct result r; } msg = { i, { 0 } };
				run_worker(i, &msg.r);
				_exit(write(fds[1], &msg, sizeof(msg)) == sizeof(msg) ? 0 : 1);
			}
		}
		for (int i = 0; i < workers; i++) {
			struct { int index; struct result r; } msg;
			if (read(fds[0], &msg, sizeof(msg)) != sizeof(msg) ||
			    msg.index < 0 || msg.index >= workers)
				return 3;
			results[msg.index] = msg.r;
		}
		for (int i = 0; i < workers; i++)
			wait(NULL);
	}
	uint64_t t1 = now_ns();

	uint64_t total = 0, want = 0;
	for (int i = 0; i < workers; i++)
		total += results[i].count;
	int ok = known_count(n_max, &want) ? total == want : 1;
	printf("primes: mode=%s workers=%d cpus=%ld n=%llu wall_us=%llu count=%llu %s",
	       threads ? "thread" : "proc", workers, sysconf(_SC_NPROCESSORS_ONLN),
	       (unsigned long long)n_max, (unsigned long long)((t1 - t0) / 1000),
	       (unsigned long long)total,
	       known_count(n_max, &want) ? (ok ? "OK" : "WRONG") : "UNCHECKED");
	printf(" workers=");
	for (int i = 0; i < workers; i++)
		printf("%s%d:%llu@%d-%d", i ? "," : "", i,
		       (unsigned long long)((results[i].end_ns - results[i].start_ns) / 1000),
		       results[i].cpu_start, results[i].cpu_end);
	printf(" spans=");
	for (int i = 0; i < workers; i++)
		printf("%s%lld-%lld", i ? "," : "",
		       (long long)(results[i].start_ns - t0) / 1000,
		       (long long)(results[i].end_ns - t0) / 1000);
	/* The section's start on CLOCK_MONOTONIC, which on Cohort is the
	 * kernel trace's clock: tools/make-trace --user finds it there. */
	printf(" t0_ns=%llu\n", (unsigned long long)t0);
	return ok ? 0 : 1;
usage:
	fprintf(stderr, "usage: primes [-t] [-w WORKERS (1..%d)] [-n N (>= 100 "
			"per worker)]\n", MAX_WORKERS);
	return 2;
}
