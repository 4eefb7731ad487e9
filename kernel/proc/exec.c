// SPDX-License-Identifier: MIT
/*
 * execve: replace a process's program (proc.h). The new image is built
 * completely in a new address space first (validate, then commit): on any
 * error the calling program continues unchanged with -errno.
 *
 * The initial stack is the System V x86-64 psABI's (3.4.1): argc, argv
 * pointers, NULL, envp pointers, NULL, the auxiliary vector, with the
 * strings and AT_RANDOM's bytes above it, rsp 16-byte aligned at argc.
 */
#include "proc.h"

#include "../arch/x86.h"
#include "../errno.h"
#include "../fs/vfs.h"
#include "../lib/string.h"
#include "../log.h"
#include "../mm/aspace.h"
#include "../mm/heap.h"
#include "../trap.h"
#include "elf.h"
#include "proc_internal.h"

#define EXEC_STACK_INIT (256 * 1024) /* mapped at exec; grows from there */
#define EXEC_ARGS_MAX (128 * 1024)   /* argv + envp strings (-E2BIG) */

/* Auxiliary vector keys (Linux include/uapi/linux/auxvec.h). */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31
#define AUX_COUNT 17 /* entries below, AT_NULL included */

#define USER_HZ 100 /* AT_CLKTCK: times() ticks, as Linux reports */

static const char *base_name(const char *path)
{
	const char *b = path;
	for (const char *s = path; *s; s++)
		if (*s == '/' && s[1])
			b = s + 1;
	return b;
}

/*
 * Lay out the initial stack in a kernel buffer that mirrors
 * [*sp_out, USER_STACK_TOP) and write it into `as`.
 */
static int build_stack(struct aspace *as, const struct process *p,
		       const struct elf_user *elf, const char *path, int argc,
		       char *const argv[], int envc, char *const envp[],
		       uint64_t *sp_out)
{
	uint64_t strings = strlen(path) + 1;
	for (int i = 0; i < argc; i++)
		strings += strlen(argv[i]) + 1;
	for (int i = 0; i < envc; i++)
		strings += strlen(envp[i]) + 1;
	if (strings > EXEC_ARGS_MAX)
		return -E2BIG;

	uint64_t top = USER_STACK_TOP;
	uint64_t str_lo = (top - strings - 16) & ~15ULL; /* + AT_RANDOM */
	uint64_t vec_words = 1 + (uint64_t)argc + 1 + (uint64_t)envc + 1 +
			     2 * AUX_COUNT;
	uint64_t sp = (str_lo - vec_words * 8) & ~15ULL;
	uint64_t len = top - sp;
	uint8_t *buf = kzalloc(len);
	if (!buf)
		return -ENOMEM;
#define AT(uaddr) (buf + ((uaddr) - sp)) /* kernel view of a user address */

	uint64_t s = str_lo + 16, random_at = str_lo;
	random_fill(AT(random_at), 16);
	uint64_t *vec = (uint64_t *)AT(sp);
	int w = 0;
	vec[w++] = (uint64_t)argc;
	for (int i = 0; i < argc; i++) {
		uint64_t n = strlen(argv[i]) + 1;
		memcpy(AT(s), argv[i], n);
		vec[w++] = s;
		s += n;
	}
	vec[w++] = 0;
	for (int i = 0; i < envc; i++) {
		uint64_t n = strlen(envp[i]) + 1;
		memcpy(AT(s), envp[i], n);
		vec[w++] = s;
		s += n;
	}
	vec[w++] = 0;
	uint64_t execfn = s;
	memcpy(AT(s), path, strlen(path) + 1);

	const uint64_t aux[AUX_COUNT][2] = {
		{ AT_PHDR, elf->phdr },
		{ AT_PHENT, elf->phent },
		{ AT_PHNUM, elf->phnum },
		{ AT_PAGESZ, 4096 },
		{ AT_BASE, 0 },
		{ AT_FLAGS, 0 },
		{ AT_ENTRY, elf->entry },
		{ AT_UID, p->uid },
		{ AT_EUID, p->euid },
		{ AT_GID, p->gid },
		{ AT_EGID, p->egid },
		{ AT_HWCAP, cpuid(1, 0).edx },
		{ AT_CLKTCK, USER_HZ },
		{ AT_SECURE, 0 },
		{ AT_RANDOM, random_at },
		{ AT_EXECFN, execfn },
		{ AT_NULL, 0 },
	};
	for (int i = 0; i < AUX_COUNT; i++) {
		vec[w++] = aux[i][0];
		vec[w++] = aux[i][1];
	}
#undef AT
	int r = aspace_write(as, sp, buf, len);
	kfree(buf);
	*sp_out = sp;
	return r;
}

/* The program file, found and checked as an ELF program we can run (one
 * log line saying why not). */
static int exec_find(struct process *p, const char *path, struct vm_file *file,
		     struct elf_user *elf)
{
	const char *why;
	int r = vfs_exec_file(p->fs, path, file);
	if (r < 0)
		return r;
	r = elf_user_check(file->data, file->size, USER_PIE_BASE, USER_MIN,
			   USER_STACK_TOP - USER_STACK_MAX - (1ULL << 30), elf,
			   &why);
	if (r < 0)
		kprintf("exec: %s[%d]: %s: %s", p->name, p->pid, path, why);
	return r;
}

int proc_exec_into(struct process *p, struct uctx *u, struct trap_frame *f,
		   const char *path, int argc, char *const argv[], int envc,
		   char *const envp[])
{
	struct vm_file file;
	struct elf_user elf;
	int r = exec_find(p, path, &file, &elf);
	if (r < 0)
		return r;
	struct aspace *as = aspace_create();
	if (!as)
		return -ENOMEM;
	for (int i = 0; i < elf.nloads && r == 0; i++)
		r = aspace_map(as, elf.load[i].vaddr, elf.load[i].memsz,
			       elf.load[i].prot, 0, &file, elf.load[i].file_off,
			       elf.load[i].file_len);
	if (r == 0)
		r = aspace_map(as, USER_STACK_TOP - EXEC_STACK_INIT,
			       EXEC_STACK_INIT, VM_READ | VM_WRITE,
			       VM_GROWSDOWN, 0, 0, 0);
	uint64_t sp = 0;
	if (r == 0) {
		aspace_set_brk(as, elf.brk);
		r = build_stack(as, p, &elf, path, argc, argv, envc, envp, &sp);
	}
	if (r < 0) {
		aspace_put(as);
		return r;
	}

	/* Commit: nothing below can fail. */
	struct aspace *old = p->as;
	spin_lock(&p->lock);
	p->as = as;
	const char *b = base_name(path);
	size_t n = strlen(b) < sizeof(p->name) - 1 ? strlen(b) :
						     sizeof(p->name) - 1;
	memset(p->name, 0, sizeof(p->name));
	memcpy(p->name, b, n);
	spin_unlock(&p->lock);
	uint64_t flags = irq_save();
	u->as = as;
	if (u == &uthread_current()->uctx)
		aspace_switch(as);
	irq_restore(flags);
	if (old)
		aspace_put(old);
	uctx_frame_reset(f, elf.entry, sp);
	u->fs_base = 0;
	return 0;
}

static bool alone(void *arg)
{
	struct process *p = arg;
	return __atomic_load_n(&p->nthreads, __ATOMIC_ACQUIRE) == 1 ||
	       __atomic_load_n(&p->group_exit, __ATOMIC_ACQUIRE);
}

/* Linux's de_thread: every other thread of p leaves before the new
 * program starts (they would run on in memory that is about to go). Each
 * is kicked out of user mode or a blocking call and exits on its way
 * back; the caller waits until it is alone. -EAGAIN if another thread is
 * already exec'ing, -EINTR if the process is being killed meanwhile. */
static int exec_stop_other_threads(struct uthread *t, struct process *p)
{
	spin_lock(&p->lock);
	if (p->exec_thread || p->group_exit) {
		spin_unlock(&p->lock);
		return p->group_exit ? -EINTR : -EAGAIN;
	}
	if (p->nthreads == 1) {
		spin_unlock(&p->lock);
		return 0;
	}
	__atomic_store_n(&p->exec_thread, t, __ATOMIC_RELEASE);
	struct list_node *n;
	list_for_each(n, &p->threads) {
		struct uthread *o = container_of(n, struct uthread, proc_node);
		if (o != t)
			signal_kick_thread(o);
	}
	spin_unlock(&p->lock);
	while (!alone(p))
		wait_queue_block_if(&p->exec_wq, alone, p);
	__atomic_store_n(&p->exec_thread, 0, __ATOMIC_RELEASE);
	return p->group_exit ? -EINTR : 0;
}

int proc_exec(struct trap_frame *f, const char *path, int argc,
	      char *const argv[], int envc, char *const envp[])
{
	struct uthread *t = uthread_current();
	struct process *p = t->proc;
	/* Checked before the other threads are stopped: a missing file or a
	 * bad ELF must leave a multi-threaded program running as it was (the
	 * ELF check was done only after, in proc_exec_into, so an ENOEXEC
	 * killed the caller's other threads). proc_exec_into looks again:
	 * initramfs files do not change. */
	struct vm_file file;
	struct elf_user elf;
	int r = exec_find(p, path, &file, &elf);
	if (r < 0)
		return r;
	r = exec_stop_other_threads(t, p);
	if (r < 0)
		return r;
	r = proc_exec_into(p, &t->uctx, f, path, argc, argv, envc, envp);
	if (r < 0)
		return r;
	fdt_close_on_exec(p->files);
	signal_exec_reset(p);
	/* The old program's CLONE_CHILD_CLEARTID/set_tid_address word is
	 * gone with its memory: at exit we would zero 4 bytes of the new
	 * program (Linux clears it in exec_mm_release). */
	t->clear_child_tid = 0;
	char name[16];
	uthread_name(t, name);
	thread_set_name(&t->kt.t, name);
	/* The FS base the old program set is gone with its memory. */
	uint64_t flags = irq_save();
	wrmsr(MSR_FS_BASE, 0);
	irq_restore(flags);
	/* So are its FPU registers: the new program starts with the initial
	 * MXCSR, x87 control word and zeroed vector registers, as on Linux,
	 * not with the old program's (after fork, another program's). */
	uctx_fpu_reset_current(&t->uctx);
	/* A vfork parent may go on now: we no longer use its memory. */
	proc_vfork_release(p);
	return 0;
}
