# SPDX-License-Identifier: MIT
"""Node-local memory (kernel/mm/pmm_node.c, pmm_boot.c): QEMU with two
NUMA nodes of 256 MiB, CPUs 0-1 on node 0 and 2-3 on node 1. The boot
line splits the free memory per node; test=numa (kernel/mm/pmm_node_test.c)
allocates from a kernel thread pinned to a CPU of each node (every page
from that node; an address space faulted in there has its resident pages
and home node there), then empties node 1 and checks the next allocation
comes from node 0 without failing. The console's `mem` shows the node
lines, and the hardware report (`report`) one line per node. Each boot takes a few seconds at -smp 4.
"""
import re

from conftest import cohortvm

TWO_NODES = ["-object", "memory-backend-ram,id=m0,size=256M",
             "-numa", "node,nodeid=0,cpus=0-1,memdev=m0",
             "-object", "memory-backend-ram,id=m1,size=256M",
             "-numa", "node,nodeid=1,cpus=2-3,memdev=m1"]
SMP = "4,sockets=2,cores=2"
NODE_LINE = re.compile(r"mem: 2 nodes, MiB free: 0:(\d+) 1:(\d+) \((\d+) ranges\)")


def boot_line(log):
    lines = NODE_LINE.findall(log)
    assert len(lines) == 1, log  # printed once
    free0, free1, ranges = (int(x) for x in lines[0])
    # Node 0 holds the kernel, the loader's leftovers and the bitmap;
    # node 1 is nearly all free. Both are a real share of 256 MiB.
    assert 100 <= free0 <= 256 and 200 <= free1 <= 256, lines[0]
    return free0, free1, ranges


def test_numa_selftest(esp, boot):
    b = boot(esp(cmdline="test=numa report"), smp=SMP, mem="512M",
             extra=TWO_NODES)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    boot_line(b.log)
    # The hardware report (boot option, before the test) has the nodes.
    for n in (0, 1):
        assert re.search(rf"report: memory: node {n}: \d+ MiB free of \d+ MiB, "
                         r"allocations \d+ local, \d+ remote", b.log), b.log
    assert "numa: FAILED" not in b.log
    assert re.search(r"numa: cpu [01] \(node 0\): 64 of 64 pages from node 0", b.log)
    assert re.search(r"numa: cpu [23] \(node 1\): 64 of 64 pages from node 1", b.log)
    for n in (0, 1):
        assert (f"numa: node {n}: address space of 16 faulted pages: 16 on node {n}, "
                f"home node {n} (hint {n})") in b.log
        # fork, a copy-on-write in the child, unmapping half the parent's.
        assert (f"numa: node {n}: fork 16, after a copy-on-write 16, parent "
                f"after unmapping half 8 (resident 16 and 8)") in b.log
    m = re.search(r"numa: node 1 exhausted after (\d+) pages; the next page came "
                  r"from node 0; remote allocations (\d+) -> (\d+)", b.log)
    assert m, "no exhaustion line"
    assert int(m.group(1)) > 200 * 256 and int(m.group(3)) > int(m.group(2))
    m = re.search(r"numa: node 1: (\d+) pages free before, (\d+) after", b.log)
    assert m and m.group(1) == m.group(2)
    # The per-node counters after the test: node 1's CPUs had remote ones.
    m = re.search(r"numa: node 1: \d+ MiB free of \d+ MiB, allocations "
                  r"(\d+) local, (\d+) remote", b.log)
    assert m and int(m.group(1)) >= 64 and int(m.group(2)) >= 1, b.log


def test_numa_mem_command(esp, boot):
    b = boot(esp(cmdline="bogus"), smp=SMP, mem="512M", extra=TWO_NODES,
             inputs=[(r"init: nothing to run", "\x14mem\r")],
             stop_on=r"mem: node 1: .*remote")
    assert not b.timed_out, b.log
    boot_line(b.log)
    assert re.search(r"mem: node 0: \d+ MiB free of \d+ MiB, allocations "
                     r"\d+ local, \d+ remote", b.log)


def test_no_numa_unchanged(esp, boot):
    """No -numa: no SRAT, one pool, no node lines at all."""
    b = boot(esp(cmdline="test=pmm"), smp=2)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert "nodes, MiB free" not in b.log and "mem: node" not in b.log


def hostile_srat(path):
    """An SRAT (ACPI 6.5 5.2.16) QEMU does not make: CPUs (APIC ids 0, 1)
    in domains 0 and 1, and memory ranges that overlap, wrap past 2^64,
    lie inside another, and lie above every page of RAM."""
    import struct

    def cpu(pxm, apic):  # 5.2.16.1, Processor Local APIC affinity
        return struct.pack("<BBBBIB3sI", 0, 16, pxm, apic, 1, 0, b"\0" * 3, 0)

    def mem(pxm, base, length):  # 5.2.16.2, Memory affinity, enabled
        return struct.pack("<BBIHQQIIQ", 1, 40, pxm, 0, base, length, 0, 1, 0)

    M = 1 << 20
    body = struct.pack("<IQ", 1, 0) + cpu(0, 0) + cpu(1, 1) + b"".join([
        mem(0, 0, 0xa0000),
        mem(0, M, 255 * M),               # node 0: [1, 256) MiB
        mem(1, 128 * M, (1 << 64) - 1),   # overlaps, and wraps past 2^64
        mem(1, 300 * M, 10 * M),          # inside the one before
        mem(0, 1 << 40, 1 << 30),         # above every page
    ])
    hdr = struct.pack("<4sIBB6s8sI4sI", b"SRAT", 36 + len(body), 3, 0,
                      b"COHORT", b"HOSTILE ", 1, b"TEST", 1)
    table = bytearray(hdr + body)
    table[9] = (-sum(table)) & 0xff
    path.write_bytes(bytes(table))
    return str(path)


def test_hostile_srat_ranges(esp, boot, tmp_path):
    """Hostile SRAT memory ranges: each trimmed or dropped with one line,
    the node pools still built (node 1 gets what the wrapping range holds
    past node 0's), and test=numa passes on them."""
    srat = hostile_srat(tmp_path / "srat.bin")
    b = boot(esp(cmdline="test=numa"), smp=2, mem="512M",
             extra=["-acpitable", f"file={srat}"])
    for line in ("runs past 2^64: cut at the end of memory",
                 "overlaps the one before: trimmed",
                 "overlaps the one before: ignored",
                 "covers no usable RAM: ignored"):
        assert line in b.log, line
    m = re.search(r"mem: 2 nodes, MiB free: 0:(\d+) 1:(\d+)", b.log)
    assert m and 150 <= int(m.group(1)) <= 256 and 150 <= int(m.group(2)) <= 256, b.log
    assert "numa: FAILED" not in b.log
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
