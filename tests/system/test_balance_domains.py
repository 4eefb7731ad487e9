# SPDX-License-Identifier: MIT
"""Balancing through the scheduling domains in the kernel (sched/balance.c,
docs/scheduler.md "Balancing through domains"): on 2 sockets x 8 cores x 2
threads with one NUMA node per socket, test=sched-nohz places one thread
per CPU and checks that, once placed, none switches, takes a timer
interrupt or moves in a 300 ms window: the per-level periodic passes, the
per-LLC rotation and the new-idle pull must leave a balanced machine
alone. (The balance summaries are accounted from the first switch after
the domains are published; their consistency is checked by the simulator
and the explorer, tests/unit/sched/dombal-test.c.)"""
import re

from conftest import cohortvm
from test_topology import numa

# 32 vCPUs under TCG on a shared 2-core host: boot, 32 threads, 350 ms of
# test per thread, join.
TIMEOUT = 300


def test_sched_nohz_on_32_cpus_two_nodes(esp, boot):
    b = boot(esp(cmdline="test=sched-nohz"), smp="32,sockets=2,cores=8,threads=2",
             mem="512M", extra=numa(2, 16, dist=21), timeout=TIMEOUT)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    # The domains the balancer climbs: SMT, LLC (= node here), machine.
    assert "sched: domains: SMT 2, LLC 16, machine 32" in b.log, b.log
    assert "balance summaries" not in b.log  # no fallback line
    rows = re.findall(r"sched-nohz: thread \d+ on cpu(\d+)\.\.cpu(\d+): "
                      r"(\d+) switches, (\d+) timer interrupts", b.log)
    assert len(rows) == 32, b.log
    assert sorted(int(a) for a, _, _, _ in rows) == list(range(32))
    assert all(a == c and s == "0" and t == "0" for a, c, s, t in rows), rows
    assert "test: sched-nohz: PASS" in b.log
