// SPDX-License-Identifier: MIT
/*
 * Temporary definitions so the mm branch builds and boots before the
 * parts that provide them are merged. The coordinator deletes this file
 * at merge.
 */
#include "../errno.h"
#include "../mm/aspace.h"

/* TEMPORARY: provided by fs (kernel/fs). Until then no descriptor can be
 * mapped. */
int vfs_fd_vm_file(int fd, struct vm_file *out)
{
	(void)fd;
	(void)out;
	return -EBADF;
}
