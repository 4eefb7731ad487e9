// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for kernel/fs/cpio.c and the tree built from it
 * (kernel/fs/vfs_tree.c), as vfs_init uses them: arbitrary bytes are read
 * as a newc archive in a heap copy of exactly their size (so ASan sees a
 * read one byte past the end); every entry is checked against cpio.h's
 * promises (name and data inside the buffer, the NUL where it belongs,
 * headers in increasing order), added to a fresh tree, and looked up
 * again by its own name. Aborts if a promise is broken.
 *
 * Seeds: corpus/cpio/ (small archives from tools/mkinitrd).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/errno.h"
#include "kernel/fs/cpio.h"
#include "kernel/fs/fs_internal.h"

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "cpio_fuzz: check '%s' failed at " \
					"line %d\n",                       \
				#cond, __LINE__);                          \
			abort();                                           \
		}                                                          \
	} while (0)

extern long fake_live_objects;
void vfs_tree_free_for_test(void);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	struct cpio_reader r;
	struct cpio_entry e;
	size_t last = 0;
	int rc, n = 0;

	memcpy(buf, data, size);
	CHECK(vfs_tree_reset());
	cpio_reader_init(&r, buf, size);
	while ((rc = cpio_next(&r, &e)) == 1) {
		const uint8_t *end = buf + size;
		CHECK((const uint8_t *)e.name >= buf);
		CHECK((const uint8_t *)e.name + e.name_len < end);
		CHECK(e.name[e.name_len] == 0);
		CHECK(strlen(e.name) == e.name_len);
		CHECK(e.data >= buf && e.data <= end);
		CHECK(e.size <= (uint64_t)(end - e.data));
		CHECK(n == 0 || e.offset > last);
		last = e.offset;
		n++;
		uint32_t type = e.mode & CPIO_S_IFMT;
		if (type != CPIO_S_IFDIR && type != CPIO_S_IFREG &&
		    type != CPIO_S_IFLNK)
			continue;
		struct vnode *node = 0, *found = 0;
		int ar = vfs_tree_add(e.name, e.name_len, e.mode, e.data, e.size,
				      &node);
		CHECK(ar == 0 || ar == -EINVAL);
		if (ar == 0 && e.name_len > 0 && e.name_len < PATH_MAX - 1) {
			/* Found again by its own name, unless a symlink on the
			 * way leads elsewhere (then any answer is fine). */
			int lr = vfs_lookup(0, e.name, 0, &found);
			CHECK(lr == 0 || lr == -ENOENT || lr == -ENOTDIR ||
			      lr == -ELOOP || lr == -ENAMETOOLONG);
			char path[PATH_MAX];
			if (lr == 0)
				CHECK(vfs_path_of(found, path, sizeof(path)) > 0);
		}
	}
	CHECK(rc == 0 || (rc == -1 && r.error));
	CHECK(cpio_next(&r, &e) == rc); /* the end, or the error, sticks */
	vfs_tree_free_for_test();
	CHECK(fake_live_objects == 0);
	free(buf);
	return 0;
}
