# SPDX-License-Identifier: MIT
"""SMP bring-up matrix and the in-kernel multiprocessor self-tests."""
import re

import pytest

from conftest import cohortvm

BROUGHT_UP = re.compile(r"smp: brought up (\d+) of (\d+) CPUs in (\d+) ms")


def brought_up(log):
    m = BROUGHT_UP.search(log)
    assert m, "no 'smp: brought up' line"
    return int(m.group(1)), int(m.group(2))


def ap_apic_ids(log):
    return [int(a) for a in re.findall(r"smp:   cpu\d+\s+APIC id (\d+)\s+online", log)]


@pytest.mark.parametrize("smp", [1, 2, 3, 4, 8])
def test_bring_up(esp, boot, smp):
    b = boot(esp(cmdline="test=boot"), smp=smp)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert brought_up(b.log) == (smp, smp)
    assert ap_apic_ids(b.log) == list(range(1, smp))
    assert f"cohort: ready ({smp} CPUs online)" in b.log


def test_sparse_apic_ids(esp, boot):
    b = boot(esp(cmdline="test=boot"), smp="6,sockets=2,cores=3")
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert brought_up(b.log) == (6, 6)
    assert sorted(ap_apic_ids(b.log)) == [1, 2, 4, 5, 6]


def test_hotplug_slots_are_not_started(esp, boot):
    # -smp 4,maxcpus=8: the MADT lists 8 processors, 4 of them not enabled.
    b = boot(esp(cmdline="test=boot"), smp="4,maxcpus=8")
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert brought_up(b.log) == (4, 4)


def test_maxcpus_option(esp, boot):
    b = boot(esp(cmdline="maxcpus=2 test=boot"), smp=4)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert "smp: maxcpus=2: using 2 of 4 CPUs" in b.log
    assert brought_up(b.log) == (2, 2)


def test_nosmp_option(esp, boot):
    b = boot(esp(cmdline="nosmp test=boot"), smp=4)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert "smp: nosmp: staying on the boot CPU" in b.log
    # nosmp asks for one CPU, as maxcpus=1 would: bring-up ends with the
    # promised summary line, "1 of 1", not "1 of 4" (which reads as three
    # CPUs that failed to start).
    assert "smp: brought up 1 of 1 CPUs in 0 ms" in b.log, b.log
    assert brought_up(b.log) == (1, 1)


def test_ap_that_never_answers_is_retried_then_skipped(esp, boot):
    b = boot(esp(cmdline="smp_test_lost=2 test=ipi"), smp=4)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    log = b.log
    assert "smp: cpu2 (APIC id 2) silent after" in log
    assert "sending SIPI again" in log
    assert len(re.findall(r"cpu2\s+APIC id 2\s+FAILED", log)) == 1
    assert brought_up(log) == (3, 4)
    assert "cohort: ready (3 CPUs online)" in log


@pytest.mark.parametrize("name", ["timer", "ipi", "callfunc", "tlb", "tlb-online",
                                  "lockstress", "irq-exit-migrate", "spin-owner",
                                  "cr4-mce"])
def test_smp_selftests(esp, boot, name):
    b = boot(esp(cmdline=f"test={name}"), smp=4)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert f"test: {name}: PASS" in b.log
    if name == "callfunc":
        # Requests queued while the target was busy run oldest first.
        assert re.search(r"callfunc: 8 requests queued while cpu\d+ was busy "
                         r"ran in order", b.log)


def test_ipi_counts_are_exact_on_8_cpus(esp, boot):
    b = boot(esp(cmdline="test=ipi"), smp=8)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    counts = re.findall(r"ipi: cpu\d+: (\d+) of (\d+) reschedule requests", b.log)
    assert len(counts) == 8
    assert all(got == want for got, want in counts)


def test_panic_on_ap_stops_everything(esp, boot):
    b = boot(esp(cmdline="test=panic-ap"), smp=4)
    assert b.exit_code == cohortvm.EXIT_FAILURE, b
    log = b.log
    m = re.search(r"cpu(\d+): PANIC: deliberate panic on an AP", log)
    assert m and m.group(1) != "0"
    stopped = set(re.findall(r"cpu(\d+): stopped by NMI: rip", log))
    assert stopped == {"0", "1", "2", "3"} - {m.group(1)}
    assert "panic-ap: the AP's panic did not stop the boot CPU" not in log
