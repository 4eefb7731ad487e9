// SPDX-License-Identifier: MIT
/* kzalloc/kfree for host tests of code that allocates (vfs_tree.c), with
 * a count of live objects so tests can check nothing leaks. */
#include <stdlib.h>

#include "kernel/mm/heap.h"

long fake_live_objects;
int fake_fail_after = -1; /* >= 0: that many more allocations succeed */

void *kzalloc(size_t size)
{
	if (fake_fail_after == 0)
		return 0;
	if (fake_fail_after > 0)
		fake_fail_after--;
	void *p = calloc(1, size ? size : 1);
	if (p)
		fake_live_objects++;
	return p;
}

void *kmalloc(size_t size)
{
	return kzalloc(size);
}

void kfree(void *p)
{
	if (p)
		fake_live_objects--;
	free(p);
}
