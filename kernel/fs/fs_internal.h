/* SPDX-License-Identifier: MIT */
/*
 * Inside kernel/fs/: the node tree, open files and their operations, the
 * buffers file operations copy through (kernel or user memory), pipes and
 * the console. vfs.h is the contract with the rest of the kernel; this
 * header is for the kernel/fs/ sources, kernel/syscall/sys_fs.c and the tests.
 *
 * Concurrency: the node tree is built once by vfs_init() before any other
 * thread looks at it and is immutable afterwards (no lock; nodes are never
 * freed). Each struct file is reference counted (atomic); its flags and
 * position are atomics (see struct file). Descriptor tables have a lock;
 * pipes and the console have theirs (pipe.c, tty.c).
 */
#ifndef COHORT_FS_INTERNAL_H
#define COHORT_FS_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfs.h"

/* st_mode bits: Linux's values. */
#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFREG 0100000
#define S_IFLNK 0120000
#define S_IFIFO 0010000

/* open flags (asm-generic/fcntl.h, x86-64). */
#define O_ACCMODE 00000003
#define O_RDONLY 00000000
#define O_WRONLY 00000001
#define O_RDWR 00000002
#define O_CREAT 00000100
#define O_EXCL 00000200
#define O_NOCTTY 00000400
#define O_TRUNC 00001000
#define O_APPEND 00002000
#define O_NONBLOCK 00004000
#define O_DIRECTORY 00200000
#define O_NOFOLLOW 00400000
#define O_CLOEXEC 02000000
#define O_PATH 010000000

#define PATH_MAX 4096 /* bytes with the NUL */
#define NAME_MAX 255
#define SYMLINK_MAX_FOLLOW 40 /* Linux's MAXSYMLINKS */

/* poll events (asm-generic/poll.h). */
#define POLLIN 0x0001
#define POLLPRI 0x0002
#define POLLOUT 0x0004
#define POLLERR 0x0008
#define POLLHUP 0x0010
#define POLLNVAL 0x0020

struct file;
struct iobuf;

struct vnode {
	uint32_t mode;	/* S_IF* | permission bits */
	uint32_t ino;
	uint32_t rdev;	/* character devices: Linux's (major << 8) | minor */
	uint16_t name_len;
	const char *name; /* a copy, right after the node; "" for the root */
	struct vnode *parent; /* the root is its own parent */
	/* Directories: children in insertion (archive, sorted) order. */
	struct vnode **child;
	uint32_t nchild, cap;
	/* Regular files: contents; symlinks: the target. Initramfs memory
	 * (never freed) or a static string. */
	const uint8_t *data;
	uint64_t size;
	/* Character devices: their operations (dev.c, tty.c). */
	const struct file_ops *fops;
};

/* ---- The tree (vfs_tree.c: pure, host-tested) ---- */

struct vnode *vfs_root(void);
/* A fresh empty root, freeing the old tree (tests; vfs_init, before any
 * other thread can hold a node). NULL without memory. */
struct vnode *vfs_tree_reset(void);
/* Add an archive entry at `path` (relative to the root; "./", "/" and
 * empty components skipped), creating missing parent directories. 0,
 * -EINVAL (a ".." component, a name over NAME_MAX, a file where a
 * directory is needed or the reverse), -ENOMEM. */
int vfs_tree_add(const char *path, size_t len, uint32_t mode,
		 const uint8_t *data, uint64_t size, struct vnode **out);
/* Directory entry by name; NULL if none. */
struct vnode *vfs_child(const struct vnode *dir, const char *name, size_t len);

#define LOOKUP_FOLLOW 1 /* follow a symlink in the last component */
/*
 * Resolve `path` (NUL-terminated) from `cwd` (relative paths) or the root
 * (absolute). 0 and *out, or -ENOENT (missing component, empty path),
 * -ENOTDIR (a non-directory used as one, or a trailing '/' on one),
 * -ENAMETOOLONG (path >= PATH_MAX or a component > NAME_MAX), -ELOOP
 * (more than SYMLINK_MAX_FOLLOW symlinks). Never fails otherwise.
 */
int vfs_lookup(struct vnode *cwd, const char *path, int flags,
	       struct vnode **out);
/* The absolute path of `n` into buf (NUL-terminated); its length with the
 * NUL, or -ERANGE if it does not fit. */
long vfs_path_of(const struct vnode *n, char *buf, size_t size);

static inline bool vnode_is_dir(const struct vnode *n)
{
	return (n->mode & S_IFMT) == S_IFDIR;
}

/* ---- Buffers: one iov-like view over kernel or user memory ---- */

struct kiov {
	void *base;
	size_t len;
};

struct iobuf {
	const struct kiov *iov;
	int iovcnt;
	bool user;   /* base pointers are user addresses (usercopy.h) */
	int idx;     /* progress: current segment and offset in it */
	size_t off;
	size_t done; /* bytes moved so far */
	size_t total;
};

void iob_init(struct iobuf *b, const struct kiov *iov, int iovcnt, bool user);
static inline size_t iob_left(const struct iobuf *b)
{
	return b->total - b->done;
}
/* A read fills the buffer: copy n <= iob_left() bytes into it. A write
 * drains it: copy n bytes out of it. 0, or -EFAULT (a bad user address;
 * progress then stops where the fault was). */
int iob_put(struct iobuf *b, const void *src, size_t n);
int iob_get(struct iobuf *b, void *dst, size_t n);

/* ---- Open files (file.c) ---- */

struct file_ops {
	/* Optional: called once by vfs_open_node on the new file. */
	int (*open)(struct file *f);
	/* Move bytes between the file at *pos and the buffer; update *pos.
	 * Return bytes moved (0: end of file), or -errno. May block unless
	 * the file has O_NONBLOCK (then -EAGAIN). */
	long (*read)(struct file *f, struct iobuf *b, uint64_t *pos);
	long (*write)(struct file *f, struct iobuf *b, uint64_t *pos);
	/* Events ready now (POLLIN | POLLOUT | POLLHUP | POLLERR); must not
	 * block or take a lock (poll evaluates it under a wait-queue lock). */
	unsigned (*poll)(struct file *f);
	/* `arg` is a user pointer or value; -ENOTTY when not supported. */
	long (*ioctl)(struct file *f, unsigned cmd, uint64_t arg);
	/* The last reference went away. */
	void (*release)(struct file *f);
	bool seekable; /* lseek moves pos; else -ESPIPE */
};

struct file {
	atomic_int refs;
	const struct file_ops *ops;
	/* O_ACCMODE | O_APPEND | O_NONBLOCK: set at open, the last two
	 * changed by fcntl(F_SETFL) with one atomic store. */
	atomic_uint flags;
	struct vnode *node; /* NULL for pipes */
	/* Position. Atomic, but a read is not serialised against another on
	 * the same open file (Linux's f_pos_lock): two threads reading one
	 * descriptor at once may both see the same bytes. */
	_Atomic uint64_t pos;
	void *priv; /* pipe end: struct pipe */
};

/* A new file with one reference; NULL without memory. */
struct file *file_alloc(const struct file_ops *ops, struct vnode *node,
			unsigned flags, void *priv);
void file_get(struct file *f);
void file_put(struct file *f);
bool file_readable(const struct file *f);
bool file_writable(const struct file *f);

/* Open a node (after lookup); checks flags against the node type. */
int vfs_open_node(struct vnode *n, int flags, struct file **out);

/* ---- Descriptor tables (file.c) ---- */

/* The file at `fd` with a new reference (file_put it), or NULL (-EBADF). */
struct file *fdt_get_file(struct fd_table *t, int fd);
/* Install f (the table takes the caller's reference) at the lowest free
 * slot >= min_fd. The fd, or -EMFILE (the caller keeps its reference). */
int fdt_install(struct fd_table *t, struct file *f, int min_fd, bool cloexec);
/* Put f at exactly `fd`, closing what was there (dup2). 0 or -EBADF. */
int fdt_install_at(struct fd_table *t, struct file *f, int fd, bool cloexec);
int fdt_close(struct fd_table *t, int fd); /* 0 or -EBADF */
int fdt_get_cloexec(struct fd_table *t, int fd); /* 0/1, -EBADF */
int fdt_set_cloexec(struct fd_table *t, int fd, bool on);

/* read or write through f's operations after the access-mode check: at
 * off (pread, -ESPIPE if not seekable) or, with off < 0, at the file's
 * position, which moves by what was transferred. */
long file_rw(struct file *f, struct iobuf *b, bool write, int64_t off);
/* open(O_CREAT) of a missing `path`: what Linux says on a read-only file
 * system: -EROFS if its directory exists, else that lookup's error
 * (-ENOENT, -ENOTDIR, ...). */
int vfs_create_error(struct vnode *base, const char *path);
/* getdents64 records (struct linux_dirent64) into b; bytes or -errno. */
long vfs_getdents_iob(struct file *f, struct iobuf *b);
unsigned fs_poll_seq(void);

/* ---- Working directory ---- */
struct vnode *fs_ctx_cwd(struct fs_ctx *c);
void fs_ctx_set_cwd(struct fs_ctx *c, struct vnode *dir);

/* ---- Devices, pipes, console ---- */
void dev_init(void); /* /dev/null, /dev/zero, /dev/console nodes */
#define PIPE_SIZE (16 * 1024) /* ring bytes per pipe (Linux: 64 KiB) */
#define PIPE_BUF 4096	      /* atomic write size (POSIX minimum 512) */
extern const struct file_ops tty_ops;
extern const struct file_ops dir_ops;
void tty_init(void);
bool file_is_pipe(const struct file *f);
int pipe_create(struct file *ends[2], unsigned flags); /* 0, -ENOMEM */

/* Every change that may make a poll() caller's descriptor ready (pipe
 * data or space, a pipe end closed, console input) wakes this queue;
 * poll blocks on it. */
struct wait_queue;
extern struct wait_queue fs_poll_wq;
void fs_poll_notify(void);

#endif
