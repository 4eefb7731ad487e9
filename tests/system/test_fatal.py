# SPDX-License-Identifier: MIT
"""Fatal paths: an exception and a panic each print one clear report with a
symbolized backtrace and end the run with the failure exit code."""
import re

from conftest import cohortvm


def test_fault_reports_page_fault(esp, boot):
    b = boot(esp(cmdline="test=fault"))
    assert b.exit_code == cohortvm.EXIT_FAILURE, b
    log = b.log
    assert re.search(r"EXCEPTION #PF page fault \(vector 14\), error 0x2 "
                     r"\[not-present write kernel\]", log)
    assert re.search(r"rip ffffffff[0-9a-f]{8} fault_deref", log)
    assert re.search(r"cr2 0000000000000000", log)
    for reg in ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8 ", "r15"):
        assert f"{reg} " in log or f"{reg}" in log
    bt = log[log.index("backtrace:"):]
    # Self-tests run in the init kernel thread: the chain ends at its entry.
    assert "selftest_run+0x" in bt and "init_thread+0x" in bt
    assert "kthread_start+0x" in bt
    assert "test: fault: PASS" not in log


def test_panic_prints_symbolized_backtrace(esp, boot):
    b = boot(esp(cmdline="test=panic"))
    assert b.exit_code == cohortvm.EXIT_FAILURE, b
    log = b.log
    assert "PANIC: deliberate panic from test=panic" in log
    frames = re.findall(r"#(\d+)\s+0x[0-9a-f]{16} (\S+)\+0x[0-9a-f]+", log)
    names = [n for _, n in frames]
    # Innermost first, each frame named; the chain runs back to the init
    # thread's entry.
    order = ["panic_leaf", "panic_middle", "test_panic", "selftest_run",
             "init_thread", "kthread_start"]
    pos = [next(i for i, n in enumerate(names) if n.startswith(f))
           for f in order]
    assert pos == sorted(pos), names
    assert [int(i) for i, _ in frames] == list(range(len(frames)))


def test_unknown_selftest_fails_and_lists_tests(esp, boot):
    b = boot(esp(cmdline="test=no-such-test"))
    assert b.exit_code == cohortvm.EXIT_FAILURE
    assert "test: unknown test 'no-such-test'" in b.log
    assert re.search(r"test:\s+boot\s", b.log)


def test_unknown_selftest_in_a_list_fails_before_any_runs(esp, boot):
    """An unknown name anywhere in test=a,b,c is refused before the first
    test starts (a typo must not cost the boot that ran the rest)."""
    b = boot(esp(cmdline="test=boot,no-such-test"))
    assert b.exit_code == cohortvm.EXIT_FAILURE, b
    assert ("test: unknown test 'no-such-test' in the list "
            "'boot,no-such-test'; nothing run; known tests:") in b.log
    assert re.search(r"test:\s+callfunc\s", b.log)
    assert "test: boot:" not in b.log


def test_selftest_list_stops_at_the_first_failure(esp, boot):
    """sched-stress fails at once without sched_check=: the list stops
    there, pmm never runs, and the run exits once with 35."""
    b = boot(esp(cmdline="test=boot,sched-stress,pmm"), smp=2)
    assert b.exit_code == cohortvm.EXIT_FAILURE, b
    assert "test: boot: PASS" in b.log
    assert "test: sched-stress: FAIL" in b.log
    assert ("test: list: sched-stress failed after 1 of 3 passed; the rest "
            "not run") in b.log
    assert "test: pmm:" not in b.log


def test_allocator_selftests_pass(esp, boot):
    for name in ("pmm", "heap", "kstack"):
        b = boot(esp(cmdline=f"test={name}"), smp=2)
        assert b.exit_code == cohortvm.EXIT_SUCCESS, b
        assert f"test: {name}: PASS" in b.log


# A fatal report that faults must still end the run (defect 11 of issue 9):
# a hang would show as a timeout here, so the budget is short.
FATAL_TIMEOUT = 60


def test_exception_with_corrupt_frame_pointer_exits(esp, boot):
    b = boot(esp(cmdline="test=fault-bad-fp"), smp=2, timeout=FATAL_TIMEOUT)
    assert not b.timed_out, b
    assert b.exit_code == cohortvm.EXIT_FAILURE, b
    log = b.log
    assert "EXCEPTION #PF page fault (vector 14)" in log
    assert re.search(r"rip ffffffff[0-9a-f]{8} fault_bad_fp", log)
    # The walk stops at the corrupt frame pointer instead of reading it.
    assert re.search(r"backtrace: frame pointer ffffc00000000000 is on no "
                     r"known stack", log), log
    assert "stopped by NMI" in log  # the other CPU was stopped
    assert "halting: failure" in log


def test_fault_inside_panic_report_exits(esp, boot):
    b = boot(esp(cmdline="test=panic-bad-arg"), smp=2, timeout=FATAL_TIMEOUT)
    assert not b.timed_out, b
    assert b.exit_code == cohortvm.EXIT_FAILURE, b
    log = b.log
    # One line names the nested fault; the machine still stops.
    assert re.search(r"FATAL: #PF page fault \(vector 14\) at rip "
                     r"ffffffff[0-9a-f]{8} \S+ cr2 ffffc00000000000 while "
                     r"reporting a fatal error", log), log
    assert "stopped by NMI" in log
    assert "halting: failure" in log


def test_kernel_thread_stack_overflow_is_reported(esp, boot):
    # Endless recursion in a kernel thread hits the guard page below its
    # stack: one clear line naming thread and CPU, taken on the #DF IST
    # stack, then the usual fatal path (other CPUs stopped, failure exit).
    b = boot(esp(cmdline="test=stack-overflow"), smp=2, timeout=FATAL_TIMEOUT)
    assert not b.timed_out, b
    assert b.exit_code == cohortvm.EXIT_FAILURE, b
    log = b.log
    assert re.search(r"stack overflow in thread overflow on cpu\d+ \(guard "
                     r"page hit at fffffe[0-9a-f]{10}, stack fffffe", log), log
    assert "EXCEPTION #DF double fault (vector 8)" in log
    assert "recurse_forever" in log[log.index("backtrace:"):]
    assert "stopped by NMI" in log
    assert "halting: failure" in log
    assert "stack-overflow: the thread returned" not in log
