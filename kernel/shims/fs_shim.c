// SPDX-License-Identifier: MIT
/*
 * TEMPORARY stand-ins for functions other parts of issue 10 provide, so
 * the "fs" branch builds and boots on its own. The coordinator deletes
 * this file at merge. Each says who provides the real one.
 */
#include "../errno.h"
#include "../lib/string.h"
#include "../mm/aspace.h"
#include "../mm/usercopy.h"
#include "../proc/proc.h"
#include "../proc/signal.h"

/* TEMPORARY: provided by mm (kernel/mm/usercopy.c). */
int user_range_ok(uint64_t addr, uint64_t n)
{
	return addr >= USER_MIN && n <= USER_TOP && addr <= USER_TOP - n;
}

/* TEMPORARY: provided by mm. A plain range-checked copy: no fault
 * fixup, so only for use while no user space exists. */
int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!user_range_ok((uint64_t)usrc, n))
		return -EFAULT;
	memcpy(dst, usrc, n);
	return 0;
}

/* TEMPORARY: provided by mm. */
int copy_to_user(void *udst, const void *src, size_t n)
{
	if (!user_range_ok((uint64_t)udst, n))
		return -EFAULT;
	memcpy(udst, src, n);
	return 0;
}

/* TEMPORARY: provided by mm. */
long strncpy_from_user(char *dst, const char *usrc, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (!user_range_ok((uint64_t)usrc + i, 1))
			return -EFAULT;
		dst[i] = usrc[i];
		if (!dst[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}

/* TEMPORARY: provided by the coordinator (kernel/proc/). No processes
 * yet: every thread is a kernel thread. */
struct process *proc_current(void)
{
	return 0;
}

/* TEMPORARY: provided by the coordinator. */
struct uthread *uthread_current(void)
{
	return 0;
}

/* TEMPORARY: provided by the coordinator (kernel/proc/signal.c). */
int signal_send_thread(struct uthread *t, int sig)
{
	return 0;
}

/* TEMPORARY: provided by the coordinator. */
int signal_send_pgrp(int pgid, int sig)
{
	return 0;
}

/* TEMPORARY: provided by the coordinator. */
bool signal_pending_current(void)
{
	return false;
}
