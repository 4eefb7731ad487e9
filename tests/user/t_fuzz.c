/* SPDX-License-Identifier: MIT */
/*
 * t_fuzz: a system call fuzzer. From a seed, it runs batches; each batch
 * is a forked child that issues random calls from a list that is safe to
 * call at random, with adversarial arguments (0, -1, huge values, kernel
 * and non-canonical addresses, unaligned and random pointers into its own
 * scratch memory, bad descriptors). The kernel must survive all of it.
 *
 *   t_fuzz [SEED [BATCHES [CALLS [SECONDS]]]]    defaults: 1 40 400 30
 *
 * A child may legitimately die: it can unmap or protect its own memory,
 * install a handler at a random address, or block (a futex whose value
 * matches, a read of an empty pipe) until its alarm(2) or the parent's
 * SIGKILL after 5 s. Expected deaths: SIGSEGV SIGBUS SIGALRM SIGPIPE
 * SIGXCPU SIGXFSZ SIGKILL (from the parent). The run passes when the
 * parent survives and every child either finished (exit 0) or died by one
 * of those; any other end is a failure line naming the batch's seed, which
 * reproduces it: `t_fuzz SEED 1`.
 *
 * Left out, because they would end the fuzzer for no information, harm
 * other processes, or (run as root under Linux) the host: exit,
 * exit_group, kill/tkill/tgkill, fork/vfork/clone, execve, rt_sigreturn,
 * pause, alarm, and anything that changes the scheduling class or
 * priority (a SCHED_FIFO child spinning would starve a 1-CPU machine).
 * Pids passed are 0, our own, or ones that do not exist; ioctl gets only
 * devices and pipes; open never gets O_CREAT/O_TRUNC; madvise only
 * harmless advice; prlimit64 never RLIMIT_CORE (set to 0 at the start, so
 * a dying child writes no core file).
 */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>

#define PG		4096ul
#define SCRATCH		((char *)0x100000000000ul)	/* 16 pages, then a gap */
#define SCRATCH_PAGES	16

enum kind {
	A_ANY, A_FD, A_IOFD, A_PTR, A_PATH, A_LEN, A_FLAGS, A_OFLAGS, A_PID,
	A_SIG, A_CLOCK, A_MMADDR, A_PROT, A_MMFLAGS, A_ADVICE, A_IOCTL, A_FUTEXOP,
	A_SMALL, A_TS, A_MS, A_RLIMIT,
};

struct call {
	long nr;
	unsigned char args[6];
};

/* The list: the issue-10 subset minus what the header comment leaves out. */
static const struct call calls[] = {
	{ SYS_read,		{ A_FD, A_PTR, A_LEN } },
	{ SYS_write,		{ A_FD, A_PTR, A_LEN } },
	{ SYS_open,		{ A_PATH, A_OFLAGS, A_ANY } },
	{ SYS_close,		{ A_FD } },
	{ SYS_stat,		{ A_PATH, A_PTR } },
	{ SYS_fstat,		{ A_FD, A_PTR } },
	{ SYS_lstat,		{ A_PATH, A_PTR } },
	{ SYS_poll,		{ A_PTR, A_SMALL, A_MS } },
	{ SYS_lseek,		{ A_FD, A_ANY, A_SMALL } },
	{ SYS_mmap,		{ A_MMADDR, A_LEN, A_PROT, A_MMFLAGS, A_FD, A_ANY } },
	{ SYS_mprotect,		{ A_MMADDR, A_LEN, A_PROT } },
	{ SYS_munmap,		{ A_MMADDR, A_LEN } },
	{ SYS_brk,		{ A_ANY } },
	{ SYS_rt_sigaction,	{ A_SIG, A_PTR, A_PTR, A_SMALL } },
	{ SYS_rt_sigprocmask,	{ A_SMALL, A_PTR, A_PTR, A_SMALL } },
	{ SYS_ioctl,		{ A_IOFD, A_IOCTL, A_PTR } },
	{ SYS_pread64,		{ A_FD, A_PTR, A_LEN, A_ANY } },
	{ SYS_readv,		{ A_FD, A_PTR, A_SMALL } },
	{ SYS_writev,		{ A_FD, A_PTR, A_SMALL } },
	{ SYS_access,		{ A_PATH, A_SMALL } },
	{ SYS_pipe,		{ A_PTR } },
	{ SYS_sched_yield,	{ 0 } },
	{ SYS_madvise,		{ A_MMADDR, A_LEN, A_ADVICE } },
	{ SYS_dup,		{ A_FD } },
	{ SYS_dup2,		{ A_FD, A_FD } },
	{ SYS_nanosleep,	{ A_TS, A_PTR } },
	{ SYS_getpid,		{ 0 } },
	{ SYS_wait4,		{ A_PID, A_PTR, A_FLAGS, A_PTR } },
	{ SYS_uname,		{ A_PTR } },
	{ SYS_fcntl,		{ A_FD, A_SMALL, A_ANY } },
	{ SYS_getcwd,		{ A_PTR, A_LEN } },
	{ SYS_chdir,		{ A_PATH } },
	{ SYS_readlink,		{ A_PATH, A_PTR, A_LEN } },
	{ SYS_gettimeofday,	{ A_PTR, A_PTR } },
	{ SYS_getrlimit,	{ A_SMALL, A_PTR } },
	{ SYS_getrusage,	{ A_SMALL, A_PTR } },
	{ SYS_sysinfo,		{ A_PTR } },
	{ SYS_times,		{ A_PTR } },
	{ SYS_getuid,		{ 0 } },
	{ SYS_getgid,		{ 0 } },
	{ SYS_geteuid,		{ 0 } },
	{ SYS_getegid,		{ 0 } },
	{ SYS_getppid,		{ 0 } },
	{ SYS_rt_sigpending,	{ A_PTR, A_SMALL } },
	{ SYS_rt_sigtimedwait,	{ A_PTR, A_PTR, A_TS, A_SMALL } },
	{ SYS_sigaltstack,	{ A_PTR, A_PTR } },
	{ SYS_getpriority,	{ A_SMALL, A_PID } },
	{ SYS_sched_getparam,	{ A_PID, A_PTR } },
	{ SYS_sched_getscheduler, { A_PID } },
	{ SYS_sched_get_priority_max, { A_SMALL } },
	{ SYS_sched_get_priority_min, { A_SMALL } },
	{ SYS_sched_rr_get_interval, { A_PID, A_PTR } },
	{ SYS_arch_prctl,	{ A_FLAGS, A_ANY } },
	{ SYS_gettid,		{ 0 } },
	{ SYS_futex,		{ A_PTR, A_FUTEXOP, A_ANY, A_TS, A_PTR, A_ANY } },
	{ SYS_sched_setaffinity, { A_PID, A_LEN, A_PTR } },
	{ SYS_sched_getaffinity, { A_PID, A_LEN, A_PTR } },
	{ SYS_getdents64,	{ A_FD, A_PTR, A_LEN } },
	{ SYS_set_tid_address,	{ A_PTR } },
	{ SYS_clock_gettime,	{ A_CLOCK, A_PTR } },
	{ SYS_clock_getres,	{ A_CLOCK, A_PTR } },
	{ SYS_clock_nanosleep,	{ A_CLOCK, A_FLAGS, A_TS, A_PTR } },
	{ SYS_waitid,		{ A_SMALL, A_PID, A_PTR, A_FLAGS, A_PTR } },
	{ SYS_openat,		{ A_FD, A_PATH, A_OFLAGS, A_ANY } },
	{ SYS_newfstatat,	{ A_FD, A_PATH, A_PTR, A_FLAGS } },
	{ SYS_readlinkat,	{ A_FD, A_PATH, A_PTR, A_LEN } },
	{ SYS_faccessat,	{ A_FD, A_PATH, A_SMALL } },
	{ SYS_ppoll,		{ A_PTR, A_SMALL, A_TS, A_PTR, A_SMALL } },
	{ SYS_set_robust_list,	{ A_PTR, A_LEN } },
	{ SYS_dup3,		{ A_FD, A_FD, A_FLAGS } },
	{ SYS_pipe2,		{ A_PTR, A_FLAGS } },
	{ SYS_prlimit64,	{ A_PID, A_RLIMIT, A_PTR, A_PTR } },
	{ SYS_getcpu,		{ A_PTR, A_PTR, A_PTR } },
	{ SYS_sched_getattr,	{ A_PID, A_PTR, A_LEN, A_FLAGS } },
	{ SYS_getrandom,	{ A_PTR, A_LEN, A_FLAGS } },
	{ SYS_rseq,		{ A_PTR, A_LEN, A_FLAGS, A_ANY } },
	{ 400,			{ A_ANY, A_ANY } },	/* unassigned on x86-64 */
	{ 1000,			{ A_ANY } },
	{ 0x40000000 | SYS_getpid, { 0 } },		/* x32 ABI bit */
	{ -1,			{ 0 } },
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

/* What a child reports back, in a MAP_SHARED page. */
struct batch_stats {
	long calls;
	long errors;
	long last_nr;
};

static uint64_t rng;
static int fds[8];
static int nfds;
static pid_t self;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static long pick(const long *v, size_t n)
{
	return v[rnd() % n];
}
#define PICK(...) ({ const long v_[] = { __VA_ARGS__ };			\
		     pick(v_, sizeof(v_) / sizeof(v_[0])); })

static long scratch_ptr(void)
{
	return (long)SCRATCH + (long)(rnd() % (SCRATCH_PAGES * PG));
}

static long arg(int kind)
{
	const long k = 0xffff800000000000l, t = 0xffffffff80100000l;
	const long nc = 0x0000800000000000l;

	switch (kind) {
	case A_FD:
		if (rnd() % 2)
			return fds[rnd() % nfds];
		return PICK(0, 1, 2, -1, 999, 1 << 20, (long)(rnd() % 64), -100);
	case A_IOFD:
		return PICK(0, 1, 2, fds[0], fds[1], fds[2], fds[3], 999, -1);
	case A_PTR:
		switch (rnd() % 10) {
		case 0: return 0;
		case 1: return (long)SCRATCH + (long)(rnd() % 64) * 8;
		case 2: case 3: return scratch_ptr();
		case 4: return (long)SCRATCH + SCRATCH_PAGES * PG - 8;
		default:
			return PICK(k, t, nc, 1, 0x10000, -4096l, (long)rnd(),
				    -1, (long)SCRATCH + 1);
		}
	case A_PATH:
		if (rnd() % 4 == 0)
			return PICK(0, k, t, 1, nc, scratch_ptr());
		return (long)SCRATCH + (long)(rnd() % 9) * 64;
	case A_LEN:
		return PICK(0, 1, 8, 16, 24, 32, 64, 128, 4096, 8192,
			    (long)(rnd() % 65536), -1, 1l << 31, 1l << 40,
			    (long)rnd());
	case A_FLAGS:
		return PICK(0, 1, 2, 0x80, 0x800, 0x80000, (long)(rnd() & 0xffff),
			    (long)rnd(), -1, 0x1002, 0x1003);
	case A_OFLAGS:
		return (long)(rnd() & 0xfffff) & ~(O_CREAT | O_TRUNC | O_TMPFILE);
	case A_PID:
		return PICK(0, self, 999999, -5, 0x7fffffff, (long)INT32_MIN);
	case A_SIG:
		return (long)(rnd() % 70);
	case A_CLOCK:
		return (long)(rnd() % 20) - 6;
	case A_MMADDR:
		return PICK(0, (long)SCRATCH, (long)SCRATCH + PG,
			    (long)SCRATCH + 1, k, nc, 0x80000000l, 4096,
			    (long)rnd() & ~0xfffl);
	case A_PROT:
		return PICK(0, 1, 3, 4, 7, (long)rnd());
	case A_MMFLAGS:
		return (PICK(MAP_PRIVATE, MAP_SHARED, 0, 3) |
			PICK(0, MAP_ANONYMOUS, MAP_FIXED, MAP_ANONYMOUS | MAP_FIXED,
			     MAP_GROWSDOWN, MAP_NORESERVE, MAP_POPULATE)) |
		       (rnd() % 8 == 0 ? (long)(rnd() & 0xffffffff) : 0);
	case A_ADVICE:
		return PICK(MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL,
			    MADV_WILLNEED, MADV_DONTNEED, 1000, -1);
	case A_IOCTL:
		return PICK(0x5401, 0x5402, 0x5413, 0x540f, 0x541b, 0x5421,
			    0x5451, 0x5450, (long)(rnd() & 0xffff), -1);
	case A_FUTEXOP:
		return (long)(rnd() % 14) | PICK(0, 128, 256, 384);
	case A_SMALL:
		return (long)(rnd() % 8) - 1;
	case A_TS:
		/* Mostly short or invalid timeouts: a batch should not sleep. */
		if (rnd() % 16 == 0)
			return PICK(0, scratch_ptr());
		if (rnd() % 4 == 0)
			return PICK(k, t, nc, 1, (long)SCRATCH + 9 * 64);
		return (long)SCRATCH + (long)(10 + rnd() % 6) * 64;
	case A_RLIMIT:
		/* Not RLIMIT_CORE (4): a dying child must not write a core. */
		return PICK(0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
			    16, -1, 1000);
	case A_MS:
		return rnd() % 32 == 0 ? -1 : (long)(rnd() % 3);
	default:
		switch (rnd() % 12) {
		case 0: return 0;
		case 1: return -1;
		case 2: return (long)rnd();
		case 3: return (long)(rnd() % 256);
		case 4: return k;
		case 5: return nc;
		case 6: return scratch_ptr();
		case 7: return 1l << 31;
		case 8: return INT64_MAX;
		case 9: return 4096;
		case 10: return (long)(rnd() % 65536);
		default: return t;
		}
	}
}

/* A system call without libc: no errno (TLS may be gone), no wrappers. */
static long raw6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static void setup_scratch(void)
{
	static const char *paths[] = {
		"/dev/null", "/dev/zero", "/", "/test", "/bin/init", ".", "..",
		"/nonexistent/x",
	};

	mmap(SCRATCH, SCRATCH_PAGES * PG, PROT_READ | PROT_WRITE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	for (size_t i = 0; i < SCRATCH_PAGES * PG / 8; i++)
		((uint64_t *)SCRATCH)[i] = rnd() % 4 ? rnd() % 100000 : rnd();
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		strcpy(SCRATCH + i * 64, paths[i]);
	/* Timespecs: an invalid one at 9, short ones at 10..15. */
	((struct timespec *)(SCRATCH + 9 * 64))->tv_nsec = 1000000000;
	for (int i = 10; i < 16; i++) {
		struct timespec *ts = (void *)(SCRATCH + i * 64);
		ts->tv_sec = 0;
		ts->tv_nsec = 1000 * i;
	}
}

static void __attribute__((noreturn)) run_batch(uint64_t seed, long ncalls,
						 const char *self_path,
						 struct batch_stats *st)
{
	int null = open("/dev/null", O_RDWR), p[2];

	rng = seed * 0x9e3779b97f4a7c15ull + 1;
	self = getpid();
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	pipe2(p, O_NONBLOCK);
	fds[0] = null;
	fds[1] = open("/dev/zero", O_RDWR);
	fds[2] = p[0];
	fds[3] = p[1];
	fds[4] = open(self_path, O_RDONLY);
	nfds = 5;
	setup_scratch();
	alarm(1);
	for (long i = 0; i < ncalls; i++) {
		const struct call *c = &calls[rnd() % NCALLS];
		long a[6];
		for (int j = 0; j < 6; j++)
			a[j] = arg(c->args[j]);
		st->last_nr = c->nr;
		long r = raw6(c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		st->calls++;
		st->errors += r < 0 && r > -4096;
	}
	raw6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
	for (;;)
		;
}

static int expected_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGALRM ||
	       sig == SIGPIPE || sig == SIGXCPU || sig == SIGXFSZ ||
	       sig == SIGKILL;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	long batches = argc > 2 ? atol(argv[2]) : 40;
	long ncalls = argc > 3 ? atol(argv[3]) : 400;
	long seconds = argc > 4 ? atol(argv[4]) : 30;
	int verbose = getenv("T_FUZZ_VERBOSE") != NULL;
	long start = now_ms(), total_calls = 0, total_errors = 0;
	long finished = 0, died = 0, killed = 0, unexpected = 0, run = 0;
	long by_sig[65] = { 0 };
	struct sysinfo si0, si1;
	struct batch_stats *st;

	check_watchdog(seconds + 60);
	sysinfo(&si0);
	say("t_fuzz: seed %llu, %ld batches of %ld calls, at most %ld s, "
	    "%zu kinds of call", (unsigned long long)seed, batches, ncalls,
	    seconds, NCALLS);
	st = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		  -1, 0);
	CHECK(st != MAP_FAILED, "a shared page for the children's counts");
	if (st == MAP_FAILED)
		return check_done();
	for (long b = 0; b < batches && now_ms() - start < seconds * 1000; b++) {
		uint64_t bseed = seed * 1000003 + b;
		int status = 0;
		memset(st, 0, sizeof(*st));
		pid_t pid = fork();
		if (pid < 0) {
			CHECK(0, "fork for batch %ld", b);
			break;
		}
		if (pid == 0)
			run_batch(bseed, ncalls, argv[0], st);
		run++;
		long deadline = now_ms() + 5000;
		pid_t got;
		while ((got = waitpid(pid, &status, WNOHANG)) == 0) {
			if (now_ms() > deadline) {
				kill(pid, SIGKILL);
				killed++;
				got = waitpid(pid, &status, 0);
				break;
			}
			struct timespec ts = { 0, 2000000 };
			nanosleep(&ts, NULL);
		}
		if (got != pid) {
			CHECK(0, "wait for batch %ld", b);
			break;
		}
		total_calls += st->calls;
		total_errors += st->errors;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			finished++;
		} else if (WIFSIGNALED(status) && expected_signal(WTERMSIG(status))) {
			died++;
			by_sig[WTERMSIG(status) & 63]++;
			if (verbose)
				say("t_fuzz: batch %ld (seed %llu): signal %d after "
				    "%ld calls, last call %ld", b,
				    (unsigned long long)bseed, WTERMSIG(status),
				    st->calls, st->last_nr);
		} else {
			unexpected++;
			say("t_fuzz: batch %ld (seed %llu) ended with status %#x "
			    "after %ld calls, last call %ld", b,
			    (unsigned long long)bseed, status, st->calls,
			    st->last_nr);
		}
	}
	/* Let any deferred freeing of the dead children's memory finish. */
	struct timespec settle = { 0, 200000000 };
	nanosleep(&settle, NULL);
	sysinfo(&si1);
	say("t_fuzz: %ld batches: %ld finished, %ld died by an expected signal "
	    "(SEGV %ld BUS %ld ALRM %ld PIPE %ld KILL %ld; %ld killed after "
	    "5 s), %ld unexpected", run, finished, died, by_sig[SIGSEGV],
	    by_sig[SIGBUS], by_sig[SIGALRM], by_sig[SIGPIPE], by_sig[SIGKILL],
	    killed, unexpected);
	say("t_fuzz: %ld calls, %ld returned an error; free memory %lu KiB "
	    "before, %lu KiB after", total_calls, total_errors,
	    (unsigned long)(si0.freeram / 1024 * si0.mem_unit),
	    (unsigned long)(si1.freeram / 1024 * si1.mem_unit));
	CHECK(run > 0, "ran %ld batches", run);
	CHECK(unexpected == 0, "no child ended other than by exit 0 or an "
	      "expected signal");
	CHECK(finished > 0, "at least one batch issued all its calls");
	CHECK(total_calls >= run, "the children issued %ld calls", total_calls);
	CHECK(getpid() > 0 && write(1, "", 0) == 0, "the fuzzer itself survived");
	return check_done();
}
