# SPDX-License-Identifier: MIT
"""User space: the static musl programs of tests/user/ run as Cohort
processes under /bin/init (esp/bin/init.c), booted with
`init=/bin/init -- /test/NAME` (docs/userspace.md, "User tests").

Each program prints one line per check and `N passed, N failed`; init
prints `init: PROG exited with status N` or `... killed by signal S (NAME)`
and exits 0 iff every command exited 0, which the kernel turns into QEMU's
exit code (33 / 35). The same binaries pass under Linux first
(`make test-user-host`), so a failure here is the kernel's.

Every test here carries the `userspace` marker, so
`pytest -m userspace tests/system` runs just these. Programs run on one CPU
with QEMU's default CPU model (FXSAVE, no SMEP/SMAP) and on four with
`-cpu max` (XSAVE, SMEP, SMAP, UMIP), so both FPU paths and the protected
user copies are exercised.
"""
import os
import re

import pytest

from conftest import BOOT_TIMEOUT, cohortvm

pytestmark = pytest.mark.userspace

# The t_* programs, each run alone on 1 and 4 CPUs.
PROGRAMS = ["t_basic", "t_mm", "t_fork", "t_thread", "t_signal", "t_fs",
            "t_sched", "t_exec_helper", "t_exec_pie", "t_glibc_basic",
            "iso_kptr", "t_cpu"]
# The isolation programs and the signal each must die with (iso.h).
ISOLATION = {
    "iso_kwrite": 11, "iso_kjump": 11, "iso_nx": 11, "iso_nx heap": 11,
    "iso_nx mmap": 11, "iso_cli": 11, "iso_hlt": 11, "iso_wrmsr": 11,
}
# Boot (~10-30 s under TCG on a busy host) plus the program's own bound;
# COHORT_USER_TIMEOUT overrides it for a slow (or an impatient) machine.
PROGRAM_TIMEOUT = int(os.environ.get("COHORT_USER_TIMEOUT",
                                     BOOT_TIMEOUT + 180))
# Bounds, not durations: the fuzzer stops at its batch count or this many
# seconds, the stress test when its 200 processes are done (about 25 s on
# the 2-core CI machine) or at this bound. Longer runs: make soak-user.
FUZZ_SECONDS = 20
STRESS_SECONDS = 120
MAX_CPU = ["-cpu", "max"]

SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$", re.M)


def run_init(esp, boot, commands, smp, timeout=PROGRAM_TIMEOUT, extra=""):
    """Boots with init running `commands` (a list of command strings);
    on more than one CPU with -cpu max (see the top)."""
    line = f"{extra}init=/bin/init -- " + " ; ".join(commands)
    return boot(esp(cmdline=line), smp=smp, timeout=timeout,
                extra=MAX_CPU if smp > 1 else ())


def exit_line(cmd, status):
    prog = cmd.split()[0]
    return re.compile(rf"^init: {re.escape(prog)} exited with status "
                      rf"{status}$", re.M)


def assert_passed(b, cmd):
    """The program printed a clean summary and init saw it exit 0."""
    assert not b.timed_out, f"{cmd}: no end within the timeout"
    assert not re.search(r"^FAIL ", b.log, re.M), \
        "\n".join(l for l in b.log.splitlines() if l.startswith("FAIL "))
    sums = SUMMARY.findall(b.log)
    assert sums, f"{cmd}: no 'N passed, N failed' line"
    passed, failed = map(int, sums[-1])
    assert failed == 0 and passed > 0, sums[-1]
    assert exit_line(cmd, 0).search(b.log), f"{cmd}: init did not see exit 0"


@pytest.mark.parametrize("smp", [1, 4])
@pytest.mark.parametrize("name", PROGRAMS)
def test_user_program(esp, boot, name, smp):
    cmd = f"/test/{name}"
    b = run_init(esp, boot, [cmd], smp)
    assert_passed(b, cmd)
    assert "init: exited with status 0" in b.log
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b


@pytest.mark.parametrize("label", list(ISOLATION))
def test_isolation_kills_and_the_system_goes_on(esp, boot, label):
    """The forbidden operation kills the program with the right signal, and
    then another program still runs to a clean end."""
    prog, *args = label.split()
    cmd = " ".join([f"/test/{prog}", *args])
    sig = ISOLATION[label]
    b = run_init(esp, boot, [cmd, "/test/t_basic"], smp=2)
    assert not b.timed_out, b
    assert re.search(rf"^init: /test/{prog} killed by signal {sig} \(",
                     b.log, re.M), f"{label}: not killed by signal {sig}"
    assert not re.search(rf"{prog}: FAIL survived", b.log)
    assert_passed(b, "/test/t_basic")
    # init exits 1 (one command failed, as it must): QEMU's failure code.
    assert "init: exited with status 1" in b.log
    assert b.exit_code == cohortvm.EXIT_FAILURE, b
    assert "PANIC" not in b.log and "EXCEPTION" not in b.log


def test_fuzzer_on_4_cpus(esp, boot):
    cmd = f"/test/t_fuzz 1 40 400 {FUZZ_SECONDS}"
    b = run_init(esp, boot, [cmd], smp=4, extra="sched_check=20 ",
                 timeout=BOOT_TIMEOUT + FUZZ_SECONDS + 120)
    assert_passed(b, cmd)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert "PANIC" not in b.log and "EXCEPTION" not in b.log
    assert_memory_returned(b.log, "returned an error; free memory", 40)


def test_stress_on_4_cpus(esp, boot):
    cmd = f"/test/t_stress 200 4 {STRESS_SECONDS}"
    b = run_init(esp, boot, [cmd], smp=4, extra="sched_check=20 ",
                 timeout=BOOT_TIMEOUT + STRESS_SECONDS + 120)
    assert_passed(b, cmd)
    assert re.search(r"^ok   200 exited 0", b.log, re.M)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert "PANIC" not in b.log and "EXCEPTION" not in b.log
    assert_memory_returned(b.log, "t_stress: free memory", 204)


def assert_memory_returned(log, prefix, processes):
    """Every child is gone: its memory must be back. Not to the page: the
    kernel keeps what its caches grew to at the peak (the heap's per-size
    free lists, page tables of kernel-stack slots), so the bound is less
    than one page per process that came and went. A leak of a stack, an
    FPU area, a page table or a process structure per process breaks it."""
    m = re.search(re.escape(prefix) + r" (\d+) KiB before, (\d+) KiB after",
                  log)
    assert m, f"no '{prefix}' line"
    before, after = int(m[1]), int(m[2])
    slack = 4 * processes - 4
    assert after >= before - slack, \
        f"{before - after} KiB not returned (bound {slack} KiB)"


def test_fork_past_the_process_limit_is_eagain(esp, boot):
    """A fork bomb meets proc_limit=: fork fails with EAGAIN, the kernel
    goes on, and every child can be killed and reaped."""
    cmd = "/test/t_exec_helper forkbomb 64"
    b = run_init(esp, boot, [cmd], smp=2, extra="proc_limit=12 ")
    assert not b.timed_out, b
    m = re.search(r"forkbomb: (\d+) forks, then EAGAIN; (\d+) killed and "
                  r"reaped", b.log)
    assert m, "no EAGAIN from fork under proc_limit=12"
    # init, the helper and its children: the limit counts them all.
    assert int(m[1]) == 12 - 2 and int(m[2]) == int(m[1]), m[0]
    assert exit_line(cmd, 0).search(b.log)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b


def test_init_reports_each_command(esp, boot):
    helper = "/test/t_exec_helper"
    b = run_init(esp, boot, [f"{helper} exit 0", f"{helper} exit 3",
                             "/test/iso_kwrite", "/test/no-such-program"],
                 smp=1)
    assert not b.timed_out, b
    inits = [l for l in b.log.splitlines()
             if re.match(r"^init: /test/", l) and "cannot execute" not in l]
    assert inits == [f"init: {helper} exited with status 0",
                     f"init: {helper} exited with status 3",
                     "init: /test/iso_kwrite killed by signal 11 (SIGSEGV)",
                     "init: /test/no-such-program exited with status 127"]
    assert "init: exited with status 1" in b.log
    assert b.exit_code == cohortvm.EXIT_FAILURE, b


def test_init_without_arguments_stays_up(esp, boot):
    """What `make run` does: init has nothing to run, says so, and pid 1
    keeps running (its exit would end the machine)."""
    b = boot(esp(cmdline="init=/bin/init"), smp=1, stop_on=r"init: nothing",
             timeout=PROGRAM_TIMEOUT)
    assert not b.timed_out, "init never said it had nothing to run"
    assert "init: nothing to run (give init=... -- PROG)" in b.log
    assert b.exit_code not in (cohortvm.EXIT_SUCCESS, cohortvm.EXIT_FAILURE)


def test_benchmark_programs(esp, boot):
    """The programs make bench-linux runs on both kernels work here, at
    sizes that take seconds: right counts, plausible figures, exit 0. The
    benchmarks themselves (figures, no assertions) are separate commands."""
    import sys
    sys.path.insert(0, str(cohortvm.ROOT / "tools"))
    import benchlib
    cmds = ["/bin/primes -w 2 -n 1000000", "/bin/primes -t -w 2 -n 1000000",
            "/bin/ubench 1 50", "/bin/latency -n 200", "/bin/latency -l -n 200"]
    b = run_init(esp, boot, cmds, 2)
    assert not b.timed_out
    for cmd in cmds:
        assert exit_line(cmd, 0).search(b.log), f"{cmd}: no exit 0"
    primes = benchlib.primes_results(b.log)
    assert [(p["mode"], p["workers"], p["ok"]) for p in primes] == \
        [("proc", 2, True), ("thread", 2, True)]
    ub = benchlib.ubench_results(b.log)
    assert set(ub) == set(benchlib.UBENCH_NAMES) and all(v > 0 for v in ub.values())
    # Cohort's sched_yield always moves to the other runnable thread.
    assert benchlib.yield_calls(b.log)[0] >= 99, b.log
    lat = benchlib.latency_results(b.log)
    assert set(lat) == {"idle", "loaded"}
    assert all(v["ok"] and v["p50"] <= v["p99"] <= v["max"] for v in lat.values())


def test_trace_of_user_program(esp, boot, tmp_path):
    """trace=dump with init: the kernel prints the trace when init exits,
    and it names the program's threads (make trace TRACE_USER=...)."""
    import sys
    sys.path.insert(0, str(cohortvm.ROOT / "tools/schedtrace"))
    import cohort_trace as ct
    b = run_init(esp, boot, ["/bin/primes -t -w 2 -n 1000000"], 2,
                 extra="trace=dump ")
    assert exit_line("/bin/primes", 0).search(b.log)
    log = tmp_path / "serial.log"
    log.write_text(b.log + "\n")
    tr = ct.load(str(log))
    an = ct.analyse(tr)
    assert not ct.check(tr, an)
    names = {an.name(t) for t in an.threads}
    assert sum(n.startswith("primes[") for n in names) >= 3, names


def test_profile_of_user_program(tmp_path):
    """make profile: sampling through QEMU's gdbstub sees a fork loop in
    the kernel's fork and exit paths, with whole frame-pointer stacks
    (tools/qemu-profile), and writes the folded stacks."""
    import subprocess
    import sys
    out = tmp_path / "profile"
    r = subprocess.run(
        [sys.executable, str(cohortvm.ROOT / "tools/qemu-profile"),
         "--user", "/bin/ubench 3 2000 fork-wait", "--smp", "2",
         "--hz", "300", "--outdir", str(out)],
        capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "fork-wait" in (out / "serial.log").read_text()
    folded = (out / "stacks.folded").read_text().splitlines()
    counts = {}
    for line in folded:
        stack, n = line.rsplit(" ", 1)
        for f in set(stack.split(";")):
            counts[f] = counts.get(f, 0) + int(n)
    total = sum(int(l.rsplit(" ", 1)[1]) for l in folded if l.startswith("cpu0;"))
    # Both paths are on CPU 0's stacks, under the system call entry.
    assert counts.get("sys_fork", 0) > 0 and counts.get("proc_thread_exit", 0) > 0, counts
    assert counts.get("syscall_entry", 0) > counts["sys_fork"]
    assert total >= 20, total
    assert "self %" in (out / "profile.txt").read_text()
