// SPDX-License-Identifier: MIT
/*
 * Open files, descriptor tables and working directories; the operations
 * of initramfs files and directories; the buffers every file operation
 * copies through.
 *
 * Guarantees: a descriptor is looked up and its file's reference taken
 * under the table's lock, so a concurrent close cannot free a file in use
 * (the closer drops only the table's reference). File operations never
 * run under a descriptor-table lock. Kernel and user buffers take the same
 * path: struct iobuf says which, and user memory is touched only through
 * kernel/mm/usercopy.h.
 */
#include "../errno.h"
#include "../lib/string.h"
#include "../mm/heap.h"
#include "../mm/usercopy.h"
#include "../proc/proc.h"
#include "../spinlock.h"
#include "fs_internal.h"

/* ---- Buffers ------------------------------------------------------------ */

void iob_init(struct iobuf *b, const struct kiov *iov, int iovcnt, bool user)
{
	b->iov = iov;
	b->iovcnt = iovcnt;
	b->user = user;
	b->idx = 0;
	b->off = 0;
	b->done = 0;
	b->total = 0;
	for (int i = 0; i < iovcnt; i++)
		b->total += iov[i].len;
}

/* Copy n bytes between `k` and the buffer's current position, in
 * segment-sized pieces. to_buf: a read (kernel -> buffer). */
static int iob_move(struct iobuf *b, void *k, size_t n, bool to_buf)
{
	uint8_t *kp = k;
	while (n > 0) {
		while (b->idx < b->iovcnt && b->off == b->iov[b->idx].len) {
			b->idx++;
			b->off = 0;
		}
		if (b->idx >= b->iovcnt)
			return -EFAULT; /* caller asked past iob_left(): a bug */
		size_t chunk = b->iov[b->idx].len - b->off;
		if (chunk > n)
			chunk = n;
		uint8_t *p = (uint8_t *)b->iov[b->idx].base + b->off;
		if (b->user) {
			int r = to_buf ? copy_to_user(p, kp, chunk)
				       : copy_from_user(kp, p, chunk);
			if (r)
				return -EFAULT;
		} else if (to_buf) {
			memcpy(p, kp, chunk);
		} else {
			memcpy(kp, p, chunk);
		}
		b->off += chunk;
		b->done += chunk;
		kp += chunk;
		n -= chunk;
	}
	return 0;
}

int iob_put(struct iobuf *b, const void *src, size_t n)
{
	return iob_move(b, (void *)src, n, true);
}

int iob_get(struct iobuf *b, void *dst, size_t n)
{
	return iob_move(b, dst, n, false);
}

/* ---- Files -------------------------------------------------------------- */

struct file *file_alloc(const struct file_ops *ops, struct vnode *node,
			unsigned flags, void *priv)
{
	struct file *f = kzalloc(sizeof(*f));
	if (!f)
		return 0;
	atomic_init(&f->refs, 1);
	f->ops = ops;
	atomic_init(&f->flags, flags & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	f->node = node;
	atomic_init(&f->pos, 0);
	f->priv = priv;
	return f;
}

void file_get(struct file *f)
{
	atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
}

void file_put(struct file *f)
{
	if (!f)
		return;
	if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (f->ops->release)
		f->ops->release(f);
	kfree(f);
}

bool file_readable(const struct file *f)
{
	unsigned m = atomic_load(&f->flags) & O_ACCMODE;
	return m == O_RDONLY || m == O_RDWR;
}

bool file_writable(const struct file *f)
{
	unsigned m = atomic_load(&f->flags) & O_ACCMODE;
	return m == O_WRONLY || m == O_RDWR;
}

/* Regular initramfs files: bytes straight from the archive. */
static long reg_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	struct vnode *n = f->node;
	if (*pos >= n->size)
		return 0;
	size_t len = iob_left(b);
	if (len > n->size - *pos)
		len = (size_t)(n->size - *pos);
	size_t before = b->done;
	int r = iob_put(b, n->data + *pos, len);
	size_t moved = b->done - before;
	*pos += moved;
	return moved ? (long)moved : r;
}

static long ro_write(struct file *f, struct iobuf *b, uint64_t *pos)
{
	return -EBADF; /* never opened for writing: vfs_open_node refuses */
}

static unsigned always_ready(struct file *f)
{
	return POLLIN | POLLOUT;
}

static long no_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	return -ENOTTY;
}

static long dir_read(struct file *f, struct iobuf *b, uint64_t *pos)
{
	return -EISDIR;
}

static const struct file_ops reg_ops = {
	.read = reg_read, .write = ro_write, .poll = always_ready,
	.ioctl = no_ioctl, .seekable = true,
};

/* Directories are read with getdents64 (sys_fs.c); pos is the index of
 * the next entry: 0 ".", 1 "..", 2 + i the i-th child. */
const struct file_ops dir_ops = {
	.read = dir_read, .write = ro_write, .poll = always_ready,
	.ioctl = no_ioctl, .seekable = true,
};

int vfs_open_node(struct vnode *n, int flags, struct file **out)
{
	unsigned acc = flags & O_ACCMODE;
	uint32_t type = n->mode & S_IFMT;
	const struct file_ops *ops;

	if (acc == 3)
		return -EINVAL;
	if ((flags & O_DIRECTORY) && type != S_IFDIR)
		return -ENOTDIR;
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	switch (type) {
	case S_IFDIR:
		if (acc != O_RDONLY || (flags & O_TRUNC))
			return -EISDIR;
		ops = &dir_ops;
		break;
	case S_IFREG:
		/* The initramfs is read-only: Linux says EROFS for a write
		 * open on a read-only mount. */
		if (acc != O_RDONLY || (flags & O_TRUNC))
			return -EROFS;
		ops = &reg_ops;
		break;
	case S_IFCHR:
		ops = n->fops;
		if (!ops)
			return -ENXIO;
		break;
	case S_IFLNK:
		return -ELOOP; /* only reached with O_NOFOLLOW */
	default:
		return -ENXIO;
	}
	struct file *f = file_alloc(ops, n, (unsigned)flags, 0);
	if (!f)
		return -ENOMEM;
	if (ops->open) {
		int r = ops->open(f);
		if (r) {
			kfree(f); /* not opened: no release */
			return r;
		}
	}
	*out = f;
	return 0;
}

/* ---- Descriptor tables ------------------------------------------------- */

struct fd_table {
	atomic_int refs;
	/* Protects: fd[] and cloexec[]. Taken with interrupts on, never
	 * while holding another lock; nothing is called under it but
	 * reference-count increments. */
	struct spinlock lock;
	struct file *fd[FD_MAX];
	uint8_t cloexec[FD_MAX];
};

struct fd_table *fdt_create(void)
{
	struct fd_table *t = kzalloc(sizeof(*t));
	if (!t)
		return 0;
	atomic_init(&t->refs, 1);
	t->lock = (struct spinlock)SPINLOCK_INIT("fd_table");
	return t;
}

struct fd_table *fdt_fork(struct fd_table *src)
{
	struct fd_table *t = fdt_create();
	if (!t)
		return 0;
	spin_lock(&src->lock);
	for (int i = 0; i < FD_MAX; i++)
		if (src->fd[i]) {
			file_get(src->fd[i]);
			t->fd[i] = src->fd[i];
			t->cloexec[i] = src->cloexec[i];
		}
	spin_unlock(&src->lock);
	return t;
}

void fdt_get(struct fd_table *t)
{
	atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
}

void fdt_put(struct fd_table *t)
{
	if (!t || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (int i = 0; i < FD_MAX; i++)
		file_put(t->fd[i]); /* last reference: nobody else looks */
	kfree(t);
}

void fdt_close_on_exec(struct fd_table *t)
{
	for (int i = 0; i < FD_MAX; i++) {
		struct file *f = 0;
		spin_lock(&t->lock);
		if (t->fd[i] && t->cloexec[i]) {
			f = t->fd[i];
			t->fd[i] = 0;
			t->cloexec[i] = 0;
		}
		spin_unlock(&t->lock);
		file_put(f);
	}
}

struct file *fdt_get_file(struct fd_table *t, int fd)
{
	struct file *f = 0;
	if (!t || fd < 0 || fd >= FD_MAX)
		return 0;
	spin_lock(&t->lock);
	if ((f = t->fd[fd]))
		file_get(f);
	spin_unlock(&t->lock);
	return f;
}

int fdt_install(struct fd_table *t, struct file *f, int min_fd, bool cloexec)
{
	int r = -EMFILE;
	if (!t)
		return -EBADF;
	if (min_fd < 0)
		return -EINVAL;
	/* The calling process's RLIMIT_NOFILE (FD_MAX in a kernel thread). */
	int limit = proc_nofile_limit();
	spin_lock(&t->lock);
	for (int i = min_fd; i < limit; i++)
		if (!t->fd[i]) {
			t->fd[i] = f;
			t->cloexec[i] = cloexec;
			r = i;
			break;
		}
	spin_unlock(&t->lock);
	return r;
}

int fdt_install_at(struct fd_table *t, struct file *f, int fd, bool cloexec)
{
	struct file *old;
	if (!t || fd < 0 || fd >= FD_MAX)
		return -EBADF;
	spin_lock(&t->lock);
	old = t->fd[fd];
	t->fd[fd] = f;
	t->cloexec[fd] = cloexec;
	spin_unlock(&t->lock);
	file_put(old);
	return 0;
}

int fdt_close(struct fd_table *t, int fd)
{
	struct file *f;
	if (!t || fd < 0 || fd >= FD_MAX)
		return -EBADF;
	spin_lock(&t->lock);
	f = t->fd[fd];
	t->fd[fd] = 0;
	t->cloexec[fd] = 0;
	spin_unlock(&t->lock);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

int fdt_get_cloexec(struct fd_table *t, int fd)
{
	int r = -EBADF;
	if (!t || fd < 0 || fd >= FD_MAX)
		return -EBADF;
	spin_lock(&t->lock);
	if (t->fd[fd])
		r = t->cloexec[fd];
	spin_unlock(&t->lock);
	return r;
}

int fdt_set_cloexec(struct fd_table *t, int fd, bool on)
{
	int r = -EBADF;
	if (!t || fd < 0 || fd >= FD_MAX)
		return -EBADF;
	spin_lock(&t->lock);
	if (t->fd[fd]) {
		t->cloexec[fd] = on;
		r = 0;
	}
	spin_unlock(&t->lock);
	return r;
}

int fdt_open_console(struct fd_table *t)
{
	struct vnode *n;
	struct file *f;
	int r = vfs_lookup(0, "/dev/console", LOOKUP_FOLLOW, &n);
	if (r)
		return r;
	for (int fd = 0; fd < 3; fd++) {
		r = vfs_open_node(n, O_RDWR, &f);
		if (r)
			return r;
		fdt_install_at(t, f, fd, false);
	}
	return 0;
}

/* ---- Working directories ----------------------------------------------- */

struct fs_ctx {
	atomic_int refs;
	/* Any thread sharing the context (CLONE_FS) may chdir at any time;
	 * nodes are never freed, so one atomic pointer is enough. */
	struct vnode *_Atomic cwd;
};

struct fs_ctx *fs_ctx_create(void)
{
	struct fs_ctx *c = kzalloc(sizeof(*c));
	if (!c)
		return 0;
	atomic_init(&c->refs, 1);
	atomic_init(&c->cwd, vfs_root());
	return c;
}

struct fs_ctx *fs_ctx_fork(struct fs_ctx *src)
{
	struct fs_ctx *c = fs_ctx_create();
	if (c && src)
		atomic_store(&c->cwd, atomic_load(&src->cwd));
	return c;
}

void fs_ctx_get(struct fs_ctx *c)
{
	atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}

void fs_ctx_put(struct fs_ctx *c)
{
	if (c && atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1)
		kfree(c);
}

struct vnode *fs_ctx_cwd(struct fs_ctx *c)
{
	struct vnode *n = c ? atomic_load(&c->cwd) : 0;
	return n ? n : vfs_root();
}

void fs_ctx_set_cwd(struct fs_ctx *c, struct vnode *dir)
{
	atomic_store(&c->cwd, dir);
}
