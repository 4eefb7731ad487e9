/* SPDX-License-Identifier: MIT */
/*
 * The machine state of a user thread that is not in its saved registers:
 * where its kernel stack ends (TSS RSP0 and the syscall stack), its FS
 * base (TLS), its FPU/SSE/AVX registers, and its address space. The
 * registers themselves are a struct trap_frame at the very top of the
 * kernel stack whenever the thread is in the kernel (uctx_frame()).
 *
 * FPU state is switched eagerly: arch_switch saves a user thread's
 * registers when it leaves the CPU and loads the next user thread's. The
 * kernel is built with -mgeneral-regs-only and never touches them, so
 * between two user threads (kernel threads included) they hold the last
 * user thread's state untouched. XSAVE with the size CPUID reports for
 * the features we enable (Intel SDM Vol. 1 13.x), else FXSAVE.
 *
 * Read next: kernel/syscall/entry.S (how the frame is built), proc.h.
 */
#ifndef COHORT_PROC_UCTX_H
#define COHORT_PROC_UCTX_H

#include <stdint.h>

struct aspace;
struct kctx;
struct trap_frame;

struct uctx {
	/* Set at creation; read-only afterwards. The user frame is the
	 * struct trap_frame just below kstack_top. */
	uint64_t kstack_top;
	/* Owned by the thread itself (it changes them in its own system
	 * calls); the context switch reads them with the thread off CPU or
	 * being switched in. */
	uint64_t fs_base;
	struct aspace *as; /* reference held by the process */
	void *fpu;	   /* 64-byte aligned save area */
	void *fpu_alloc;   /* what kmalloc returned, for kfree */
};

/* Per CPU at boot (after gdt_init): CR0/CR4/XCR0 for FPU, SSE and the
 * XSAVE features user programs may use; the BSP logs which. */
void fpu_cpu_init(void);
/* Bytes of the FPU save area (512 for FXSAVE). */
uint32_t fpu_area_size(void);

/* A fresh context: FPU in its initial state (FCW 0x37f, MXCSR 0x1f80),
 * FS base 0. 0 or -ENOMEM. */
int uctx_init(struct uctx *u, uint64_t kstack_top, struct aspace *as);
/* Copy the current thread's FPU registers and FS base into `dst` (fork,
 * clone). */
void uctx_copy_current(struct uctx *dst);
void uctx_free(struct uctx *u);
/* MXCSR bits the CPU accepts (for sanitising a user's FPU image). */
uint32_t fpu_mxcsr_mask(void);
/* The FPU area of the running thread, brought up to date (for a signal
 * frame). Interrupts on or off. */
void uctx_fpu_save_current(struct uctx *u);
/* Replace the running thread's FPU registers (and area) with `img`, a
 * sanitised image of fpu_area_size() bytes in kernel memory (rt_sigreturn).
 * Not straight from user memory into u->fpu: a context switch during
 * that copy would save the live registers over it. Interrupts on or off. */
void uctx_fpu_set_current(struct uctx *u, const void *img);
/* The running thread's FPU back to its initial state (execve). */
void uctx_fpu_reset_current(struct uctx *u);

/* The context switch (arch_switch): NULL for a kernel thread. Interrupts
 * off. */
void uctx_switch(struct uctx *prev, struct uctx *next);

/* The thread's user frame (valid while it is in the kernel). */
struct trap_frame *uctx_frame(const struct uctx *u);
/* Registers for a fresh start at `rip` with stack `rsp` (execve, pid 1):
 * every other register zero, user CS/SS, interrupts on. */
void uctx_frame_reset(struct trap_frame *f, uint64_t rip, uint64_t rsp);
/* Build the first switch frame of a new user thread on its kernel stack
 * (below its user frame, which the caller has filled in): its first
 * context switch runs uthread_first_run() and then returns to user mode
 * through that frame. Sets k->rsp. */
void uctx_prepare_first_switch(struct kctx *k, struct uctx *u);

/* Exit work on every way back to user mode (system calls, interrupts and
 * exceptions from user mode, a new thread's first run): deliver pending
 * signals (editing the frame), act on a group exit. Called with
 * interrupts on; returns with interrupts off, ready for the return. */
void user_exit_work(struct trap_frame *f);

#endif
