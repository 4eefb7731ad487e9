/* SPDX-License-Identifier: MIT */
/*
 * Files: a small VFS over the read-only initramfs (cpio newc, loaded by
 * the UEFI loader), the character devices /dev/console, /dev/null and
 * /dev/zero, and pipes. Open files are reference-counted `struct file`s;
 * each process has a descriptor table (shared by CLONE_FILES threads) and
 * a working directory (shared by CLONE_FS).
 *
 * What it does not do: write to the initramfs, mount anything else, or
 * know about processes beyond the two objects proc/ hands it.
 *
 * Read next: kernel/fs/fs_internal.h (nodes, files, buffers), vfs.c,
 * file.c, pipe.c, tty.c, kernel/syscall/sys_fs.c.
 */
#ifndef COHORT_FS_VFS_H
#define COHORT_FS_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct boot_info;
struct file;
struct fd_table;
struct fs_ctx;
struct vm_file;

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

#define FD_MAX 1024 /* descriptors per table (RLIMIT_NOFILE default) */

/* Unpack the initramfs the loader described in boot_info (validating every
 * header; a missing or corrupt archive logs one clear line and leaves an
 * empty root with /dev only). Call once at boot. */
void vfs_init(const struct boot_info *bi);

/* Descriptor tables. fdt_create: empty. fdt_fork: a table with the same
 * open files (each file's reference count raised). NULL if out of memory.
 * fdt_put on the last reference closes every file. */
struct fd_table *fdt_create(void);
struct fd_table *fdt_fork(struct fd_table *t);
void fdt_get(struct fd_table *t);
void fdt_put(struct fd_table *t);
/* execve: close every descriptor marked close-on-exec. */
void fdt_close_on_exec(struct fd_table *t);
/* pid 1's standard streams: /dev/console as 0, 1 and 2. 0 or -errno. */
int fdt_open_console(struct fd_table *t);

/* Working directory. */
struct fs_ctx *fs_ctx_create(void); /* cwd = "/" */
struct fs_ctx *fs_ctx_fork(struct fs_ctx *c);
void fs_ctx_get(struct fs_ctx *c);
void fs_ctx_put(struct fs_ctx *c);

/*
 * For execve: resolve `path` (relative to ctx's cwd) to a regular file the
 * caller may execute, and give an immutable view of its contents (valid
 * for the kernel's lifetime: initramfs data is never freed). 0, -ENOENT,
 * -ENOTDIR, -EACCES (not executable, or a directory/device), -ENAMETOOLONG.
 */
int vfs_exec_file(struct fs_ctx *ctx, const char *path, struct vm_file *out);

/*
 * For mmap of a file descriptor of the current process: the same view of
 * an initramfs regular file. 0, -EBADF (not an open descriptor), -EACCES
 * (a directory, device or pipe). Any thread context.
 */
int vfs_fd_vm_file(int fd, struct vm_file *out);

/* Regular files in the initramfs, or -1 if there is none (missing or
 * corrupt archive). For pid 1's start-up message. */
int vfs_initramfs_files(void);

/*
 * The kernel-internal file API, over kernel buffers (self-tests, kernel
 * threads). The system calls use the same file operations with user
 * buffers (struct iobuf, fs_internal.h). Each returns what the system
 * call of the same name would: >= 0, or -errno.
 *
 * vfs_open: resolve `path` from ctx's cwd (ctx NULL: the root), follow a
 * final symlink unless O_NOFOLLOW, open with `flags` (O_* values as
 * Linux): a write open of an initramfs file or O_CREAT of a missing one
 * is -EROFS, a directory opened for writing -EISDIR. The file has one
 * reference: vfs_close drops it.
 */
int vfs_open(struct fs_ctx *ctx, const char *path, int flags,
	     struct file **out);
long vfs_read(struct file *f, void *buf, size_t n);
long vfs_write(struct file *f, const void *buf, size_t n);
long vfs_pread(struct file *f, void *buf, size_t n, uint64_t off);
/* SEEK_SET/CUR/END (0/1/2): the new position, -ESPIPE (pipe, console),
 * -EINVAL (bad whence, negative result, SEEK_END on a directory). */
long vfs_lseek(struct file *f, int64_t off, int whence);
/* A pipe: ends[0] reads, ends[1] writes (blocking). 0 or -ENOMEM. */
int vfs_pipe(struct file *ends[2]);
void vfs_close(struct file *f);

#endif
