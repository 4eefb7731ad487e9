// SPDX-License-Identifier: MIT
/*
 * Pipes (POSIX.1-2017 pipe(), write() "Pipes and FIFOs", Linux pipe(7)):
 * a ring of PIPE_SIZE bytes per pipe, two struct files (read end, write
 * end). Reads block until data or until no write end is left (then 0,
 * end of file); writes block for space, and fail with -EPIPE plus SIGPIPE
 * to the writing thread once no read end is left. A write of at most
 * PIPE_BUF bytes goes in whole or not at all (never interleaved with
 * another writer's); larger ones may be split. O_NONBLOCK gives -EAGAIN
 * instead of blocking; a signal gives -ERESTARTSYS (restarted or -EINTR on
 * the way out, kernel/proc/signal.c), or the bytes moved so far.
 *
 * Locking: `lock` ("pipe") guards the ring and the end counts. User
 * memory is never touched under it: bytes go through a kernel bounce
 * buffer of PIPE_BUF bytes. Wakeups happen after the lock is dropped.
 * Blocked threads wait on rd_wq/wr_wq; their wake conditions read the
 * counts with atomic loads under the wait queue's lock only, which is
 * safe because every change is followed by a wake that takes that lock.
 */
#include "../../sched/sched.h"
#include "../errno.h"
#include "../mm/heap.h"
#include "../proc/proc.h"
#include "../proc/signal.h"
#include "../spinlock.h"
#include "../syscall/syscall.h"
#include "fs_internal.h"
#include "pipe_ring.h"


struct pipe {
	/* Protects: ring, readers, writers. Never held across a copy to or
	 * from user memory, a wakeup or an allocation. */
	struct spinlock lock;
	struct pipe_ring ring;
	uint32_t readers, writers; /* open read / write end files */
	atomic_int refs;	   /* end files not yet released */
	struct wait_queue rd_wq, wr_wq;
};

static uint32_t load32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static bool can_read(void *arg)
{
	struct pipe *p = arg;
	return load32(&p->ring.count) > 0 || load32(&p->writers) == 0 ||
	       signal_pending_current();
}

struct write_wait {
	struct pipe *p;
	uint32_t need;
};

static bool can_write(void *arg)
{
	struct write_wait *w = arg;
	return load32(&w->p->readers) == 0 ||
	       w->p->ring.cap - load32(&w->p->ring.count) >= w->need ||
	       signal_pending_current();
}

static void wake(struct wait_queue *wq)
{
	wait_queue_wake_all(wq);
	fs_poll_notify();
}

/* Small transfers (the usual ping-pong) bounce through the stack; larger
 * ones through one PIPE_BUF allocation per call. */
#define PIPE_SMALL 256

static uint8_t *get_bounce(size_t want, uint8_t *small, size_t *cap)
{
	if (want <= PIPE_SMALL) {
		*cap = PIPE_SMALL;
		return small;
	}
	*cap = PIPE_BUF;
	return kmalloc(PIPE_BUF);
}

static void put_bounce(uint8_t *b, uint8_t *small)
{
	if (b != small)
		kfree(b);
}

static long pipe_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	struct pipe *p = f->priv;
	size_t want = iob_left(b), cap;
	uint8_t small[PIPE_SMALL], *bounce;
	long got = 0;

	if (want == 0)
		return 0;
	bounce = get_bounce(want, small, &cap);
	if (!bounce)
		return -ENOMEM;
	for (;;) {
		uint64_t fl = spin_lock_irqsave(&p->lock);
		size_t n = want - got < cap ? want - got : cap;
		n = pipe_ring_pop(&p->ring, bounce, n);
		bool eof = p->writers == 0;
		spin_unlock_irqrestore(&p->lock, fl);
		if (n) {
			wake(&p->wr_wq);
			if (iob_put(b, bounce, n)) {
				got = got ? got : -EFAULT;
				break;
			}
			got += n;
			if ((size_t)got < want && load32(&p->ring.count))
				continue; /* more is there: take it too */
			break;
		}
		if (got || eof)
			break;
		if (atomic_load(&f->flags) & O_NONBLOCK) {
			got = -EAGAIN;
			break;
		}
		if (signal_pending_current()) {
			got = -ERESTARTSYS;
			break;
		}
		wait_queue_block_if(&p->rd_wq, can_read, p);
	}
	put_bounce(bounce, small);
	return got;
}

static void send_sigpipe(void)
{
	struct uthread *t = uthread_current();
	if (t)
		signal_send_thread(t, SIGPIPE);
}

static long pipe_write(struct file *f, struct iobuf *b, uint64_t *pos)
{
	struct pipe *p = f->priv;
	size_t total = iob_left(b), written = 0, cap;
	bool atomic_write = total <= PIPE_BUF;
	uint8_t small[PIPE_SMALL], *bounce;
	long err = 0;

	if (total == 0)
		return 0;
	bounce = get_bounce(total, small, &cap);
	if (!bounce)
		return -ENOMEM;
	while (written < total && !err) {
		size_t chunk = total - written < cap ? total - written : cap;
		size_t off = 0;
		if (iob_get(b, bounce, chunk)) {
			err = -EFAULT;
			break;
		}
		while (off < chunk) {
			uint64_t fl = spin_lock_irqsave(&p->lock);
			if (p->readers == 0) {
				spin_unlock_irqrestore(&p->lock, fl);
				send_sigpipe();
				err = -EPIPE;
				break;
			}
			uint32_t need = atomic_write ? (uint32_t)chunk : 1;
			size_t n = 0;
			if (pipe_ring_space(&p->ring) >= need)
				n = pipe_ring_push(&p->ring, bounce + off, chunk - off);
			spin_unlock_irqrestore(&p->lock, fl);
			if (n) {
				off += n;
				wake(&p->rd_wq);
				continue;
			}
			if (atomic_load(&f->flags) & O_NONBLOCK) {
				err = -EAGAIN;
				break;
			}
			if (signal_pending_current()) {
				err = -ERESTARTSYS;
				break;
			}
			struct write_wait w = { p, need };
			wait_queue_block_if(&p->wr_wq, can_write, &w);
		}
		written += off;
	}
	put_bounce(bounce, small);
	return written ? (long)written : err;
}

static unsigned pipe_poll_read(struct file *f)
{
	struct pipe *p = f->priv;
	unsigned ev = 0;
	if (load32(&p->ring.count))
		ev |= POLLIN;
	if (load32(&p->writers) == 0)
		ev |= POLLHUP;
	return ev;
}

static unsigned pipe_poll_write(struct file *f)
{
	struct pipe *p = f->priv;
	unsigned ev = 0;
	if (p->ring.cap - load32(&p->ring.count) >= PIPE_BUF)
		ev |= POLLOUT;
	if (load32(&p->readers) == 0)
		ev |= POLLERR;
	return ev;
}

static long pipe_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	return -ENOTTY;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;
	uint64_t fl = spin_lock_irqsave(&p->lock);
	if (file_readable(f))
		__atomic_store_n(&p->readers, p->readers - 1, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&p->writers, p->writers - 1, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&p->lock, fl);
	wake(&p->rd_wq);
	wake(&p->wr_wq);
	if (atomic_fetch_sub(&p->refs, 1) == 1) {
		kfree(p->ring.buf);
		kfree(p);
	}
}

static long pipe_no_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	return -EBADF;
}

static const struct file_ops pipe_read_ops = {
	.read = pipe_read, .write = pipe_no_read, .poll = pipe_poll_read,
	.ioctl = pipe_ioctl, .release = pipe_release,
};
static const struct file_ops pipe_write_ops = {
	.read = pipe_no_read, .write = pipe_write, .poll = pipe_poll_write,
	.ioctl = pipe_ioctl, .release = pipe_release,
};

bool file_is_pipe(const struct file *f)
{
	return f->ops == &pipe_read_ops || f->ops == &pipe_write_ops;
}

int pipe_create(struct file *ends[2], unsigned flags)
{
	struct pipe *p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->ring.buf = kmalloc(PIPE_SIZE);
	if (!p->ring.buf) {
		kfree(p);
		return -ENOMEM;
	}
	p->ring.cap = PIPE_SIZE;
	p->lock = (struct spinlock)SPINLOCK_INIT("pipe");
	p->readers = p->writers = 1;
	atomic_init(&p->refs, 2);
	wait_queue_init(&p->rd_wq, "pipe-read");
	wait_queue_init(&p->wr_wq, "pipe-write");
	flags &= O_NONBLOCK;
	ends[0] = file_alloc(&pipe_read_ops, 0, O_RDONLY | flags, p);
	ends[1] = file_alloc(&pipe_write_ops, 0, O_WRONLY | flags, p);
	if (!ends[0] || !ends[1]) {
		kfree(ends[0]);
		kfree(ends[1]);
		kfree(p->ring.buf);
		kfree(p);
		return -ENOMEM;
	}
	return 0;
}
