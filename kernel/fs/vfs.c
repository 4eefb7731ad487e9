// SPDX-License-Identifier: MIT
/*
 * The VFS's kernel side: unpacking the initramfs at boot, the
 * kernel-internal file API (vfs.h), exec and mmap views of initramfs
 * files, getdents, and the poll wait queue.
 *
 * vfs_init validates the whole archive (cpio.c) before it builds a single
 * node, so a corrupt archive leaves exactly an empty root with /dev, and
 * one log line says why.
 */
#include "../../sched/sched.h"
#include "../boot_info.h"
#include "../errno.h"
#include "../lib/string.h"
#include "../log.h"
#include "../mm/aspace.h"
#include "../mm/heap.h"
#include "../mm/layout.h"
#include "../proc/proc.h"
#include "cpio.h"
#include "fs_internal.h"

struct wait_queue fs_poll_wq;
static atomic_uint poll_seq;

void fs_poll_notify(void)
{
	atomic_fetch_add_explicit(&poll_seq, 1, memory_order_release);
	wait_queue_wake_all(&fs_poll_wq);
}

unsigned fs_poll_seq(void)
{
	return atomic_load_explicit(&poll_seq, memory_order_acquire);
}

/* Archive names are "./a/b", "a/b" or "/a/b"; "." is the root itself. */
static int add_entry(const struct cpio_entry *e)
{
	uint32_t type = e->mode & CPIO_S_IFMT;
	if (type != CPIO_S_IFDIR && type != CPIO_S_IFREG && type != CPIO_S_IFLNK)
		return 1; /* devices, fifos: skipped (we make our own /dev) */
	return vfs_tree_add(e->name, e->name_len, e->mode, e->data, e->size, 0);
}

/* Count entries; -1 and *why if the archive is corrupt. Touches nothing. */
static long validate(const void *buf, size_t len, const char **why,
		     size_t *where)
{
	struct cpio_reader r;
	struct cpio_entry e;
	long n = 0;
	int rc;

	cpio_reader_init(&r, buf, len);
	while ((rc = cpio_next(&r, &e)) == 1) {
		/* Names: every ".." is refused (the tree never climbs). */
		for (size_t i = 0; i + 1 < e.name_len; i++)
			if (e.name[i] == '.' && e.name[i + 1] == '.' &&
			    (i == 0 || e.name[i - 1] == '/') &&
			    (i + 2 == e.name_len || e.name[i + 2] == '/')) {
				*why = "a name contains \"..\"";
				*where = e.offset;
				return -1;
			}
		n++;
	}
	if (rc < 0) {
		*why = r.error;
		*where = r.error_off;
		return -1;
	}
	return n;
}

static const char *const initrd_reasons[] = {
	[BOOT_INITRD_NONE] = "no \\EFI\\COHORT\\INITRD on the boot volume",
	[BOOT_INITRD_LOADED] = "?",
	[BOOT_INITRD_TOO_BIG] = "the loader skipped it: larger than 512 MiB",
	[BOOT_INITRD_NO_MEMORY] = "the loader had no memory for it",
	[BOOT_INITRD_READ_ERROR] = "the loader could not read it",
};

static int files, initrd_ok;
static uint64_t initrd_bytes;

int vfs_initramfs_files(void)
{
	return initrd_ok ? files : -1;
}

void vfs_init(const struct boot_info *bi)
{
	const char *why = 0;
	size_t where = 0;

	wait_queue_init(&fs_poll_wq, "fs-poll");
	if (!vfs_tree_reset()) {
		kprintf("initramfs: no memory for the root directory");
		return;
	}
	if (bi->initrd_status != BOOT_INITRD_LOADED) {
		uint32_t s = bi->initrd_status;
		kprintf("initramfs: none (%s): no user space",
			s < sizeof(initrd_reasons) / sizeof(initrd_reasons[0]) ?
				initrd_reasons[s] : "unknown loader status");
	} else {
		const void *buf = phys_to_virt(bi->initrd_phys);
		long n = validate(buf, bi->initrd_size, &why, &where);
		if (n < 0) {
			kprintf("initramfs: corrupt archive (%s at offset %lu of "
				"%lu bytes): ignored, no user space", why,
				(unsigned long)where,
				(unsigned long)bi->initrd_size);
		} else {
			struct cpio_reader r;
			struct cpio_entry e;
			int rc = 0;
			cpio_reader_init(&r, buf, bi->initrd_size);
			while (cpio_next(&r, &e) == 1) {
				rc = add_entry(&e);
				if (rc < 0)
					break;
				if ((e.mode & CPIO_S_IFMT) == CPIO_S_IFREG) {
					files++;
					initrd_bytes += e.size;
				}
			}
			if (rc < 0) {
				/* Start again empty: half a tree is worse. */
				kprintf("initramfs: entry at offset %lu does not fit "
					"the tree (%d): ignored, no user space",
					(unsigned long)e.offset, rc);
				files = 0;
				if (!vfs_tree_reset()) {
					kprintf("initramfs: no memory for the root "
						"directory");
					return;
				}
			} else {
				initrd_ok = 1;
				kprintf("initramfs: %d files, %lu KiB", files,
					(unsigned long)((initrd_bytes + 1023) >> 10));
			}
		}
	}
	dev_init();
}

/* ---- Kernel-internal file API ------------------------------------------ */

int vfs_create_error(struct vnode *base, const char *path)
{
	size_t len = strlen(path), cut;
	struct vnode *dir;
	char *parent;
	int r;

	while (len > 1 && path[len - 1] == '/')
		len--;
	for (cut = len; cut > 0 && path[cut - 1] != '/'; cut--)
		;
	if (cut == 0)
		return -EROFS; /* in base itself, which is a directory */
	parent = kmalloc(cut + 1);
	if (!parent)
		return -ENOMEM;
	memcpy(parent, path, cut);
	parent[cut] = 0;
	r = vfs_lookup(base, parent, LOOKUP_FOLLOW, &dir);
	kfree(parent);
	if (r)
		return r;
	return vnode_is_dir(dir) ? -EROFS : -ENOTDIR;
}

int vfs_open(struct fs_ctx *ctx, const char *path, int flags,
	     struct file **out)
{
	struct vnode *n;
	int r = vfs_lookup(fs_ctx_cwd(ctx), path,
			   (flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, &n);
	if (r == -ENOENT && (flags & O_CREAT))
		return vfs_create_error(fs_ctx_cwd(ctx), path);
	if (r)
		return r;
	return vfs_open_node(n, flags, out);
}

long file_rw(struct file *f, struct iobuf *b, bool write, int64_t off)
{
	if (write ? !file_writable(f) : !file_readable(f))
		return -EBADF;
	if (off >= 0) {
		if (!f->ops->seekable)
			return -ESPIPE;
		uint64_t p = (uint64_t)off;
		return write ? f->ops->write(f, b, &p) : f->ops->read(f, b, &p);
	}
	uint64_t p = atomic_load(&f->pos);
	long r = write ? f->ops->write(f, b, &p) : f->ops->read(f, b, &p);
	if (r > 0 && f->ops->seekable)
		atomic_store(&f->pos, p);
	return r;
}

long vfs_read(struct file *f, void *buf, size_t n)
{
	struct kiov v = { buf, n };
	struct iobuf b;
	iob_init(&b, &v, 1, false);
	return file_rw(f, &b, false, -1);
}

long vfs_write(struct file *f, const void *buf, size_t n)
{
	struct kiov v = { (void *)buf, n };
	struct iobuf b;
	iob_init(&b, &v, 1, false);
	return file_rw(f, &b, true, -1);
}

long vfs_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
	struct kiov v = { buf, n };
	struct iobuf b;
	if (off > INT64_MAX)
		return -EINVAL;
	iob_init(&b, &v, 1, false);
	return file_rw(f, &b, false, (int64_t)off);
}

long vfs_lseek(struct file *f, int64_t off, int whence)
{
	int64_t base, pos;
	if (!f->ops->seekable)
		return -ESPIPE;
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)atomic_load(&f->pos);
		break;
	case SEEK_END:
		/* A directory's offsets are entry indexes: no end. */
		if (!f->node || vnode_is_dir(f->node))
			return -EINVAL;
		base = (int64_t)f->node->size;
		break;
	default:
		return -EINVAL;
	}
	if (__builtin_add_overflow(base, off, &pos) || pos < 0)
		return -EINVAL;
	atomic_store(&f->pos, (uint64_t)pos);
	return pos;
}

struct linux_dirent64_hdr {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
} __attribute__((packed));

#define DT_CHR 2
#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10

static uint8_t dtype(const struct vnode *n)
{
	switch (n->mode & S_IFMT) {
	case S_IFDIR:
		return DT_DIR;
	case S_IFREG:
		return DT_REG;
	case S_IFLNK:
		return DT_LNK;
	case S_IFCHR:
		return DT_CHR;
	}
	return 0;
}

long vfs_getdents_iob(struct file *f, struct iobuf *b)
{
	struct vnode *d = f->node;
	long done = 0;

	if (!d || f->ops != &dir_ops)
		return -ENOTDIR;
	for (;;) {
		uint64_t i = atomic_load(&f->pos);
		struct vnode *n;
		const char *name;
		size_t nlen;
		if (i == 0) {
			n = d, name = ".", nlen = 1;
		} else if (i == 1) {
			n = d->parent, name = "..", nlen = 2;
		} else if (i - 2 < d->nchild) {
			n = d->child[i - 2];
			name = n->name, nlen = n->name_len;
		} else {
			break;
		}
		/* Header, name, NUL, padded to 8 (Linux's layout). */
		size_t reclen = (sizeof(struct linux_dirent64_hdr) + nlen + 1 + 7) &
				~(size_t)7;
		if (iob_left(b) < reclen)
			return done ? done : -EINVAL;
		uint8_t rec[sizeof(struct linux_dirent64_hdr) + NAME_MAX + 8];
		struct linux_dirent64_hdr h = { n->ino, (int64_t)(i + 1),
						(uint16_t)reclen, dtype(n) };
		memset(rec, 0, reclen);
		memcpy(rec, &h, sizeof(h));
		memcpy(rec + sizeof(h), name, nlen);
		if (iob_put(b, rec, reclen))
			return done ? done : -EFAULT;
		atomic_store(&f->pos, i + 1);
		done += reclen;
	}
	return done;
}

int vfs_pipe(struct file *ends[2])
{
	return pipe_create(ends, 0);
}

/* ---- exec and mmap views ----------------------------------------------- */

int vfs_exec_file(struct fs_ctx *ctx, const char *path, struct vm_file *out)
{
	struct vnode *n;
	int r = vfs_lookup(fs_ctx_cwd(ctx), path, LOOKUP_FOLLOW, &n);
	if (r)
		return r;
	if ((n->mode & S_IFMT) != S_IFREG || !(n->mode & 0111))
		return -EACCES;
	out->data = n->data;
	out->size = n->size;
	return 0;
}

int vfs_fd_vm_file(int fd, struct vm_file *out)
{
	struct process *p = proc_current();
	struct file *f = p ? fdt_get_file(p->files, fd) : 0;
	int r = 0;
	if (!f)
		return -EBADF;
	if (!f->node || (f->node->mode & S_IFMT) != S_IFREG)
		r = -EACCES;
	else {
		out->data = f->node->data;
		out->size = f->node->size;
	}
	file_put(f);
	return r;
}

void vfs_close(struct file *f)
{
	file_put(f);
}
