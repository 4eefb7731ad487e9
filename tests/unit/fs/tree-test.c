// SPDX-License-Identifier: MIT
/*
 * kernel/fs/vfs_tree.c: building the tree from archive-style names
 * (implicit parents, "./" prefixes, duplicates, refusals) and path
 * resolution: absolute and relative paths, "." and "..", the root's "..",
 * symlinks (relative, absolute, to directories, in the middle, loops),
 * trailing slashes, ENOENT/ENOTDIR/ENAMETOOLONG/ELOOP, and the path of a
 * node back (getcwd).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/errno.h"
#include "kernel/fs/fs_internal.h"

extern long fake_live_objects;
extern int fake_fail_after;

static struct vnode *add(const char *path, uint32_t mode, const char *data)
{
	struct vnode *n = 0;
	int r = vfs_tree_add(path, strlen(path), mode, (const uint8_t *)data,
			     data ? strlen(data) : 0, &n);
	if (r)
		fail_msg("vfs_tree_add(%s) = %d", path, r);
	return n;
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(vfs_tree_reset());
	add(".", S_IFDIR | 0755, 0);
	add("./bin", S_IFDIR | 0755, 0);
	add("./bin/init", S_IFREG | 0755, "ELF");
	add("bin/sh", S_IFLNK | 0777, "init");
	add("/usr/lib/libc.a", S_IFREG | 0644, "lib"); /* parents implied */
	add("lib", S_IFLNK | 0777, "usr/lib");
	add("abs", S_IFLNK | 0777, "/bin/init");
	add("loop", S_IFLNK | 0777, "loop");
	add("ping", S_IFLNK | 0777, "pong");
	add("pong", S_IFLNK | 0777, "ping");
	add("dangling", S_IFLNK | 0777, "nowhere");
	add("up", S_IFLNK | 0777, "..");
	add("usr/lib/back", S_IFLNK | 0777, "../../bin");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vfs_tree_reset(); /* frees the test's tree */
	return 0;
}

static struct vnode *must(struct vnode *cwd, const char *path, int flags)
{
	struct vnode *n = 0;
	int r = vfs_lookup(cwd, path, flags, &n);
	if (r)
		fail_msg("lookup '%s' = %d", path, r);
	return n;
}

static int err(struct vnode *cwd, const char *path, int flags)
{
	struct vnode *n;
	return vfs_lookup(cwd, path, flags, &n);
}

static void test_absolute_and_dots(void **state)
{
	(void)state;
	struct vnode *init = must(0, "/bin/init", 0);
	assert_int_equal(init->mode & S_IFMT, S_IFREG);
	assert_int_equal(init->size, 3);
	assert_ptr_equal(must(0, "/bin/./init", 0), init);
	assert_ptr_equal(must(0, "//bin///init", 0), init);
	assert_ptr_equal(must(0, "/usr/../bin/init", 0), init);
	assert_ptr_equal(must(0, "/..", 0), vfs_root());
	assert_ptr_equal(must(0, "/../../bin/init", 0), init);
	assert_ptr_equal(must(0, "/", 0), vfs_root());
	assert_ptr_equal(must(0, "/bin/", 0), must(0, "/bin", 0));
}

static void test_relative(void **state)
{
	(void)state;
	struct vnode *bin = must(0, "/bin", 0), *usr = must(0, "/usr", 0);
	assert_ptr_equal(must(bin, "init", 0), must(0, "/bin/init", 0));
	assert_ptr_equal(must(bin, "..", 0), vfs_root());
	assert_ptr_equal(must(usr, "../bin/init", 0), must(0, "/bin/init", 0));
	assert_ptr_equal(must(bin, ".", 0), bin);
	assert_ptr_equal(must(bin, "/usr", 0), usr); /* absolute wins */
}

static void test_symlinks(void **state)
{
	(void)state;
	struct vnode *init = must(0, "/bin/init", 0);
	assert_int_equal(must(0, "/bin/sh", 0)->mode & S_IFMT, S_IFLNK);
	assert_ptr_equal(must(0, "/bin/sh", LOOKUP_FOLLOW), init);
	assert_ptr_equal(must(0, "/abs", LOOKUP_FOLLOW), init);
	/* A symlink in the middle is always followed. */
	assert_ptr_equal(must(0, "/lib/libc.a", 0), must(0, "/usr/lib/libc.a", 0));
	assert_ptr_equal(must(0, "/lib/back/init", 0), init);
	/* ".." after a symlinked directory is the target's parent. */
	assert_ptr_equal(must(0, "/lib/..", 0), must(0, "/usr", 0));
	assert_ptr_equal(must(must(0, "/bin", 0), "/up/bin/init", 0), init);
	/* A trailing slash follows too. */
	assert_int_equal(must(0, "/lib/", 0)->mode & S_IFMT, S_IFDIR);
}

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(err(0, "/nope", 0), -ENOENT);
	assert_int_equal(err(0, "/bin/nope/x", 0), -ENOENT);
	assert_int_equal(err(0, "", 0), -ENOENT);
	assert_int_equal(err(0, "/bin/init/x", 0), -ENOTDIR);
	assert_int_equal(err(0, "/bin/init/", 0), -ENOTDIR);
	assert_int_equal(err(0, "/bin/init/..", 0), -ENOTDIR);
	assert_int_equal(err(0, "/bin/sh/", 0), -ENOTDIR);
	assert_int_equal(err(0, "/loop", LOOKUP_FOLLOW), -ELOOP);
	assert_int_equal(err(0, "/ping/x", 0), -ELOOP);
	assert_int_equal(err(0, "/loop", 0), 0); /* not followed */
	assert_int_equal(err(0, "/dangling", LOOKUP_FOLLOW), -ENOENT);
	assert_int_equal(err(0, "/dangling", 0), 0);

	char name[NAME_MAX + 3];
	memset(name, 'a', sizeof(name));
	name[0] = '/';
	name[NAME_MAX + 2] = 0; /* NAME_MAX + 1 letters */
	assert_int_equal(err(0, name, 0), -ENAMETOOLONG);
	name[NAME_MAX + 1] = 0; /* NAME_MAX letters: just missing */
	assert_int_equal(err(0, name, 0), -ENOENT);

	static char longp[PATH_MAX + 2];
	for (int i = 0; i < PATH_MAX; i++)
		longp[i] = i % 2 ? '/' : '.';
	longp[PATH_MAX] = 0; /* PATH_MAX characters: too long with the NUL */
	assert_int_equal(err(0, longp, 0), -ENAMETOOLONG);
	longp[PATH_MAX - 1] = 0;
	assert_int_equal(err(0, longp, 0), 0);
}

static void test_build_rules(void **state)
{
	struct vnode *n;
	(void)state;
	/* ".." in an archive name is refused. */
	assert_int_equal(vfs_tree_add("a/../b", 6, S_IFREG, 0, 0, &n), -EINVAL);
	assert_int_equal(vfs_tree_add("..", 2, S_IFREG, 0, 0, &n), -EINVAL);
	/* A file where a directory is needed, and the reverse. */
	assert_int_equal(vfs_tree_add("bin/init/x", 10, S_IFREG, 0, 0, &n),
			 -EINVAL);
	assert_int_equal(vfs_tree_add("bin", 3, S_IFREG, 0, 0, &n), -EINVAL);
	assert_int_equal(vfs_tree_add("bin/init", 8, S_IFDIR, 0, 0, &n), -EINVAL);
	/* A later file entry replaces the earlier one's contents. */
	assert_int_equal(vfs_tree_add("bin/init", 8, S_IFREG | 0700,
				      (const uint8_t *)"NEW!", 4, &n), 0);
	assert_ptr_equal(n, must(0, "/bin/init", 0));
	assert_int_equal(n->size, 4);
	assert_int_equal(n->mode, S_IFREG | 0700);
	/* "./" and trailing "/." name the same node. */
	assert_int_equal(vfs_tree_add("./bin/.", 7, S_IFDIR | 0700, 0, 0, &n), 0);
	assert_ptr_equal(n, must(0, "/bin", 0));
	/* Out of memory: an error, never a crash. */
	fake_fail_after = 0;
	assert_int_equal(vfs_tree_add("new/dir/file", 12, S_IFREG, 0, 0, &n),
			 -ENOMEM);
	fake_fail_after = -1;
}

static void test_many_children(void **state)
{
	(void)state;
	char name[32];
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "many/f%03d", i);
		add(name, S_IFREG | 0644, "x");
	}
	struct vnode *d = must(0, "/many", 0);
	assert_int_equal(d->nchild, 300);
	assert_non_null(must(0, "/many/f000", 0));
	assert_non_null(must(0, "/many/f299", 0));
}

static void test_path_of(void **state)
{
	char buf[64];
	(void)state;
	assert_int_equal(vfs_path_of(vfs_root(), buf, sizeof(buf)), 2);
	assert_string_equal(buf, "/");
	long n = vfs_path_of(must(0, "/usr/lib/libc.a", 0), buf, sizeof(buf));
	assert_int_equal(n, 16);
	assert_string_equal(buf, "/usr/lib/libc.a");
	assert_int_equal(vfs_path_of(must(0, "/usr/lib", 0), buf, 9), 9);
	assert_int_equal(vfs_path_of(must(0, "/usr/lib", 0), buf, 8), -ERANGE);
	assert_int_equal(vfs_path_of(vfs_root(), buf, 1), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_absolute_and_dots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_build_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_children, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_of, setup, teardown),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	vfs_tree_reset();
	extern void vfs_tree_free_for_test(void);
	vfs_tree_free_for_test();
	if (fake_live_objects != 0) {
		fprintf(stderr, "%ld objects leaked\n", fake_live_objects);
		return 1;
	}
	return r;
}
