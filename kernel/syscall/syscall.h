/* SPDX-License-Identifier: MIT */
/*
 * System calls: Linux's x86-64 ABI, a subset (docs/userspace.md lists each
 * call and its status).
 *
 * A user program executes `syscall` with the number in rax and up to six
 * arguments in rdi, rsi, rdx, r10, r8, r9. kernel/syscall/entry.S switches
 * to the thread's kernel stack, saves the user registers as a struct
 * trap_frame at the top of that stack (the same layout an interrupt from
 * user mode builds, so fork, signals and ptrace-like tools see one frame
 * type), and calls syscall_dispatch(). The result goes back in rax; a
 * negative value in [-4095, -1] is an errno, as on Linux.
 *
 * Families: each file kernel/syscall/sys_*.c (and kernel/proc/signal.c)
 * defines one array of struct syscall_entry, terminated by an entry with
 * fn == NULL; table.c merges them at boot into one table indexed by number
 * and panics on a number claimed twice. A number nobody claims returns
 * -ENOSYS and logs one rate-limited line naming the number and the process.
 *
 * Read next: kernel/syscall/entry.S (the way in and out), table.c.
 */
#ifndef COHORT_SYSCALL_H
#define COHORT_SYSCALL_H

#include <stdint.h>

#include "../errno.h"
#include "nr.h"

struct trap_frame;

/* The arguments of one call, as the user passed them (no validation yet:
 * every handler validates its own, and treats every pointer as hostile;
 * kernel/mm/usercopy.h). `frame` is the calling thread's saved user state
 * (fork copies it, execve and rt_sigreturn rewrite it). */
struct syscall_args {
	uint64_t a[6]; /* rdi, rsi, rdx, r10, r8, r9 */
	int nr;
	struct trap_frame *frame;
};

/* Returns the value for rax: >= 0 on success, -errno on failure; or
 * SYSCALL_FRAME_SET when the handler has set the whole user frame itself
 * (execve, rt_sigreturn), rax included. No call returns that value
 * otherwise: it is below every errno and no address is negative. */
#define SYSCALL_FRAME_SET (-4097L)

/* A blocking call interrupted by a signal returns this; on the way out it
 * becomes a restart (SA_RESTART, or the signal had no handler) or -EINTR
 * (Linux's ERESTARTSYS; never seen by user programs). */
#define ERESTARTSYS 512
/* Linux's ERESTARTNOHAND (never seen by user programs either): restart
 * the call if no handler ran, else -EINTR whatever SA_RESTART says
 * (pause, rt_sigsuspend). */
#define ERESTARTNOHAND 514

/* trap_frame.vector of a frame built by `syscall` (not a CPU vector);
 * its `error` slot then holds the call's number (Linux's orig_rax). */
#define SYSCALL_FRAME_VECTOR 0x100
typedef long (*syscall_fn)(const struct syscall_args *args);

struct syscall_entry {
	int nr;
	syscall_fn fn;
	const char *name; /* for -ENOSYS-free logs and `strace`-like traces */
};

/* The families (NULL-terminated arrays). */
extern const struct syscall_entry syscalls_fs[];     /* sys_fs.c */
extern const struct syscall_entry syscalls_mm[];     /* sys_mm.c */
extern const struct syscall_entry syscalls_proc[];   /* sys_proc.c */
extern const struct syscall_entry syscalls_fork[];   /* proc/fork.c */
extern const struct syscall_entry syscalls_futex[];  /* proc/futex.c */
extern const struct syscall_entry syscalls_signal[]; /* proc/signal.c */
extern const struct syscall_entry syscalls_time[];   /* sys_time.c */
extern const struct syscall_entry syscalls_sched[];  /* sys_sched.c */

/* Merge the families into the table; panics on a duplicate number. Call
 * once at boot, before the first user thread starts. */
void syscall_table_init(void);

/* Set up the MSRs `syscall` needs (STAR, LSTAR, FMASK, EFER.SCE) on this
 * CPU. Every CPU, interrupts off, after gdt_init. */
void syscall_cpu_init(void);

/* Called by entry.S with interrupts on, on the thread's kernel stack.
 * Runs the handler, stores its result in frame->rax, then the exit work
 * (signal delivery, reschedule) before entry.S returns to user mode. */
void syscall_dispatch(struct trap_frame *frame);

/* Name of a call for logs ("write"), or NULL if not in the table. */
const char *syscall_name(int nr);

#endif
