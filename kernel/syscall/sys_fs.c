// SPDX-License-Identifier: MIT
/*
 * File system calls, Linux x86-64 ABI: numbers from nr.h, struct layouts
 * from the x86-64 uapi headers (asm/stat.h, linux/dirent.h as written by
 * getdents64, asm-generic/poll.h, asm-generic/fcntl.h), errno values as
 * Linux returns them for a read-only file system. docs/userspace.md lists
 * each call and its differences.
 *
 * Every user pointer goes through usercopy.h; paths are copied in whole
 * (strncpy_from_user, PATH_MAX) before anything looks at them. File data
 * moves through struct iobuf marked `user`, so the same file operations
 * serve the kernel-internal API with kernel buffers.
 */
#include "../../sched/sched.h"
#include "../errno.h"
#include "../fs/fs_internal.h"
#include "../lib/string.h"
#include "../mm/heap.h"
#include "../mm/usercopy.h"
#include "../proc/proc.h"
#include "../proc/signal.h"
#include "../time.h"
#include "syscall.h"

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4
#define UIO_MAXIOV 1024
#define POLL_SLICE_NS 1000000ULL /* finite poll timeouts recheck this often */

/* struct stat, x86-64 (arch/x86/include/uapi/asm/stat.h). */
struct linux_stat {
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	uint64_t st_atime, st_atime_nsec, st_mtime, st_mtime_nsec;
	uint64_t st_ctime, st_ctime_nsec;
	int64_t unused[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "x86-64 struct stat");

struct linux_iovec {
	uint64_t base, len;
};

struct linux_pollfd {
	int32_t fd;
	int16_t events, revents;
};

struct linux_timespec {
	int64_t tv_sec, tv_nsec;
};

#define ST_DEV_INITRAMFS 1 /* st_dev of every initramfs node */
#define ST_DEV_PIPE 2

static struct fd_table *cur_files(void)
{
	struct process *p = proc_current();
	return p ? p->files : 0;
}

static struct fs_ctx *cur_fs(void)
{
	struct process *p = proc_current();
	return p ? p->fs : 0;
}

static struct file *get_fd(long fd)
{
	if (fd < 0 || fd >= FD_MAX)
		return 0;
	return fdt_get_file(cur_files(), (int)fd);
}

/* A user path copied into a fresh kernel buffer (kfree it). */
static long get_path(uint64_t upath, char **out)
{
	char *buf = kmalloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	long r = strncpy_from_user(buf, (const char *)upath, PATH_MAX);
	if (r < 0) {
		kfree(buf);
		return r;
	}
	*out = buf;
	return 0;
}

/* The directory relative paths start from: cwd, or the open directory
 * dirfd. A NULL node means "the root" to vfs_lookup. */
static long base_dir(long dirfd, const char *path, struct vnode **out)
{
	if (path[0] == '/' || (int)dirfd == AT_FDCWD) {
		*out = fs_ctx_cwd(cur_fs());
		return 0;
	}
	struct file *f = get_fd((int)dirfd);
	if (!f)
		return -EBADF;
	long r = 0;
	if (!f->node || !vnode_is_dir(f->node))
		r = -ENOTDIR;
	else
		*out = f->node;
	file_put(f);
	return r;
}

/* Resolve a user path relative to dirfd. */
static long lookup_at(long dirfd, uint64_t upath, int flags,
		      struct vnode **out)
{
	char *path;
	struct vnode *base;
	long r = get_path(upath, &path);
	if (r)
		return r;
	r = base_dir(dirfd, path, &base);
	if (!r)
		r = vfs_lookup(base, path, flags, out);
	kfree(path);
	return r;
}

/* ---- open, close, read, write ------------------------------------------ */

static long do_openat(long dirfd, uint64_t upath, long flags)
{
	struct vnode *n;
	struct file *f;
	char *path;
	struct vnode *base;
	struct fd_table *t = cur_files();
	long r;

	if (!t)
		return -EBADF;
	r = get_path(upath, &path);
	if (r)
		return r;
	r = base_dir(dirfd, path, &base);
	if (!r)
		r = vfs_lookup(base, path,
			       (flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, &n);
	if (r == -ENOENT && (flags & O_CREAT))
		r = vfs_create_error(base, path);
	kfree(path);
	if (r)
		return r;
	r = vfs_open_node(n, (int)flags, &f);
	if (r)
		return r;
	r = fdt_install(t, f, 0, flags & O_CLOEXEC);
	if (r < 0)
		file_put(f);
	return r;
}

static long sys_openat(const struct syscall_args *a)
{
	return do_openat((long)(int)a->a[0], a->a[1], (long)(int)a->a[2]);
}

static long sys_open(const struct syscall_args *a)
{
	return do_openat(AT_FDCWD, a->a[0], (long)(int)a->a[1]);
}

static long sys_close(const struct syscall_args *a)
{
	struct fd_table *t = cur_files();
	return t ? fdt_close(t, (int)a->a[0]) : -EBADF;
}

/* read/write/pread64 on one user buffer. */
static long rw_one(long fd, uint64_t ubuf, uint64_t n, bool write, int64_t off)
{
	struct kiov v = { (void *)ubuf, (size_t)n };
	struct iobuf b;
	struct file *f = get_fd(fd);
	long r;

	if (!f)
		return -EBADF;
	if ((int64_t)n < 0)
		r = -EINVAL;
	else if (n && !user_range_ok(ubuf, n))
		r = -EFAULT;
	else {
		iob_init(&b, &v, 1, true);
		r = file_rw(f, &b, write, off);
	}
	file_put(f);
	return r;
}

static long sys_read(const struct syscall_args *a)
{
	return rw_one((int)a->a[0], a->a[1], a->a[2], false, -1);
}

static long sys_write(const struct syscall_args *a)
{
	return rw_one((int)a->a[0], a->a[1], a->a[2], true, -1);
}

static long sys_pread64(const struct syscall_args *a)
{
	if ((int64_t)a->a[3] < 0)
		return -EINVAL;
	return rw_one((int)a->a[0], a->a[1], a->a[2], false, (int64_t)a->a[3]);
}

static long rw_vec(long fd, uint64_t uiov, uint64_t cnt, bool write)
{
	struct file *f;
	struct kiov *v;
	struct linux_iovec *ui;
	struct iobuf b;
	uint64_t total = 0;
	long r = 0;

	if (cnt > UIO_MAXIOV)
		return -EINVAL;
	f = get_fd(fd);
	if (!f)
		return -EBADF;
	if (cnt == 0) {
		file_put(f);
		return 0;
	}
	ui = kmalloc(cnt * sizeof(*ui));
	v = kmalloc(cnt * sizeof(*v));
	if (!ui || !v)
		r = -ENOMEM;
	else if (copy_from_user(ui, (const void *)uiov, cnt * sizeof(*ui)))
		r = -EFAULT;
	for (uint64_t i = 0; !r && i < cnt; i++) {
		if ((int64_t)ui[i].len < 0 ||
		    (total += ui[i].len) > (uint64_t)INT64_MAX)
			r = -EINVAL;
		else if (ui[i].len && !user_range_ok(ui[i].base, ui[i].len))
			r = -EFAULT;
		else
			v[i] = (struct kiov){ (void *)ui[i].base, ui[i].len };
	}
	if (!r) {
		iob_init(&b, v, (int)cnt, true);
		r = file_rw(f, &b, write, -1);
	}
	kfree(ui);
	kfree(v);
	file_put(f);
	return r;
}

static long sys_readv(const struct syscall_args *a)
{
	return rw_vec((int)a->a[0], a->a[1], a->a[2], false);
}

static long sys_writev(const struct syscall_args *a)
{
	return rw_vec((int)a->a[0], a->a[1], a->a[2], true);
}

static long sys_lseek(const struct syscall_args *a)
{
	struct file *f = get_fd((int)a->a[0]);
	long r;
	if (!f)
		return -EBADF;
	r = vfs_lseek(f, (int64_t)a->a[1], (int)a->a[2]);
	file_put(f);
	return r;
}

/* ---- stat, getdents, cwd, access, readlink ------------------------------ */

static void fill_stat(struct linux_stat *st, const struct vnode *n,
		      const struct file *f)
{
	memset(st, 0, sizeof(*st));
	st->st_blksize = 4096;
	if (!n) { /* a pipe end */
		st->st_dev = ST_DEV_PIPE;
		st->st_ino = ((uint64_t)(uintptr_t)f->priv >> 4) & 0xffffffffULL;
		st->st_mode = S_IFIFO | 0600;
		st->st_nlink = 1;
		return;
	}
	st->st_dev = ST_DEV_INITRAMFS;
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_nlink = vnode_is_dir(n) ? 2 : 1;
	st->st_rdev = n->rdev;
	if ((n->mode & S_IFMT) != S_IFCHR)
		st->st_size = (int64_t)n->size;
	st->st_blocks = (st->st_size + 511) / 512;
}

static long sys_fstat(const struct syscall_args *a)
{
	struct linux_stat st;
	struct file *f = get_fd((int)a->a[0]);
	if (!f)
		return -EBADF;
	fill_stat(&st, f->node, f);
	file_put(f);
	return copy_to_user((void *)a->a[1], &st, sizeof(st)) ? -EFAULT : 0;
}

static long sys_newfstatat(const struct syscall_args *a)
{
	long dirfd = (int)a->a[0], flags = (int)a->a[3];
	struct linux_stat st;
	struct vnode *n;
	char *path;
	long r;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	r = get_path(a->a[1], &path);
	if (r)
		return r;
	if (path[0] == 0 && (flags & AT_EMPTY_PATH)) {
		kfree(path);
		if (dirfd == AT_FDCWD) {
			fill_stat(&st, fs_ctx_cwd(cur_fs()), 0);
		} else {
			struct file *f = get_fd(dirfd);
			if (!f)
				return -EBADF;
			fill_stat(&st, f->node, f);
			file_put(f);
		}
	} else {
		struct vnode *base;
		r = base_dir(dirfd, path, &base);
		if (!r)
			r = vfs_lookup(base, path,
				       (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW,
				       &n);
		kfree(path);
		if (r)
			return r;
		fill_stat(&st, n, 0);
	}
	return copy_to_user((void *)a->a[2], &st, sizeof(st)) ? -EFAULT : 0;
}

/* The pre-*at calls musl still uses (stat, lstat, access): the *at body
 * with AT_FDCWD, as Linux implements them. */
static long sys_stat(const struct syscall_args *a)
{
	struct syscall_args b = { .a = { (uint64_t)AT_FDCWD, a->a[0], a->a[1], 0 },
				  .nr = a->nr, .frame = a->frame };
	return sys_newfstatat(&b);
}

static long sys_lstat(const struct syscall_args *a)
{
	struct syscall_args b = { .a = { (uint64_t)AT_FDCWD, a->a[0], a->a[1],
					 AT_SYMLINK_NOFOLLOW },
				  .nr = a->nr, .frame = a->frame };
	return sys_newfstatat(&b);
}

static long sys_faccessat(const struct syscall_args *a);

static long sys_access(const struct syscall_args *a)
{
	struct syscall_args b = { .a = { (uint64_t)AT_FDCWD, a->a[0], a->a[1] },
				  .nr = a->nr, .frame = a->frame };
	return sys_faccessat(&b);
}

static long sys_getdents64(const struct syscall_args *a)
{
	struct kiov v = { (void *)a->a[1], (size_t)(uint32_t)a->a[2] };
	struct iobuf b;
	struct file *f = get_fd((int)a->a[0]);
	long r;
	if (!f)
		return -EBADF;
	if (v.len && !user_range_ok((uint64_t)v.base, v.len))
		r = -EFAULT;
	else {
		iob_init(&b, &v, 1, true);
		r = vfs_getdents_iob(f, &b);
	}
	file_put(f);
	return r;
}

static long sys_getcwd(const struct syscall_args *a)
{
	uint64_t size = a->a[1];
	char *buf = kmalloc(PATH_MAX);
	long r;
	if (!buf)
		return -ENOMEM;
	r = vfs_path_of(fs_ctx_cwd(cur_fs()), buf, PATH_MAX);
	if (r >= 0 && (uint64_t)r > size)
		r = -ERANGE;
	if (r >= 0 && copy_to_user((void *)a->a[0], buf, (size_t)r))
		r = -EFAULT;
	kfree(buf);
	return r; /* the length with the NUL, as Linux's system call */
}

static long sys_chdir(const struct syscall_args *a)
{
	struct vnode *n;
	struct fs_ctx *c = cur_fs();
	long r = lookup_at(AT_FDCWD, a->a[0], LOOKUP_FOLLOW, &n);
	if (r)
		return r;
	if (!vnode_is_dir(n))
		return -ENOTDIR;
	if (!c)
		return -ENOENT;
	fs_ctx_set_cwd(c, n);
	return 0;
}

static long sys_faccessat(const struct syscall_args *a)
{
	long mode = (int)a->a[2];
	struct vnode *n;
	long r;

	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	r = lookup_at((int)a->a[0], a->a[1], LOOKUP_FOLLOW, &n);
	if (r)
		return r;
	/* Everyone is root here; root may read and write anything, and
	 * execute what has any execute bit (or search any directory). */
	uint32_t type = n->mode & S_IFMT;
	if ((mode & W_OK) && type != S_IFCHR)
		return -EROFS;
	if ((mode & X_OK) && type != S_IFDIR && !(n->mode & 0111))
		return -EACCES;
	return 0;
}

static long sys_readlink(const struct syscall_args *a)
{
	struct vnode *n;
	long size = (long)(int)a->a[2];
	long r;

	if (size <= 0)
		return -EINVAL;
	r = lookup_at(AT_FDCWD, a->a[0], 0, &n);
	if (r)
		return r;
	if ((n->mode & S_IFMT) != S_IFLNK)
		return -EINVAL;
	size_t len = n->size < (uint64_t)size ? (size_t)n->size : (size_t)size;
	return copy_to_user((void *)a->a[1], n->data, len) ? -EFAULT : (long)len;
}

/* ---- ioctl, fcntl, dup, pipe -------------------------------------------- */

static long sys_ioctl(const struct syscall_args *a)
{
	struct file *f = get_fd((int)a->a[0]);
	long r;
	if (!f)
		return -EBADF;
	r = f->ops->ioctl ? f->ops->ioctl(f, (unsigned)a->a[1], a->a[2])
			  : -ENOTTY;
	file_put(f);
	return r;
}

static long dup_from(long fd, long min_fd, bool cloexec)
{
	struct fd_table *t = cur_files();
	struct file *f = get_fd(fd);
	long r;
	if (!f)
		return -EBADF;
	if (min_fd < 0 || min_fd >= proc_nofile_limit()) {
		file_put(f);
		return -EINVAL;
	}
	r = fdt_install(t, f, (int)min_fd, cloexec);
	if (r < 0)
		file_put(f);
	return r;
}

static long sys_fcntl(const struct syscall_args *a)
{
	long fd = (int)a->a[0];
	uint64_t arg = a->a[2];
	struct file *f;
	long r;

	switch ((int)a->a[1]) {
	case F_DUPFD:
		return dup_from(fd, (long)(int)arg, false);
	case F_DUPFD_CLOEXEC:
		return dup_from(fd, (long)(int)arg, true);
	case F_GETFD:
		r = fdt_get_cloexec(cur_files(), (int)fd);
		return r < 0 ? r : (r ? FD_CLOEXEC : 0);
	case F_SETFD:
		return fdt_set_cloexec(cur_files(), (int)fd, arg & FD_CLOEXEC);
	case F_GETFL:
		f = get_fd(fd);
		if (!f)
			return -EBADF;
		r = atomic_load(&f->flags);
		file_put(f);
		return r;
	case F_SETFL: {
		f = get_fd(fd);
		if (!f)
			return -EBADF;
		/* Only these two may change (Linux also has O_ASYNC,
		 * O_DIRECT, O_NOATIME; none applies here). */
		unsigned keep = O_APPEND | O_NONBLOCK, old, new;
		old = atomic_load(&f->flags);
		do
			new = (old & ~keep) | ((unsigned)arg & keep);
		while (!atomic_compare_exchange_weak(&f->flags, &old, new));
		file_put(f);
		return 0;
	}
	default:
		if (!(f = get_fd(fd)))
			return -EBADF;
		file_put(f);
		return -EINVAL;
	}
}

static long sys_dup(const struct syscall_args *a)
{
	return dup_from((int)a->a[0], 0, false);
}

static long do_dup3(long oldfd, long newfd, long flags, bool dup2)
{
	struct fd_table *t = cur_files();
	struct file *f;
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (newfd < 0 || newfd >= proc_nofile_limit())
		return -EBADF;
	f = get_fd(oldfd);
	if (!f)
		return -EBADF;
	if (oldfd == newfd) {
		file_put(f);
		return dup2 ? newfd : -EINVAL;
	}
	fdt_install_at(t, f, (int)newfd, flags & O_CLOEXEC);
	return newfd;
}

static long sys_dup2(const struct syscall_args *a)
{
	return do_dup3((int)a->a[0], (int)a->a[1], 0, true);
}

static long sys_dup3(const struct syscall_args *a)
{
	return do_dup3((int)a->a[0], (int)a->a[1], (int)a->a[2], false);
}

static long do_pipe2(uint64_t ufds, long flags)
{
	struct fd_table *t = cur_files();
	struct file *ends[2];
	int fds[2];
	long r;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (!t)
		return -EBADF;
	r = pipe_create(ends, (unsigned)flags);
	if (r)
		return r;
	fds[0] = fdt_install(t, ends[0], 0, flags & O_CLOEXEC);
	if (fds[0] < 0) {
		file_put(ends[0]);
		file_put(ends[1]);
		return fds[0];
	}
	fds[1] = fdt_install(t, ends[1], 0, flags & O_CLOEXEC);
	if (fds[1] < 0) {
		fdt_close(t, fds[0]);
		file_put(ends[1]);
		return fds[1];
	}
	if (copy_to_user((void *)ufds, fds, sizeof(fds))) {
		/* Linux leaves them open; closing is kinder and the caller
		 * cannot know the numbers anyway. */
		fdt_close(t, fds[0]);
		fdt_close(t, fds[1]);
		return -EFAULT;
	}
	return 0;
}

static long sys_pipe(const struct syscall_args *a)
{
	return do_pipe2(a->a[0], 0);
}

static long sys_pipe2(const struct syscall_args *a)
{
	return do_pipe2(a->a[0], (int)a->a[1]);
}

/* ---- poll ------------------------------------------------------------------ */

static int poll_scan(struct linux_pollfd *p, uint64_t n)
{
	int ready = 0;
	for (uint64_t i = 0; i < n; i++) {
		p[i].revents = 0;
		if (p[i].fd < 0)
			continue;
		struct file *f = get_fd(p[i].fd);
		unsigned ev;
		if (!f) {
			ev = POLLNVAL;
		} else {
			ev = f->ops->poll ? f->ops->poll(f) : (POLLIN | POLLOUT);
			ev &= (unsigned)(uint16_t)p[i].events | POLLERR | POLLHUP;
			file_put(f);
		}
		p[i].revents = (int16_t)ev;
		if (ev)
			ready++;
	}
	return ready;
}

static bool poll_seq_moved(void *arg)
{
	return fs_poll_seq() != *(unsigned *)arg || signal_pending_current();
}

/* timeout_ns: UINT64_MAX waits forever. */
static long do_poll(uint64_t ufds, uint64_t n, uint64_t timeout_ns)
{
	struct linux_pollfd *p;
	uint64_t now0 = now_ns();
	/* A timeout past the end of time is no timeout. */
	uint64_t deadline = timeout_ns >= UINT64_MAX - now0 ? UINT64_MAX
							    : now0 + timeout_ns;
	long r;

	if (n > FD_MAX)
		return -EINVAL;
	p = kmalloc(n ? n * sizeof(*p) : 1);
	if (!p)
		return -ENOMEM;
	if (n && copy_from_user(p, (const void *)ufds, n * sizeof(*p))) {
		kfree(p);
		return -EFAULT;
	}
	for (;;) {
		unsigned seq = fs_poll_seq();
		r = poll_scan(p, n);
		if (r || timeout_ns == 0)
			break;
		if (signal_pending_current()) {
			r = -EINTR;
			break;
		}
		uint64_t now = now_ns();
		if (now >= deadline)
			break;
		if (deadline == UINT64_MAX) {
			wait_queue_block_if(&fs_poll_wq, poll_seq_moved, &seq);
		} else if (fs_poll_seq() == seq) {
			/* No wait with a timeout on a wait queue: sleep in
			 * short slices and look again. */
			uint64_t wake = deadline - now > POLL_SLICE_NS
						? now + POLL_SLICE_NS : deadline;
			thread_sleep_until(wake);
		}
	}
	if (r >= 0 && n && copy_to_user((void *)ufds, p, n * sizeof(*p)))
		r = -EFAULT;
	kfree(p);
	return r;
}

static long sys_poll(const struct syscall_args *a)
{
	int ms = (int)a->a[2];
	return do_poll(a->a[0], a->a[1],
		       ms < 0 ? UINT64_MAX : (uint64_t)ms * 1000000ULL);
}

static long sys_ppoll(const struct syscall_args *a)
{
	struct linux_timespec ts;
	uint64_t t = UINT64_MAX;
	if (a->a[2]) {
		if (copy_from_user(&ts, (const void *)a->a[2], sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		if ((uint64_t)ts.tv_sec >= UINT64_MAX / 1000000000ULL - 1)
			t = UINT64_MAX; /* centuries: no timeout */
		else
			t = (uint64_t)ts.tv_sec * 1000000000ULL +
			    (uint64_t)ts.tv_nsec;
	}
	/* TODO: the signal mask (a[3], a[4]) is not applied during the
	 * wait; that needs the signal code's mask swap (coordinator). */
	return do_poll(a->a[0], a->a[1], t);
}

const struct syscall_entry syscalls_fs[] = {
	{ SYS_read, sys_read, "read" },
	{ SYS_write, sys_write, "write" },
	{ SYS_open, sys_open, "open" },
	{ SYS_close, sys_close, "close" },
	{ SYS_fstat, sys_fstat, "fstat" },
	{ SYS_stat, sys_stat, "stat" },
	{ SYS_lstat, sys_lstat, "lstat" },
	{ SYS_access, sys_access, "access" },
	{ SYS_poll, sys_poll, "poll" },
	{ SYS_lseek, sys_lseek, "lseek" },
	{ SYS_ioctl, sys_ioctl, "ioctl" },
	{ SYS_pread64, sys_pread64, "pread64" },
	{ SYS_readv, sys_readv, "readv" },
	{ SYS_writev, sys_writev, "writev" },
	{ SYS_pipe, sys_pipe, "pipe" },
	{ SYS_dup, sys_dup, "dup" },
	{ SYS_dup2, sys_dup2, "dup2" },
	{ SYS_fcntl, sys_fcntl, "fcntl" },
	{ SYS_getcwd, sys_getcwd, "getcwd" },
	{ SYS_chdir, sys_chdir, "chdir" },
	{ SYS_readlink, sys_readlink, "readlink" },
	{ SYS_getdents64, sys_getdents64, "getdents64" },
	{ SYS_openat, sys_openat, "openat" },
	{ SYS_newfstatat, sys_newfstatat, "newfstatat" },
	{ SYS_faccessat, sys_faccessat, "faccessat" },
	{ SYS_ppoll, sys_ppoll, "ppoll" },
	{ SYS_dup3, sys_dup3, "dup3" },
	{ SYS_pipe2, sys_pipe2, "pipe2" },
	{ 0, 0, 0 },
};
