// SPDX-License-Identifier: MIT
/*
 * ITIMER_REAL (setitimer, getitimer, alarm): each process has at most one
 * real-time alarm; when it expires the process gets SIGALRM, and an
 * interval re-arms it.
 *
 * One kernel thread serves every alarm: it sleeps until the earliest
 * deadline (sched/'s timed sleep) and is interrupted (thread_interrupt)
 * when an earlier one is set. Kernel timers are per CPU and can be
 * cancelled only on the CPU that armed them, while a process's threads
 * move between CPUs; a thread with a sorted list is simpler and exact to
 * within the sleep's latency.
 *
 * The same thread sends the signals interrupt handlers ask for (Ctrl-C on
 * the console: signal_send_pgrp_irq): sending takes process locks, which
 * are never taken in interrupt context.
 *
 * Lifetime: the list holds processes that have not exited; the last
 * thread's exit removes its process (itimer_exit) before the process can
 * become a zombie, and the alarm thread sends with proc_table_lock held,
 * under which no process is freed.
 */
#include "proc.h"

#include "../errno.h"
#include "../log.h"
#include "../panic.h"
#include "../time.h"
#include "proc_internal.h"

/* Protects: alarm_list and every process's alarm_* fields. Taken under
 * proc_table_lock by the alarm thread; never held while signalling. */
static struct spinlock alarm_lock = SPINLOCK_INIT("proc_alarm");
static struct list_node alarm_list; /* struct process.alarm_node, any order */
static struct thread *alarm_thread;

#define ALARM_IDLE_NS (3600ULL * 1000000000ULL) /* nothing armed: an hour */

/* The earliest armed deadline, or now + ALARM_IDLE_NS. alarm_lock held. */
static uint64_t earliest_locked(uint64_t now)
{
	uint64_t best = now + ALARM_IDLE_NS;
	struct list_node *n;
	list_for_each(n, &alarm_list) {
		struct process *p = container_of(n, struct process, alarm_node);
		if (p->alarm_at_ns < best)
			best = p->alarm_at_ns;
	}
	return best;
}

/* One pending request from interrupt context: (pgid << 8) | sig, or 0.
 * A second request before the first is served replaces it (two Ctrl-Cs
 * in one scheduling latency are one). */
static atomic_ullong irq_request;

int signal_send_pgrp_irq(int pgid, int sig)
{
	if (sig < 1 || sig > NSIG || pgid <= 0)
		return -EINVAL;
	atomic_store(&irq_request, ((unsigned long long)pgid << 8) | (unsigned)sig);
	if (alarm_thread)
		thread_interrupt(alarm_thread);
	return 0;
}

static void alarm_main(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned long long req = atomic_exchange(&irq_request, 0);
		if (req)
			signal_send_pgrp((int)(req >> 8), (int)(req & 0xff));
		uint64_t now = now_ns();
		/* Send every expired alarm; re-arm intervals. */
		spin_lock(&proc_table_lock);
		for (;;) {
			struct process *due = 0;
			spin_lock(&alarm_lock);
			struct list_node *n;
			list_for_each(n, &alarm_list) {
				struct process *p =
					container_of(n, struct process, alarm_node);
				if (p->alarm_at_ns <= now) {
					due = p;
					break;
				}
			}
			if (due) {
				if (due->alarm_interval_ns) {
					due->alarm_at_ns += due->alarm_interval_ns;
					if (due->alarm_at_ns <= now)
						due->alarm_at_ns =
							now + due->alarm_interval_ns;
				} else {
					list_del(&due->alarm_node);
					due->alarm_at_ns = 0;
				}
			}
			spin_unlock(&alarm_lock);
			if (!due)
				break;
			signal_send_process(due, SIGALRM);
		}
		spin_unlock(&proc_table_lock);
		spin_lock(&alarm_lock);
		uint64_t next = earliest_locked(now);
		spin_unlock(&alarm_lock);
		thread_sleep_until(next);
	}
}

void itimer_init(void)
{
	list_init(&alarm_list);
	int err;
	alarm_thread = kthread_create("itimer", alarm_main, 0, 0, 0, &err);
	if (!alarm_thread)
		panic("itimer: cannot start the alarm thread (%d)", err);
}

void itimer_set(struct process *p, uint64_t value_ns, uint64_t interval_ns,
		uint64_t *old_value_ns, uint64_t *old_interval_ns)
{
	uint64_t now = now_ns();
	spin_lock(&alarm_lock);
	bool armed = list_linked(&p->alarm_node);
	*old_value_ns = armed && p->alarm_at_ns > now ? p->alarm_at_ns - now :
			armed				   ? 1 :
							     0;
	*old_interval_ns = armed ? p->alarm_interval_ns : 0;
	if (armed)
		list_del(&p->alarm_node);
	p->alarm_at_ns = 0;
	p->alarm_interval_ns = 0;
	if (value_ns) {
		p->alarm_at_ns = now + value_ns;
		p->alarm_interval_ns = interval_ns;
		list_add_tail(&alarm_list, &p->alarm_node);
	}
	spin_unlock(&alarm_lock);
	/* The alarm thread re-reads the list and sleeps to the new
	 * earliest deadline. */
	if (value_ns && alarm_thread)
		thread_interrupt(alarm_thread);
}

void itimer_get(struct process *p, uint64_t *value_ns, uint64_t *interval_ns)
{
	uint64_t now = now_ns();
	spin_lock(&alarm_lock);
	bool armed = list_linked(&p->alarm_node);
	*value_ns = armed && p->alarm_at_ns > now ? p->alarm_at_ns - now :
		    armed			      ? 1 :
							0;
	*interval_ns = armed ? p->alarm_interval_ns : 0;
	spin_unlock(&alarm_lock);
}

void itimer_exit(struct process *p)
{
	spin_lock(&alarm_lock);
	if (list_linked(&p->alarm_node))
		list_del(&p->alarm_node);
	spin_unlock(&alarm_lock);
}
