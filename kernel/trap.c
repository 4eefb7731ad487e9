// SPDX-License-Identifier: MIT
#include "trap.h"

#include "../drivers/lapic.h"
#include "../drivers/qemu_exit.h"
#include "../smp/smp.h"
#include "arch/x86.h"
#include "cpu.h"
#include "errno.h"
#include "gdt.h"
#include "ksyms.h"
#include "log.h"
#include "lib/printf.h"
#include "mm/aspace.h"
#include "mm/kstack.h"
#include "mm/usercopy.h"
#include "panic.h"
#include "proc/proc.h"
#include "../sched/sched.h"
#include "sched_glue.h"
#include "vectors.h"

#define GATE_INTERRUPT 0x8e00 /* present, DPL 0, 64-bit interrupt gate */
#define GATE_DPL3 0x6000      /* `int n` allowed from user mode (SDM 3A 6.12.1.1) */
#define VEC_BREAKPOINT 3

struct idt_gate {
	uint16_t off_lo;
	uint16_t selector;
	uint16_t flags; /* IST in bits 0-2, type/DPL/P in 8-15 */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
};

_Static_assert(sizeof(struct idt_gate) == 16, "SDM 3A fig. 6-8");

extern const uint64_t isr_stubs[VEC_COUNT];

/* Written during boot only (idt_init, trap_set_handler), read by all CPUs
 * afterwards. */
static struct idt_gate idt[VEC_COUNT] __attribute__((aligned(16)));
static trap_handler_fn handlers[VEC_COUNT];

static const char *const exception_names[32] = {
	[0] = "#DE divide error",
	[1] = "#DB debug",
	[2] = "NMI",
	[3] = "#BP breakpoint",
	[4] = "#OF overflow",
	[5] = "#BR bound range exceeded",
	[6] = "#UD invalid opcode",
	[7] = "#NM device not available",
	[8] = "#DF double fault",
	[9] = "coprocessor segment overrun",
	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present",
	[12] = "#SS stack-segment fault",
	[13] = "#GP general protection",
	[14] = "#PF page fault",
	[16] = "#MF x87 floating-point error",
	[17] = "#AC alignment check",
	[18] = "#MC machine check",
	[19] = "#XM SIMD floating-point error",
	[20] = "#VE virtualization exception",
	[21] = "#CP control protection",
	[28] = "#HV hypervisor injection",
	[29] = "#VC VMM communication",
	[30] = "#SX security exception",
};

void idt_init(void)
{
	for (int v = 0; v < VEC_COUNT; v++) {
		uint64_t a = isr_stubs[v];
		uint16_t ist = 0;
		if (v == VEC_DOUBLE_FAULT)
			ist = IST_DOUBLE_FAULT;
		else if (v == VEC_NMI)
			ist = IST_NMI;
		else if (v == VEC_MACHINE_CHECK)
			ist = IST_MACHINE_CHECK;
		/* int3 checks the gate's DPL like any `int n`: with DPL 0 a
		 * program's breakpoint would be a #GP (SIGSEGV) instead of
		 * the #BP (SIGTRAP) Linux gives it. Every other gate stays
		 * DPL 0: `int n` from user mode is a #GP. */
		uint16_t dpl = v == VEC_BREAKPOINT ? GATE_DPL3 : 0;
		idt[v] = (struct idt_gate){
			.off_lo = a & 0xffff,
			.selector = GDT_KERNEL_CODE,
			.flags = GATE_INTERRUPT | dpl | ist,
			.off_mid = (a >> 16) & 0xffff,
			.off_hi = a >> 32,
		};
	}
	idt_load();
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" ::"m"(p));
}

void trap_set_handler(int vector, trap_handler_fn fn)
{
	ASSERT(vector >= VEC_FIRST_EXTERNAL && vector < VEC_COUNT);
	handlers[vector] = fn;
}

/* "[present write user ...]" for a page-fault error code (SDM 3A 4.7). */
static void pf_decode(uint64_t e, char *buf, int size)
{
	k_snprintf(buf, size, "[%s %s %s%s%s]",
		   e & 1 ? "protection" : "not-present",
		   e & 2 ? "write" : "read", e & 4 ? "user" : "kernel",
		   e & 8 ? " reserved-bit" : "", e & 16 ? " instruction-fetch" : "");
}

static void exception_report(struct trap_frame *f)
{
	const char *name = f->vector < 32 ? exception_names[f->vector] : 0;
	char detail[96] = "";
	uint64_t off;

	if (f->vector == VEC_PAGE_FAULT)
		pf_decode(f->error, detail, sizeof(detail));
	kprintf("EXCEPTION %s (vector %lu), error 0x%lx %s",
		name ? name : "reserved", f->vector, f->error, detail);
	const char *sym = ksym_lookup(f->rip, &off);
	if (sym)
		kprintf("  rip %016lx %s+0x%lx", f->rip, sym, off);
	else
		kprintf("  rip %016lx ?", f->rip);
	kprintf("  cs %04lx rflags %016lx rsp %016lx ss %04lx", f->cs,
		f->rflags, f->rsp, f->ss);
	if (f->vector == VEC_PAGE_FAULT)
		kprintf("  cr2 %016lx", read_cr2());
	kprintf("  rax %016lx rbx %016lx rcx %016lx", f->rax, f->rbx, f->rcx);
	kprintf("  rdx %016lx rsi %016lx rdi %016lx", f->rdx, f->rsi, f->rdi);
	kprintf("  rbp %016lx r8  %016lx r9  %016lx", f->rbp, f->r8, f->r9);
	kprintf("  r10 %016lx r11 %016lx r12 %016lx", f->r10, f->r11, f->r12);
	kprintf("  r13 %016lx r14 %016lx r15 %016lx", f->r13, f->r14, f->r15);
	kprintf("  cr0 %016lx cr3 %016lx", read_cr0(), read_cr3());
	backtrace_from(f->rip, f->rbp);
}

/* Interrupts (vector >= 32). Handlers run with interrupts off; EOI is
 * sent here, after the handler, for every LAPIC-delivered vector except
 * the spurious one (SDM 3A 10.9: no EOI for spurious interrupts). The
 * masked 8259s can still raise their spurious IRQ 7/15: counted, ignored. */
static void interrupt(struct trap_frame *f)
{
	struct cpu *c = this_cpu();
	c->irqs++;
	if (f->vector == VEC_LAPIC_SPURIOUS || f->vector == VEC_PIC_SPURIOUS_MASTER ||
	    f->vector == VEC_PIC_SPURIOUS_SLAVE) {
		c->spurious++;
		return;
	}
	sched_glue_irq_enter();
	if (handlers[f->vector])
		handlers[f->vector](f);
	else if (!c->unexpected_vectors++)
		kprintf("trap: unexpected interrupt on vector %#lx (no handler); "
			"acknowledged and ignored", f->vector);
	if (f->vector >= VEC_ISA_BASE && lapic_mode() != LAPIC_MODE_NONE)
		lapic_eoi();
	/* After the EOI: this may switch to another thread (sched_glue.c). */
	sched_glue_irq_exit();
}

/* A fault whose address (CR2) is in a stack's guard: name the stack. An
 * overflow usually arrives as #DF (the #PF could not push its frame on
 * the full stack; #DF runs on its IST stack), a wild access into a guard
 * as #PF. Either way CR2 holds the guard address. */
static void stack_overflow_report(struct trap_frame *f)
{
	struct kstack_info st;
	uint64_t cr2 = read_cr2();
	int cpu = cpu_ready ? this_cpu()->id : 0;

	if (f->vector != VEC_DOUBLE_FAULT && f->vector != VEC_PAGE_FAULT)
		return;
	if (kstack_guard_hit(cr2, &st))
		return;
	if (st.kind == KSTACK_THREAD)
		kprintf("stack overflow in thread %s on cpu%d (guard page hit at "
			"%016lx, stack %016lx-%016lx)",
			st.thread ? st.thread->name : "?", cpu, cr2, st.lo, st.hi);
	else
		kprintf("stack overflow on cpu%d's %s stack (guard page hit at "
			"%016lx, stack %016lx-%016lx)",
			st.cpu, st.what, cr2, st.lo, st.hi);
}

/* One line for a fault inside a fatal report (nothing that might fault
 * again: no backtrace, no register dump). */
static void nested_fault(int claim, struct trap_frame *f)
{
	if (claim == PANIC_OTHER_CPU)
		panic_halt_or_nested(claim, 0); /* halts: the reporter stops us */
	char what[160];
	uint64_t off = 0;
	const char *name = f->vector < 32 ? exception_names[f->vector] : 0;
	const char *sym = ksym_lookup(f->rip, &off);
	k_snprintf(what, sizeof(what), "%s (vector %lu) at rip %016lx %s+0x%lx cr2 %016lx",
		   name ? name : "reserved", f->vector, f->rip, sym ? sym : "?",
		   off, read_cr2());
	panic_halt_or_nested(claim, what);
}

/* Linux's si_code values for fault signals (uapi/asm-generic/siginfo.h). */
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_FLTINV 7
#define BUS_ADRALN 1
#define TRAP_BRKPT 1
#define SI_KERNEL 0x80
#define PF_ERR_PRESENT 1

/* An exception in user mode: the memory system resolves a page fault
 * (demand paging, COW, stack growth); anything else, or a fault it
 * cannot resolve, becomes the signal Linux would send. Never fatal to
 * the kernel. */
static void user_exception(struct trap_frame *f)
{
	/* CR2 first: once interrupts are on, a switch to another thread that
	 * faults would overwrite it. */
	uint64_t cr2 = f->vector == VEC_PAGE_FAULT ? read_cr2() : 0;
	struct uthread *t = uthread_current();
	this_cpu()->exceptions++;
	irq_enable();
	switch (f->vector) {
	case VEC_PAGE_FAULT: {
		int r = aspace_fault(t->proc->as, cr2, f->error);
		if (r == 0) {
			/* Where the process's memory now mostly is. */
			thread_set_home_node(&t->kt.t,
					     aspace_home_hint(t->proc->as));
			break;
		}
		if (r == -ENOMEM) {
			kprintf("%s[%d]: out of memory at %lx: killed",
				t->proc->name, t->proc->pid, cr2);
			signal_send_process(t->proc, SIGKILL);
			break;
		}
		signal_force_fault(SIGSEGV, f->error & PF_ERR_PRESENT ?
						    SEGV_ACCERR : SEGV_MAPERR,
				   cr2);
		break;
	}
	case 0: /* #DE */
		signal_force_fault(SIGFPE, FPE_INTDIV, f->rip);
		break;
	case 1: /* #DB */
	case 3: /* #BP */
		signal_force_fault(SIGTRAP, TRAP_BRKPT, f->rip);
		break;
	case 6: /* #UD */
		signal_force_fault(SIGILL, ILL_ILLOPN, f->rip);
		break;
	case 16: /* #MF */
	case 19: /* #XM */
		signal_force_fault(SIGFPE, FPE_FLTINV, f->rip);
		break;
	case 17: /* #AC */
		signal_force_fault(SIGBUS, BUS_ADRALN, f->rip);
		break;
	default: /* #GP (cli, hlt, wrmsr, a kernel address), #SS, #NP, ... */
		signal_force_fault(SIGSEGV, SI_KERNEL, 0);
		break;
	}
	user_exit_work(f);
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector >= VEC_FIRST_EXTERNAL) {
		interrupt(f);
		/* Back to user mode: signals and group exits first (with
		 * interrupts on, on this thread's own stack; irq_depth is 0
		 * again). */
		if (f->cs & 3) {
			irq_enable();
			user_exit_work(f);
		}
		return;
	}
	if (f->vector == VEC_NMI && smp_nmi_stop(f))
		return; /* not reached: a stopped CPU halts */
	if ((f->cs & 3) && f->vector != VEC_NMI &&
	    f->vector != VEC_MACHINE_CHECK && f->vector != VEC_DOUBLE_FAULT) {
		user_exception(f);
		return;
	}
	if (usercopy_fault(f))
		return; /* a user copy's fault: retried or -EFAULT */
	int claim = panic_begin();
	if (claim != PANIC_CLAIMED)
		nested_fault(claim, f); /* or halt: another CPU reports */
	if (cpu_ready)
		this_cpu()->exceptions++;
	stack_overflow_report(f);
	exception_report(f);
	fatal_exit();
}
