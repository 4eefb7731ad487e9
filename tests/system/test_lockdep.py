# SPDX-License-Identifier: MIT
"""Lock validation (debug builds, the default): each self-test breaks one
rule of docs/locking.md on purpose; the kernel must panic with one line
naming both call sites and end with the failure exit."""
import re
from pathlib import Path

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


def test_rank_table_in_docs_matches_the_code():
    # docs/locking.md "Lock ranks" and kernel/lockdep.c's table are one table
    # written twice: the same names with the same ranks.
    root = Path(__file__).resolve().parents[2]
    code = (root / "kernel/lockdep.c").read_text()
    in_code = {n: int(r) for n, r in re.findall(r'RANK\("([\w-]+)", (\d+),', code)}
    doc = (root / "docs/locking.md").read_text()
    table = doc[doc.index("## Lock ranks"):doc.index("## Lock validation")]
    in_docs = {}
    for rank, names in re.findall(r"^\| (\d+) \| (.*?) \|", table, re.M):
        for n in re.findall(r"`([\w-]+)`", names):
            in_docs[n] = int(rank)
    assert in_code, "no RANK() entries found in kernel/lockdep.c"
    assert in_docs == in_code
