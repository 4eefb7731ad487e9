// SPDX-License-Identifier: MIT
/*
 * Signals (signal.h): sending, choosing, delivering on the way back to
 * user mode, rt_sigreturn, and the signal system calls.
 *
 * Delivery builds Linux's x86-64 rt_sigframe on the user stack (or the
 * alternate stack): the restorer address where the handler's `ret` finds
 * it, a ucontext whose mcontext holds every register and a pointer to the
 * FPU state saved after it, the siginfo, and the FPU area itself (FXSAVE
 * layout, extended with XSAVE components and Linux's magic words so
 * libraries that look for them find them). musl's handlers, siglongjmp
 * out of a handler and rt_sigreturn all see what they see on Linux.
 * (Linux arch/x86/kernel/signal.c and uapi/asm/sigcontext.h describe the
 * layout; this is our own code.)
 *
 * rt_sigreturn never trusts the frame: the restored flags keep only the
 * bits a program may set, the code and stack selectors are forced to the
 * user ones, RIP must be a user address, and the FPU image is sanitised
 * (MXCSR reserved bits, XSAVE header) so the restoring instruction cannot
 * fault in the kernel.
 *
 * Locking: a process's actions, shared pending set and each thread's
 * pending set are guarded by process.lock; a thread's blocked mask is
 * written only by the thread itself (read by senders under the lock to
 * choose a thread, where a stale answer only picks a different thread).
 */
#include "signal.h"

#include "../../smp/smp.h"
#include "../arch/x86.h"
#include "../cpu.h"
#include "../errno.h"
#include "../mm/aspace.h"
#include "../gdt.h"
#include "../lib/string.h"
#include "../log.h"
#include "../mm/heap.h"
#include "../mm/usercopy.h"
#include "../syscall/syscall.h"
#include "../time.h"
#include "../trap.h"
#include "proc.h"
#include "proc_internal.h"

#define SIG_DFL 0
#define SIG_IGN 1

#define SA_NOCLDSTOP 0x00000001
#define SA_NOCLDWAIT 0x00000002
#define SA_SIGINFO 0x00000004
#define SA_ONSTACK 0x08000000
#define SA_RESTORER 0x04000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SA_KNOWN (SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | \
		  SA_RESTORER | SA_RESTART | SA_NODEFER | SA_RESETHAND)

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048


#define BIT(sig) (1ULL << ((sig) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))

/* RFLAGS bits rt_sigreturn may restore (Linux's FIX_EFLAGS): the
 * arithmetic flags, DF, TF, AC and RF. IF stays on, IOPL stays 0. */
#define RFLAGS_USER_MASK 0x40dd5ULL
#define RFLAGS_TF 0x100ULL
#define RFLAGS_DF 0x400ULL
#define RFLAGS_RESERVED1 0x2ULL

/* Linux's FP_XSTATE_MAGIC1/2 (uapi/asm/sigcontext.h). */
#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#define UC_FP_XSTATE 1
#define UC_SIGCONTEXT_SS 2
#define UC_STRICT_RESTORE_SS 4

#define RED_ZONE 128 /* the psABI's area below rsp a handler must skip */

/* ---- Linux's user-visible layouts ------------------------------------- */

struct sigcontext_k {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate; /* user address of the FPU area, or 0 */
	uint64_t reserved1[8];
};
_Static_assert(sizeof(struct sigcontext_k) == 256, "Linux struct sigcontext");

struct stack_k {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
};
_Static_assert(sizeof(struct stack_k) == 24, "Linux stack_t");

struct ucontext_k {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct stack_k uc_stack;
	struct sigcontext_k uc_mcontext;
	sigset_t_k uc_sigmask;
};

struct siginfo_k {
	int32_t si_signo, si_errno, si_code, pad;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
		} kill;
		struct {
			int32_t pid;
			uint32_t uid;
			int32_t status;
		} chld;
		uint64_t addr; /* SIGSEGV, SIGBUS, SIGFPE, SIGILL */
		uint8_t pad[112];
	} u;
};
_Static_assert(sizeof(struct siginfo_k) == 128, "Linux siginfo_t");

struct rt_sigframe_k {
	uint64_t pretcode; /* the handler returns here: sa_restorer */
	struct ucontext_k uc;
	struct siginfo_k info;
	/* the FPU area follows, 64-byte aligned */
};

/* The user's struct sigaction as the rt_sigaction call passes it
 * (kernel layout: handler, flags, restorer, mask). */
struct sigaction_user {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	sigset_t_k mask;
};

/* ---- Defaults ----------------------------------------------------------- */

enum sig_default { SIGDEF_TERM, SIGDEF_IGNORE, SIGDEF_CORE };

static enum sig_default default_action(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGURG:
	case SIGWINCH:
	case SIGCONT:
	/* Job control is not implemented: stopping signals are ignored
	 * (docs/userspace.md). */
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return SIGDEF_IGNORE;
	case SIGQUIT:
	case SIGILL:
	case SIGTRAP:
	case SIGABRT:
	case SIGBUS:
	case SIGFPE:
	case SIGSEGV:
	case SIGXCPU:
	case SIGXFSZ:
	case SIGSYS:
		return SIGDEF_CORE;
	default:
		return SIGDEF_TERM;
	}
}

/* Would delivering sig do nothing at all? process.lock held. */
static bool sig_ignored_locked(struct process *p, int sig)
{
	uint64_t h = p->actions[sig - 1].handler;
	return sig != SIGKILL &&
	       (h == SIG_IGN || (h == SIG_DFL && default_action(sig) == SIGDEF_IGNORE));
}

/* ---- Sending -------------------------------------------------------------- */

/* Does t block sig (or wait for it in rt_sigtimedwait)? Such a signal is
 * queued even when its action ignores it (Linux's sig_ignored()): the
 * action may change before it is unblocked, and rt_sigtimedwait takes it
 * whatever the action. Unblocked later with the action still "ignore",
 * delivery drops it. */
static bool sig_blocked_by(const struct uthread *t, int sig)
{
	return (__atomic_load_n(&t->blocked, __ATOMIC_RELAXED) |
		__atomic_load_n(&t->waited, __ATOMIC_RELAXED)) & BIT(sig);
}

/* Is sig, sent to thread t (NULL: to the process), to be dropped at
 * once? process.lock held. Linux's sig_ignored(): never when blocked;
 * else when its action ignores it, or when p is pid 1 and the action is
 * the default (SIGNAL_UNKILLABLE: a default action, even SIGKILL's, would
 * end the system; pid 1's own group exit, which kicks its threads with a
 * SIGKILL, and its faults, signal_force_fault, still go through). */
static bool sig_discard_locked(struct process *p, struct uthread *t, int sig)
{
	if (t && sig_blocked_by(t, sig))
		return false;
	struct list_node *n;
	if (!t)
		list_for_each(n, &p->threads)
			if (sig_blocked_by(container_of(n, struct uthread, proc_node),
					   sig))
				return false;
	if (p->pid == 1 && !p->group_exit && p->actions[sig - 1].handler == SIG_DFL)
		return true;
	return sig_ignored_locked(p, sig);
}

/* Wake `t` out of a blocking call, or out of user mode on another CPU:
 * either way it passes user_exit_work soon. */
static void kick_thread(struct uthread *t)
{
	thread_interrupt(&t->kt.t);
	/* Running in user mode elsewhere: an interrupt takes it through the
	 * exit work. A stale cpu only costs a spurious IPI: a thread that
	 * moved went through a switch, and checks on its way back. */
	int cpu = __atomic_load_n(&t->kt.t.cpu, __ATOMIC_RELAXED);
	uint64_t f = irq_save();
	if (cpu >= 0 && cpu != this_cpu()->id && cpu_online(cpu))
		smp_send_reschedule(cpu);
	irq_restore(f);
}

void signal_kick_thread(struct uthread *t)
{
	kick_thread(t);
}

static int sig_valid(int sig)
{
	return sig >= 1 && sig <= NSIG;
}

int signal_send_process_info(struct process *p, int sig,
			     const struct ksiginfo *info)
{
	if (!sig_valid(sig))
		return -EINVAL;
	spin_lock(&p->lock);
	if (p->nthreads == 0 || sig_discard_locked(p, 0, sig)) {
		spin_unlock(&p->lock);
		return 0;
	}
	if (sig == SIGKILL && !p->group_exit) {
		p->group_exit = true;
		p->group_exit_status = SIGKILL;
	}
	if (!(p->shared_pending & BIT(sig)))
		p->shared_info[sig - 1] = *info;
	p->shared_pending |= BIT(sig);
	/* Wake every thread for a kill (each must leave), else the first
	 * that does not block it (Linux prefers the main thread too). */
	struct list_node *n;
	list_for_each(n, &p->threads) {
		struct uthread *t = container_of(n, struct uthread, proc_node);
		if (p->group_exit || !(t->blocked & BIT(sig))) {
			kick_thread(t);
			if (!p->group_exit)
				break;
		}
	}
	spin_unlock(&p->lock);
	return 0;
}

int signal_send_process(struct process *p, int sig)
{
	struct ksiginfo info = { .code = SI_KERNEL };
	return signal_send_process_info(p, sig, &info);
}

int signal_send_thread_info(struct uthread *t, int sig,
			    const struct ksiginfo *info)
{
	if (!sig_valid(sig))
		return -EINVAL;
	struct process *p = t->proc;
	spin_lock(&p->lock);
	if (!sig_discard_locked(p, t, sig)) {
		if (!(t->pending & BIT(sig)))
			t->info[sig - 1] = *info;
		t->pending |= BIT(sig);
		if (sig == SIGKILL && !p->group_exit) {
			p->group_exit = true;
			p->group_exit_status = SIGKILL;
		}
		kick_thread(t);
		/* A SIGKILL ends the whole process (Linux): every thread must
		 * leave, so wake each out of user mode or a blocking call,
		 * as a process SIGKILL does. t leaves through group_exit and
		 * kicks nobody else. */
		if (sig == SIGKILL) {
			struct list_node *n;
			list_for_each(n, &p->threads) {
				struct uthread *o =
					container_of(n, struct uthread, proc_node);
				if (o != t)
					kick_thread(o);
			}
		}
	}
	spin_unlock(&p->lock);
	return 0;
}

/* The calling process as a sender (SI_USER), or the kernel. */
static struct ksiginfo sender_info(int code)
{
	struct process *self = proc_current();
	struct ksiginfo i = { .code = self ? code : SI_KERNEL };
	if (self) {
		i.pid = self->pid;
		i.uid = self->uid;
	}
	return i;
}

int signal_send_thread(struct uthread *t, int sig)
{
	struct ksiginfo info = sender_info(SI_USER);
	return signal_send_thread_info(t, sig, &info);
}

int signal_send_pgrp(int pgid, int sig)
{
	if (!sig_valid(sig))
		return -EINVAL;
	int found = 0;
	spin_lock(&proc_table_lock);
	for (int pid = 1; pid < PID_MAX; pid++) {
		struct process *p = proc_find_locked(pid);
		if (p && p->pgid == pgid && p->state == PROC_ALIVE) {
			signal_send_process(p, sig);
			found++;
		}
	}
	spin_unlock(&proc_table_lock);
	return found ? 0 : -ESRCH;
}

/* Deliverable signals of t: its own and the process's, minus blocked. */
static sigset_t_k deliverable_locked(struct uthread *t)
{
	return (t->pending | t->proc->shared_pending) & ~(t->blocked & ~UNBLOCKABLE);
}

bool signal_pending_current(void)
{
	struct uthread *t = uthread_current();
	if (!t)
		return false;
	struct process *p = t->proc;
	struct uthread *ex = __atomic_load_n(&p->exec_thread, __ATOMIC_ACQUIRE);
	/* Racy read first: the common answer is "no". Writers set the bits
	 * before they wake us, and we re-check after every wake. */
	if (!__atomic_load_n(&p->group_exit, __ATOMIC_ACQUIRE) &&
	    !(ex && ex != t) &&
	    !((__atomic_load_n(&t->pending, __ATOMIC_ACQUIRE) |
	       __atomic_load_n(&p->shared_pending, __ATOMIC_ACQUIRE)) &
	      ~t->blocked))
		return false;
	return true;
}

/* ---- Faults ---------------------------------------------------------------- */

/* Exception in user mode that the memory system could not resolve, or an
 * illegal instruction: queue the signal for this thread, with the fault's
 * details for its siginfo. A blocked or ignored synchronous signal kills,
 * as on Linux: it cannot be deferred, the instruction would fault again. */
void signal_force_fault(int sig, int code, uint64_t addr)
{
	struct uthread *t = uthread_current();
	struct process *p = t->proc;
	spin_lock(&p->lock);
	struct sigaction_k *a = &p->actions[sig - 1];
	if ((t->blocked & BIT(sig)) || a->handler == SIG_IGN) {
		a->handler = SIG_DFL;
		__atomic_store_n(&t->blocked, t->blocked & ~BIT(sig),
				 __ATOMIC_RELEASE);
	}
	/* A fault's details replace any earlier info: this is the signal
	 * the program must see for the instruction that faulted. */
	t->info[sig - 1] = (struct ksiginfo){ .code = code, .addr = addr };
	t->pending |= BIT(sig);
	spin_unlock(&p->lock);
}

/* ---- Delivery ------------------------------------------------------------ */

static int lowest_signal(sigset_t_k set)
{
	return set ? __builtin_ctzll(set) + 1 : 0;
}

static void sanitize_fpu_image(uint8_t *area)
{
	/* MXCSR: only the bits the CPU accepts, else FXRSTOR/XRSTOR #GP.
	 * The CPU's own mask, not the image's MXCSR_MASK (bytes 28..31):
	 * the program wrote that too. */
	*(uint32_t *)(area + 24) &= fpu_mxcsr_mask();
	if (fpu_area_size() > 512) {
		/* XSAVE header: only enabled components, standard format,
		 * reserved bytes zero (SDM Vol. 1 13.4.2), else XRSTOR
		 * faults. XCR0's value is what we enabled; the header's
		 * XSTATE_BV must be a subset. */
		uint64_t *hdr = (uint64_t *)(area + 512);
		uint32_t lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		hdr[0] &= ((uint64_t)hi << 32) | lo;
		for (int i = 1; i < 8; i++)
			hdr[i] = 0;
	}
}

/* Build the frame for `sig` on the user stack and point the registers at
 * the handler. false if the frame cannot be written (the caller kills). */
static bool is_fault(int sig, const struct ksiginfo *info)
{
	return info->code > 0 && info->code < SI_KERNEL &&
	       (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
		sig == SIGFPE || sig == SIGTRAP);
}

static bool setup_frame(struct uthread *t, struct trap_frame *f, int sig,
			const struct sigaction_k *a, sigset_t_k old_blocked,
			const struct ksiginfo *info)
{
	uint32_t fpsize = fpu_area_size();
	uint64_t sp = f->rsp;
	/* The handler becomes the return RIP. A non-canonical one would make
	 * iretq fault in the kernel, after its swapgs (Intel: #GP in ring 0;
	 * entry.S has no fix-up for that), so refuse it here: the caller
	 * kills with SIGSEGV, as Linux's failed return ends. */
	if (a->handler >= USER_TOP)
		return false;
	bool on_alt = t->altstack_size && !(t->altstack_flags & SS_DISABLE) &&
		      !(sp > t->altstack_sp && sp <= t->altstack_sp + t->altstack_size);
	if ((a->flags & SA_ONSTACK) && on_alt)
		sp = t->altstack_sp + t->altstack_size;
	else
		sp -= RED_ZONE;
	uint64_t fp = (sp - fpsize) & ~63ULL;
	/* The handler starts as if called: (rsp + 8) 16-byte aligned. */
	uint64_t frame = ((fp - sizeof(struct rt_sigframe_k)) & ~15ULL) - 8;

	struct rt_sigframe_k k;
	memset(&k, 0, sizeof(k));
	k.pretcode = a->restorer;
	k.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS |
			(fpsize > 512 ? UC_FP_XSTATE : 0);
	k.uc.uc_stack.ss_sp = t->altstack_sp;
	k.uc.uc_stack.ss_size = t->altstack_size;
	k.uc.uc_stack.ss_flags = t->altstack_size ? (on_alt ? 0 : SS_ONSTACK) :
						     SS_DISABLE;
	struct sigcontext_k *m = &k.uc.uc_mcontext;
	m->r8 = f->r8, m->r9 = f->r9, m->r10 = f->r10, m->r11 = f->r11;
	m->r12 = f->r12, m->r13 = f->r13, m->r14 = f->r14, m->r15 = f->r15;
	m->rdi = f->rdi, m->rsi = f->rsi, m->rbp = f->rbp, m->rbx = f->rbx;
	m->rdx = f->rdx, m->rax = f->rax, m->rcx = f->rcx, m->rsp = f->rsp;
	m->rip = f->rip, m->eflags = f->rflags;
	m->cs = (uint16_t)f->cs, m->ss = (uint16_t)f->ss;
	bool fault = is_fault(sig, info);
	m->err = fault ? f->error : 0;
	m->trapno = fault ? f->vector : 0;
	m->cr2 = fault ? info->addr : 0;
	m->oldmask = old_blocked;
	m->fpstate = fp;
	k.uc.uc_sigmask = old_blocked;
	k.info.si_signo = sig;
	k.info.si_code = info->code;
	if (fault) {
		k.info.u.addr = info->addr;
	} else if (sig == SIGCHLD) {
		k.info.u.chld.pid = info->pid;
		k.info.u.chld.uid = info->uid;
		k.info.u.chld.status = info->status;
	} else {
		k.info.u.kill.pid = info->pid;
		k.info.u.kill.uid = info->uid;
	}

	/* The FPU image: bring the thread's area up to date and copy it. */
	uctx_fpu_save_current(&t->uctx);
	uint8_t *img = t->uctx.fpu;
	if (fpsize > 512) {
		/* Linux's software-reserved bytes (fxsave bytes 464..511)
		 * and the trailing magic word. */
		uint32_t *sw = (uint32_t *)(img + 464);
		sw[0] = FP_XSTATE_MAGIC1;
		sw[1] = fpsize + 4; /* extended_size */
		uint32_t lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		*(uint64_t *)(sw + 2) = ((uint64_t)hi << 32) | lo;
		sw[4] = fpsize;
	}
	uint32_t magic2 = FP_XSTATE_MAGIC2;
	if (!user_range_ok(frame, fp + fpsize + 4 - frame) ||
	    copy_to_user((void *)fp, img, fpsize) ||
	    (fpsize > 512 && copy_to_user((void *)(fp + fpsize), &magic2, 4)) ||
	    copy_to_user((void *)frame, &k, sizeof(k)))
		return false;

	f->rsp = frame;
	f->rip = a->handler;
	f->rdi = (uint64_t)sig;
	f->rsi = frame + __builtin_offsetof(struct rt_sigframe_k, info);
	f->rdx = frame + __builtin_offsetof(struct rt_sigframe_k, uc);
	f->rax = 0;
	f->rflags &= ~(RFLAGS_TF | RFLAGS_DF);
	f->cs = GDT_USER_CODE;
	f->ss = GDT_USER_DATA;
	/* The handler is entered like a fresh function call, with the
	 * initial FPU state (empty x87 stack, MXCSR 0x1f80), as on Linux:
	 * not the interrupted code's rounding modes or x87 stack. Theirs is
	 * in the frame; rt_sigreturn loads it back. */
	uctx_fpu_reset_current(&t->uctx);
	return true;
}

/* Kill the process for `sig` with the default action (one log line for
 * a fault, like Linux's "segfault at"). Never returns. */
static void die_by_signal(struct uthread *t, struct trap_frame *f, int sig,
			  const struct ksiginfo *info)
{
	struct process *p = t->proc;
	bool fault = info && is_fault(sig, info);
	if (fault && sig == SIGSEGV)
		kprintf("%s[%d]: segfault at %lx ip %016lx sp %016lx error %lx",
			p->name, p->pid, info->addr, f->rip, f->rsp, f->error);
	else if (info && sig == SIGSEGV && info->code == SI_KERNEL)
		kprintf("%s[%d]: general protection fault ip %016lx sp %016lx "
			"error %lx", p->name, p->pid, f->rip, f->rsp, f->error);
	else if (fault)
		kprintf("%s[%d]: %s at ip %016lx sp %016lx (fatal)", p->name,
			p->pid, sig == SIGILL ? "illegal instruction" :
				sig == SIGFPE ? "arithmetic fault" :
				sig == SIGBUS ? "bus error" : "fault",
			f->rip, f->rsp);
	irq_enable();
	proc_exit_group(sig);
}

/* A system call interrupted by a signal (returned -ERESTARTSYS or
 * -ERESTARTNOHAND): restart it (back up over the 2-byte `syscall`, number
 * back in rax) or make it return -EINTR. `handler`: a handler runs now
 * (then -ERESTARTSYS restarts only with SA_RESTART, -ERESTARTNOHAND
 * never); without one both restart. Only syscall frames: an interrupt
 * frame's rax is the program's own data. */
static void syscall_restart(struct trap_frame *f, bool handler, bool sa_restart)
{
	long r = (long)f->rax;
	if (f->vector != SYSCALL_FRAME_VECTOR ||
	    (r != -ERESTARTSYS && r != -ERESTARTNOHAND))
		return;
	bool restart = !handler || (r == -ERESTARTSYS && sa_restart);
	if (restart) {
		f->rax = f->error; /* the number, saved by syscall_dispatch */
		f->rip -= 2;
	} else {
		f->rax = (uint64_t)-EINTR;
	}
}

void user_exit_work(struct trap_frame *f)
{
	struct uthread *t = uthread_current();
	struct process *p = t->proc;
	for (;;) {
		if (__atomic_load_n(&p->group_exit, __ATOMIC_ACQUIRE))
			proc_thread_exit(p->group_exit_status);
		struct uthread *ex = __atomic_load_n(&p->exec_thread, __ATOMIC_ACQUIRE);
		if (ex && ex != t)
			proc_thread_exit(0); /* another thread is exec'ing */
		spin_lock(&p->lock);
		sigset_t_k ready = deliverable_locked(t);
		int sig = lowest_signal(ready);
		if (!sig) {
			spin_unlock(&p->lock);
			syscall_restart(f, false, false); /* nothing ran: go again */
			if (t->restore_blocked) { /* no handler ran after all */
				t->restore_blocked = false;
				__atomic_store_n(&t->blocked, t->saved_blocked,
						 __ATOMIC_RELEASE);
			}
			break;
		}
		struct ksiginfo info;
		if (t->pending & BIT(sig)) {
			t->pending &= ~BIT(sig);
			info = t->info[sig - 1];
		} else {
			p->shared_pending &= ~BIT(sig);
			info = p->shared_info[sig - 1];
		}
		struct sigaction_k a = p->actions[sig - 1];
		if (a.handler > SIG_IGN && (a.flags & SA_RESETHAND))
			p->actions[sig - 1].handler = SIG_DFL;
		spin_unlock(&p->lock);

		if (a.handler == SIG_IGN ||
		    (a.handler == SIG_DFL && default_action(sig) == SIGDEF_IGNORE))
			continue;
		if (a.handler == SIG_DFL)
			die_by_signal(t, f, sig, &info);
		syscall_restart(f, true, a.flags & SA_RESTART);
		/* The frame saves the mask to return to: after rt_sigsuspend,
		 * the one from before it (Linux's saved_sigmask). */
		sigset_t_k old = t->restore_blocked ? t->saved_blocked : t->blocked;
		sigset_t_k during = t->blocked;
		t->restore_blocked = false;
		if (!(a.flags & SA_RESTORER) ||
		    !setup_frame(t, f, sig, &a, old, &info)) {
			kprintf("%s[%d]: cannot deliver signal %d (no restorer, bad "
				"handler or bad stack at %lx): killed",
				p->name, p->pid, sig, f->rsp);
			die_by_signal(t, f, SIGSEGV, 0);
		}
		sigset_t_k add = a.mask | ((a.flags & SA_NODEFER) ? 0 : BIT(sig));
		__atomic_store_n(&t->blocked, (during | add) & ~UNBLOCKABLE,
				 __ATOMIC_RELEASE);
		break; /* one handler frame per return, as Linux */
	}
	irq_disable();
}

/* ---- rt_sigreturn -------------------------------------------------------- */

static long sys_rt_sigreturn(const struct syscall_args *args)
{
	struct trap_frame *f = args->frame;
	struct uthread *t = uthread_current();
	/* The handler's `ret` popped pretcode: rsp is just past it. */
	uint64_t frame = f->rsp - 8;
	struct rt_sigframe_k k;
	if (copy_from_user(&k, (void *)frame, sizeof(k)))
		goto bad;
	const struct sigcontext_k *m = &k.uc.uc_mcontext;
	if (m->rip >= USER_TOP)
		goto bad;
	if (m->fpstate) {
		/* Copied to a buffer of its own, not into t->uctx.fpu: a
		 * context switch during the copy (a page fault, preemption)
		 * would save the live registers over the image, and that is
		 * what we would load (uctx_fpu_set_current). */
		uint8_t *img = kmalloc(fpu_area_size());
		if (!img || copy_from_user(img, (void *)m->fpstate,
					   fpu_area_size())) {
			kfree(img);
			goto bad;
		}
		sanitize_fpu_image(img);
		uctx_fpu_set_current(&t->uctx, img);
		kfree(img);
	}
	f->r8 = m->r8, f->r9 = m->r9, f->r10 = m->r10, f->r11 = m->r11;
	f->r12 = m->r12, f->r13 = m->r13, f->r14 = m->r14, f->r15 = m->r15;
	f->rdi = m->rdi, f->rsi = m->rsi, f->rbp = m->rbp, f->rbx = m->rbx;
	f->rdx = m->rdx, f->rax = m->rax, f->rcx = m->rcx, f->rsp = m->rsp;
	f->rip = m->rip;
	f->rflags = (f->rflags & ~RFLAGS_USER_MASK) |
		    (m->eflags & RFLAGS_USER_MASK) | RFLAGS_IF | RFLAGS_RESERVED1;
	f->cs = GDT_USER_CODE;
	f->ss = GDT_USER_DATA;
	f->vector = 0; /* not a syscall frame any more: no restart */
	__atomic_store_n(&t->blocked, k.uc.uc_sigmask & ~UNBLOCKABLE,
			 __ATOMIC_RELEASE);
	return SYSCALL_FRAME_SET;
bad:
	kprintf("%s[%d]: rt_sigreturn with a bad frame at %lx: killed",
		t->proc->name, t->proc->pid, frame);
	signal_force_fault(SIGSEGV, 0, frame);
	return SYSCALL_FRAME_SET;
}

/* ---- Actions and masks ----------------------------------------------------- */

static long sys_rt_sigaction(const struct syscall_args *args)
{
	int sig = (int)args->a[0];
	uint64_t uact = args->a[1], uold = args->a[2];
	if (args->a[3] != sizeof(sigset_t_k) || !sig_valid(sig))
		return -EINVAL;
	struct sigaction_user na;
	if (uact) {
		if (copy_from_user(&na, (void *)uact, sizeof(na)))
			return -EFAULT;
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
	}
	struct process *p = proc_current();
	spin_lock(&p->lock);
	struct sigaction_k old = p->actions[sig - 1];
	if (uact) {
		p->actions[sig - 1] = (struct sigaction_k){
			.handler = na.handler,
			.flags = na.flags & SA_KNOWN,
			.restorer = na.restorer,
			.mask = na.mask & ~UNBLOCKABLE,
		};
		/* Setting SIG_IGN (or a default of ignore) discards what is
		 * pending (POSIX). */
		if (sig_ignored_locked(p, sig)) {
			p->shared_pending &= ~BIT(sig);
			struct list_node *n;
			list_for_each(n, &p->threads)
				container_of(n, struct uthread, proc_node)->pending &=
					~BIT(sig);
		}
	}
	spin_unlock(&p->lock);
	if (uold) {
		struct sigaction_user o = { old.handler, old.flags, old.restorer,
					    old.mask };
		if (copy_to_user((void *)uold, &o, sizeof(o)))
			return -EFAULT;
	}
	return 0;
}

static long sys_rt_sigprocmask(const struct syscall_args *args)
{
	int how = (int)args->a[0];
	uint64_t uset = args->a[1], uold = args->a[2];
	if (args->a[3] != sizeof(sigset_t_k))
		return -EINVAL;
	struct uthread *t = uthread_current();
	sigset_t_k old = t->blocked, set = 0;
	if (uset) {
		if (copy_from_user(&set, (void *)uset, sizeof(set)))
			return -EFAULT;
		sigset_t_k nb;
		if (how == SIG_BLOCK)
			nb = old | set;
		else if (how == SIG_UNBLOCK)
			nb = old & ~set;
		else if (how == SIG_SETMASK)
			nb = set;
		else
			return -EINVAL;
		__atomic_store_n(&t->blocked, nb & ~UNBLOCKABLE, __ATOMIC_RELEASE);
	}
	if (uold && copy_to_user((void *)uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

static long sys_rt_sigpending(const struct syscall_args *args)
{
	if (args->a[1] > sizeof(sigset_t_k))
		return -EINVAL;
	struct uthread *t = uthread_current();
	spin_lock(&t->proc->lock);
	sigset_t_k set = (t->pending | t->proc->shared_pending) & t->blocked;
	spin_unlock(&t->proc->lock);
	return copy_to_user((void *)args->a[0], &set, args->a[1]) ? -EFAULT : 0;
}

static long sys_sigaltstack(const struct syscall_args *args)
{
	struct uthread *t = uthread_current();
	uint64_t uss = args->a[0], uold = args->a[1];
	struct stack_k old = {
		.ss_sp = t->altstack_sp,
		.ss_size = t->altstack_size,
		.ss_flags = !t->altstack_size ? SS_DISABLE :
			    (args->frame->rsp > t->altstack_sp &&
			     args->frame->rsp <= t->altstack_sp + t->altstack_size) ?
							SS_ONSTACK : 0,
	};
	if (uss) {
		struct stack_k ns;
		if (copy_from_user(&ns, (void *)uss, sizeof(ns)))
			return -EFAULT;
		if (old.ss_flags == SS_ONSTACK)
			return -EPERM;
		if (ns.ss_flags & ~SS_DISABLE)
			return -EINVAL;
		if (ns.ss_flags & SS_DISABLE) {
			t->altstack_sp = t->altstack_size = 0;
		} else {
			if (ns.ss_size < MINSIGSTKSZ)
				return -ENOMEM;
			t->altstack_sp = ns.ss_sp;
			t->altstack_size = ns.ss_size;
		}
		t->altstack_flags = 0;
	}
	if (uold && copy_to_user((void *)uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* ---- rt_sigsuspend, rt_sigtimedwait -------------------------------------------- */

#define SIG_FOREVER (UINT64_MAX / 4) /* sched/ sleeps until a time */

static long sys_rt_sigsuspend(const struct syscall_args *args)
{
	struct uthread *t = uthread_current();
	sigset_t_k set;
	if (args->a[1] != sizeof(sigset_t_k))
		return -EINVAL;
	if (copy_from_user(&set, (void *)args->a[0], sizeof(set)))
		return -EFAULT;
	t->saved_blocked = t->blocked;
	t->restore_blocked = true;
	__atomic_store_n(&t->blocked, set & ~UNBLOCKABLE, __ATOMIC_RELEASE);
	while (!signal_pending_current())
		thread_sleep_until(SIG_FOREVER);
	/* -EINTR once a handler ran (the exit work restores the mask); if
	 * none did (the signal was one to ignore, a blocked one queued
	 * meanwhile), the call starts again with the mask from before. */
	return -ERESTARTNOHAND;
}

struct timespec_sig {
	int64_t tv_sec, tv_nsec;
};

/* Take the lowest signal of `set` pending for t; 0 if none. p->lock held. */
static int dequeue_from_locked(struct uthread *t, sigset_t_k set,
			       struct ksiginfo *info)
{
	struct process *p = t->proc;
	int sig = lowest_signal((t->pending | p->shared_pending) & set);
	if (!sig)
		return 0;
	if (t->pending & BIT(sig)) {
		t->pending &= ~BIT(sig);
		*info = t->info[sig - 1];
	} else {
		p->shared_pending &= ~BIT(sig);
		*info = p->shared_info[sig - 1];
	}
	return sig;
}

static long sys_rt_sigtimedwait(const struct syscall_args *args)
{
	struct uthread *t = uthread_current();
	struct process *p = t->proc;
	sigset_t_k set;
	uint64_t deadline = SIG_FOREVER;
	if (args->a[3] != sizeof(sigset_t_k))
		return -EINVAL;
	if (copy_from_user(&set, (void *)args->a[0], sizeof(set)))
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	if (args->a[2]) {
		struct timespec_sig ts;
		if (copy_from_user(&ts, (void *)args->a[2], sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		uint64_t ns = (uint64_t)ts.tv_sec < SIG_FOREVER / 2000000000 ?
				      (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec :
				      SIG_FOREVER;
		deadline = now_ns() + ns;
	}
	/* While waiting, the awaited signals are unblocked (so a sender
	 * picks and wakes this thread), as Linux does with real_blocked. */
	sigset_t_k before = t->blocked;
	__atomic_store_n(&t->waited, set, __ATOMIC_RELEASE);
	__atomic_store_n(&t->blocked, before & ~set, __ATOMIC_RELEASE);
	struct ksiginfo info;
	int sig;
	for (;;) {
		spin_lock(&p->lock);
		sig = dequeue_from_locked(t, set, &info);
		spin_unlock(&p->lock);
		if (sig || signal_pending_current() || now_ns() >= deadline)
			break;
		thread_sleep_until(deadline);
	}
	__atomic_store_n(&t->blocked, before, __ATOMIC_RELEASE);
	__atomic_store_n(&t->waited, 0, __ATOMIC_RELEASE);
	if (!sig)
		return signal_pending_current() ? -EINTR : -EAGAIN;
	if (args->a[1]) {
		struct siginfo_k si;
		memset(&si, 0, sizeof(si));
		si.si_signo = sig;
		si.si_code = info.code;
		if (sig == SIGCHLD) {
			si.u.chld.pid = info.pid;
			si.u.chld.uid = info.uid;
			si.u.chld.status = info.status;
		} else {
			si.u.kill.pid = info.pid;
			si.u.kill.uid = info.uid;
		}
		if (copy_to_user((void *)args->a[1], &si, sizeof(si)))
			return -EFAULT;
	}
	return sig;
}

/* ---- kill, tkill, tgkill ------------------------------------------------------ */

static long sys_kill(const struct syscall_args *args)
{
	int pid = (int)args->a[0], sig = (int)args->a[1];
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	struct process *self = proc_current();
	if (pid == 0)
		pid = -self->pgid;
	if (pid == -1) {
		/* Every process except pid 1 and ourselves' caller? Linux:
		 * every process the caller may signal, except init. */
		int n = 0;
		spin_lock(&proc_table_lock);
		for (int i = 2; i < PID_MAX; i++) {
			struct process *p = proc_find_locked(i);
			if (p && p != self && p->state == PROC_ALIVE) {
				if (sig)
					signal_send_process(p, sig);
				n++;
			}
		}
		spin_unlock(&proc_table_lock);
		return n ? 0 : -ESRCH;
	}
	if (pid < 0) {
		if (!sig) {
			int found = 0;
			spin_lock(&proc_table_lock);
			for (int i = 1; i < PID_MAX; i++) {
				struct process *p = proc_find_locked(i);
				found |= p && p->pgid == -pid && p->state == PROC_ALIVE;
			}
			spin_unlock(&proc_table_lock);
			return found ? 0 : -ESRCH;
		}
		return signal_send_pgrp(-pid, sig);
	}
	struct ksiginfo info = sender_info(SI_USER);
	spin_lock(&proc_table_lock);
	struct process *p = proc_find_locked(pid);
	/* A zombie exists until it is reaped: kill(pid, 0) says so (Linux);
	 * a signal to it is dropped (no threads left to take it). */
	int r = p ? 0 : -ESRCH;
	if (!r && sig)
		signal_send_process_info(p, sig, &info);
	spin_unlock(&proc_table_lock);
	return r;
}

static long thread_kill(int tgid, int tid, int sig)
{
	if (tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	struct ksiginfo info = sender_info(SI_TKILL);
	spin_lock(&proc_table_lock);
	struct uthread *t = uthread_find_locked(tgid, tid);
	if (t && sig)
		signal_send_thread_info(t, sig, &info);
	spin_unlock(&proc_table_lock);
	return t ? 0 : -ESRCH;
}

static long sys_tgkill(const struct syscall_args *args)
{
	if ((int)args->a[0] <= 0)
		return -EINVAL;
	return thread_kill((int)args->a[0], (int)args->a[1], (int)args->a[2]);
}

static long sys_tkill(const struct syscall_args *args)
{
	return thread_kill(0, (int)args->a[0], (int)args->a[1]);
}

bool signal_child_autoreap(struct process *p)
{
	spin_lock(&p->lock);
	const struct sigaction_k *a = &p->actions[SIGCHLD - 1];
	bool r = a->handler == SIG_IGN || (a->flags & SA_NOCLDWAIT);
	spin_unlock(&p->lock);
	return r;
}

void signal_exec_reset(struct process *p)
{
	spin_lock(&p->lock);
	for (int i = 0; i < NSIG; i++)
		if (p->actions[i].handler > SIG_IGN)
			p->actions[i] = (struct sigaction_k){ 0 };
	spin_unlock(&p->lock);
	struct uthread *t = uthread_current();
	t->altstack_sp = t->altstack_size = 0;
}

const struct syscall_entry syscalls_signal[] = {
	{ SYS_rt_sigaction, sys_rt_sigaction, "rt_sigaction" },
	{ SYS_rt_sigprocmask, sys_rt_sigprocmask, "rt_sigprocmask" },
	{ SYS_rt_sigreturn, sys_rt_sigreturn, "rt_sigreturn" },
	{ SYS_rt_sigpending, sys_rt_sigpending, "rt_sigpending" },
	{ SYS_sigaltstack, sys_sigaltstack, "sigaltstack" },
	{ SYS_rt_sigsuspend, sys_rt_sigsuspend, "rt_sigsuspend" },
	{ SYS_rt_sigtimedwait, sys_rt_sigtimedwait, "rt_sigtimedwait" },
	{ SYS_kill, sys_kill, "kill" },
	{ SYS_tkill, sys_tkill, "tkill" },
	{ SYS_tgkill, sys_tgkill, "tgkill" },
	{ 0, 0, 0 },
};
