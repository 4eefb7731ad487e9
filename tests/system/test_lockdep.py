# SPDX-License-Identifier: MIT
"""Lock validation (debug builds, the default): each self-test breaks one
rule of docs/locking.md on purpose; the kernel must panic with one line
naming both call sites and end with the failure exit."""
import re

import pytest

from conftest import cohortvm

SITE = r"smp/selftests\.c:\d+"

CASES = {
    "lockdep-order":
        rf"PANIC: lockdep: lock order: 'test-lockdep-low' \(rank 81\) taken at "
        rf"{SITE}; while holding 'test-lockdep-high' \(rank 82\) taken at {SITE}",
    "lockdep-irq":
        rf"PANIC: lockdep: lock 'test-lockdep-irq' taken in interrupt context "
        rf"at {SITE}; but also taken with interrupts on at {SITE}",
    "lockdep-irq-on":
        rf"PANIC: lockdep: lock 'test-lockdep-irq' taken with interrupts on "
        rf"at {SITE}; but also taken in interrupt context at {SITE}",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_lock_rule_violation_panics_with_both_sites(esp, boot, name):
    b = boot(esp(cmdline=f"test={name}"), smp=2)
    assert b.exit_code == cohortvm.EXIT_FAILURE, b
    m = re.search(CASES[name], b.log)
    assert m, "no lockdep panic line naming both sites"
    a, c = re.findall(SITE, m.group(0))
    assert a != c, "the two sites must be different lines"
    assert "not caught" not in b.log
    assert f"test: {name}: PASS" not in b.log
