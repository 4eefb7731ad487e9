// SPDX-License-Identifier: MIT
/*
 * t_cpu: CPU state a program controls and the kernel must keep apart or
 * sanitise: int3, hostile signal handlers and rt_sigreturn frames (RIP,
 * RFLAGS, MXCSR, the XSAVE header), the FPU state a new program starts
 * with after execve, and the FPU image rt_sigreturn restores while the
 * thread is being preempted. Each hostile case runs in a child that must
 * either go on or die by SIGSEGV, as on Linux; the kernel must survive it.
 *
 *   t_cpu                  the checks
 *   t_cpu fpu-exec-child   (internal) the execve target of the FPU check
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>

#include "check.h"

#define MXCSR_INIT 0x1f80
#define FCW_INIT 0x37f
#define XMM15_PATTERN 0x5a5a5a5a12345678ull

static uint32_t get_mxcsr(void)
{
	uint32_t v;
	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static void set_mxcsr(uint32_t v)
{
	__asm__ volatile("ldmxcsr %0" ::"m"(v));
}

static uint16_t get_fcw(void)
{
	uint16_t v;
	__asm__ volatile("fnstcw %0" : "=m"(v));
	return v;
}

static uint64_t get_rflags(void)
{
	uint64_t v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

/* fork, run fn in the child (which exits 0 if it goes on), return the
 * wait status. */
static int in_child(void (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		_exit(0);
	}
	int st = -1;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

static int survived_or_segv(int st)
{
	return (WIFEXITED(st) && WEXITSTATUS(st) == 0) ||
	       (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

static int killed_by_segv(int st)
{
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
}

/* ---- int3 -------------------------------------------------------------- */

static volatile sig_atomic_t trap_sig;

static void on_trap_or_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)si;
	trap_sig = sig;
	if (sig == SIGSEGV) /* a #GP points at the int3: step over it */
		((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP] += 1;
}

static void test_int3(void)
{
	struct sigaction sa = { .sa_sigaction = on_trap_or_segv,
				.sa_flags = SA_SIGINFO };
	sigaction(SIGTRAP, &sa, 0);
	sigaction(SIGSEGV, &sa, 0);
	trap_sig = 0;
	__asm__ volatile("int3");
	CHECK(trap_sig == SIGTRAP, "int3 raises SIGTRAP (got signal %d)",
	      (int)trap_sig);
	signal(SIGTRAP, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
}

/* ---- hostile handlers and frames ------------------------------------------ */

static void child_noncanonical_handler(void)
{
	struct sigaction sa = { .sa_handler =
					(void (*)(int))0x0000800000000000ull };
	sigaction(SIGUSR1, &sa, 0);
	raise(SIGUSR1);
}

static void child_noncanonical_handler_high(void)
{
	struct sigaction sa = { .sa_handler =
					(void (*)(int))0x8000000000000000ull };
	sigaction(SIGUSR1, &sa, 0);
	raise(SIGUSR1);
}

static void set_action(void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa = { .sa_sigaction = fn, .sa_flags = SA_SIGINFO };
	sigaction(SIGUSR1, &sa, 0);
}

static void edit_rip(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP] = 0x0000800000000000ll;
}

static void child_sigreturn_noncanonical_rip(void)
{
	set_action(edit_rip);
	raise(SIGUSR1);
}

static void edit_flags_and_selectors(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	ucontext_t *uc = ctx;
	/* IOPL 3, NT, VM, VIF, VIP, ID and IF off (not TF, DF, AC: a
	 * program may set those). GS/FS/SS garbage, CS kept (Linux takes
	 * it from the frame). */
	uc->uc_mcontext.gregs[REG_EFL] = 0x3f7fffull & ~0x40700ull;
	uint64_t cs = uc->uc_mcontext.gregs[REG_CSGSFS] & 0xffff;
	uc->uc_mcontext.gregs[REG_CSGSFS] =
		(long long)(cs | 0x1234ull << 16 | 0x5678ull << 32 | 0x10ull << 48);
}

static void child_sigreturn_flags(void)
{
	set_action(edit_flags_and_selectors);
	raise(SIGUSR1);
	uint64_t fl = get_rflags();
	/* IOPL must still be 0, interrupts on, not VM86: else fail loudly. */
	if ((fl & 0x3000) || !(fl & 0x200) || (fl & 0x20000))
		_exit(2);
	__asm__ volatile("cld");
}

static void edit_mxcsr(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	ucontext_t *uc = ctx;
	/* FXRSTOR/XRSTOR #GP on MXCSR reserved bits; the mask saved beside
	 * it is the program's to write too, so it must not be trusted. */
	uc->uc_mcontext.fpregs->mxcr_mask = 0xffffffff;
	uc->uc_mcontext.fpregs->mxcsr = 0xffff0000u | MXCSR_INIT;
}

static void child_sigreturn_mxcsr(void)
{
	set_action(edit_mxcsr);
	raise(SIGUSR1);
	if (get_mxcsr() & 0xffff0000u)
		_exit(2);
}

static void edit_xsave_header(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	uint8_t *fp = (uint8_t *)((ucontext_t *)ctx)->uc_mcontext.fpregs;
	uint32_t *sw = (uint32_t *)(fp + 464);
	if (sw[0] != 0x46505853u) /* FP_XSTATE_MAGIC1: no XSAVE area */
		return;
	uint64_t *hdr = (uint64_t *)(fp + 512);
	hdr[0] = ~0ull; /* XSTATE_BV: components not enabled */
	hdr[1] = 1;	/* XCOMP_BV: not the standard format */
	hdr[5] = 0x1234; /* reserved */
}

static void child_sigreturn_xsave_header(void)
{
	set_action(edit_xsave_header);
	raise(SIGUSR1);
}

static void test_hostile_frames(void)
{
	int st = in_child(child_noncanonical_handler);
	CHECK(killed_by_segv(st),
	      "a non-canonical handler (0x800000000000) kills by SIGSEGV "
	      "(status %#x)", st);
	st = in_child(child_noncanonical_handler_high);
	CHECK(killed_by_segv(st),
	      "a non-canonical handler (0x8000000000000000) kills by SIGSEGV "
	      "(status %#x)", st);
	st = in_child(child_sigreturn_noncanonical_rip);
	CHECK(killed_by_segv(st),
	      "rt_sigreturn to a non-canonical RIP kills by SIGSEGV "
	      "(status %#x)", st);
	st = in_child(child_sigreturn_flags);
	CHECK(survived_or_segv(st),
	      "rt_sigreturn with IOPL/NT/VM/IF-off flags and bad selectors: "
	      "flags sanitised (status %#x)", st);
	st = in_child(child_sigreturn_mxcsr);
	CHECK(survived_or_segv(st),
	      "rt_sigreturn with MXCSR reserved bits and MXCSR_MASK ~0 "
	      "(status %#x)", st);
	st = in_child(child_sigreturn_xsave_header);
	CHECK(survived_or_segv(st),
	      "rt_sigreturn with a bad XSAVE header (status %#x)", st);
}

/* ---- a handler starts with a clean FPU -------------------------------------------- */

static volatile uint32_t handler_mxcsr;
static volatile uint16_t handler_fcw;

static void record_fpu(int sig)
{
	(void)sig;
	handler_mxcsr = get_mxcsr();
	handler_fcw = get_fcw();
}

/* Linux runs a handler as a fresh function call: initial MXCSR and x87
 * state (the interrupted code's are in the frame, and come back with
 * rt_sigreturn). */
static void test_handler_fpu(void)
{
	uint16_t fcw = 0x27f, init_fcw = FCW_INIT;
	signal(SIGUSR1, record_fpu);
	set_mxcsr(0x7f80);
	__asm__ volatile("fldcw %0" ::"m"(fcw));
	raise(SIGUSR1);
	uint32_t after_mxcsr = get_mxcsr();
	uint16_t after_fcw = get_fcw();
	set_mxcsr(MXCSR_INIT);
	__asm__ volatile("fldcw %0" ::"m"(init_fcw));
	signal(SIGUSR1, SIG_DFL);
	CHECK(handler_mxcsr == MXCSR_INIT && handler_fcw == FCW_INIT,
	      "a handler starts with MXCSR 0x1f80 and FCW 0x37f (got %#x %#x)",
	      handler_mxcsr, handler_fcw);
	CHECK(after_mxcsr == 0x7f80 && after_fcw == 0x27f,
	      "and the interrupted code gets its own back (%#x %#x)",
	      after_mxcsr, after_fcw);
}

/* ---- rt_sigreturn restores every general register ---------------------------- */

#define RCX_VALUE 0x1111222233334444ull
#define R11_VALUE 0x0000000000000246ull /* a plausible RFLAGS, not the real one */

static void edit_rcx_r11(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	ucontext_t *uc = ctx;
	uc->uc_mcontext.gregs[REG_RCX] = (long long)RCX_VALUE;
	uc->uc_mcontext.gregs[REG_R11] = (long long)R11_VALUE;
}

/* A handler may run at any instruction (an asynchronous signal), where
 * rcx and r11 hold live values: rt_sigreturn must give back the frame's,
 * not the RIP and RFLAGS a sysret leaves in them. Made deterministic by
 * a handler that edits them in the frame. */
static void test_sigreturn_rcx_r11(void)
{
	set_action(edit_rcx_r11);
	long rax = SYS_tgkill;
	uint64_t rcx, r11;
	__asm__ volatile("syscall\n\tmovq %%rcx, %1\n\tmovq %%r11, %2"
			 : "+a"(rax), "=r"(rcx), "=r"(r11)
			 : "D"((long)getpid()), "S"((long)syscall(SYS_gettid)),
			   "d"((long)SIGUSR1)
			 : "rcx", "r11", "memory");
	signal(SIGUSR1, SIG_DFL);
	CHECK(rcx == RCX_VALUE && r11 == R11_VALUE,
	      "rt_sigreturn restores rcx and r11 from the frame (rcx %#llx "
	      "r11 %#llx)", (unsigned long long)rcx, (unsigned long long)r11);
}

/* ---- execve starts with a clean FPU ----------------------------------------- */

static int fpu_exec_child(void)
{
	uint64_t x15;
	__asm__ volatile("movq %%xmm15, %0" : "=r"(x15));
	int bad = 0;
	if (get_mxcsr() != MXCSR_INIT)
		bad |= 1;
	if (get_fcw() != FCW_INIT)
		bad |= 2;
	if (x15 == XMM15_PATTERN)
		bad |= 4;
	return bad;
}

static const char *self_path;

static void test_exec_fpu(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		uint16_t fcw = 0x27f; /* 53-bit precision */
		uint64_t pat = XMM15_PATTERN;
		set_mxcsr(0x7f80);    /* round toward zero */
		__asm__ volatile("fldcw %0" ::"m"(fcw));
		__asm__ volatile("movq %0, %%xmm15" ::"r"(pat) : "xmm15");
		char *argv[] = { (char *)self_path, "fpu-exec-child", 0 };
		execve(self_path, argv, environ);
		_exit(100);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	CHECK(code >= 0 && code != 100, "the FPU check's execve ran (status %#x)",
	      st);
	CHECK(code >= 0 && !(code & 1),
	      "after execve MXCSR is 0x1f80, not the old program's");
	CHECK(code >= 0 && !(code & 2),
	      "after execve the x87 control word is 0x37f, not the old program's");
	CHECK(code >= 0 && !(code & 4),
	      "after execve xmm15 does not hold the old program's value");
}

/* ---- a failed execve leaves the other threads alone ------------------------------ */

static atomic_long busy_count;
static atomic_int busy_stop;

static void *busy(void *arg)
{
	(void)arg;
	while (!atomic_load(&busy_stop))
		atomic_fetch_add(&busy_count, 1);
	return 0;
}

/* Linux stops the other threads (de_thread) only once the new program
 * has been found good: an execve that fails (here ENOEXEC, a file that
 * is not an ELF program) returns to a process that still has them. */
static void test_failed_exec_keeps_threads(void)
{
	pthread_t th;
	if (pthread_create(&th, 0, busy, 0) != 0) {
		CHECK(0, "pthread_create for the failed-execve check");
		return;
	}
	while (atomic_load(&busy_count) == 0)
		sched_yield();
	char *argv[] = { "not-elf", 0 };
	CHECK_ERR(execve(rpath("/test/not-elf"), argv, environ), ENOEXEC,
		  "execve of a file that is not an ELF program from a threaded "
		  "process");
	long before = atomic_load(&busy_count);
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	for (int i = 0; i < 20 && atomic_load(&busy_count) == before; i++)
		nanosleep(&ts, 0);
	CHECK(atomic_load(&busy_count) != before,
	      "the other thread still runs after the failed execve");
	atomic_store(&busy_stop, 1);
	pthread_join(th, 0);
}

/* ---- rt_sigreturn's FPU image under preemption -------------------------------- */

static volatile uint32_t restore_value;
static atomic_int spin_stop;

static void edit_xmm0(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)si;
	ucontext_t *uc = ctx;
	for (int i = 0; i < 4; i++)
		uc->uc_mcontext.fpregs->_xmm[0].element[i] = restore_value;
}

static void *spinner(void *arg)
{
	(void)arg;
	while (!atomic_load(&spin_stop))
		;
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static void test_sigreturn_fpu_preempted(void)
{
	pthread_t th[2];
	int nth = 0;
	/* Competitors for the CPU, so the thread is preempted now and then
	 * inside rt_sigreturn. */
	for (int i = 0; i < 2; i++)
		if (pthread_create(&th[i], 0, spinner, 0) == 0)
			nth++;
	set_action(edit_xmm0);
	long tid = syscall(SYS_gettid), pid = getpid();
	long n = 0, bad = 0;
	uint64_t first_bad = 0, end = now_ms() + 4000;
	for (uint32_t v = 1; now_ms() < end && n < 200000; v++, n++) {
		restore_value = v;
		uint64_t got;
		/* tgkill(pid, tid, SIGUSR1): the handler runs on the way
		 * back, writes v into the frame's xmm0, and rt_sigreturn
		 * restores it; read it before anything else can touch it. */
		long rax = SYS_tgkill;
		__asm__ volatile("syscall\n\tmovq %%xmm0, %1"
				 : "+a"(rax), "=r"(got)
				 : "D"(pid), "S"(tid), "d"((long)SIGUSR1)
				 : "rcx", "r11", "memory", "xmm0");
		if (got != ((uint64_t)v << 32 | v)) {
			if (!bad++)
				first_bad = got;
		}
	}
	atomic_store(&spin_stop, 1);
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], 0);
	signal(SIGUSR1, SIG_DFL);
	CHECK(bad == 0,
	      "rt_sigreturn restored the frame's xmm0 in all %ld rounds "
	      "beside %d spinning threads (%ld wrong, first %#llx)",
	      n, nth, bad, (unsigned long long)first_bad);
}

/* ---- each thread keeps its own registers -------------------------------------------- */

/* Three threads hold their own values in xmm8-xmm15, r12-r15 and (with
 * MXCSR's rounding bits) the x87/SSE control state, and check them
 * between busy loops and yields: preemption, switches between them and
 * (on several CPUs) migration must never show one thread another's. */
static void *own_registers(void *arg)
{
	uint64_t id = (uint64_t)(uintptr_t)arg;
	uint64_t pat = 0x0101010101010101ull * (id + 1);
	uint32_t mx = MXCSR_INIT | (uint32_t)(id << 13); /* RC = id */
	uint64_t end = now_ms() + 2000, bad = 0;
	set_mxcsr(mx);
	while (now_ms() < end && !bad) {
		uint64_t r12 = pat, diff = 0;
		__asm__ volatile(
			"movq %[p], %%xmm8\n\tmovq %[p], %%xmm9\n\t"
			"movq %[p], %%xmm10\n\tmovq %[p], %%xmm11\n\t"
			"movq %[p], %%xmm12\n\tmovq %[p], %%xmm13\n\t"
			"movq %[p], %%xmm14\n\tmovq %[p], %%xmm15\n\t"
			"movq %[p], %%r12\n\tmovq %[p], %%r13\n\t"
			"movq %[p], %%r14\n\tmovq %[p], %%r15\n\t"
			"movl $200000, %%ecx\n"
			"1:\tdecl %%ecx\n\tjnz 1b\n\t"
			"movl $24, %%eax\n\tsyscall\n\t" /* sched_yield */
			"movl $200000, %%ecx\n"
			"2:\tdecl %%ecx\n\tjnz 2b\n\t"
			"xorq %%rdx, %%rdx\n\t"
			"movq %%xmm8, %%rax\n\txorq %[p], %%rax\n\torq %%rax, %%rdx\n\t"
			"movq %%xmm9, %%rax\n\txorq %[p], %%rax\n\torq %%rax, %%rdx\n\t"
			"movq %%xmm10, %%rax\n\txorq %[p], %%rax\n\torq %%rax, %%rdx\n\t"
			"movq %%xmm11, %%rax\n\txorq %[p], %%rax\n\torq %%rax, %%rdx\n\t"
			"movq %%xmm12, %%rax\n\txorq %[p], %%rax\n\torq %%rax, %%rdx\n\t"
			"movq %%xmm13, %%rax\n\txorq %[p], %%rax\n\torq %%rax, %%rdx\n\t"
			"movq %%xmm14, %%rax\n\txorq %[p], %%rax\n\torq %%rax, %%rdx\n\t"
			"movq %%xmm15, %%rax\n\txorq %[p], %%rax\n\torq %%rax, %%rdx\n\t"
			"movq %%r12, %%rax\n\txorq %[p], %%rax\n\torq %%rax, %%rdx\n\t"
			"movq %%r13, %%rax\n\txorq %[p], %%rax\n\torq %%rax, %%rdx\n\t"
			"movq %%r14, %%rax\n\txorq %[p], %%rax\n\torq %%rax, %%rdx\n\t"
			"movq %%r15, %%rax\n\txorq %[p], %%rax\n\torq %%rax, %%rdx\n\t"
			"movq %%rdx, %[d]"
			: [d] "=m"(diff)
			: [p] "r"(r12)
			: "rax", "rcx", "rdx", "r11", "r12", "r13", "r14", "r15",
			  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
			  "xmm14", "xmm15", "memory");
		if (diff || get_mxcsr() != mx)
			bad++;
	}
	set_mxcsr(MXCSR_INIT);
	return (void *)(uintptr_t)bad;
}

static void test_own_registers(void)
{
	pthread_t th[3];
	int n = 0;
	uint64_t bad = 0;
	for (int i = 0; i < 3; i++)
		if (pthread_create(&th[n], 0, own_registers,
				   (void *)(uintptr_t)i) == 0)
			n++;
	for (int i = 0; i < n; i++) {
		void *r;
		pthread_join(th[i], &r);
		bad += (uint64_t)(uintptr_t)r;
	}
	CHECK(n == 3 && bad == 0,
	      "%d threads keep their own xmm8-15, r12-r15 and MXCSR across "
	      "preemption and yields (%llu bad)", n, (unsigned long long)bad);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "fpu-exec-child") == 0)
		return fpu_exec_child();
	self_path = argv[0];
	check_set_root(argv[0]);
	check_watchdog(60);
	test_int3();
	test_hostile_frames();
	test_sigreturn_rcx_r11();
	test_handler_fpu();
	test_exec_fpu();
	test_failed_exec_keeps_threads();
	test_sigreturn_fpu_preempted();
	test_own_registers();
	return check_done();
}
