/* SPDX-License-Identifier: MIT */
/*
 * fault.h: "does touching this address fault?" for the user tests.
 *
 * probe_read/probe_write touch one byte with a SIGSEGV/SIGBUS handler
 * installed and siglongjmp back out of it, returning 0 when the access
 * worked, else the signal number; fault_addr and fault_code keep the
 * siginfo of the last fault. Not thread-safe: probe from one thread.
 */
#ifndef COHORT_TESTS_USER_FAULT_H
#define COHORT_TESTS_USER_FAULT_H

#include <setjmp.h>
#include <signal.h>
#include <string.h>

static sigjmp_buf fault_jmp;
static volatile void *fault_addr;
static volatile int fault_code;

static inline void fault_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	siglongjmp(fault_jmp, sig);
}

static inline void fault_catch(int on)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO;
	if (!on)
		sa.sa_handler = SIG_DFL, sa.sa_flags = 0;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

static inline int probe_read(const volatile void *p)
{
	int sig;

	fault_catch(1);
	sig = sigsetjmp(fault_jmp, 1);
	/* Through a volatile pointer: gcc must not reason about the address. */
	const volatile char *volatile q = p;
	if (sig == 0)
		(void)*q;
	fault_catch(0);
	return sig;
}

static inline int probe_write(volatile void *p, char v)
{
	int sig;

	fault_catch(1);
	sig = sigsetjmp(fault_jmp, 1);
	volatile char *volatile q = p;
	if (sig == 0)
		*q = v;
	fault_catch(0);
	return sig;
}

#endif
