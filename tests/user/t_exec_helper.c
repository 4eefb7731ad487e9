/* SPDX-License-Identifier: MIT */
/*
 * t_exec_helper: the program t_fork and t_stress execve (also built as
 * t_exec_pie, a static-PIE, and exec_dynamic, with PT_INTERP). Its first
 * argument picks what it checks; it reports through its exit status
 * (0 = all as expected) and prints a line only on a failure:
 *
 *   (none)          a test of its own start: the auxiliary vector
 *                   (AT_PAGESZ, AT_RANDOM, AT_PHDR/PHENT/PHNUM, AT_ENTRY,
 *                   AT_CLKTCK, AT_UID.., AT_SECURE, AT_EXECFN), argv and
 *                   envp layout; prints checks and `N passed, N failed`
 *   argv A B C      argv is exactly [*, argv, "a b", "", "last"] and the
 *                   environment exactly FOO=bar, EMPTY=
 *   cloexec N M     descriptor N was closed by execve (O_CLOEXEC), M open
 *   exit N          exits with status N
 *   stress          forks a child that exits 3, waits, exits 0 if it did
 *   forkbomb N      forks children that wait, at most N; exits 0 if a fork
 *                   failed with EAGAIN before N (a process limit held) and
 *                   every child was then killed and reaped; prints the count.
 *                   Only for a kernel booted with a small proc_limit=: on
 *                   Linux it would fork N processes.
 */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *what)
{
	say("t_exec_helper: FAIL %s", what);
	return 1;
}

static int check_argv(int argc, char **argv)
{
	int n = 0;

	if (argc != 5 || strcmp(argv[2], "a b") || strcmp(argv[3], "") ||
	    strcmp(argv[4], "last") || argv[5] != NULL)
		return fail("argv is not [*, argv, \"a b\", \"\", \"last\"]");
	for (char **e = environ; *e; e++)
		n++;
	if (n != 2 || strcmp(environ[0], "FOO=bar") ||
	    strcmp(environ[1], "EMPTY="))
		return fail("envp is not [FOO=bar, EMPTY=]");
	if (!getenv("FOO") || strcmp(getenv("FOO"), "bar"))
		return fail("getenv(FOO) != bar");
	return 0;
}

static int check_cloexec(const char *closed, const char *open_fd)
{
	if (fcntl(atoi(closed), F_GETFD) != -1 || errno != EBADF)
		return fail("the O_CLOEXEC descriptor survived execve");
	if (fcntl(atoi(open_fd), F_GETFD) != 0)
		return fail("the plain descriptor was closed by execve");
	return 0;
}

static int stress(void)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return fail("fork");
	if (pid == 0)
		_exit(3);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 3)
		return fail("grandchild status");
	return 0;
}

static void check_auxv(int argc, char **argv)
{
	unsigned char *rnd = (unsigned char *)getauxval(AT_RANDOM);
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	int nonzero = 0;

	CHECK(argc >= 1 && argv[argc] == NULL, "argv NULL-terminated");
	CHECK(environ != NULL, "environ set");
	CHECK(getauxval(AT_PAGESZ) == 4096, "AT_PAGESZ 4096");
	CHECK(rnd != NULL, "AT_RANDOM present");
	if (rnd)
		for (int i = 0; i < 16; i++)
			nonzero |= rnd[i];
	CHECK(nonzero, "AT_RANDOM's 16 bytes not all zero");
	CHECK(getauxval(AT_PHDR) != 0, "AT_PHDR");
	CHECK(getauxval(AT_PHENT) == 56, "AT_PHENT 56 (Elf64_Phdr)");
	CHECK(getauxval(AT_PHNUM) > 0, "AT_PHNUM > 0");
	CHECK(getauxval(AT_ENTRY) != 0, "AT_ENTRY");
	CHECK(getauxval(AT_CLKTCK) == 100, "AT_CLKTCK 100");
	CHECK(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid(),
	      "AT_UID/AT_EUID match getuid/geteuid");
	CHECK(getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid(),
	      "AT_GID/AT_EGID match getgid/getegid");
	errno = 0;
	CHECK(getauxval(AT_SECURE) == 0 && errno == 0, "AT_SECURE present, 0");
	CHECK(execfn && strstr(execfn, "exec"),
	      "AT_EXECFN names the program (%s)", execfn ? execfn : "null");
	CHECK(((unsigned long)__builtin_frame_address(0) & 0xf) == 0,
	      "stack 16-byte aligned in main's frame");
}

static int forkbomb(int max)
{
	int n = 0, err = 0;
	pid_t kids[256];
	if (max > 256)
		max = 256;
	while (n < max) {
		pid_t pid = fork();
		if (pid == 0) {
			pause(); /* until the SIGKILL below */
			_exit(0);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		kids[n++] = pid;
	}
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	int reaped = 0, st;
	for (int i = 0; i < n; i++)
		reaped += waitpid(kids[i], &st, 0) == kids[i] &&
			  WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
	say("t_exec_helper: forkbomb: %d forks, then %s; %d killed and reaped",
	    n, err == EAGAIN ? "EAGAIN" : err ? strerror(err) : "no failure",
	    reaped);
	return err == EAGAIN && reaped == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "forkbomb") == 0)
		return forkbomb(atoi(argv[2]));
	if (argc >= 2 && strcmp(argv[1], "argv") == 0)
		return check_argv(argc, argv);
	if (argc == 4 && strcmp(argv[1], "cloexec") == 0)
		return check_cloexec(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	if (argc == 2 && strcmp(argv[1], "stress") == 0)
		return stress();
	if (argc >= 2)
		return fail("unknown mode");
	check_auxv(argc, argv);
	return check_done();
}
