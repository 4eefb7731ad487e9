# SPDX-License-Identifier: MIT
"""CPU topology and NUMA nodes (kernel/topology_boot.c, acpi/srat.c,
acpi/slit.c): the boot line and the console's per-CPU `cpus` lines
against what QEMU was told.

QEMU numbers APIC ids densely when every level is a power of two:
thread in the low bit(s), then core, then die, then socket, so the
expected siblings, packages and nodes follow from the -smp/-numa
options alone. The 32-CPU boot costs about 6 s of both host cores under
TCG (measured on the 2-core CI machine); the others 4-5 s.
"""
import re

from conftest import cohortvm

INIT_UP = r"init: nothing to run"
CPU_LINE = re.compile(r"cpu(\d+): topology apic (\d+), package (\d+), die (\d+), "
                      r"core (\d+), thread (\d+), llc (\d+), node (\d+)$")


def numa(nodes, cpus_per_node, mem_mb=256, dist=None):
    args = []
    for n in range(nodes):
        first = n * cpus_per_node
        args += ["-object", f"memory-backend-ram,id=m{n},size={mem_mb}M",
                 "-numa", f"node,nodeid={n},cpus={first}-{first + cpus_per_node - 1},"
                 f"memdev=m{n}"]
    if dist:
        args += ["-numa", f"dist,src=0,dst=1,val={dist}"]
    return args


def boot_and_list(esp, boot, smp, ncpus, extra=(), mem="512M"):
    """Boot, type `cpus` on the console, stop at the last CPU's line."""
    b = boot(esp(cmdline="bogus"), smp=smp, mem=mem, extra=list(extra),
             inputs=[(INIT_UP, "\x14cpus\r")],
             stop_on=rf"cpu{ncpus - 1}: topology apic")
    assert not b.timed_out, b.log
    rows = {}
    for line in b.log.splitlines():
        m = CPU_LINE.search(line)
        if m:
            cpu, *vals = (int(x) for x in m.groups())
            rows[cpu] = dict(zip(("apic", "package", "die", "core", "thread",
                                  "llc", "node"), vals))
    assert sorted(rows) == list(range(ncpus)), b.log
    return b, rows


def partition(rows, key):
    """The CPUs grouped by rows[cpu][key], as a set of frozensets."""
    groups = {}
    for cpu, r in rows.items():
        groups.setdefault(r[key], set()).add(r["apic"])
    return {frozenset(g) for g in groups.values()}


def expected(apics, of):
    groups = {}
    for a in apics:
        groups.setdefault(of(a), set()).add(a)
    return {frozenset(g) for g in groups.values()}


def boot_line(log):
    lines = re.findall(r"\] cpu0: (topology: \d+ package.*)$", log, re.M)
    assert len(lines) == 1, log  # printed once
    return lines[0]


def test_topology_32_cpus_two_nodes(esp, boot):
    """-smp 32,sockets=2,cores=8,threads=2 with one NUMA node per socket
    and SLIT distance 21: APIC id bit 0 is the thread, bits 1-3 the core,
    bit 4 the socket; ids 0-15 in node 0, 16-31 in node 1."""
    b, rows = boot_and_list(esp, boot, "32,sockets=2,cores=8,threads=2", 32,
                            numa(2, 16, dist=21))
    assert boot_line(b.log) == (
        "topology: 2 packages, 2 nodes, 16 cores, 32 threads; LLC: 2 groups "
        "of 16 (CPUID 0x0b, LLC package, SRAT, SLIT)")
    assert "acpi: SLIT: 2 localities, 0: 10 21, 1: 21 10" in b.log
    assert "acpi: SRAT: 32 CPUs, 3 memory ranges in 2 domains; 1 disabled entries" \
        in b.log
    apics = [r["apic"] for r in rows.values()]
    assert sorted(apics) == list(range(32))
    assert partition(rows, "core") == expected(apics, lambda a: a >> 1)
    assert partition(rows, "package") == expected(apics, lambda a: a >> 4)
    assert partition(rows, "llc") == expected(apics, lambda a: a >> 4)
    assert partition(rows, "node") == expected(apics, lambda a: a >> 4)
    for r in rows.values():
        assert r["thread"] == r["apic"] & 1
        assert r["node"] == (0 if r["apic"] < 16 else 1)
        assert r["package"] == r["apic"] >> 4  # dense, in CPU order
    assert "WARN" not in b.log and "topology: no usable SLIT" not in b.log
    # The scheduler's domains (sched/topo.c): the node level spans what
    # the LLC does here, so it is dropped.
    assert "sched: domains: SMT 2, LLC 16, machine 32" in b.log, b.log


def test_topology_4_cpus_no_numa(esp, boot):
    """-smp 4,sockets=1,cores=2,threads=2 and no -numa: no SRAT, one node."""
    b, rows = boot_and_list(esp, boot, "4,sockets=1,cores=2,threads=2", 4)
    assert boot_line(b.log) == (
        "topology: 1 package, 1 node, 2 cores, 4 threads; LLC: 1 group of 4 "
        "(CPUID 0x0b, LLC package, no SRAT: one node)")
    assert "acpi: SRAT" not in b.log
    apics = [r["apic"] for r in rows.values()]
    assert partition(rows, "core") == expected(apics, lambda a: a >> 1)
    assert {r["node"] for r in rows.values()} == {0}
    assert {r["package"] for r in rows.values()} == {0}
    assert "sched: domains: SMT 2, LLC 4" in b.log, b.log


def test_topology_dies_leaf_4_and_no_slit(esp, boot):
    """An Intel-flavoured vCPU with leaf 0x1F: -smp 8,sockets=1,dies=2,
    cores=2,threads=2; QEMU's leaf 4 puts one L3 per die. Two NUMA nodes
    (one per die) but no -numa dist, so no SLIT: the 10/20 fallback and
    its line."""
    b, rows = boot_and_list(
        esp, boot, "8,sockets=1,dies=2,cores=2,threads=2", 8,
        ["-cpu", "qemu64,vendor=GenuineIntel,level=0x1f"] + numa(2, 4))
    assert boot_line(b.log) == (
        "topology: 1 package, 2 dies, 2 nodes, 4 cores, 8 threads; LLC: 2 "
        "groups of 4 (CPUID 0x1f, LLC leaf 4, SRAT, no SLIT: 10/20)")
    assert "topology: no usable SLIT; node distances 10 local, 20 remote" in b.log
    apics = [r["apic"] for r in rows.values()]
    assert partition(rows, "die") == expected(apics, lambda a: a >> 2)
    assert partition(rows, "llc") == expected(apics, lambda a: a >> 2)
    assert partition(rows, "core") == expected(apics, lambda a: a >> 1)
    assert partition(rows, "node") == expected(apics, lambda a: a >> 2)
