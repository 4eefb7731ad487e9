// SPDX-License-Identifier: MIT
/*
 * TEMPORARY: definitions the coordinator's branch needs until the "mm" and
 * "fs" parts are merged. Deleted at merge (docs/userspace.md, work plan).
 */
#include "../errno.h"
#include "../fs/vfs.h"
#include "../mm/aspace.h"
#include "../mm/usercopy.h"
#include "../syscall/syscall.h"

const struct syscall_entry syscalls_fs[] = { { 0, 0, 0 } }; /* TEMPORARY: fs */

/* TEMPORARY: provided by fs */
struct fd_table *fdt_create(void) { return 0; }
struct fd_table *fdt_fork(struct fd_table *t) { return t; }
void fdt_get(struct fd_table *t) { (void)t; }
void fdt_put(struct fd_table *t) { (void)t; }
void fdt_close_on_exec(struct fd_table *t) { (void)t; }
int fdt_open_console(struct fd_table *t) { (void)t; return -ENOSYS; }
struct fs_ctx *fs_ctx_create(void) { return 0; }
struct fs_ctx *fs_ctx_fork(struct fs_ctx *c) { return c; }
void fs_ctx_get(struct fs_ctx *c) { (void)c; }
void fs_ctx_put(struct fs_ctx *c) { (void)c; }
int vfs_exec_file(struct fs_ctx *ctx, const char *path, struct vm_file *out) { return -ENOENT; }

