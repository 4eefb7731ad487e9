# SPDX-License-Identifier: MIT
"""Shared fixtures for the QEMU system tests.

Every test boots the real BOOTX64.EFI + KERNEL.ELF under OVMF through
tools/cohortvm.py and reads the serial log. Each boot has a bounded timeout
(BOOT_TIMEOUT, overridable with COHORT_BOOT_TIMEOUT for slow machines); a
boot that neither exits nor prints what the test waits for fails.
"""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import cohortvm  # noqa: E402

BUILD = ROOT / "build"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "userspace: boots user programs through /bin/init "
        "(tests/system/test_user.py); select with -m userspace")

BOOT_TIMEOUT = int(os.environ.get("COHORT_BOOT_TIMEOUT", "120"))


@pytest.fixture(scope="session", autouse=True)
def built():
    for f in ("BOOTX64.EFI", "BOOTIA32.EFI", "kernel.elf", "esp.img"):
        if not (BUILD / f).exists():
            pytest.exit(f"build/{f} missing: run `make` first", returncode=2)


@pytest.fixture
def esp(tmp_path):
    """esp(cmdline=..., loader=..., kernel=...) -> path of a private ESP."""
    counter = [0]

    def make(**kw):
        counter[0] += 1
        return cohortvm.make_esp(tmp_path / f"esp{counter[0]}.img", **kw)

    return make


@pytest.fixture
def boot():
    """boot(esp, smp=1, ...) -> cohortvm.Boot, with the log printed on
    failure so a red test shows what the kernel said."""
    runs = []

    def run(image, **kw):
        kw.setdefault("timeout", BOOT_TIMEOUT)
        b = cohortvm.boot(image, **kw)
        runs.append(b)
        return b

    yield run
    for b in runs:
        print(f"--- {b!r}\n--- {' '.join(b.cmd)}\n{b.log}")
