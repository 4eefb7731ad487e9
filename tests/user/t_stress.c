/* SPDX-License-Identifier: MIT */
/*
 * t_stress: 200 processes forking, exec'ing (/test/t_exec_helper stress:
 * it forks a grandchild and waits for it) and exiting, at most 8 at a
 * time, while 4 multithreaded worker processes run futex-heavy work:
 * two mutex/condvar ping-pong pairs and two threads incrementing a shared
 * counter under a mutex, each. Checks: every spawned process exited 0,
 * every worker exited 0 with consistent counts (each pair's two sides
 * within one round of each other, the counter equal to the sum of the
 * increments), and the workers made progress.
 *
 *   t_stress [PROCS [WORKERS [SECONDS]]]     defaults: 200 4 120
 */
#include "check.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>

#define MAX_WORKERS	16
#define MAX_LIVE	8

/* In a MAP_SHARED page: written by the parent (stop) and the workers. */
struct shared {
	atomic_int stop;
	struct {
		long rounds[2][2];	/* per pair: ping, pong */
		long counter, increments;
	} w[MAX_WORKERS];
};

static struct shared *sh;

struct pair {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int turn;		/* guarded by lock: whose move, 0 or 1 */
	int stop;		/* guarded by lock */
	long count[2];		/* guarded by lock */
};

struct side {
	struct pair *p;
	int me;
};

static void *pingpong(void *arg)
{
	struct side *s = arg;
	struct pair *p = s->p;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->turn != s->me && !p->stop)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop)
			break;
		p->count[s->me]++;
		p->turn = !s->me;
		pthread_cond_signal(&p->cond);
	}
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;		/* guarded by counter_lock */

static void *incrementer(void *arg)
{
	long mine = 0;

	(void)arg;
	while (!atomic_load(&sh->stop)) {
		for (int i = 0; i < 100; i++) {
			pthread_mutex_lock(&counter_lock);
			counter++;
			pthread_mutex_unlock(&counter_lock);
			mine++;
		}
		sched_yield();
	}
	return (void *)(intptr_t)mine;
}

static int worker(int index)
{
	struct pair pairs[2];
	struct side sides[2][2];
	pthread_t pt[2][2], it[2];
	long incs = 0;

	for (int p = 0; p < 2; p++) {
		pairs[p] = (struct pair){ .turn = 0 };
		pthread_mutex_init(&pairs[p].lock, NULL);
		pthread_cond_init(&pairs[p].cond, NULL);
		for (int s = 0; s < 2; s++) {
			sides[p][s] = (struct side){ &pairs[p], s };
			if (pthread_create(&pt[p][s], NULL, pingpong, &sides[p][s]))
				return 2;
		}
	}
	for (int i = 0; i < 2; i++)
		if (pthread_create(&it[i], NULL, incrementer, NULL))
			return 2;
	while (!atomic_load(&sh->stop)) {
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	for (int p = 0; p < 2; p++) {
		pthread_mutex_lock(&pairs[p].lock);
		pairs[p].stop = 1;
		pthread_cond_broadcast(&pairs[p].cond);
		pthread_mutex_unlock(&pairs[p].lock);
	}
	int ok = 1;
	for (int p = 0; p < 2; p++) {
		for (int s = 0; s < 2; s++)
			pthread_join(pt[p][s], NULL);
		long a = pairs[p].count[0], b = pairs[p].count[1];
		sh->w[index].rounds[p][0] = a;
		sh->w[index].rounds[p][1] = b;
		ok &= a == b || a == b + 1;
	}
	for (int i = 0; i < 2; i++) {
		void *r;
		pthread_join(it[i], &r);
		incs += (intptr_t)r;
	}
	sh->w[index].counter = counter;
	sh->w[index].increments = incs;
	ok &= counter == incs;
	return ok ? 0 : 1;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	int procs = argc > 1 ? atoi(argv[1]) : 200;
	int nworkers = argc > 2 ? atoi(argv[2]) : 4;
	long seconds = argc > 3 ? atol(argv[3]) : 120;
	pid_t workers[MAX_WORKERS];
	int started = 0, done = 0, ok_exits = 0, live = 0, eagain = 0;
	long start = now_ms();
	char helper[640];

	struct sysinfo si0, si1;

	check_watchdog(seconds + 60);
	check_set_root(argv[0]);
	sysinfo(&si0);
	snprintf(helper, sizeof(helper), "%s", rpath("/test/t_exec_helper"));
	if (nworkers > MAX_WORKERS)
		nworkers = MAX_WORKERS;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED, "shared page");
	if (sh == MAP_FAILED)
		return check_done();
	say("t_stress: %d processes fork+exec+exit while %d workers run "
	    "futex-heavy threads (at most %ld s)", procs, nworkers, seconds);
	for (int i = 0; i < nworkers; i++) {
		workers[i] = fork();
		if (workers[i] == 0)
			_exit(worker(i));
	}
	while (done < procs && now_ms() - start < seconds * 1000) {
		if (started < procs && live < MAX_LIVE) {
			pid_t pid = fork();
			if (pid == 0) {
				char *a[] = { "t_exec_helper", "stress", NULL };
				char *e[] = { NULL };
				execve(helper, a, e);
				_exit(99);
			}
			if (pid > 0) {
				started++;
				live++;
				continue;
			}
			eagain += errno == EAGAIN;
		}
		int st;
		pid_t got = waitpid(-1, &st, 0);
		if (got < 0)
			break;
		int is_worker = 0;
		for (int i = 0; i < nworkers; i++)
			if (got == workers[i]) {
				is_worker = 1;
				workers[i] = -st - 1;	/* ended early: keep status */
			}
		if (is_worker)
			continue;
		live--;
		done++;
		ok_exits += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	CHECK(done == procs, "%d of %d processes finished in time (%ld ms)",
	      done, procs, now_ms() - start);
	CHECK(ok_exits == procs, "%d exited 0 (fork+exec+grandchild each)",
	      ok_exits);
	if (eagain)
		say("t_stress: fork said EAGAIN %d times (process limit)", eagain);
	atomic_store(&sh->stop, 1);
	long total = 0;
	for (int i = 0; i < nworkers; i++) {
		int st = -1;
		if (workers[i] > 0)
			waitpid(workers[i], &st, 0);
		else
			st = -(workers[i] + 1);
		long r = sh->w[i].rounds[0][0] + sh->w[i].rounds[1][0];
		total += r + sh->w[i].increments;
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "worker %d exited 0: pairs %ld/%ld %ld/%ld, counter %ld = "
		      "%ld increments", i, sh->w[i].rounds[0][0],
		      sh->w[i].rounds[0][1], sh->w[i].rounds[1][0],
		      sh->w[i].rounds[1][1], sh->w[i].counter,
		      sh->w[i].increments);
		CHECK(r > 0 && sh->w[i].increments > 0,
		      "worker %d made progress", i);
	}
	say("t_stress: %ld ms, %ld ping-pong rounds and increments in all",
	    now_ms() - start, total);
	CHECK_ERR(waitpid(-1, NULL, WNOHANG), ECHILD, "no child left behind");
	/* Let any deferred freeing of the dead processes' memory finish. */
	struct timespec settle = { 0, 200000000 };
	nanosleep(&settle, NULL);
	sysinfo(&si1);
	say("t_stress: free memory %lu KiB before, %lu KiB after",
	    (unsigned long)(si0.freeram / 1024 * si0.mem_unit),
	    (unsigned long)(si1.freeram / 1024 * si1.mem_unit));
	return check_done();
}
