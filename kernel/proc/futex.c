// SPDX-License-Identifier: MIT
/*
 * futex(2): FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET,
 * FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, private and shared, with timeouts.
 *
 * Waiters hang in hashed buckets keyed by (address space, user address).
 * A waiter puts itself in its bucket under the bucket lock after checking
 * the futex word there (a non-faulting read: the lock is a spinlock), then
 * sleeps with sched/'s own timed sleep; a waker unlinks it, marks it woken
 * and calls thread_interrupt(), which also covers a waiter that has not
 * gone to sleep yet (its sleep then returns at once). A waiter always
 * takes its bucket lock before it returns, so a waker holding that lock
 * never touches a waiter that is gone.
 *
 * Shared futexes are keyed like private ones. That is exact for threads of
 * one process and for the process-private mappings musl uses; two
 * processes sharing a MAP_SHARED page through fork wait on different keys
 * (docs/userspace.md lists it): keying by physical page needs a pinned
 * page, which the memory system does not offer yet.
 */
#include "proc.h"

#include "../errno.h"
#include "../lib/string.h"
#include "../mm/aspace.h"
#include "../mm/usercopy.h"
#include "../syscall/syscall.h"
#include "../time.h"
#include "proc_internal.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define FUTEX_BITSET_MATCH_ANY 0xffffffffU

#define FUTEX_BUCKETS 256
/* "Forever" for an untimed wait: sched/ sleeps until a time. */
#define FUTEX_NO_DEADLINE (UINT64_MAX / 2)

struct futex_bucket {
	/* Protects: waiters, and each waiter's bucket/uaddr/woken. Rank
	 * below the scheduler's: wakers call thread_interrupt under it. */
	struct spinlock lock;
	struct list_node waiters; /* struct futex_waiter.node */
};

struct futex_waiter {
	struct list_node node;
	struct futex_bucket *bucket; /* changes only under both locks */
	struct aspace *as;
	uint64_t uaddr;
	uint32_t bitset;
	struct thread *t;
	bool woken;
};

static struct futex_bucket buckets[FUTEX_BUCKETS];
static bool buckets_ready;

static void futex_init(void)
{
	for (int i = 0; i < FUTEX_BUCKETS; i++) {
		buckets[i].lock = (struct spinlock)SPINLOCK_INIT("futex");
		list_init(&buckets[i].waiters);
	}
	__atomic_store_n(&buckets_ready, true, __ATOMIC_RELEASE);
}

static struct futex_bucket *bucket_of(const struct aspace *as, uint64_t uaddr)
{
	uint64_t h = ((uint64_t)as >> 6) ^ (uaddr >> 2);
	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15ULL;
	return &buckets[h >> 56];
}

static void lock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	if (a == b) {
		spin_lock(&a->lock);
	} else if (a < b) {
		spin_lock(&a->lock);
		spin_lock(&b->lock);
	} else {
		spin_lock(&b->lock);
		spin_lock(&a->lock);
	}
}

static void unlock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	spin_unlock(&a->lock);
	if (a != b)
		spin_unlock(&b->lock);
}

/* Lock the bucket w is in now (a requeue may move it meanwhile). */
static struct futex_bucket *lock_waiter_bucket(struct futex_waiter *w)
{
	for (;;) {
		struct futex_bucket *b = __atomic_load_n(&w->bucket, __ATOMIC_ACQUIRE);
		spin_lock(&b->lock);
		if (w->bucket == b)
			return b;
		spin_unlock(&b->lock);
	}
}

/* Read the futex word under a held bucket lock: 0, -EFAULT, or 1 if the
 * page must be faulted in first (the caller drops the lock and retries). */
static int read_word_locked(uint64_t uaddr, uint32_t *val)
{
	if (copy_from_user_nofault(val, (void *)uaddr, 4) == 0)
		return 0;
	return 1;
}

static long futex_wait(struct aspace *as, uint64_t uaddr, uint32_t val,
		       uint64_t deadline_ns, uint32_t bitset)
{
	struct futex_waiter w = {
		.as = as, .uaddr = uaddr, .bitset = bitset, .t = thread_current(),
	};
	struct futex_bucket *b = bucket_of(as, uaddr);
	for (;;) {
		uint32_t cur;
		spin_lock(&b->lock);
		int r = read_word_locked(uaddr, &cur);
		if (r == 0) {
			if (cur != val) {
				spin_unlock(&b->lock);
				return -EAGAIN;
			}
			w.bucket = b;
			list_add_tail(&b->waiters, &w.node);
			spin_unlock(&b->lock);
			break;
		}
		spin_unlock(&b->lock);
		if (copy_from_user(&cur, (void *)uaddr, 4))
			return -EFAULT; /* not mapped: now fault it in */
	}
	for (;;) {
		thread_sleep_until(deadline_ns);
		b = lock_waiter_bucket(&w);
		if (w.woken) {
			spin_unlock(&b->lock);
			return 0;
		}
		long r = 0;
		if (signal_pending_current())
			r = deadline_ns == FUTEX_NO_DEADLINE ? -ERESTARTSYS : -EINTR;
		else if (now_ns() >= deadline_ns)
			r = -ETIMEDOUT;
		if (r) {
			list_del(&w.node);
			spin_unlock(&b->lock);
			return r;
		}
		spin_unlock(&b->lock); /* a stray wakeup: sleep again */
	}
}

/* Wake up to n waiters of (as, uaddr) matching bitset; bucket locked. */
static int wake_locked(struct futex_bucket *b, struct aspace *as,
		       uint64_t uaddr, uint32_t bitset, int n)
{
	int woke = 0;
	struct list_node *pos = b->waiters.next;
	while (pos != &b->waiters && woke < n) {
		struct futex_waiter *w = container_of(pos, struct futex_waiter, node);
		pos = pos->next;
		if (w->as != as || w->uaddr != uaddr || !(w->bitset & bitset))
			continue;
		list_del(&w->node);
		w->woken = true;
		thread_interrupt(w->t);
		woke++;
	}
	return woke;
}

static long futex_wake(struct aspace *as, uint64_t uaddr, int n, uint32_t bitset)
{
	struct futex_bucket *b = bucket_of(as, uaddr);
	spin_lock(&b->lock);
	int woke = wake_locked(b, as, uaddr, bitset, n);
	spin_unlock(&b->lock);
	return woke;
}

int futex_wake_addr(struct process *p, uint64_t uaddr, int n)
{
	if (!__atomic_load_n(&buckets_ready, __ATOMIC_ACQUIRE))
		return 0;
	return (int)futex_wake(p->as, uaddr, n, FUTEX_BITSET_MATCH_ANY);
}

static long futex_requeue(struct aspace *as, uint64_t uaddr, int nr_wake,
			  int nr_requeue, uint64_t uaddr2, bool cmp,
			  uint32_t val3)
{
	struct futex_bucket *b1 = bucket_of(as, uaddr), *b2 = bucket_of(as, uaddr2);
	for (;;) {
		lock_two(b1, b2);
		if (cmp) {
			uint32_t cur;
			int r = read_word_locked(uaddr, &cur);
			if (r) {
				unlock_two(b1, b2);
				if (copy_from_user(&cur, (void *)uaddr, 4))
					return -EFAULT;
				continue;
			}
			if (cur != val3) {
				unlock_two(b1, b2);
				return -EAGAIN;
			}
		}
		break;
	}
	long done = wake_locked(b1, as, uaddr, FUTEX_BITSET_MATCH_ANY, nr_wake);
	struct list_node *pos = b1->waiters.next;
	int moved = 0;
	while (pos != &b1->waiters && moved < nr_requeue) {
		struct futex_waiter *w = container_of(pos, struct futex_waiter, node);
		pos = pos->next;
		if (w->as != as || w->uaddr != uaddr)
			continue;
		w->uaddr = uaddr2;
		/* Within one bucket the waiter stays where it is (Linux's
		 * requeue_futex): moved to the tail, this walk would meet
		 * it again, and requeueing a word to itself would go round
		 * until nr_requeue (up to INT_MAX) with the lock held. */
		if (b2 != b1) {
			list_del(&w->node);
			list_add_tail(&b2->waiters, &w->node);
			__atomic_store_n(&w->bucket, b2, __ATOMIC_RELEASE);
		}
		moved++;
	}
	unlock_two(b1, b2);
	return done + moved;
}

struct timespec_k {
	int64_t tv_sec, tv_nsec;
};

/* Deadline in now_ns() time from a user timespec; -EFAULT/-EINVAL. */
static long timeout_deadline(uint64_t uts, bool absolute, bool realtime,
			     uint64_t *deadline)
{
	struct timespec_k ts;
	if (!uts) {
		*deadline = FUTEX_NO_DEADLINE;
		return 0;
	}
	if (copy_from_user(&ts, (void *)uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -EINVAL;
	uint64_t ns = (uint64_t)ts.tv_sec >= FUTEX_NO_DEADLINE / 1000000000 ?
			      FUTEX_NO_DEADLINE :
			      (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (absolute) {
		uint64_t off = realtime ? time_realtime_offset_ns() : 0;
		*deadline = ns > off ? ns - off : 0;
	} else {
		uint64_t now = now_ns();
		*deadline = ns > FUTEX_NO_DEADLINE - now ? FUTEX_NO_DEADLINE : now + ns;
	}
	return 0;
}

static long sys_futex(const struct syscall_args *a)
{
	uint64_t uaddr = a->a[0];
	int op = (int)a->a[1];
	uint32_t val = (uint32_t)a->a[2];
	uint64_t utime = a->a[3], uaddr2 = a->a[4];
	uint32_t val3 = (uint32_t)a->a[5];
	int cmd = op & FUTEX_CMD_MASK;
	bool realtime = op & FUTEX_CLOCK_REALTIME;
	struct aspace *as = proc_current()->as;

	if (!__atomic_load_n(&buckets_ready, __ATOMIC_ACQUIRE))
		return -ENOSYS;
	if ((uaddr & 3) || !user_range_ok(uaddr, 4))
		return (uaddr & 3) ? -EINVAL : -EFAULT;
	if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT)
		return -ENOSYS;

	uint64_t deadline;
	long r;
	switch (cmd) {
	case FUTEX_WAIT:
		r = timeout_deadline(utime, realtime, realtime, &deadline);
		return r ? r : futex_wait(as, uaddr, val, deadline, FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAIT_BITSET:
		if (!val3)
			return -EINVAL;
		r = timeout_deadline(utime, true, realtime, &deadline);
		return r ? r : futex_wait(as, uaddr, val, deadline, val3);
	case FUTEX_WAKE:
		return futex_wake(as, uaddr, (int)val, FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAKE_BITSET:
		if (!val3)
			return -EINVAL;
		return futex_wake(as, uaddr, (int)val, val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		if ((uaddr2 & 3) || !user_range_ok(uaddr2, 4))
			return (uaddr2 & 3) ? -EINVAL : -EFAULT;
		if ((int)val < 0 || (int64_t)utime < 0)
			return -EINVAL;
		/* utime carries nr_requeue for these two (Linux's ABI). */
		return futex_requeue(as, uaddr, (int)val, (int)(utime > INT32_MAX ?
								 INT32_MAX : utime),
				     uaddr2, cmd == FUTEX_CMP_REQUEUE, val3);
	default:
		return -ENOSYS;
	}
}

void futex_boot_init(void)
{
	futex_init();
}

const struct syscall_entry syscalls_futex[] = {
	{ SYS_futex, sys_futex, "futex" },
	{ 0, 0, 0 },
};
