// SPDX-License-Identifier: MIT
/*
 * User thread machine state (uctx.h): FPU set-up and switching, FS base,
 * the kernel stack a user thread enters on, and its first way to user
 * mode. Intel SDM Vol. 1 ch. 13 (XSAVE), Vol. 3A 2.5 (CR0/CR4), 13.5
 * (XCR0).
 */
#include "uctx.h"

#include "../arch/x86.h"
#include "../cpu.h"
#include "../errno.h"
#include "../gdt.h"
#include "../kthread.h"
#include "../lib/string.h"
#include "../log.h"
#include "../mm/aspace.h"
#include "../mm/heap.h"
#include "../trap.h"

#define CR0_MP (1ULL << 1)
#define CR0_EM (1ULL << 2)
#define CR0_TS (1ULL << 3)
#define CR0_NE (1ULL << 5)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_OSXSAVE (1ULL << 18)

#define CPUID1_ECX_XSAVE (1U << 26)
/* XCR0 features a user program may use: x87, SSE, AVX, and AVX-512's
 * opmask/ZMM state (SDM Vol. 1 13.1). Others (MPX, PT, AMX) stay off. */
#define XCR0_USER 0xe7ULL

#define FPU_FCW_INIT 0x37f   /* x87 control word after FNINIT */
#define FPU_MXCSR_INIT 0x1f80 /* all SSE exceptions masked */
#define FPU_LEGACY_SIZE 512
#define FPU_ALIGN 64 /* XSAVE needs 64, FXSAVE 16 */

#define RFLAGS_RESERVED1 0x2ULL

/* Set by the BSP in fpu_cpu_init before any AP or user thread exists;
 * read-only afterwards. Every CPU enables the same features (the boot
 * refuses nothing here: an AP lacking XSAVE when the BSP has it would be
 * a broken machine, and the AP's init logs it). */
static bool use_xsave;
static uint64_t xcr0;
static uint32_t area_size = FPU_LEGACY_SIZE;
/* The MXCSR bits this CPU accepts (MXCSR_MASK, SDM Vol. 1 11.6.6),
 * read by the BSP from its own FXSAVE image: rt_sigreturn must clear the
 * others, and cannot take the mask from the user's image (it is the
 * program's to write). 0xffbf: the SDM's value for a CPU that stores 0. */
static uint32_t mxcsr_mask = 0xffbf;

static void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" ::"c"(reg), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

static void fpu_cpu_init_pinned(void);

void fpu_cpu_init(void)
{
	uint64_t f = irq_save(); /* per-CPU registers: stay on this CPU */
	fpu_cpu_init_pinned();
	irq_restore(f);
}

static void fpu_cpu_init_pinned(void)
{
	struct cpuid_regs r = cpuid(1, 0);
	bool bsp = this_cpu()->id == 0;

	write_cr0((read_cr0() | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS));
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (bsp)
		use_xsave = r.ecx & CPUID1_ECX_XSAVE;
	if (use_xsave) {
		if (!(r.ecx & CPUID1_ECX_XSAVE)) {
			kprintf("fpu: cpu%d has no XSAVE but the boot CPU has: "
				"user FPU state on this CPU will be wrong",
				this_cpu()->id);
			write_cr4(cr4);
			return;
		}
		write_cr4(cr4 | CR4_OSXSAVE);
		if (bsp) {
			struct cpuid_regs d = cpuid(0xd, 0);
			xcr0 = (((uint64_t)d.edx << 32) | d.eax) & XCR0_USER;
		}
		xsetbv(0, xcr0);
		if (bsp) {
			/* EBX: bytes needed for the features now in XCR0. */
			area_size = cpuid(0xd, 0).ebx;
			kprintf("fpu: XSAVE, features %#lx, %u-byte save area",
				xcr0, area_size);
		}
	} else {
		write_cr4(cr4);
		if (bsp)
			kprintf("fpu: FXSAVE (no XSAVE), 512-byte save area");
	}
	if (bsp) {
		uint8_t img[FPU_LEGACY_SIZE] __attribute__((aligned(16)));
		memset(img, 0, sizeof(img));
		__asm__ volatile("fxsave64 %0" : "=m"(img));
		uint32_t m = *(uint32_t *)(img + 28);
		if (m)
			mxcsr_mask = m;
	}
}

uint32_t fpu_area_size(void)
{
	return area_size;
}

uint32_t fpu_mxcsr_mask(void)
{
	return mxcsr_mask;
}

static void fpu_save(void *area)
{
	if (use_xsave)
		__asm__ volatile("xsave64 (%0)" ::"r"(area), "a"((uint32_t)xcr0),
				 "d"((uint32_t)(xcr0 >> 32))
				 : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

static void fpu_load(const void *area)
{
	if (use_xsave)
		__asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"((uint32_t)xcr0),
				 "d"((uint32_t)(xcr0 >> 32))
				 : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

/* The initial state: FCW and MXCSR set, everything else zero. With XSAVE,
 * a zero XSTATE_BV header means "initial state" for every component
 * (SDM Vol. 1 13.8.1); MXCSR is still loaded from the legacy area. */
static void fpu_init_area(void *area)
{
	uint8_t *a = area;
	memset(a, 0, area_size);
	*(uint16_t *)(a + 0) = FPU_FCW_INIT;
	*(uint32_t *)(a + 24) = FPU_MXCSR_INIT;
}

int uctx_init(struct uctx *u, uint64_t kstack_top, struct aspace *as)
{
	u->fpu_alloc = kmalloc(area_size + FPU_ALIGN);
	if (!u->fpu_alloc)
		return -ENOMEM;
	u->fpu = (void *)(((uint64_t)u->fpu_alloc + FPU_ALIGN - 1) &
			  ~(uint64_t)(FPU_ALIGN - 1));
	fpu_init_area(u->fpu);
	u->kstack_top = kstack_top;
	u->fs_base = 0;
	u->as = as;
	return 0;
}

void uctx_copy_current(struct uctx *dst)
{
	/* The running thread's registers are newer than its save area.
	 * Saving into dst directly is safe even if we are preempted: the
	 * switch saves and restores our registers around it. */
	fpu_save(dst->fpu);
	dst->fs_base = rdmsr(MSR_FS_BASE);
}

void uctx_fpu_save_current(struct uctx *u)
{
	fpu_save(u->fpu);
}

void uctx_fpu_set_current(struct uctx *u, const void *img)
{
	/* Interrupts off from the copy to the load: a switch in between
	 * would save the registers we are replacing over the new image
	 * (uctx_switch saves into u->fpu), and we would load those. */
	uint64_t f = irq_save();
	memcpy(u->fpu, img, area_size);
	fpu_load(u->fpu);
	irq_restore(f);
}

void uctx_fpu_reset_current(struct uctx *u)
{
	uint64_t f = irq_save(); /* as uctx_fpu_set_current */
	fpu_init_area(u->fpu);
	fpu_load(u->fpu);
	irq_restore(f);
}

void uctx_free(struct uctx *u)
{
	kfree(u->fpu_alloc);
	u->fpu_alloc = u->fpu = 0;
}

void uctx_switch(struct uctx *prev, struct uctx *next)
{
	if (prev)
		fpu_save(prev->fpu);
	if (!next) {
		aspace_switch(0); /* lazy: keeps the tables loaded */
		return;
	}
	struct cpu *c = this_cpu();
	c->tss.rsp[0] = next->kstack_top;
	c->syscall_kernel_rsp = next->kstack_top;
	fpu_load(next->fpu);
	wrmsr(MSR_FS_BASE, next->fs_base);
	aspace_switch(next->as);
}

struct trap_frame *uctx_frame(const struct uctx *u)
{
	return (struct trap_frame *)(u->kstack_top - sizeof(struct trap_frame));
}

void uctx_frame_reset(struct trap_frame *f, uint64_t rip, uint64_t rsp)
{
	memset(f, 0, sizeof(*f));
	f->rip = rip;
	f->rsp = rsp;
	f->cs = GDT_USER_CODE;
	f->ss = GDT_USER_DATA;
	f->rflags = RFLAGS_IF | RFLAGS_RESERVED1;
}

extern void uthread_trampoline(void);

/* Callee-saved registers switch_stack pops, then its `ret`
 * (kernel/switch.S). */
struct first_switch_frame {
	uint64_t r15, r14, r13, r12, rbx, rbp;
	uint64_t ret;
};

void uctx_prepare_first_switch(struct kctx *k, struct uctx *u)
{
	struct first_switch_frame *s =
		(void *)((uint64_t)uctx_frame(u) - sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->ret = (uint64_t)uthread_trampoline;
	k->rsp = (uint64_t)s;
}

void uthread_first_run(void);
void uthread_first_run(void)
{
	sched_finish_switch();
	sched_irq_exit();
	irq_enable();
	struct thread *t = thread_current();
	struct kctx *k = t->arch_ctx;
	user_exit_work(uctx_frame(k->uctx));
	/* Interrupts off: entry.S's user_return_iret restores the frame. */
}
