// SPDX-License-Identifier: MIT
/*
 * The node tree and path resolution. Pure: memory from kzalloc/kfree
 * (host tests supply them), no locks, because the tree is built once at
 * boot before anyone else can see it and never changes afterwards
 * (fs_internal.h). Paths follow POSIX.1-2017 4.13 (pathname resolution):
 * "." and "..", ".." of the root is the root, symlinks followed in every
 * component but the last unless asked, a trailing '/' requires a
 * directory.
 */
#include "../errno.h"
#include "../lib/string.h"
#include "../mm/heap.h"
#include "fs_internal.h"

static struct vnode *root;
static uint32_t next_ino = 1;

struct vnode *vfs_root(void)
{
	return root;
}

/* The name is copied: callers may pass a buffer they reuse (the tree
 * used to keep the caller's pointer; tree-test's test_many_children
 * caught a reused buffer renaming every earlier node). */
static struct vnode *node_new(const char *name, size_t len, uint32_t mode)
{
	struct vnode *n = kzalloc(sizeof(*n) + len + 1);
	if (!n)
		return 0;
	memcpy(n + 1, name, len);
	n->name = (const char *)(n + 1);
	n->name_len = (uint16_t)len;
	n->mode = mode;
	n->ino = next_ino++;
	return n;
}

static void free_tree(struct vnode *n)
{
	for (uint32_t i = 0; i < n->nchild; i++)
		free_tree(n->child[i]);
	kfree(n->child);
	kfree(n);
}

struct vnode *vfs_tree_reset(void)
{
	/* Only at boot (or in a test), before anyone holds a node. */
	if (root)
		free_tree(root);
	next_ino = 1;
	root = node_new("", 0, S_IFDIR | 0755);
	if (root)
		root->parent = root;
	return root;
}

struct vnode *vfs_child(const struct vnode *dir, const char *name, size_t len)
{
	for (uint32_t i = 0; i < dir->nchild; i++) {
		struct vnode *c = dir->child[i];
		if (c->name_len == len && memcmp(c->name, name, len) == 0)
			return c;
	}
	return 0;
}

static int add_child(struct vnode *dir, struct vnode *c)
{
	if (dir->nchild == dir->cap) {
		uint32_t cap = dir->cap ? dir->cap * 2 : 8;
		struct vnode **a = kzalloc(cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		if (dir->nchild)
			memcpy(a, dir->child, dir->nchild * sizeof(*a));
		kfree(dir->child);
		dir->child = a;
		dir->cap = cap;
	}
	dir->child[dir->nchild++] = c;
	c->parent = dir;
	return 0;
}

/* Past any run of '/' and "." components from i. */
static size_t skip_dots(const char *p, size_t len, size_t i)
{
	for (;;) {
		while (i < len && p[i] == '/')
			i++;
		if (i < len && p[i] == '.' && (i + 1 == len || p[i + 1] == '/'))
			i++;
		else
			return i;
	}
}

int vfs_tree_add(const char *path, size_t len, uint32_t mode,
		 const uint8_t *data, uint64_t size, struct vnode **out)
{
	struct vnode *dir = root, *n = root;
	size_t i = 0;

	if (!root)
		return -ENOMEM;
	while (i < len) {
		while (i < len && path[i] == '/')
			i++;
		size_t s = i;
		while (i < len && path[i] != '/')
			i++;
		size_t clen = i - s;
		const char *c = path + s;
		if (clen == 0 || (clen == 1 && c[0] == '.'))
			continue;
		if (clen == 2 && c[0] == '.' && c[1] == '.')
			return -EINVAL;
		if (clen > NAME_MAX)
			return -EINVAL;
		bool last = skip_dots(path, len, i) == len;
		if (!vnode_is_dir(dir))
			return -EINVAL;
		n = vfs_child(dir, c, clen);
		if (!last) {
			if (!n) {
				n = node_new(c, clen, S_IFDIR | 0755);
				if (!n)
					return -ENOMEM;
				if (add_child(dir, n)) {
					kfree(n);
					return -ENOMEM;
				}
			} else if (!vnode_is_dir(n)) {
				return -EINVAL;
			}
			dir = n;
			continue;
		}
		if (n) {
			/* A later entry for the same path wins, as in Linux's
			 * initramfs, but a directory never becomes a file or
			 * the reverse (its children would dangle). */
			if (vnode_is_dir(n) != ((mode & S_IFMT) == S_IFDIR))
				return -EINVAL;
			n->mode = mode;
			n->data = data;
			n->size = size;
		} else {
			n = node_new(c, clen, mode);
			if (!n)
				return -ENOMEM;
			n->data = data;
			n->size = size;
			if (add_child(dir, n)) {
				kfree(n);
				return -ENOMEM;
			}
		}
		break;
	}
	if (n == root && (mode & S_IFMT) == S_IFDIR)
		root->mode = mode; /* "." entry: the root's permissions */
	else if (n == root)
		return -EINVAL;
	if (out)
		*out = n;
	return 0;
}

/*
 * Walk `len` bytes of `p` from `start`. `follows` counts symlinks across
 * the whole resolution. Symlink targets are not NUL-terminated (they sit
 * in the archive), hence (pointer, length) throughout.
 */
static int walk(struct vnode *start, const char *p, size_t len, int flags,
		int *follows, struct vnode **out)
{
	struct vnode *cur = start;
	size_t i = 0;

	if (len > 0 && p[0] == '/')
		cur = root;
	while (i < len) {
		while (i < len && p[i] == '/')
			i++;
		if (i == len)
			break;
		size_t s = i;
		while (i < len && p[i] != '/')
			i++;
		size_t clen = i - s;
		if (clen > NAME_MAX)
			return -ENAMETOOLONG;
		if (!vnode_is_dir(cur))
			return -ENOTDIR;
		const char *c = p + s;
		if (clen == 1 && c[0] == '.')
			continue;
		if (clen == 2 && c[0] == '.' && c[1] == '.') {
			cur = cur->parent;
			continue;
		}
		struct vnode *n = vfs_child(cur, c, clen);
		if (!n)
			return -ENOENT;
		size_t rest = i;
		while (rest < len && p[rest] == '/')
			rest++;
		bool last = rest == len;
		bool trailing_slash = last && i < len;
		if ((n->mode & S_IFMT) == S_IFLNK &&
		    (!last || trailing_slash || (flags & LOOKUP_FOLLOW))) {
			if (++*follows > SYMLINK_MAX_FOLLOW)
				return -ELOOP;
			struct vnode *t;
			int r = walk(cur, (const char *)n->data, n->size,
				     LOOKUP_FOLLOW, follows, &t);
			if (r)
				return r;
			n = t;
		}
		if (trailing_slash && !vnode_is_dir(n))
			return -ENOTDIR;
		cur = n;
	}
	*out = cur;
	return 0;
}

int vfs_lookup(struct vnode *cwd, const char *path, int flags,
	       struct vnode **out)
{
	size_t len = 0;
	int follows = 0;

	if (!root)
		return -ENOENT;
	while (len < PATH_MAX && path[len])
		len++;
	if (len == PATH_MAX)
		return -ENAMETOOLONG;
	if (len == 0)
		return -ENOENT;
	return walk(cwd ? cwd : root, path, len, flags, &follows, out);
}

long vfs_path_of(const struct vnode *n, char *buf, size_t size)
{
	size_t need = 1; /* the NUL */
	const struct vnode *v;

	for (v = n; v->parent != v; v = v->parent)
		need += 1 + v->name_len;
	if (n->parent == n)
		need++; /* "/" */
	if (need > size)
		return -ERANGE;
	size_t end = need - 1;
	buf[end] = 0;
	if (n->parent == n) {
		buf[0] = '/';
		return (long)need;
	}
	for (v = n; v->parent != v; v = v->parent) {
		end -= v->name_len;
		memcpy(buf + end, v->name, v->name_len);
		buf[--end] = '/';
	}
	return (long)need;
}

#ifdef HOST_TEST
/* Host tests: free everything, so the leak checker has nothing to say. */
void vfs_tree_free_for_test(void);
void vfs_tree_free_for_test(void)
{
	if (root)
		free_tree(root);
	root = 0;
}
#endif
