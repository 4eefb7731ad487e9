// SPDX-License-Identifier: MIT
/*
 * /dev: the character devices null (1:3), zero (1:5) and console (5:1),
 * with Linux's numbers so fstat agrees with a Linux run. The nodes are
 * made by vfs_init whether or not the initramfs has a /dev directory.
 */
#include "../errno.h"
#include "../lib/string.h"
#include "fs_internal.h"
#include "tty.h"

#define MKDEV(ma, mi) (((ma) << 8) | (mi))

static long null_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	return 0;
}

/* Writes to null and zero succeed whole without reading the buffer, as
 * on Linux (a bad pointer is not noticed). */
static long sink_write(struct file *f, struct iobuf *b, uint64_t *pos)
{
	return (long)iob_left(b);
}

static long zero_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	static const uint8_t zeros[256];
	long done = 0;
	while (iob_left(b)) {
		size_t n = iob_left(b) < sizeof(zeros) ? iob_left(b) : sizeof(zeros);
		if (iob_put(b, zeros, n))
			return done ? done : -EFAULT;
		done += n;
	}
	return done;
}

static unsigned dev_poll(struct file *f)
{
	return POLLIN | POLLOUT;
}

static long dev_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	return -ENOTTY;
}

static const struct file_ops null_ops = {
	.read = null_read, .write = sink_write, .poll = dev_poll,
	.ioctl = dev_ioctl, .seekable = true,
};
static const struct file_ops zero_ops = {
	.read = zero_read, .write = sink_write, .poll = dev_poll,
	.ioctl = dev_ioctl, .seekable = true,
};

static void make_dev(const char *path, const struct file_ops *ops,
		     uint32_t rdev, uint32_t perm)
{
	struct vnode *n;
	if (vfs_tree_add(path, strlen(path), S_IFCHR | perm, 0, 0, &n) == 0) {
		n->fops = ops;
		n->rdev = rdev;
	}
}

void dev_init(void)
{
	tty_init();
	make_dev("dev/null", &null_ops, MKDEV(1, 3), 0666);
	make_dev("dev/zero", &zero_ops, MKDEV(1, 5), 0666);
	make_dev("dev/console", &tty_ops, MKDEV(5, 1), 0600);
}
