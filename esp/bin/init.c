/* SPDX-License-Identifier: MIT */
/*
 * init: Cohort's pid 1, an ordinary static musl program.
 *
 *   init [PROG [ARGS...]] [';' PROG [ARGS...]]...
 *
 * Runs each command in turn (fork + execve), waits for it while reaping
 * any orphans that were reparented to it, and prints exactly one line per
 * command: `init: PROG exited with status N` or `init: PROG killed by
 * signal S (NAME)`. When all have run it exits 0 iff every one exited 0;
 * the kernel reports that and, under QEMU, ends the run
 * (docs/userspace.md, "pid 1"). With no command it says so and reaps
 * orphans forever, so `make run` stays up. It never exits on its own
 * before its commands finish: pid 1 exiting ends the machine.
 *
 * The kernel passes the words after ` -- ` on its command line as the
 * arguments (`init=/bin/init -- /test/t_fs`), Linux's convention. Under
 * Linux this is a normal program (tools/run-user-host runs it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* A freshly started pid 1 may have no descriptors at all. */
static void open_console(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) != -1)
			continue;
		int c = open("/dev/console", O_RDWR);
		if (c >= 0 && c != fd) {
			dup2(c, fd);
			close(c);
		}
	}
}

static const char *signame(int sig)
{
	static const char *names[] = {
		[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
		[SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE", [SIGKILL] = "SIGKILL",
		[SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV",
		[SIGUSR2] = "SIGUSR2", [SIGPIPE] = "SIGPIPE",
		[SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
		[SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD",
		[SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP",
		[SIGTSTP] = "SIGTSTP", [SIGTTIN] = "SIGTTIN",
		[SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",
		[SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
		[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
		[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO", [SIGPWR] = "SIGPWR",
		[SIGSYS] = "SIGSYS",
	};

	if (sig > 0 && sig < (int)(sizeof(names) / sizeof(names[0])) &&
	    names[sig])
		return names[sig];
	return "?";
}

/*
 * Signals a terminal or a stray kill would send: pid 1 ignores them (Linux
 * protects pid 1 in the kernel; Cohort's console sends Ctrl-C's SIGINT to
 * the foreground process, which may be init). A child puts them back to
 * their defaults before execve, since an ignored signal stays ignored
 * across execve.
 */
static const int shielded[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU,
};

static void shield(void (*action)(int))
{
	for (size_t i = 0; i < sizeof(shielded) / sizeof(shielded[0]); i++)
		signal(shielded[i], action);
}

/* execve, trying /bin and /test for a bare name. Returns only on error. */
static void exec_command(char **argv)
{
	char path[256];

	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, environ);
		return;
	}
	snprintf(path, sizeof(path), "/bin/%s", argv[0]);
	execve(path, argv, environ);
	snprintf(path, sizeof(path), "/test/%s", argv[0]);
	execve(path, argv, environ);
}

/* Runs one command to its end; returns its wait status, or -1. */
static int run(char **argv)
{
	pid_t pid = fork();
	int status;

	if (pid < 0) {
		printf("init: %s: fork failed: %s\n", argv[0], strerror(errno));
		return -1;
	}
	if (pid == 0) {
		shield(SIG_DFL);
		exec_command(argv);
		printf("init: %s: cannot execute: %s\n", argv[0],
		       strerror(errno));
		fflush(stdout);
		_exit(127);
	}
	for (;;) {
		/* Any child: orphans reparented to us are reaped on the way. */
		pid_t got = wait4(-1, &status, 0, NULL);
		if (got == pid)
			return status;
		if (got < 0 && errno != EINTR) {
			printf("init: %s: wait4 failed: %s\n", argv[0],
			       strerror(errno));
			return -1;
		}
	}
}

static void reap_forever(void)
{
	for (;;) {
		if (wait4(-1, NULL, 0, NULL) < 0 && errno == ECHILD) {
			struct timespec second = { 1, 0 };
			nanosleep(&second, NULL);
		}
	}
}

int main(int argc, char **argv)
{
	int failed = 0;

	open_console();
	shield(SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		printf("init: nothing to run (give init=... -- PROG)\n");
		reap_forever();
	}
	/*
	 * The first line user space prints: benchmarks time QEMU start to
	 * here on Cohort and Linux alike (make bench-linux).
	 */
	printf("init: pid %d running its commands\n", (int)getpid());
	for (int i = 1; i < argc;) {
		int end = i;
		while (end < argc && strcmp(argv[end], ";") != 0)
			end++;
		argv[end < argc ? end : argc] = NULL;
		if (end > i) {
			int st = run(&argv[i]);
			if (st == -1)
				failed = 1;
			else if (WIFEXITED(st)) {
				printf("init: %s exited with status %d\n",
				       argv[i], WEXITSTATUS(st));
				failed |= WEXITSTATUS(st) != 0;
			} else if (WIFSIGNALED(st)) {
				printf("init: %s killed by signal %d (%s)\n",
				       argv[i], WTERMSIG(st),
				       signame(WTERMSIG(st)));
				failed = 1;
			}
		}
		i = end + 1;
	}
	return failed ? 1 : 0;
}
