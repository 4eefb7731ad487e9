# SPDX-License-Identifier: MIT
"""Bochs 2.7: the hardware paths QEMU's TCG cannot reach. Its Haswell model
has x2APIC and TSC-deadline. OVMF under Bochs publishes no ACPI tables, so
the kernel finds the second CPU with `smp_probe` (broadcast INIT/SIPI), and
`timer=deadline` is needed because the model reports a microcode revision
below the TSC-deadline errata fix. Bochs has no exit port: the test ends on
the log line, with a bounded timeout."""
import re
import shutil

import pytest

from conftest import cohortvm

BOCHS_TIMEOUT = 300


@pytest.mark.skipif(not shutil.which("bochs"), reason="bochs not installed")
def test_bochs_x2apic_tsc_deadline_two_cpus(esp):
    b = cohortvm.boot_bochs(esp(cmdline="smp_probe=2 timer=deadline test=timer"),
                            cpus=2, timeout=BOCHS_TIMEOUT,
                            stop_on=r"test: timer: (PASS|FAIL)|PANIC|EXCEPTION")
    print(b.log)
    assert not b.timed_out, "Bochs run did not finish in time"
    log = b.log
    assert "apic: local APIC in x2apic mode" in log
    assert re.search(r"timer: tick source \w+ -> tsc-deadline", log)
    assert re.search(r"smp: brought up 2 of 2 CPUs", log)
    assert re.search(r"smp:   cpu1\s+APIC id 1\s+online", log)
    assert "test: timer: PASS" in log
