# SPDX-License-Identifier: MIT
"""User address spaces (kernel/mm/): the in-kernel self-test test=aspace
(faults, COW, user copies, mmap family, targeted TLB shootdown, pages all
returned), the CPU protections, and SMAP/SMEP stopping a stray kernel
access to user memory. QEMU's default CPU (qemu64) has NX but no SMEP,
SMAP or UMIP; `-cpu max` has all four, so the protection tests ask for it.
"""
import re

import pytest

from conftest import cohortvm

CPU_MAX = ["-cpu", "max"]
SUMMARY = re.compile(r"aspace: (\d+) passed, (\d+) failed")


@pytest.mark.parametrize("cpu", ["default", "max"])
def test_aspace_selftest(esp, boot, cpu):
    b = boot(esp(cmdline="test=aspace"), smp=2,
             extra=CPU_MAX if cpu == "max" else [])
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    m = SUMMARY.search(b.log)
    assert m, "no summary line"
    assert int(m.group(2)) == 0 and int(m.group(1)) > 70, m.group(0)
    assert "aspace: FAIL" not in b.log
    # Both CPUs took part: the remote shootdown checks ran.
    assert "the shootdown went to the other CPU only, and it flushed" in b.log
    assert "EXCEPTION" not in b.log


def test_cpu_protections_with_cpu_max(esp, boot):
    b = boot(esp(cmdline="test=boot"), smp=2, extra=CPU_MAX)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert "mm: CPU protections: NX on, SMEP on, SMAP on, UMIP on" in b.log


@pytest.mark.parametrize("name,detail", [
    ("aspace-smap", r"\[protection read kernel\]"),
    ("aspace-smep", r"\[protection read kernel instruction-fetch\]"),
])
def test_stray_kernel_access_to_user_memory_faults(esp, boot, name, detail):
    b = boot(esp(cmdline=f"test={name}"), smp=1,
             extra=CPU_MAX)
    assert b.exit_code == cohortvm.EXIT_FAILURE, b
    assert re.search(r"EXCEPTION #PF page fault \(vector 14\), error 0x[0-9a-f]+ "
                     + detail, b.log), "no page-fault report"
    assert "cr2 0000000010000000" in b.log
    assert "the access succeeded" not in b.log
    assert f"test: {name}: PASS" not in b.log
