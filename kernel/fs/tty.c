// SPDX-License-Identifier: MIT
/*
 * The console tty (tty.h has the contract). Canonical mode only: a read
 * returns at most one line, including its '\n'; Ctrl-D on an empty line
 * makes one read return 0, on a partial line hands over the partial line.
 * termios is kept for TCGETS/TCSETS, and of its flags only ECHO and ISIG
 * are honoured (no raw mode). Linux's struct layouts: asm-generic/
 * termbits.h (struct termios, 36 bytes), asm-generic/ioctls.h.
 *
 * Locking: `lock` ("tty") guards the edit line, the ready ring and the
 * termios; it is taken by the receive interrupt, so always with
 * interrupts off. Echo and user output go out under the log lock (taken
 * after the tty lock is dropped). Readers block on rd_wq; the wake
 * condition reads `rcount` atomically (pipe.c says why that is enough).
 */
#include "tty.h"

#include "../../sched/sched.h"
#include "../errno.h"
#include "../lib/string.h"
#include "../log.h"
#include "../mm/usercopy.h"
#include "../proc/proc.h"
#include "../proc/signal.h"
#include "../spinlock.h"
#include "../syscall/syscall.h"
#include "fs_internal.h"

#define TTY_LINE_MAX 256
#define TTY_READY 1024
#define TTY_EOF_MARK 0x04 /* never stored otherwise: control bytes are
			   * not accepted into a line */
#define CTRL_C 0x03
#define CTRL_D 0x04
#define CTRL_U 0x15
#define BACKSPACE 0x08
#define DELETE 0x7f

/* ioctl numbers and flags: asm-generic/ioctls.h, termbits.h. */
#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCGPGRP 0x540F
#define TIOCSPGRP 0x5410
#define TIOCGWINSZ 0x5413
#define NCCS 19
#define ISIG 0000001
#define ICANON 0000002
#define ECHO 0000010
#define ECHOE 0000020
#define ECHOK 0000040
#define ICRNL 0000400
#define OPOST 0000001
#define ONLCR 0000004
#define B115200 0010002
#define CS8 0000060
#define CREAD 0000200

struct linux_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[NCCS];
};
_Static_assert(sizeof(struct linux_termios) == 36, "Linux struct termios");

struct linux_winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

static struct {
	/* Protects everything below except the atomics. Interrupts off. */
	struct spinlock lock;
	char line[TTY_LINE_MAX];
	uint32_t line_len;
	uint8_t ready[TTY_READY]; /* completed lines, EOF marks */
	uint32_t rhead, rcount;	  /* rcount also read atomically */
	struct linux_termios termios;
} tty = {
	.lock = SPINLOCK_INIT("tty"),
	.termios = {
		.c_iflag = ICRNL,
		.c_oflag = OPOST | ONLCR,
		.c_cflag = B115200 | CS8 | CREAD,
		.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK,
		.c_cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15,
			  23, 22, 0 },
	},
};
static struct wait_queue tty_rd_wq;
static atomic_int tty_readers; /* open files that may read */
static atomic_int tty_fg_pgrp = 1; /* pid 1's group until TIOCSPGRP */

bool tty_owns_input(void)
{
	return atomic_load_explicit(&tty_readers, memory_order_relaxed) > 0;
}

/* tty.lock held. False if the ring has no room (the line is dropped, as
 * a full Linux tty drops input). */
static bool ready_push(const void *src, uint32_t n)
{
	if (TTY_READY - tty.rcount < n)
		return false;
	const uint8_t *s = src;
	for (uint32_t i = 0; i < n; i++)
		tty.ready[(tty.rhead + tty.rcount + i) % TTY_READY] = s[i];
	__atomic_store_n(&tty.rcount, tty.rcount + n, __ATOMIC_RELEASE);
	return true;
}

void tty_input(int c)
{
	char echo[8];
	size_t elen = 0;
	bool wake = false, intr = false;
	uint64_t fl = spin_lock_irqsave(&tty.lock);
	bool do_echo = tty.termios.c_lflag & ECHO;

	if (c == '\r' || c == '\n') {
		tty.line[tty.line_len++] = '\n'; /* room kept for it */
		ready_push(tty.line, tty.line_len);
		tty.line_len = 0;
		echo[elen++] = '\n';
		wake = true;
	} else if (c == BACKSPACE || c == DELETE) {
		if (tty.line_len > 0) {
			tty.line_len--;
			memcpy(echo, "\b \b", 3);
			elen = 3;
		}
	} else if (c == CTRL_C && (tty.termios.c_lflag & ISIG)) {
		tty.line_len = 0;
		memcpy(echo, "^C\n", 3);
		elen = 3;
		intr = true;
	} else if (c == CTRL_D) {
		if (tty.line_len == 0) {
			uint8_t m = TTY_EOF_MARK;
			ready_push(&m, 1);
		} else {
			ready_push(tty.line, tty.line_len);
			tty.line_len = 0;
		}
		wake = true;
	} else if (c == CTRL_U) {
		tty.line_len = 0;
		echo[elen++] = '\n';
	} else if ((c >= 0x20 && c != DELETE && c < 0x100) || c == '\t') {
		if (tty.line_len < TTY_LINE_MAX - 1) {
			tty.line[tty.line_len++] = (char)c;
			echo[elen++] = (char)c;
		}
	}
	spin_unlock_irqrestore(&tty.lock, fl);
	if (elen && (do_echo || intr))
		log_write(echo, elen);
	if (wake) {
		wait_queue_wake_all(&tty_rd_wq);
		fs_poll_notify();
	}
	if (intr)
		signal_send_pgrp_irq(atomic_load(&tty_fg_pgrp), SIGINT);
}

static bool tty_can_read(void *arg)
{
	return __atomic_load_n(&tty.rcount, __ATOMIC_ACQUIRE) > 0 ||
	       signal_pending_current();
}

static long tty_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	char buf[TTY_LINE_MAX];
	size_t want = iob_left(b);

	if (want == 0)
		return 0;
	for (;;) {
		size_t n = 0;
		bool eof = false;
		uint64_t fl = spin_lock_irqsave(&tty.lock);
		if (tty.rcount && tty.ready[tty.rhead] == TTY_EOF_MARK) {
			tty.rhead = (tty.rhead + 1) % TTY_READY;
			tty.rcount--;
			eof = true;
		}
		while (!eof && tty.rcount && n < want && n < sizeof(buf)) {
			uint8_t c = tty.ready[tty.rhead];
			if (c == TTY_EOF_MARK)
				break; /* the next read returns 0 */
			buf[n++] = (char)c;
			tty.rhead = (tty.rhead + 1) % TTY_READY;
			tty.rcount--;
			if (c == '\n')
				break;
		}
		spin_unlock_irqrestore(&tty.lock, fl);
		if (eof)
			return 0;
		if (n)
			return iob_put(b, buf, n) ? -EFAULT : (long)n;
		if (atomic_load(&f->flags) & O_NONBLOCK)
			return -EAGAIN;
		if (signal_pending_current())
			return -ERESTARTSYS;
		wait_queue_block_if(&tty_rd_wq, tty_can_read, 0);
	}
}

static long tty_write(struct file *f, struct iobuf *b, uint64_t *pos)
{
	char buf[256];
	long done = 0;
	while (iob_left(b)) {
		size_t n = iob_left(b) < sizeof(buf) ? iob_left(b) : sizeof(buf);
		if (iob_get(b, buf, n))
			return done ? done : -EFAULT;
		log_write(buf, n);
		done += n;
	}
	return done;
}

static unsigned tty_poll(struct file *f)
{
	return POLLOUT |
	       (__atomic_load_n(&tty.rcount, __ATOMIC_ACQUIRE) ? POLLIN : 0);
}

static long tty_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	void *u = (void *)arg;
	switch (cmd) {
	case TCGETS: {
		struct linux_termios t;
		uint64_t fl = spin_lock_irqsave(&tty.lock);
		t = tty.termios;
		spin_unlock_irqrestore(&tty.lock, fl);
		return copy_to_user(u, &t, sizeof(t)) ? -EFAULT : 0;
	}
	case TCSETS:
	case TCSETSW:
	case TCSETSF: {
		struct linux_termios t;
		if (copy_from_user(&t, u, sizeof(t)))
			return -EFAULT;
		uint64_t fl = spin_lock_irqsave(&tty.lock);
		tty.termios = t;
		spin_unlock_irqrestore(&tty.lock, fl);
		return 0;
	}
	case TIOCGWINSZ: {
		struct linux_winsize w = { 24, 80, 0, 0 };
		return copy_to_user(u, &w, sizeof(w)) ? -EFAULT : 0;
	}
	case TIOCGPGRP: {
		int pg = atomic_load(&tty_fg_pgrp);
		return copy_to_user(u, &pg, sizeof(pg)) ? -EFAULT : 0;
	}
	case TIOCSPGRP: {
		int pg;
		if (copy_from_user(&pg, u, sizeof(pg)))
			return -EFAULT;
		if (pg <= 0)
			return -EINVAL;
		atomic_store(&tty_fg_pgrp, pg);
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

static int tty_open(struct file *f)
{
	if (file_readable(f))
		atomic_fetch_add(&tty_readers, 1);
	return 0;
}

static void tty_release(struct file *f)
{
	if (file_readable(f))
		atomic_fetch_sub(&tty_readers, 1);
}

const struct file_ops tty_ops = {
	.open = tty_open, .read = tty_read, .write = tty_write,
	.poll = tty_poll, .ioctl = tty_ioctl, .release = tty_release,
};

void tty_init(void)
{
	wait_queue_init(&tty_rd_wq, "tty-read");
}
