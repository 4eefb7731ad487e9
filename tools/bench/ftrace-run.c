// SPDX-License-Identifier: MIT
/*
 * ftrace-run: run one command under Linux's ftrace and print the trace on
 * stdout, for tools/bench/latency-split (the Linux side of a trace that
 * Cohort's `trace=dump` gives on its side). Linux-only; never on Cohort.
 *
 *   ftrace-run CMD [ARG...]
 *
 * Mounts sysfs and tracefs (in an initramfs nothing is mounted), sets the
 * trace clock to "mono" (CLOCK_MONOTONIC, the clock the traced programs
 * read, so their deadlines line up with the events), enables the
 * scheduler's switch and wake-up events, the local APIC timer interrupt
 * and hrtimer expiry, runs CMD, and prints the buffer between
 * "ftrace-run: begin" and "ftrace-run: end". Exits with CMD's status.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define T "/sys/kernel/tracing/"

static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		fprintf(stderr, "ftrace-run: cannot write %s to %s\n", text, path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const events[] = {
		T "events/sched/sched_switch/enable",
		T "events/sched/sched_wakeup/enable",
		T "events/irq_vectors/local_timer_entry/enable",
		T "events/timer/hrtimer_expire_entry/enable",
	};
	if (argc < 2) {
		fprintf(stderr, "usage: ftrace-run CMD [ARG...]\n");
		return 2;
	}
	mkdir("/sys", 0755);
	if (mount("sysfs", "/sys", "sysfs", 0, 0) ||
	    mount("tracefs", T, "tracefs", 0, 0)) {
		perror("ftrace-run: mount");
		return 1;
	}
	int bad = put(T "tracing_on", "0") | put(T "trace_clock", "mono") |
		  put(T "buffer_size_kb", "16384") | put(T "trace", "");
	for (unsigned i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		bad |= put(events[i], "1");
	if (bad)
		return 1;
	put(T "tracing_on", "1");
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[1], argv + 1);
		perror("ftrace-run: exec");
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	put(T "tracing_on", "0");
	fflush(stdout);
	printf("ftrace-run: begin\n");
	fflush(stdout);
	int fd = open(T "trace", O_RDONLY);
	char buf[65536];
	ssize_t n;
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			break;
	printf("ftrace-run: end\n");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
