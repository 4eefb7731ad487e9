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
const struct syscall_entry syscalls_mm[] = { { 0, 0, 0 } }; /* TEMPORARY: mm */

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

/* TEMPORARY: provided by mm */
struct aspace *aspace_create(void) { return 0; }
struct aspace *aspace_fork(struct aspace *parent) { return 0; }
void aspace_get(struct aspace *as) { (void)as; }
void aspace_put(struct aspace *as) { (void)as; }
int aspace_map(struct aspace *as, uint64_t addr, uint64_t len, unsigned prot,
	       unsigned flags, const struct vm_file *file, uint64_t file_off,
	       uint64_t file_len) { return -ENOMEM; }
int aspace_write(struct aspace *as, uint64_t addr, const void *src, uint64_t len) { return -EFAULT; }
void aspace_set_brk(struct aspace *as, uint64_t start) { (void)as; }
int aspace_fault(struct aspace *as, uint64_t addr, uint64_t error) { return -EFAULT; }
void aspace_switch(struct aspace *next) { (void)next; }
int copy_from_user(void *dst, const void *usrc, size_t n) { return -EFAULT; }
int copy_to_user(void *udst, const void *src, size_t n) { return -EFAULT; }
long strncpy_from_user(char *dst, const char *usrc, size_t max) { return -EFAULT; }
int copy_from_user_nofault(void *dst, const void *usrc, size_t n) { return -EFAULT; }
int user_range_ok(uint64_t addr, uint64_t n) { return addr < USER_TOP && n <= USER_TOP - addr; }
