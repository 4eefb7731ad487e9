# SPDX-License-Identifier: MIT
"""The scheduler's domains on a two-socket, two-node SMT machine
(sched/topo.c, docs/scheduler.md "Domains"): the boot line, and
test=sched-share (one fair hog more than CPUs for 2 s, every share within
10%) with the domain-aware wake-up placement and idle kick. Without
sched_check=: its whole-state checker holds every run-queue lock at once,
more than lockdep's 16 held locks per CPU at 32 CPUs (the idle masks are
checked after every event in the simulator instead: topo-test).

32 vCPUs on the 2-core CI host: the boot and the 2 s of guest time take
about 20-40 s of wall time; one boot checks everything.
"""
from conftest import cohortvm
from test_topology import numa

DOMAINS_TIMEOUT = 300


def test_sched_share_on_32_cpus_two_nodes(esp, boot):
    b = boot(esp(cmdline="test=sched-share"),
             smp="32,sockets=2,cores=8,threads=2", mem="512M",
             extra=numa(2, 16, dist=21), timeout=DOMAINS_TIMEOUT)
    assert not b.timed_out, b.log
    # Node = package = LLC here: the node level adds nothing, dropped.
    assert "sched: domains: SMT 2, LLC 16, machine 32" in b.log, b.log
    assert "sched-share: 33 threads on 32 CPUs" in b.log, b.log
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b.log
    assert "test: sched-share: PASS" in b.log
