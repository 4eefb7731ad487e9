# SPDX-License-Identifier: MIT
"""The scheduler in the kernel: the in-kernel test=sched-* self-tests on
real (emulated) CPUs, and the sched.* boot options."""
import re

import pytest

from conftest import cohortvm


@pytest.mark.parametrize("name", ["sched-nohz", "sched-share",
                                  "sched-share-stall", "sched-rt",
                                  "sched-throttle", "sched-storm"])
def test_sched_selftests_on_4_cpus(esp, boot, name):
    # The periodic checker would add timer events to the nohz test.
    check = "" if name == "sched-nohz" else "sched_check=20 "
    b = boot(esp(cmdline=f"{check}test={name}"), smp=4)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert f"test: {name}: PASS" in b.log


# Each scheduler self-test run twice in one boot (test=A,A,...): the second
# run must test as much as the first. sched-nohz's start barrier and
# sched-rt's stop flag, blocker release and turn counter were not reset,
# so the second runs checked nothing (sched-rt's RT thread woke with the
# fair load already gone, its order check read the first run's turns, and
# a third run wrote past order[]).
SCHED_REPEATED = ["sched-nohz", "sched-nohz", "sched-rt", "sched-rt",
                  "sched-rt", "sched-throttle", "sched-throttle"]


def test_sched_selftests_repeated_in_one_boot(esp, boot):
    names = ",".join(SCHED_REPEATED)
    b = boot(esp(cmdline=f"test={names}"), smp=2)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    passes = re.findall(r"\] cpu\d+: test: ([\w-]+): (PASS|FAIL)", b.log)
    assert passes == [(n, "PASS") for n in SCHED_REPEATED], passes
    assert b.log.count("sched-rt: the fair load had stopped") == 0


def test_sched_nohz_evidence(esp, boot):
    b = boot(esp(cmdline="test=sched-nohz"), smp=4)
    rows = re.findall(r"sched-nohz: thread \d+ on cpu(\d+)\.\.cpu(\d+): (\d+) "
                      r"switches, (\d+) timer interrupts", b.log)
    assert len(rows) == 4
    assert sorted(int(a) for a, _, _, _ in rows) == [0, 1, 2, 3]
    assert all(a == c and s == "0" and t == "0" for a, c, s, t in rows)


def test_sched_deadline(esp, boot):
    # Budgets are charged in wall time, so when the host stalls an emulated
    # CPU long enough, a job overruns its budget and CBS throttles it: that
    # job may then finish late, by design. The kernel test fails only on a
    # miss that no overrun explains (kernel/sched_tests.c).
    b = boot(esp(cmdline="test=sched-deadline"), smp=4)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert re.search(r"sched-deadline: 40 jobs .*, 0 misses without an overrun",
                     b.log)
    assert re.search(r"first admitted, second admitted, third refused \(-16\)",
                     b.log)


def test_sched_tunables_from_cmdline(esp, boot):
    b = boot(esp(cmdline="sched.rr_slice_ns=5 sched.balance_interval_ns=20000000 "
                         "test=boot"), smp=2)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert re.search(r"sched: rr_slice_ns=5 out of range", b.log)
    assert not re.search(r"sched: balance_interval_ns", b.log)  # accepted


# test=sched-stress (kernel/sched_stress.c). 10 s of stress per size keeps
# `make test` reasonable (each boot takes 20-40 s of wall time on a busy
# 2-core host, -smp 8 included) while every operation kind runs thousands
# of times; `make soak` runs it for as long as you like. sched_check=10
# runs the invariant and work-conservation checks five times per balance
# interval (50 ms), so an idle-while-work-waits overlap is caught well
# before it could hide between two checks.
STRESS_S = 10
STRESS_TIMEOUT = STRESS_S + 150  # boot + stress + drain (30 s bound) + probes


def stress_figures(log):
    """The accounting lines of a finished run, as numbers."""
    f = {}
    m = re.search(r"sched-stress: threads: (\d+) created, (\d+) joined", log)
    f["created"], f["joined"] = int(m[1]), int(m[2])
    m = re.search(r"sched-stress: wakes: shared queues (\d+) waits = (\d+) "
                  r"wakes; exit waits (\d+) = (\d+) wakes; reference waits "
                  r"(\d+) = (\d+) wakes; thread_wake (\d+) true = (\d+) K "
                  r"waits \(\d+ false\); early sleeps (\d+); resumed still "
                  r"queued (\d+)", log)
    (f["wq_waits"], f["wq_wakes"], f["exit_waits"], f["exit_wakes"],
     f["ref_waits"], f["ref_wakes"], f["kicks"], f["k_waits"], f["early"],
     f["still_queued"]) = (int(x) for x in m.groups())
    m = re.search(r"sched-stress: pages: (\d+) free at the start, (\d+) at "
                  r"the end", log)
    f["free_start"], f["free_end"] = int(m[1]), int(m[2])
    m = re.search(r"sched-stress: work conservation: (\d+) checks in (\d+) ms"
                  r".* and (\d+) by the controller", log)
    f["checks"], f["stress_ms"], f["own_checks"] = (int(x) for x in m.groups())
    m = re.search(r"sched-stress: ops: (\d+), sleeps (\d+), yields (\d+), "
                  r"set_attr (\d+) ok .*set_affinity (\d+) ok", log)
    f["ops"], f["sleeps"], f["yields"], f["attr_ok"], f["aff_ok"] = (
        int(x) for x in m.groups())
    return f


def failure_lines(log):
    return "\n".join(line for line in log.splitlines()
                     if re.search(r"FAIL|PANIC|failed|work conservation:|check '|"
                                  r"stuck:|still on wait queue|returned true",
                                  line))


# Balance interval per CPU count. The work-conservation check allows one
# interval for an idle CPU next to a waiter. With 8 vCPUs on this 2-core
# host TCG leaves a vCPU unscheduled for 60-150 ms at times (traced: a CPU
# with a running thread and a waiter took no timer event for 145 ms, then
# everything at once), which the kernel cannot see; 200 ms keeps the check
# about scheduling decisions there. docs/benchmarks.md has the evidence.
BALANCE_NS = {4: None, 8: 200_000_000}


@pytest.mark.parametrize("smp", [4, 8])
def test_sched_stress(esp, boot, smp):
    interval = (f"sched.balance_interval_ns={BALANCE_NS[smp]} "
                if BALANCE_NS[smp] else "")
    b = boot(esp(cmdline=f"sched_check=10 stress_s={STRESS_S} stress_seed={smp} "
                         f"{interval}test=sched-stress"), smp=smp,
             timeout=STRESS_TIMEOUT)
    assert not b.timed_out, f"{b}\n{failure_lines(b.log)}"
    assert f"sched-stress: seed {smp} (re-run with stress_seed={smp}), " \
           f"{STRESS_S} s on {smp} CPUs" in b.log
    assert b.exit_code == cohortvm.EXIT_SUCCESS, \
        f"{b}\n{failure_lines(b.log)}"
    assert re.search(r"sched-stress: PASS seed %d, %d s on %d CPUs: \d+ threads "
                     r"created = joined" % (smp, STRESS_S, smp), b.log)
    assert "test: sched-stress: PASS" in b.log
    assert re.search(r"sched-stress: \d+ s of %d \(\d+ s left\)" % STRESS_S,
                     b.log), "no progress line"
    f = stress_figures(b.log)
    # The kernel checked these; check its arithmetic and that the run did
    # real work of every kind.
    assert f["created"] == f["joined"] > smp
    assert f["wq_waits"] == f["wq_wakes"] > 0
    assert f["exit_waits"] == f["exit_wakes"]
    assert f["ref_waits"] == f["ref_wakes"]
    assert f["kicks"] == f["k_waits"] > 0
    assert f["early"] == 0 and f["still_queued"] == 0
    assert f["free_start"] == f["free_end"]
    assert f["checks"] > 0 and f["checks"] * 2000 >= f["stress_ms"]
    assert f["own_checks"] > 0
    assert min(f["ops"], f["sleeps"], f["yields"], f["attr_ok"],
               f["aff_ok"]) > 0


def test_sched_stress_bad_seconds_refused(esp, boot):
    b = boot(esp(cmdline="stress_s=0 stress_s=86401 stress_s=ten test=boot"),
             smp=1)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert b.log.count("cmdline: option 'stress_s'") == 3
    assert ("cmdline: option 'stress_s' must be in 1..86400, got '0'; "
            "ignored") in b.log
    assert ("cmdline: option 'stress_s' must be in 1..86400, got '86401'; "
            "ignored") in b.log
    assert "cmdline: option 'stress_s' needs a number, got 'ten'; ignored" \
        in b.log
