/* SPDX-License-Identifier: MIT */
/*
 * t_fork: processes. fork and wait4 statuses (exit codes, deaths by
 * signal), copy-on-write isolation, fork over a huge PROT_NONE shared
 * mapping, many children, WNOHANG, waitid, ECHILD, wait restarted after
 * an SA_RESTART handler, orphans reparented, SIGCHLD ignored (no
 * zombies), a vfork parent killable while it waits, vfork+execve,
 * execve's argv/envp and
 * O_CLOEXEC (checked by t_exec_helper), and execve's errors (ENOENT,
 * ENOEXEC, EACCES, EFAULT).
 */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static char helper[600];

static int global = 1;

static void test_exit_status(void)
{
	int st = -1;
	struct rusage ru;
	pid_t pid = fork();

	if (pid == 0)
		_exit(7);
	CHECK(pid > 0, "fork");
	CHECK(wait4(pid, &st, 0, &ru) == pid, "wait4 returns the child's pid");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7, "exit status 7 (%#x)", st);

	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_OK(kill(pid, SIGKILL), "kill the child SIGKILL");
	CHECK(wait4(pid, &st, 0, NULL) == pid && WIFSIGNALED(st) &&
	      WTERMSIG(st) == SIGKILL, "WIFSIGNALED, WTERMSIG SIGKILL (%#x)", st);

	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	kill(pid, SIGTERM);
	CHECK(wait4(-1, &st, 0, NULL) == pid && WIFSIGNALED(st) &&
	      WTERMSIG(st) == SIGTERM, "wait4(-1) sees death by SIGTERM");

	pid = fork();
	if (pid == 0) {
		volatile int *volatile null_page = (int *)8;
		*null_page = 1;
		_exit(0);
	}
	CHECK(wait4(pid, &st, 0, NULL) == pid && WIFSIGNALED(st) &&
	      WTERMSIG(st) == SIGSEGV, "a faulting child dies by SIGSEGV");
}

static void test_cow(void)
{
	size_t size = 1 << 20;
	char *big = malloc(size);
	int st = -1;

	memset(big, 'p', size);
	global = 1;
	pid_t pid = fork();
	if (pid == 0) {
		int ok = global == 1 && big[size - 1] == 'p';
		global = 2;
		memset(big, 'c', size);
		ok &= global == 2 && big[0] == 'c';
		_exit(ok ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	CHECK(st == 0, "child saw the parent's memory, then its own writes");
	int same = 1;
	for (size_t i = 0; i < size; i += 4096)
		same &= big[i] == 'p';
	CHECK(global == 1 && same, "parent's memory unchanged by the child");
	/* The parent writes after the fork too: the child keeps its copy. */
	int pfd[2];
	pipe(pfd);
	pid = fork();
	if (pid == 0) {
		char c;
		close(pfd[1]);
		read(pfd[0], &c, 1);
		_exit(big[0] == 'p' && global == 1 ? 0 : 1);
	}
	close(pfd[0]);
	memset(big, 'q', size);
	global = 3;
	write(pfd[1], "x", 1);
	close(pfd[1]);
	waitpid(pid, &st, 0);
	CHECK(st == 0, "child unaffected by the parent's later writes");
	free(big);
}

/* A huge PROT_NONE shared mapping (an address-space reservation) costs
 * fork nothing: none of its pages can be filled, so fork must not visit
 * them one by one (Cohort did, holding the address-space lock: hours for
 * this one, with every other thread of the process spinning on the lock
 * and, on one CPU, the whole system stopped). */
static void test_fork_reserved_shared(void)
{
	size_t len = 1ULL << 44; /* 16 TiB: 2^32 pages */
	void *p = mmap(0, len, PROT_NONE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		SKIP("a 16 TiB PROT_NONE shared mapping: %s", strerror(errno));
		return;
	}
	struct timespec t0, t1;
	int st = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (pid > 0)
		waitpid(pid, &st, 0);
	double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(pid > 0 && st == 0 && s < 5,
	      "fork with a 16 TiB PROT_NONE shared mapping returns at once "
	      "(%.3f s)", s);
	munmap(p, len);
}

static void test_many_children(void)
{
	enum { N = 50 };
	pid_t pids[N];
	int seen[N] = { 0 }, ok = 1, st;

	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(i + 1);
		ok &= pids[i] > 0;
	}
	CHECK(ok, "%d forks", N);
	for (int i = 0; i < N; i++) {
		pid_t got = wait4(-1, &st, 0, NULL);
		for (int j = 0; j < N; j++)
			if (got == pids[j] && WIFEXITED(st) &&
			    WEXITSTATUS(st) == j + 1)
				seen[j]++;
	}
	ok = 1;
	for (int i = 0; i < N; i++)
		ok &= seen[i] == 1;
	CHECK(ok, "each of %d children reaped once with its own status", N);
	CHECK_ERR(wait4(-1, &st, 0, NULL), ECHILD, "then wait4 ECHILD");
}

static void test_wnohang(void)
{
	int pfd[2], st = -1;
	siginfo_t si;

	pipe(pfd);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(pfd[1]);
		read(pfd[0], &c, 1);
		_exit(5);
	}
	close(pfd[0]);
	CHECK(wait4(pid, &st, WNOHANG, NULL) == 0,
	      "wait4 WNOHANG on a running child returns 0");
	memset(&si, 0xff, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0,
	      "waitid WNOHANG on a running child: si_pid 0");
	CHECK(si.si_signo == 0 && si.si_code == 0 && si.si_status == 0,
	      "... and si_signo, si_code, si_status 0 (POSIX; got %d %d %d)",
	      si.si_signo, si.si_code, si.si_status);
	close(pfd[1]);
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0 &&
	      si.si_pid == pid && si.si_code == CLD_EXITED && si.si_status == 5,
	      "waitid WNOWAIT: CLD_EXITED status 5, still a zombie");
	CHECK_OK(kill(pid, 0), "kill(pid, 0) of a zombie succeeds (it exists "
		 "until reaped)");
	CHECK(wait4(pid, &st, 0, NULL) == pid && WEXITSTATUS(st) == 5,
	      "wait4 then reaps it");
	CHECK_ERR(kill(pid, 0), ESRCH, "kill(pid, 0) once reaped ESRCH");
}

static void test_wait_errors(void)
{
	int st;

	CHECK_ERR(wait4(-1, &st, 0, NULL), ECHILD, "wait4 with no child ECHILD");
	CHECK_ERR(wait4(-1, &st, WNOHANG, NULL), ECHILD,
		  "wait4 WNOHANG with no child ECHILD");
	CHECK_ERR(wait4(999999, &st, 0, NULL), ECHILD,
		  "wait4 of a pid not ours ECHILD");
	if (getppid() > 0)
		CHECK_ERR(wait4(getppid(), &st, 0, NULL), ECHILD,
			  "wait4 of the parent ECHILD");
	CHECK_ERR(wait4(-1, &st, 0x100, NULL), EINVAL,
		  "wait4 unknown option bit EINVAL");
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK_ERR(syscall(SYS_wait4, pid, BADPTR, 0, NULL), EFAULT,
		  "wait4 status pointer 1 EFAULT");
	/*
	 * Linux reaps the child before it fails to store the status; a kernel
	 * that checks the pointer first leaves it waitable. Either is sound,
	 * as long as it is not lost half-way.
	 */
	long r = wait4(pid, &st, 0, NULL);
	CHECK(r == pid || (r == -1 && errno == ECHILD),
	      "after the EFAULT the child is reaped (Linux) or still waitable");
	pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK_ERR(syscall(SYS_wait4, pid, KADDR, 0, NULL), EFAULT,
		  "wait4 status pointer in the kernel EFAULT");
	wait4(pid, &st, 0, NULL);
}

static void nothing(int sig)
{
	(void)sig;
}

/*
 * SIGCHLD set to SIG_IGN, or SA_NOCLDWAIT: children leave no zombie
 * (POSIX; Linux reaps them at once), and wait blocks until every child is
 * gone, then fails with ECHILD. A kernel that keeps the zombies lets a
 * long-running server that ignores SIGCHLD fill the process table.
 */
static void test_sigchld_ignored(void)
{
	struct sigaction sa, old;
	int st;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGCHLD, &sa, &old);
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	errno = 0;
	long r = waitpid(-1, &st, 0);
	CHECK(r == -1 && errno == ECHILD,
	      "SIGCHLD ignored: no zombie, waitpid waits then ECHILD (got %ld)", r);
	CHECK_ERR(kill(pid, 0), ESRCH, "SIGCHLD ignored: the child's pid is gone");

	sa.sa_handler = nothing;
	sa.sa_flags = SA_NOCLDWAIT;
	sigaction(SIGCHLD, &sa, NULL);
	pid = fork();
	if (pid == 0)
		_exit(4);
	errno = 0;
	do
		r = waitpid(-1, &st, 0);
	while (r == -1 && errno == EINTR); /* the handler still runs */
	CHECK(r == -1 && errno == ECHILD,
	      "SA_NOCLDWAIT: no zombie, waitpid then ECHILD (got %ld)", r);
	sigaction(SIGCHLD, &old, NULL);
}

/*
 * A vfork parent waits for its child's exec or exit, but SIGKILL still
 * ends it (Linux's wait there is killable): otherwise a child that blocks
 * before exec makes its parent unkillable. The child runs on; it writes
 * its pid into a shared page so we can end it too.
 */
static void test_vfork_parent_killable(void)
{
	volatile int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int st = -1;
	long r = 0;

	if (shared == MAP_FAILED) {
		CHECK(0, "mmap a shared page");
		return;
	}
	shared[0] = 0;
	pid_t mid = fork();
	if (mid == 0) {
		if (vfork() == 0) {
			shared[0] = (int)syscall(SYS_getpid);
			for (;;)
				syscall(SYS_pause);
		}
		_exit(0); /* only if the child went before we were killed */
	}
	for (int i = 0; i < 400 && !shared[0]; i++) {
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
	CHECK(shared[0] > 0, "the vfork child runs (pid %d)", shared[0]);
	CHECK_OK(kill(mid, SIGKILL), "SIGKILL the parent blocked in vfork");
	for (int i = 0; i < 400 && r == 0; i++) {
		struct timespec ts = { 0, 5000000 };
		r = waitpid(mid, &st, WNOHANG);
		if (r == 0)
			nanosleep(&ts, NULL);
	}
	CHECK(r == mid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "the vfork parent dies by SIGKILL while its child runs on "
	      "(waitpid %ld, status %#x)", r, st);
	if (shared[0] > 0)
		kill(shared[0], SIGKILL);
	if (r != mid)
		waitpid(mid, &st, 0); /* released by its child's death */
	munmap((void *)shared, 4096);
}

/*
 * wait4 interrupted by a signal whose handler has SA_RESTART is restarted
 * (Linux returns ERESTARTSYS there), so the parent still gets its child;
 * without SA_RESTART it fails with EINTR.
 */
static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen++;
}

static void test_wait_restart(void)
{
	struct sigaction sa, old;
	int st = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	for (int restart = 1; restart >= 0; restart--) {
		sa.sa_flags = restart ? SA_RESTART : 0;
		sigaction(SIGUSR1, &sa, restart ? &old : NULL);
		usr1_seen = 0;
		pid_t parent = getpid();
		pid_t pid = fork();
		if (pid == 0) {
			struct timespec ts = { 0, 200000000 };
			nanosleep(&ts, NULL);
			kill(parent, SIGUSR1);
			nanosleep(&ts, NULL);
			_exit(9);
		}
		errno = 0;
		long r = waitpid(pid, &st, 0);
		if (restart)
			CHECK(r == pid && usr1_seen == 1 && WEXITSTATUS(st) == 9,
			      "waitpid restarted after an SA_RESTART handler "
			      "(got %ld, handler ran %d)", r, (int)usr1_seen);
		else
			CHECK(r == -1 && errno == EINTR && usr1_seen == 1,
			      "waitpid EINTR after a handler without SA_RESTART "
			      "(got %ld)", r);
		if (r != pid)
			waitpid(pid, &st, 0);
	}
	sigaction(SIGUSR1, &old, NULL);
}

static void test_orphan(void)
{
	int pfd[2], st;
	long res[2] = { -1, -1 };

	pipe(pfd);
	pid_t child = fork();
	if (child == 0) {
		pid_t me = getpid();
		pid_t gc = fork();
		if (gc == 0) {
			long out[2] = { 0, -1 };
			/* Wait (bounded) for our parent to die. */
			for (int i = 0; i < 400 && getppid() == me; i++) {
				struct timespec ts = { 0, 5000000 };
				nanosleep(&ts, NULL);
			}
			out[0] = getppid() != me;
			out[1] = getppid();
			write(pfd[1], out, sizeof(out));
			_exit(0);
		}
		_exit(gc > 0 ? 0 : 1);
	}
	close(pfd[1]);
	waitpid(child, &st, 0);
	CHECK(st == 0, "the middle process forked and exited");
	CHECK(read(pfd[0], res, sizeof(res)) == sizeof(res) && res[0] == 1,
	      "the orphan's getppid changed away from its dead parent (now %ld)",
	      res[1]);
	/* Under Cohort the orphan goes to pid 1, or to us when we are pid 1. */
	if (on_cohort())
		CHECK(res[1] == 1, "on Cohort the orphan's parent is pid 1");
	close(pfd[0]);
}

static void test_exec(void)
{
	char *argv[] = { "t_exec_helper", "argv", "a b", "", "last", NULL };
	char *envp[] = { "FOO=bar", "EMPTY=", NULL };
	int st = -1;

	pid_t pid = vfork();
	if (pid == 0) {
		execve(helper, argv, envp);
		_exit(99);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid,
	      "vfork + execve + wait");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "helper saw argv and envp exactly (status %#x)", st);

	pid = fork();
	if (pid == 0) {
		char *a[] = { "t_exec_helper", "exit", "42", NULL };
		execve(helper, a, envp);
		_exit(99);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42,
	      "fork + execve: the new program's exit status");

	int keep = open("/dev/null", O_RDONLY);
	int gone = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char ks[16], gs[16];
	snprintf(ks, sizeof(ks), "%d", keep);
	snprintf(gs, sizeof(gs), "%d", gone);
	CHECK(fcntl(gone, F_GETFD) == FD_CLOEXEC && fcntl(keep, F_GETFD) == 0,
	      "O_CLOEXEC sets FD_CLOEXEC");
	pid = fork();
	if (pid == 0) {
		char *a[] = { "t_exec_helper", "cloexec", gs, ks, NULL };
		execve(helper, a, envp);
		_exit(99);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "O_CLOEXEC fd closed across execve, the other kept");
	close(keep);
	close(gone);

	pid = fork();
	if (pid == 0) {
		char *a[] = { "t_exec_pie", "exit", "43", NULL };
		execve(rpath("/test/t_exec_pie"), a, envp);
		_exit(99);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 43,
	      "execve of a static-PIE (ET_DYN, no PT_INTERP) runs it (%#x)", st);
	if (on_cohort()) {
		CHECK_ERR(execve(rpath("/test/exec_dynamic"), argv, envp), ENOEXEC,
			  "execve of a dynamic (PT_INTERP) program ENOEXEC");
	} else {
		SKIP("execve of a PT_INTERP program: Linux runs it, Cohort "
		     "refuses it (ENOEXEC)");
	}

	CHECK_ERR(execve(rpath("/test/no-such-program"), argv, envp), ENOENT,
		  "execve of a missing file ENOENT");
	CHECK_ERR(execve(rpath("/test/not-elf"), argv, envp), ENOEXEC,
		  "execve of a non-ELF file ENOEXEC");
	CHECK_ERR(execve(rpath("/test"), argv, envp), EACCES,
		  "execve of a directory EACCES");
	CHECK_ERR(syscall(SYS_execve, BADPTR, argv, envp), EFAULT,
		  "execve path at address 1 EFAULT");
	CHECK_ERR(syscall(SYS_execve, KADDR, argv, envp), EFAULT,
		  "execve path in the kernel EFAULT");
	char *bad_argv[] = { "t_exec_helper", KADDR, NULL };
	CHECK_ERR(syscall(SYS_execve, helper, bad_argv, envp), EFAULT,
		  "execve argv element in the kernel EFAULT");
	CHECK_ERR(syscall(SYS_execve, helper, BADPTR, envp), EFAULT,
		  "execve argv array at address 1 EFAULT");
	CHECK(getpid() > 0, "the failed execves left us running");
}

int main(int argc, char **argv)
{
	(void)argc;
	check_watchdog(60);
	check_set_root(argv[0]);
	snprintf(helper, sizeof(helper), "%s", rpath("/test/t_exec_helper"));
	test_exit_status();
	test_cow();
	test_fork_reserved_shared();
	test_many_children();
	test_wnohang();
	test_wait_errors();
	test_wait_restart();
	test_orphan();
	test_sigchld_ignored();
	test_vfork_parent_killable();
	test_exec();
	return check_done();
}
