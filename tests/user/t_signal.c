/* SPDX-License-Identifier: MIT */
/*
 * t_signal: signals. SA_SIGINFO handlers (si_signo, si_code, si_pid),
 * blocking with sigprocmask then delivery on unblock, the handler's mask,
 * SIGCHLD, kill/tgkill and their errors, SIGKILL/SIGSTOP not catchable,
 * sigaltstack, EINTR from a blocking read, SIGPIPE/EPIPE, SIGSEGV and
 * SIGFPE handlers left by siglongjmp, default actions, the FPU
 * registers surviving a handler that uses them too, a blocked signal
 * whose action ignores it queued for sigtimedwait, pid 1 immune to
 * signals it has no handler for, and a thread's SIGKILL ending all.
 */
#include "check.h"
#include "fault.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t got_sig, got_count, got_code, got_pid;
static volatile sig_atomic_t got_blocked_inside, got_status;
static volatile uintptr_t got_sp;

static void on_info(int sig, siginfo_t *si, void *uc)
{
	sigset_t cur;

	(void)uc;
	got_sig = sig;
	got_count++;
	got_code = si->si_code;
	got_pid = si->si_pid;
	got_status = si->si_status;
	got_sp = (uintptr_t)&cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	got_blocked_inside = sigismember(&cur, sig);
}

static int handle(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO | flags;
	return sigaction(sig, &sa, NULL);
}

static void reset(void)
{
	got_sig = got_count = got_code = got_pid = 0;
	got_blocked_inside = got_status = 0;
}

static void test_siginfo(void)
{
	reset();
	CHECK_OK(handle(SIGUSR1, 0), "sigaction SIGUSR1 SA_SIGINFO");
	CHECK_OK(kill(getpid(), SIGUSR1), "kill self SIGUSR1");
	CHECK(got_count == 1 && got_sig == SIGUSR1, "handler ran once");
	CHECK(got_code == SI_USER && got_pid == getpid(),
	      "si_code SI_USER, si_pid our pid");
	CHECK(got_blocked_inside, "the signal is blocked inside its handler");
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	CHECK(!sigismember(&cur, SIGUSR1), "and unblocked after it returns");
	reset();
	CHECK_OK(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1),
		 "tgkill self");
	CHECK(got_count == 1 && got_code == SI_TKILL, "handler, si_code SI_TKILL");
	reset();
	CHECK_OK(syscall(SYS_tkill, syscall(SYS_gettid), SIGUSR1), "tkill self");
	CHECK(got_count == 1, "tkill delivered");
	struct sigaction old;
	CHECK(sigaction(SIGUSR1, NULL, &old) == 0 &&
	      old.sa_sigaction == on_info && (old.sa_flags & SA_SIGINFO),
	      "sigaction reads back the handler");
	reset();
	CHECK_OK(handle(SIGUSR2, SA_NODEFER), "sigaction SA_NODEFER");
	raise(SIGUSR2);
	CHECK(got_count == 1 && !got_blocked_inside,
	      "SA_NODEFER: not blocked inside the handler");
	reset();
	CHECK_OK(handle(SIGUSR2, SA_RESETHAND), "sigaction SA_RESETHAND");
	raise(SIGUSR2);
	CHECK(sigaction(SIGUSR2, NULL, &old) == 0 && old.sa_handler == SIG_DFL,
	      "SA_RESETHAND: back to SIG_DFL after one delivery");
}

static void test_mask(void)
{
	sigset_t set, pend, old;

	reset();
	handle(SIGUSR2, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	CHECK_OK(sigprocmask(SIG_BLOCK, &set, &old), "block SIGUSR2");
	kill(getpid(), SIGUSR2);
	kill(getpid(), SIGUSR2);
	CHECK(got_count == 0, "blocked: handler not run");
	CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR2),
	      "sigpending shows it");
	CHECK_OK(sigprocmask(SIG_UNBLOCK, &set, NULL), "unblock");
	CHECK(got_count == 1, "delivered once on unblock (standard signals "
	      "do not queue): %d", got_count);
	CHECK(sigpending(&pend) == 0 && !sigismember(&pend, SIGUSR2),
	      "no longer pending");
	sigfillset(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	sigprocmask(SIG_SETMASK, NULL, &set);
	CHECK(!sigismember(&set, SIGKILL) && !sigismember(&set, SIGSTOP),
	      "SIGKILL and SIGSTOP cannot be blocked");
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK_ERR(syscall(SYS_rt_sigprocmask, 99, &set, NULL, 8), EINVAL,
		  "rt_sigprocmask how 99 EINVAL");
	CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), EINVAL,
		  "rt_sigprocmask sigsetsize 4 EINVAL");
	CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, KADDR, NULL, 8), EFAULT,
		  "rt_sigprocmask set in the kernel EFAULT");
	CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, BADPTR, 8),
		  EFAULT, "rt_sigprocmask oldset at address 1 EFAULT");
	CHECK_ERR(syscall(SYS_rt_sigpending, BADPTR, 8), EFAULT,
		  "rt_sigpending to address 1 EFAULT");
}

static void test_action_errors(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	CHECK_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL,
		  "sigaction SIGKILL EINVAL");
	CHECK_ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL,
		  "sigaction SIGSTOP EINVAL");
	CHECK(sigaction(SIGKILL, NULL, &sa) == 0, "reading SIGKILL's action is fine");
	CHECK_ERR(syscall(SYS_rt_sigaction, 0, NULL, NULL, 8), EINVAL,
		  "rt_sigaction signal 0 EINVAL");
	CHECK_ERR(syscall(SYS_rt_sigaction, 65, NULL, NULL, 8), EINVAL,
		  "rt_sigaction signal 65 EINVAL");
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4), EINVAL,
		  "rt_sigaction sigsetsize 4 EINVAL");
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, KADDR, NULL, 8), EFAULT,
		  "rt_sigaction act in the kernel EFAULT");
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, BADPTR, 8), EFAULT,
		  "rt_sigaction oldact at address 1 EFAULT");
	CHECK_ERR(kill(getpid(), 1000), EINVAL, "kill signal 1000 EINVAL");
	CHECK_OK(kill(getpid(), 0), "kill signal 0 probes our pid");
	CHECK_ERR(kill(999999, 0), ESRCH, "kill of no such pid ESRCH");
	CHECK_ERR(syscall(SYS_tgkill, getpid(), 999999, SIGUSR1), ESRCH,
		  "tgkill no such tid ESRCH");
	CHECK_ERR(syscall(SYS_tgkill, 0, syscall(SYS_gettid), SIGUSR1), EINVAL,
		  "tgkill tgid 0 EINVAL");
	CHECK_ERR(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), 99), EINVAL,
		  "tgkill signal 99 EINVAL");
}

static void test_sigchld(void)
{
	int st;

	reset();
	handle(SIGCHLD, 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(9);
	waitpid(pid, &st, 0);
	CHECK(got_count >= 1 && got_sig == SIGCHLD, "SIGCHLD on child exit");
	CHECK(got_pid == pid && got_code == CLD_EXITED && got_status == 9,
	      "si_pid the child, CLD_EXITED, si_status 9");
	signal(SIGCHLD, SIG_DFL);
}

static void test_altstack(void)
{
	static char alt[64 * 1024];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) }, old;

	CHECK_OK(sigaltstack(&ss, &old), "sigaltstack");
	CHECK(old.ss_flags == SS_DISABLE, "no alternate stack before");
	reset();
	handle(SIGUSR1, SA_ONSTACK);
	raise(SIGUSR1);
	CHECK(got_count == 1 && got_sp >= (uintptr_t)alt &&
	      got_sp < (uintptr_t)alt + sizeof(alt),
	      "SA_ONSTACK handler ran on the alternate stack");
	reset();
	handle(SIGUSR1, 0);
	raise(SIGUSR1);
	CHECK(got_count == 1 && !(got_sp >= (uintptr_t)alt &&
				  got_sp < (uintptr_t)alt + sizeof(alt)),
	      "without SA_ONSTACK it did not");
	stack_t small = { .ss_sp = alt, .ss_size = 512 };
	CHECK_ERR(sigaltstack(&small, NULL), ENOMEM, "sigaltstack 512 B ENOMEM");
	stack_t badflags = { .ss_sp = alt, .ss_size = sizeof(alt),
			     .ss_flags = 0x1234 };
	CHECK_ERR(sigaltstack(&badflags, NULL), EINVAL,
		  "sigaltstack bad flags EINVAL");
	CHECK_ERR(syscall(SYS_sigaltstack, KADDR, NULL), EFAULT,
		  "sigaltstack in the kernel EFAULT");
	stack_t off = { .ss_flags = SS_DISABLE };
	CHECK_OK(sigaltstack(&off, NULL), "sigaltstack disabled");
}

/*
 * A child that sends SIGUSR1 to `target` every 100 ms (at most 50 times):
 * if one lands before the parent is blocked, the next one still finds it
 * blocked. The parent kills it when done.
 */
static pid_t start_nagger(pid_t target)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (int i = 0; i < 50; i++) {
			struct timespec ts = { 0, 100000000 };
			nanosleep(&ts, NULL);
			kill(target, SIGUSR1);
		}
		_exit(0);
	}
	return pid;
}

static void stop_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_eintr(void)
{
	int pfd[2];
	char c;
	pid_t parent = getpid(), pid;

	reset();
	handle(SIGUSR1, 0);		/* no SA_RESTART */
	pipe(pfd);
	pid = start_nagger(parent);
	CHECK_ERR(read(pfd[0], &c, 1), EINTR,
		  "a signal interrupts a blocking pipe read: EINTR");
	CHECK(got_count >= 1 && got_pid == pid, "handler ran, si_pid the sender");
	stop_child(pid);

	reset();
	handle(SIGUSR1, SA_RESTART);
	pid = fork();
	if (pid == 0) {
		struct timespec ts = { 0, 100000000 };
		for (int i = 0; i < 3; i++) {
			nanosleep(&ts, NULL);
			kill(parent, SIGUSR1);
		}
		nanosleep(&ts, NULL);
		write(pfd[1], "r", 1);
		_exit(0);
	}
	CHECK(read(pfd[0], &c, 1) == 1 && c == 'r' && got_count == 3,
	      "SA_RESTART: the read survives 3 signals and gets the byte");
	waitpid(pid, NULL, 0);

	reset();
	handle(SIGUSR1, 0);
	pid = start_nagger(parent);
	struct timespec two = { 2, 0 }, rem = { 0, 0 };
	CHECK_ERR(nanosleep(&two, &rem), EINTR, "nanosleep interrupted: EINTR");
	CHECK(rem.tv_sec >= 1 && rem.tv_sec <= 2, "and the remaining time given");
	stop_child(pid);
	close(pfd[0]);
	close(pfd[1]);
}

static void test_sigpipe(void)
{
	int pfd[2], st;

	reset();
	handle(SIGPIPE, 0);
	pipe(pfd);
	close(pfd[0]);
	CHECK_ERR(write(pfd[1], "x", 1), EPIPE, "write with no reader EPIPE");
	CHECK(got_count == 1 && got_sig == SIGPIPE, "and SIGPIPE delivered");
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERR(write(pfd[1], "x", 1), EPIPE, "ignored SIGPIPE: still EPIPE");
	close(pfd[1]);
	signal(SIGPIPE, SIG_DFL);
	pipe(pfd);
	/* No reader anywhere before the child writes, whichever of the two
	 * runs first after fork (on one CPU the child may). */
	close(pfd[0]);
	pid_t pid = fork();
	if (pid == 0) {
		write(pfd[1], "x", 1);
		_exit(0);
	}
	close(pfd[1]);
	waitpid(pid, &st, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE,
	      "default SIGPIPE kills the writer");
}

static sigjmp_buf fpe_jmp;
static volatile int fpe_code;

static void on_fpe(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fpe_code = si->si_code;
	siglongjmp(fpe_jmp, 1);
}

static void test_faults(void)
{
	volatile int zero = 0, x = 10;

	CHECK(probe_write((void *)16, 1) == SIGSEGV &&
	      fault_addr == (void *)16 && fault_code == SEGV_MAPERR,
	      "write to address 16: SIGSEGV, si_addr 16, SEGV_MAPERR");
	CHECK(probe_read(KADDR) == SIGSEGV, "read of a kernel address: SIGSEGV");
	CHECK(probe_read(NONCANON) != 0,
	      "read of a non-canonical address: SIGSEGV or SIGBUS");
	CHECK(probe_write((void *)16, 1) == SIGSEGV,
	      "and again: the handler can be re-entered after siglongjmp");

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fpe;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGFPE, &sa, NULL);
	fpe_code = 0;
	if (sigsetjmp(fpe_jmp, 1) == 0) {
		x = x / zero;
		CHECK(0, "integer division by zero trapped");
	} else {
		CHECK(fpe_code == FPE_INTDIV,
		      "division by zero: SIGFPE FPE_INTDIV (%d)", fpe_code);
	}
	signal(SIGFPE, SIG_DFL);
}

static void test_defaults(void)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		raise(SIGTERM);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "default SIGTERM kills");
	pid = fork();
	if (pid == 0) {
		signal(SIGTERM, SIG_IGN);
		raise(SIGTERM);
		signal(SIGURG, SIG_DFL);
		raise(SIGURG);		/* default: ignore */
		_exit(4);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 4,
	      "ignored SIGTERM and default SIGURG do not kill");
	pid = fork();
	if (pid == 0) {
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		for (;;)
			pause();
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "SIGKILL kills a process that blocked everything");
	pid = fork();
	if (pid == 0) {
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		volatile int *volatile p = (int *)16;
		*p = 1;
		_exit(0);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	      "a fault with SIGSEGV blocked still kills by SIGSEGV");
}

static volatile double fpu_handler_out;

static void on_fpu(int sig)
{
	volatile double a = 1.25;

	for (int i = 0; i < 10; i++)
		a = a * 3.0 + sig;
	fpu_handler_out = a;
}

static void test_fpu(void)
{
	volatile double v = 2.5, w = 0;

	signal(SIGUSR2, on_fpu);
	for (int i = 0; i < 100; i++) {
		double before = v * 1.5;
		raise(SIGUSR2);
		w += before - v * 1.5;
	}
	CHECK(w == 0.0 && fpu_handler_out != 0.0,
	      "FPU registers survive a handler that uses them");
	signal(SIGUSR2, SIG_DFL);
}

/* sigsuspend: a blocked, pending signal is handled inside it, which
 * returns EINTR, and the old mask (signal blocked) is back afterwards.
 * sigtimedwait: takes a blocked pending signal without a handler, and
 * times out with EAGAIN when none comes. */
static void test_suspend_and_wait(void)
{
	sigset_t block, none, cur;
	reset();
	handle(SIGUSR1, 0);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	kill(getpid(), SIGUSR1);
	CHECK(got_count == 0, "a blocked SIGUSR1 stays pending");
	sigemptyset(&none);
	errno = 0;
	int r = sigsuspend(&none);
	CHECK(r == -1 && errno == EINTR && got_count == 1 && got_sig == SIGUSR1,
	      "sigsuspend with an empty mask runs the handler, then EINTR");
	sigprocmask(SIG_SETMASK, NULL, &cur);
	CHECK(sigismember(&cur, SIGUSR1), "and the old mask is back after it");

	sigset_t w;
	sigemptyset(&w);
	sigaddset(&w, SIGUSR2);
	sigprocmask(SIG_BLOCK, &w, NULL);
	reset();
	kill(getpid(), SIGUSR2);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	struct timespec ts = { 1, 0 };
	r = sigtimedwait(&w, &si, &ts);
	CHECK(r == SIGUSR2 && si.si_signo == SIGUSR2 && si.si_code == SI_USER &&
		      si.si_pid == getpid() && got_count == 0,
	      "sigtimedwait takes the pending SIGUSR2 (si_code %d)", si.si_code);
	struct timespec short_ts = { 0, 10000000 };
	errno = 0;
	CHECK(sigtimedwait(&w, &si, &short_ts) == -1 && errno == EAGAIN,
	      "sigtimedwait with nothing pending times out EAGAIN");
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	sigprocmask(SIG_UNBLOCK, &w, NULL);
}

static volatile sig_atomic_t alarm_fired;

static void on_alarm(int sig)
{
	(void)sig;
	alarm_fired = 1;
}

/*
 * A signal whose action is to ignore it (SIGCHLD by default) is still
 * queued while it is blocked (POSIX; Linux's sig_ignored()), so the usual
 * "block SIGCHLD, fork, sigtimedwait for it" works. Once a sigsuspend
 * unblocks it, it does nothing: sigsuspend goes on waiting for a signal
 * that has a handler.
 */
static void test_blocked_ignored_signal(void)
{
	sigset_t w, old, none;
	siginfo_t si;
	struct timespec ts = { 5, 0 };
	struct sigaction sa, old_alrm;
	int st;

	sigemptyset(&w);
	sigaddset(&w, SIGCHLD);
	sigprocmask(SIG_BLOCK, &w, &old);
	pid_t pid = fork();
	if (pid == 0)
		_exit(6);
	memset(&si, 0, sizeof(si));
	int r = sigtimedwait(&w, &si, &ts);
	CHECK(r == SIGCHLD && si.si_pid == pid && si.si_code == CLD_EXITED &&
	      si.si_status == 6,
	      "blocked SIGCHLD (default: ignore) is queued: sigtimedwait "
	      "takes it (%d, si_pid %d, status %d)", r, si.si_pid, si.si_status);
	waitpid(pid, &st, 0);

	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, &st, 0); /* a blocked SIGCHLD is pending now */
	sigset_t pend;
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGCHLD), "it shows in sigpending");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, &old_alrm);
	alarm_fired = 0;
	struct itimerval it = { { 0, 0 }, { 0, 200000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	sigemptyset(&none);
	r = sigsuspend(&none);
	CHECK(r == -1 && errno == EINTR && alarm_fired,
	      "sigsuspend unblocking it drops it and waits for SIGALRM "
	      "(alarm %s)", alarm_fired ? "ran" : "not yet");
	sigaction(SIGALRM, &old_alrm, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/*
 * pid 1 gets only the signals it has a handler for (Linux's
 * SIGNAL_UNKILLABLE): a kill with a default action, even SIGKILL, does
 * nothing, or any program could end the system. Cohort only: on the host
 * pid 1 is the machine's own init.
 */
static void test_init_protected(void)
{
	if (!on_cohort() || getpid() == 1) {
		SKIP("signals to pid 1 (Cohort only, and not when we are pid 1)");
		return;
	}
	CHECK_OK(kill(1, SIGUSR1), "kill(1, SIGUSR1) (default action) is accepted");
	CHECK_OK(kill(1, SIGKILL), "kill(1, SIGKILL) is accepted");
	struct timespec ts = { 0, 100000000 };
	nanosleep(&ts, NULL);
	CHECK(kill(1, 0) == 0 && getppid() == 1,
	      "pid 1 is still alive and still our parent");
}

/*
 * SIGKILL sent to one thread (tgkill) kills the whole process, and must
 * wake its other threads out of blocking calls to do so: here a thread
 * blocked in read() on a pipe nobody writes.
 */
static int kill_pipe[2];

static void *block_reading(void *arg)
{
	char c;

	(void)arg;
	read(kill_pipe[0], &c, 1);
	return NULL;
}

static void test_tgkill_sigkill(void)
{
	int st = -1;
	long r = 0;

	pid_t pid = fork();
	if (pid == 0) {
		pthread_t t;
		struct timespec ts = { 0, 50000000 };

		pipe(kill_pipe);
		pthread_create(&t, NULL, block_reading, NULL);
		nanosleep(&ts, NULL); /* let it block */
		syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGKILL);
		_exit(1);
	}
	for (int i = 0; i < 400 && r == 0; i++) {
		struct timespec ts = { 0, 5000000 };
		r = waitpid(pid, &st, WNOHANG);
		if (r == 0)
			nanosleep(&ts, NULL);
	}
	CHECK(r == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "tgkill SIGKILL of one thread ends the process, a thread blocked "
	      "in read() included (waitpid %ld, status %#x)", r, st);
	if (r != pid) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
}

int main(void)
{
	check_watchdog(60);
	test_suspend_and_wait();
	test_siginfo();
	test_mask();
	test_action_errors();
	test_sigchld();
	test_altstack();
	test_eintr();
	test_sigpipe();
	test_faults();
	test_defaults();
	test_fpu();
	test_blocked_ignored_signal();
	test_init_protected();
	test_tgkill_sigkill();
	return check_done();
}
