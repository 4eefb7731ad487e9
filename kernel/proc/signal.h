/* SPDX-License-Identifier: MIT */
/*
 * Signals, Linux's numbers and semantics for the subset in
 * docs/userspace.md: per-thread pending and blocked masks plus a
 * process-wide pending set, actions shared by the threads of a process,
 * delivery on the way back to user mode with a Linux-compatible
 * rt_sigframe, default actions, and interruption of blocking calls.
 *
 * Read next: kernel/proc/signal.c.
 */
#ifndef COHORT_PROC_SIGNAL_H
#define COHORT_PROC_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPWR 30
#define SIGSYS 31
#define SIGRTMIN 32
#define NSIG 64 /* signals 1..64; bit (sig - 1) in a sigset */

typedef uint64_t sigset_t_k;

/* What a pending signal's siginfo will say (Linux siginfo_t fields). */
struct ksiginfo {
	int32_t code;	/* si_code: SI_USER, SI_TKILL, SI_KERNEL, CLD_*, fault codes */
	int32_t pid;	/* sender (kill), or the child (SIGCHLD) */
	uint32_t uid;
	int32_t status; /* SIGCHLD: exit code or signal */
	uint64_t addr;	/* faults: the address */
};

#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TKILL (-6)
#define CLD_EXITED 1
#define CLD_KILLED 2

struct process;
struct uthread;

/* Make `sig` pending for the process (any thread that does not block it
 * takes it) and wake a thread that can. 0, -EINVAL (bad number). Any
 * context except interrupts with a process lock held. */
int signal_send_process(struct process *p, int sig);
/* Pending for one thread only (tgkill, SIGPIPE, faults). */
int signal_send_thread(struct uthread *t, int sig);
/* The same with the siginfo to deliver (kill, tgkill, SIGCHLD). The first
 * sender's info is kept while the signal is pending, as Linux does for
 * the standard signals. signal_send_process/_thread use SI_KERNEL and
 * SI_USER (from the calling process) respectively. */
int signal_send_process_info(struct process *p, int sig,
			     const struct ksiginfo *info);
int signal_send_thread_info(struct uthread *t, int sig,
			    const struct ksiginfo *info);
/* Every process in process group `pgid`. Thread context. */
int signal_send_pgrp(int pgid, int sig);
/* The same from an interrupt handler (Ctrl-C on the console): handed to
 * a kernel thread, which sends it shortly (kernel/proc/itimer.c). */
int signal_send_pgrp_irq(int pgid, int sig);

/* A fault in user mode becomes `sig` for the current thread, with si_code
 * `code` and si_addr `addr`; delivered on its way back to user mode. */
void signal_force_fault(int sig, int code, uint64_t addr);

/* Name for logs ("SIGSEGV"), or "signal". */
const char *signal_name(int sig);

/* True if the current thread has a pending signal it does not block: a
 * blocking call returns -EINTR (or restarts) when this is true after it
 * wakes. */
bool signal_pending_current(void);

#endif
