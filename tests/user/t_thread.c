/* SPDX-License-Identifier: MIT */
/*
 * t_thread: threads as musl's pthreads make them (clone with CLONE_VM,
 * CLONE_THREAD, CLONE_SETTLS, CLONE_CHILD_CLEARTID...). Many threads
 * created and joined, a thread blocked in read() while its siblings run
 * and finish, sleeping threads that overlap in time, mutex and condvar
 * contention (futex-heavy), TLS per thread, getcpu, the raw futex
 * operations with their error paths, (reported, never failed) how many
 * CPUs the threads ran on at once, and threads signalled the moment their
 * tid is published.
 */
#include "check.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_REQUEUE		3
#define FUTEX_CMP_REQUEUE	4
#define FUTEX_WAIT_BITSET	9
#define FUTEX_WAKE_BITSET	10
#define FUTEX_PRIVATE_FLAG	128

static __thread long tls_slot;

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static long futex(atomic_int *uaddr, int op, int val, void *ts, void *uaddr2,
		  int val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* ---- many threads ---- */

struct worker {
	int index;
	long tid;
	long result;
	long *tls_addr;
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	long sum = 0;

	tls_slot = w->index;
	w->tid = syscall(SYS_gettid);
	for (int i = 0; i <= 10000; i++)
		sum += i;
	sched_yield();
	w->tls_addr = &tls_slot;
	w->result = sum + (tls_slot == w->index ? w->index : -1000000);
	return (void *)(intptr_t)(w->index * 2);
}

static void test_many(void)
{
	enum { N = 32 };
	pthread_t t[N];
	struct worker w[N];
	int created = 0, joined_ok = 1, results_ok = 1, distinct = 1;

	tls_slot = -1;
	for (int i = 0; i < N; i++) {
		w[i] = (struct worker){ .index = i };
		created += pthread_create(&t[i], NULL, worker, &w[i]) == 0;
	}
	CHECK(created == N, "pthread_create %d threads", N);
	for (int i = 0; i < N; i++) {
		void *ret;
		joined_ok &= pthread_join(t[i], &ret) == 0 &&
			     (intptr_t)ret == i * 2;
		results_ok &= w[i].result == 50005000L + i;
	}
	CHECK(joined_ok, "pthread_join returns each thread's value");
	CHECK(results_ok, "each thread computed with its own TLS value");
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			distinct &= w[i].tid != w[j].tid &&
				    w[i].tls_addr != w[j].tls_addr;
	CHECK(distinct, "distinct tids and TLS addresses");
	CHECK(tls_slot == -1, "main thread's TLS untouched");
}

/* ---- one thread blocked in read while the others run ---- */

static int block_pipe[2];
static atomic_int reader_done, computers_done;

static void *reader(void *arg)
{
	char c;

	(void)arg;
	if (read(block_pipe[0], &c, 1) == 1 && c == 'g')
		atomic_store(&reader_done, 1);
	return NULL;
}

static void *computer(void *arg)
{
	volatile long x = 0;

	(void)arg;
	for (long i = 0; i < 2000000; i++)
		x += i;
	atomic_fetch_add(&computers_done, 1);
	return NULL;
}

static void test_blocking(void)
{
	pthread_t r, c[3];

	pipe(block_pipe);
	pthread_create(&r, NULL, reader, NULL);
	for (int i = 0; i < 3; i++)
		pthread_create(&c[i], NULL, computer, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(c[i], NULL);
	CHECK(atomic_load(&computers_done) == 3 && !atomic_load(&reader_done),
	      "3 threads ran to the end while a 4th blocked in read()");
	write(block_pipe[1], "g", 1);
	pthread_join(r, NULL);
	CHECK(atomic_load(&reader_done), "the reader woke with the byte");
	close(block_pipe[0]);
	close(block_pipe[1]);
}

static void *sleeper(void *arg)
{
	struct timespec ts = { 0, 200000000 };

	(void)arg;
	nanosleep(&ts, NULL);
	return NULL;
}

static void test_parallel_sleep(void)
{
	enum { N = 8 };
	pthread_t t[N];
	long start = now_ns(), ms;

	for (int i = 0; i < N; i++)
		pthread_create(&t[i], NULL, sleeper, NULL);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	ms = (now_ns() - start) / 1000000;
	CHECK(ms >= 200 && ms < 1000,
	      "%d threads sleeping 200 ms overlap (%ld ms, serialised: 1600)",
	      N, ms);
}

/* ---- mutex / condvar contention ---- */

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *incrementer(void *arg)
{
	long n = (long)(intptr_t)arg;

	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&counter_lock);
		counter++;
		pthread_mutex_unlock(&counter_lock);
	}
	return NULL;
}

static pthread_mutex_t pp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cond = PTHREAD_COND_INITIALIZER;
static int pp_turn;		/* guarded by pp_lock: 0 ping, 1 pong */
static long pp_count[2];	/* guarded by pp_lock */

static void *pingpong(void *arg)
{
	int me = (int)(intptr_t)arg;

	for (int i = 0; i < 5000; i++) {
		pthread_mutex_lock(&pp_lock);
		while (pp_turn != me)
			pthread_cond_wait(&pp_cond, &pp_lock);
		pp_count[me]++;
		pp_turn = !me;
		pthread_cond_signal(&pp_cond);
		pthread_mutex_unlock(&pp_lock);
	}
	return NULL;
}

static void test_contention(void)
{
	enum { N = 4, PER = 20000 };
	pthread_t t[N], p[2];

	for (int i = 0; i < N; i++)
		pthread_create(&t[i], NULL, incrementer, (void *)(intptr_t)PER);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	CHECK(counter == (long)N * PER, "mutex: %d threads x %d increments = %ld",
	      N, PER, counter);
	for (int i = 0; i < 2; i++)
		pthread_create(&p[i], NULL, pingpong, (void *)(intptr_t)i);
	for (int i = 0; i < 2; i++)
		pthread_join(p[i], NULL);
	CHECK(pp_count[0] == 5000 && pp_count[1] == 5000,
	      "condvar ping-pong 5000 rounds each");
}

/* ---- raw futex ---- */

static atomic_int fw_word;
static atomic_int fw_woken;

static void *futex_waiter(void *arg)
{
	(void)arg;
	while (atomic_load(&fw_word) == 0)
		futex(&fw_word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
	atomic_fetch_add(&fw_woken, 1);
	return NULL;
}

/* Two waiters on rq_a, moved to rq_b by CMP_REQUEUE, woken there. */
static atomic_int rq_a, rq_b, rq_waiting, rq_done;

static void *requeue_waiter(void *arg)
{
	(void)arg;
	atomic_fetch_add(&rq_waiting, 1);
	while (atomic_load(&rq_a) == 0)
		futex(&rq_a, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
	atomic_fetch_add(&rq_done, 1);
	return NULL;
}

static void test_requeue(void)
{
	pthread_t t[2];
	struct timespec settle = { 0, 100000000 };
	long moved, woke;

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, requeue_waiter, NULL);
	while (atomic_load(&rq_waiting) < 2)
		sched_yield();
	nanosleep(&settle, NULL);	/* both asleep in FUTEX_WAIT by now */
	/* Wake none, requeue up to 2 (the count travels in the timeout arg). */
	moved = futex(&rq_a, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0,
		      (void *)2, &rq_b, 0);
	CHECK(moved == 2, "FUTEX_CMP_REQUEUE moved both waiters (%ld)", moved);
	CHECK(futex(&rq_a, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 2, NULL, NULL, 0) == 0,
	      "nobody left waiting on the old word");
	atomic_store(&rq_a, 1);
	woke = futex(&rq_b, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 2, NULL, NULL, 0);
	CHECK(woke == 2, "FUTEX_WAKE on the new word woke both (%ld)", woke);
	/* Should a waiter have been late to sleep, it must not hang the join. */
	futex(&rq_a, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 2, NULL, NULL, 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(atomic_load(&rq_done) == 2, "both waiters returned");
}

/*
 * CMP_REQUEUE from a word to itself (Linux: the waiters stay, each counted
 * once). Cohort moved each waiter to the tail of its own bucket's list
 * and met it again, until nr_requeue moves: with INT_MAX, minutes with
 * the bucket lock held. 10 million keeps a failing run short.
 */
static void test_requeue_same_word(void)
{
	pthread_t t[2];
	struct timespec settle = { 0, 100000000 };

	atomic_store(&rq_a, 0);
	atomic_store(&rq_waiting, 0);
	atomic_store(&rq_done, 0);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, requeue_waiter, NULL);
	while (atomic_load(&rq_waiting) < 2)
		sched_yield();
	nanosleep(&settle, NULL);
	long moved = futex(&rq_a, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0,
			   (void *)10000000L, &rq_a, 0);
	CHECK(moved == 2, "FUTEX_CMP_REQUEUE of a word to itself counts each "
	      "waiter once (%ld)", moved);
	atomic_store(&rq_a, 1);
	futex(&rq_a, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 2, NULL, NULL, 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(atomic_load(&rq_done) == 2, "both waiters returned");
}

static void test_futex(void)
{
	atomic_int word = 5;
	struct timespec ten_ms = { 0, 10000000 };
	long start;
	pthread_t t[3];

	CHECK_ERR(futex(&word, FUTEX_WAIT, 6, NULL, NULL, 0), EAGAIN,
		  "FUTEX_WAIT with a stale value EAGAIN");
	start = now_ns();
	CHECK_ERR(futex(&word, FUTEX_WAIT, 5, &ten_ms, NULL, 0), ETIMEDOUT,
		  "FUTEX_WAIT 10 ms timeout ETIMEDOUT");
	CHECK(now_ns() - start >= 10000000, "and it waited >= 10 ms");
	CHECK(futex(&word, FUTEX_WAKE, 1, NULL, NULL, 0) == 0,
	      "FUTEX_WAKE with no waiter returns 0");
	CHECK_ERR(futex(BADPTR, FUTEX_WAIT, 0, NULL, NULL, 0), EINVAL,
		  "FUTEX_WAIT on an unaligned address EINVAL");
	CHECK_ERR(futex(KADDR, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT,
		  "FUTEX_WAIT on a kernel address EFAULT");
	CHECK_ERR(futex((atomic_int *)0x10000, FUTEX_WAIT, 0, NULL, NULL, 0),
		  EFAULT, "FUTEX_WAIT on an unmapped address EFAULT");
	CHECK_ERR(futex(&word, FUTEX_WAIT, 5, BADPTR, NULL, 0), EFAULT,
		  "FUTEX_WAIT timeout pointer 1 EFAULT");
	struct timespec bad = { 0, 1000000000 };
	CHECK_ERR(futex(&word, FUTEX_WAIT, 5, &bad, NULL, 0), EINVAL,
		  "FUTEX_WAIT tv_nsec 1e9 EINVAL");
	CHECK_ERR(futex(&word, 99, 0, NULL, NULL, 0), ENOSYS,
		  "unknown futex op ENOSYS");
	CHECK_ERR(futex(&word, FUTEX_WAIT_BITSET, 5, NULL, NULL, 0), EINVAL,
		  "FUTEX_WAIT_BITSET with bitset 0 EINVAL");

	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, futex_waiter, NULL);
	struct timespec settle = { 0, 50000000 };
	nanosleep(&settle, NULL);
	CHECK(atomic_load(&fw_woken) == 0, "3 threads blocked in FUTEX_WAIT");
	atomic_store(&fw_word, 1);
	long woke = futex(&fw_word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1 << 30,
			  NULL, NULL, 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	CHECK(woke <= 3 && atomic_load(&fw_woken) == 3,
	      "FUTEX_WAKE woke them all (%ld reported)", woke);

	test_requeue();
	test_requeue_same_word();

	atomic_int a = 0, b = 0;
	CHECK_ERR(futex(&a, FUTEX_CMP_REQUEUE, 1, (void *)1, &b, 7), EAGAIN,
		  "FUTEX_CMP_REQUEUE with a stale value EAGAIN");
	CHECK(futex(&a, FUTEX_CMP_REQUEUE, 1, (void *)1, &b, 0) == 0,
	      "FUTEX_CMP_REQUEUE with no waiter returns 0");
	CHECK(futex(&a, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0xffffffff) == 0,
	      "FUTEX_WAKE_BITSET with no waiter returns 0");
}

/* ---- CPUs ---- */

static atomic_int spin_go;

static void *cpu_spinner(void *arg)
{
	int *cpu = arg;
	long end = now_ns() + 300000000;

	while (!atomic_load(&spin_go))
		;
	while (now_ns() < end)
		;
	*cpu = sched_getcpu();
	return NULL;
}

static void test_cpus(void)
{
	unsigned cpu = ~0u, node = ~0u;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t t[16];
	int cpus[16], distinct = 0;

	CHECK_OK(syscall(SYS_getcpu, &cpu, &node, NULL), "getcpu");
	CHECK(cpu < 4096 && node == 0, "getcpu: cpu %u node %u", cpu, node);
	CHECK(sched_getcpu() >= 0, "sched_getcpu %d", sched_getcpu());
	CHECK_OK(syscall(SYS_getcpu, NULL, NULL, NULL), "getcpu(NULL, NULL)");
	CHECK_ERR(syscall(SYS_getcpu, KADDR, NULL, NULL), EFAULT,
		  "getcpu to a kernel address EFAULT");
	CHECK_ERR(syscall(SYS_getcpu, NULL, BADPTR, NULL), EFAULT,
		  "getcpu node to address 1 EFAULT");
	/* In a child: musl's own clear-tid address must stay ours. */
	pid_t pid = fork();
	if (pid == 0) {
		static int word;
		_exit(syscall(SYS_set_tid_address, &word) == getpid() ? 0 : 1);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	CHECK(st == 0, "set_tid_address returns the tid");
	if (n < 1)
		n = 1;
	if (n > 16)
		n = 16;
	for (int i = 0; i < n; i++) {
		cpus[i] = -1;
		pthread_create(&t[i], NULL, cpu_spinner, &cpus[i]);
	}
	atomic_store(&spin_go, 1);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < n; i++) {
		int first = 1;
		for (int j = 0; j < i; j++)
			first &= cpus[j] != cpus[i];
		distinct += first && cpus[i] >= 0;
	}
	say("t_thread: %ld threads spinning at once ended on %d distinct CPUs "
	    "(%ld online)", n, distinct, n);
	CHECK(distinct >= 1, "spinning threads report their CPUs");
}

/* execve in a multi-threaded process: the other threads (one spinning,
 * one blocked in read) are ended first and the new program runs. */
static void *spin_forever(void *arg)
{
	(void)arg;
	for (;;)
		__asm__ volatile("" ::: "memory");
	return NULL;
}

static void *read_forever(void *arg)
{
	char c;
	(void)!read(*(int *)arg, &c, 1);
	return NULL;
}

static void test_exec_from_threads(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		static int fds[2];
		pthread_t a, b;
		if (pipe(fds) || pthread_create(&a, NULL, spin_forever, NULL) ||
		    pthread_create(&b, NULL, read_forever, &fds[0]))
			_exit(90);
		struct timespec ts = { 0, 20000000 };
		nanosleep(&ts, NULL); /* both threads running or blocked */
		const char *helper = rpath("/test/t_exec_helper");
		execl(helper, helper, "exit", "7", (char *)NULL);
		_exit(91);
	}
	int st = 0;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		      WEXITSTATUS(st) == 7,
	      "execve from a process with a spinning and a blocked thread "
	      "runs the new program (status 0x%x)", st);
}

/*
 * A signal for a thread the moment its tid is known: clone writes the tid
 * (CLONE_PARENT_SETTID) before the thread is started, and another thread
 * tgkills it at once. The kernel must not kick a thread it is still
 * setting up (Cohort panicked so: a page fault in the run-queue lock of
 * CPU -1, within a second on 4 CPUs). Raw clone, so we own the tid word.
 */
#define KICK_STACKS 16
#define KICK_CLONES 3000
static volatile int kick_tid, kick_stop;
static volatile int kick_ctid[KICK_STACKS];
static char kick_stack[KICK_STACKS][16384] __attribute__((aligned(16)));

static int kick_child(void *arg)
{
	(void)arg;
	syscall(SYS_exit, 0);
	return 0;
}

static void kick_handler(int sig)
{
	(void)sig;
}

static void *kicker(void *arg)
{
	int pid = getpid(), last = 0;
	long n = 0;

	(void)arg;
	while (!kick_stop) {
		int t = kick_tid;
		if (t && t != last) {
			syscall(SYS_tgkill, pid, t, SIGUSR1);
			last = t;
			n++;
		}
	}
	return (void *)n;
}

static void test_signal_new_thread(void)
{
	struct sigaction sa, old;
	pthread_t k;
	void *kicks = 0;
	int made = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigaction(SIGUSR1, &sa, &old);
	pthread_create(&k, NULL, kicker, NULL);
	for (int i = 0; i < KICK_CLONES; i++) {
		int j = i % KICK_STACKS;
		int c;
		while ((c = kick_ctid[j])) /* cleared at the thread's exit */
			syscall(SYS_futex, &kick_ctid[j], FUTEX_WAIT, c, NULL);
		kick_ctid[j] = 1;
		if (clone(kick_child, kick_stack[j] + sizeof(kick_stack[j]),
			  CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
				  CLONE_THREAD | CLONE_SYSVSEM |
				  CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
			  NULL, &kick_tid, NULL, &kick_ctid[j]) < 0)
			kick_ctid[j] = 0;
		else
			made++;
	}
	for (int j = 0; j < KICK_STACKS; j++) {
		int c;
		while ((c = kick_ctid[j]))
			syscall(SYS_futex, &kick_ctid[j], FUTEX_WAIT, c, NULL);
	}
	kick_stop = 1;
	pthread_join(k, &kicks);
	sigaction(SIGUSR1, &old, NULL);
	CHECK(made == KICK_CLONES,
	      "%d threads each signalled as soon as clone published its tid "
	      "(%ld signals sent)", made, (long)kicks);
}

int main(int argc, char **argv)
{
	(void)argc;
	check_set_root(argv[0]);
	check_watchdog(120);
	test_exec_from_threads();
	CHECK(syscall(SYS_gettid) == getpid(), "main thread's tid is the pid");
	test_many();
	test_blocking();
	test_parallel_sleep();
	test_contention();
	test_futex();
	test_cpus();
	test_signal_new_thread();
	return check_done();
}
