// SPDX-License-Identifier: MIT
/*
 * The system call table and dispatcher (syscall.h has the contract), and
 * the per-CPU MSR set-up for `syscall`/`sysret` (Intel SDM Vol. 3A 5.8.8).
 *
 * The table is built once at boot from the family arrays, so each family
 * file lists its own calls next to their code and this file owns only the
 * merge: a number claimed twice is a build mistake and panics at boot.
 */
#include "syscall.h"

#include "../arch/x86.h"
#include "../cpu.h"
#include "../gdt.h"
#include "../log.h"
#include "../panic.h"
#include "../proc/proc.h"
#include "../proc/uctx.h"
#include "../time.h"
#include "../trap.h"

#define EFER_SCE 1ULL /* syscall/sysret enable */
/* RFLAGS bits cleared on entry: IF (interrupts off until the frame is
 * built), TF (no single-step into the kernel), DF (the ABI wants it
 * clear), AC (SMAP closed), NT. */
#define SYSCALL_FMASK (RFLAGS_IF | 0x100 | 0x400 | 0x40000 | 0x4000)

/* At most this many -ENOSYS lines per second, kernel-wide. */
#define ENOSYS_LOG_PER_S 10

extern void syscall_entry(void);

_Static_assert(__builtin_offsetof(struct trap_frame, r11) == 32, "entry.S TF_R11");
_Static_assert(__builtin_offsetof(struct trap_frame, rcx) == 96, "entry.S TF_RCX");
_Static_assert(__builtin_offsetof(struct trap_frame, rax) == 112, "entry.S TF_RAX");
_Static_assert(__builtin_offsetof(struct trap_frame, rip) == 136, "entry.S TF_RIP");
_Static_assert(__builtin_offsetof(struct trap_frame, cs) == 144, "entry.S TF_CS");
_Static_assert(__builtin_offsetof(struct trap_frame, rflags) == 152, "entry.S TF_RFLAGS");
_Static_assert(__builtin_offsetof(struct trap_frame, rsp) == 160, "entry.S TF_RSP");
_Static_assert(__builtin_offsetof(struct trap_frame, ss) == 168, "entry.S TF_SS");
_Static_assert(GDT_USER_DATA == 0x1b && GDT_USER_CODE == 0x23,
	      "entry.S hard-codes the user selectors");
/* sysret's selector arithmetic: SS = STAR[63:48] + 8, CS = + 16. */
_Static_assert(GDT_USER_CODE == GDT_USER_DATA + 8, "SYSRET needs udata, ucode");

static const struct syscall_entry *const families[] = {
	syscalls_fs, syscalls_mm, syscalls_proc, syscalls_fork,
	syscalls_futex, syscalls_signal, syscalls_time, syscalls_sched,
};

/* Written once at boot (syscall_table_init), read-only afterwards. */
static const struct syscall_entry *table[SYS_COUNT];

void syscall_table_init(void)
{
	int n = 0;
	for (unsigned f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		for (const struct syscall_entry *e = families[f]; e->fn; e++) {
			if (e->nr < 0 || e->nr >= SYS_COUNT)
				panic("syscall: %s has number %d, outside the table",
				      e->name, e->nr);
			if (table[e->nr])
				panic("syscall: number %d claimed by both %s and %s",
				      e->nr, table[e->nr]->name, e->name);
			table[e->nr] = e;
			n++;
		}
	}
	kprintf("syscall: %d Linux system calls implemented", n);
}

void syscall_cpu_init(void)
{
	/* syscall: CS = STAR[47:32], SS = that + 8. sysret (64-bit): CS =
	 * STAR[63:48] + 16, SS = STAR[63:48] + 8, both with RPL 3. */
	uint64_t star = ((uint64_t)(GDT_USER_DATA - 8) << 48) |
			((uint64_t)GDT_KERNEL_CODE << 32);
	wrmsr(MSR_STAR, star);
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, SYSCALL_FMASK);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* The user GS base while in the kernel (swapgs exchanges it with
	 * GS_BASE). User programs cannot change it (no FSGSBASE, no
	 * ARCH_SET_GS), so it is 0 for every thread. */
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

const char *syscall_name(int nr)
{
	return nr >= 0 && nr < SYS_COUNT && table[nr] ? table[nr]->name : 0;
}

static void log_enosys(uint64_t nr)
{
	static _Atomic uint64_t window_start_ns;
	static _Atomic int in_window;
	uint64_t now = now_ns(), start = window_start_ns;
	if (now - start >= 1000000000ULL) {
		window_start_ns = now;
		in_window = 0;
	}
	if (in_window++ >= ENOSYS_LOG_PER_S)
		return;
	struct process *p = proc_current();
	kprintf("syscall: %s[%d]: system call %ld is not implemented (-ENOSYS)",
		p ? p->name : "?", p ? p->pid : -1, (long)nr);
}

void syscall_dispatch(struct trap_frame *f)
{
	struct syscall_args a = {
		.a = { f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9 },
		.nr = (int)f->rax,
		.frame = f,
	};
	long r;
	f->error = f->rax; /* for a restart after a signal (signal.c) */
	/* rax is 64 bits; a number that only matches after truncation is
	 * still an unknown number. */
	if (f->rax < SYS_COUNT && table[f->rax]) {
		r = table[f->rax]->fn(&a);
	} else {
		log_enosys(f->rax);
		r = -ENOSYS;
	}
	/* execve and rt_sigreturn set the whole frame themselves. */
	if (r != SYSCALL_FRAME_SET)
		f->rax = (uint64_t)r;
	user_exit_work(f);
}
