# SPDX-License-Identifier: MIT
"""32-bit (IA-32) UEFI firmware on a 64-bit CPU: BOOTIA32.EFI enters long
mode itself ("mixed mode", docs/ia32-uefi.md) and boots the same kernel
with the same boot_info; a CPU without long mode gets a clear refusal.

The firmware is Debian's 32-bit OVMF (tools/cohortvm.py firmware="ia32").
Each of its boots costs far more than a 64-bit one (its SMM start-up, and
tens of seconds at -smp 4), so this file keeps to seven of them, each
checking several things; the 64-bit-firmware case of the CPU refusal is
cheap and sits beside them."""
import re

import pytest

from conftest import BOOT_TIMEOUT, BUILD, cohortvm

LOADER_ERROR = r"cohort-loader: returning to the firmware"
LOADER_32 = "cohort-loader: started (boot_info v4, 32-bit firmware)"
KERNEL_32 = ("boot: firmware: 32-bit UEFI (mixed mode: the loader entered "
             "long mode)")
NO_LM = ("cohort-loader: error: this CPU cannot run Cohort: no 64-bit long "
         "mode")
GIB = 1 << 30


def check_mixed_mode(b, smp):
    assert LOADER_32 in b.log
    assert KERNEL_32 in b.log
    assert f"smp: brought up {smp} of {smp} CPUs" in b.log


def test_boot_from_32bit_firmware(esp, boot):
    b = boot(esp(cmdline="test=boot"), smp=1, firmware="ia32")
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    check_mixed_mode(b, 1)
    assert "test: boot: PASS" in b.log


# The SMP and scheduler self-tests that test_smp.py and test_sched.py run
# on 64-bit firmware, as one list in one boot (each 32-bit-firmware boot
# at -smp 4 costs 15-60 s of firmware start-up alone).
SMP_LIST = ["boot", "sched-nohz", "timer", "sched-share", "sched-rt", "ipi",
            "callfunc", "tlb"]


def test_smp_and_scheduler_selftests_from_32bit_firmware(esp, boot):
    b = boot(esp(cmdline="test=" + ",".join(SMP_LIST)), smp=4,
             firmware="ia32", timeout=BOOT_TIMEOUT + 120)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    check_mixed_mode(b, 4)
    for name in SMP_LIST:
        assert f"test: {name}: PASS" in b.log, name


def test_user_programs_from_32bit_firmware(esp, boot):
    """User space after a mixed-mode boot: NX, SMEP/SMAP/UMIP and XSAVE
    (-cpu max) as the kernel set them up, signals and threads on two
    CPUs. The same boot has the firmware's CR4.LA57 on (efi_test_ia32_la57,
    -cpu max has LA57): allowed outside IA-32e mode and in effect once it
    is entered, so the switch must clear it, or the kernel's 4-level PML4
    is walked as a PML5 (a triple fault at the far jump)."""
    progs = ["/test/t_basic", "/test/t_mm", "/test/t_signal",
             "/test/t_thread"]
    b = boot(esp(cmdline="efi_test_ia32_la57 init=/bin/init -- " +
                 " ; ".join(progs)), smp=2,
             firmware="ia32", extra=["-cpu", "max"],
             timeout=BOOT_TIMEOUT + 180)
    m = re.search(r"efi_test_ia32_la57: CR4 0x([0-9A-Fa-f]+)", b.log)
    assert m and int(m.group(1), 16) & (1 << 12), b.log
    assert "unknown option 'efi_test_ia32_la57'" not in b.log
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    check_mixed_mode(b, 2)
    sums = re.findall(r"^(\d+) passed, (\d+) failed$", b.log, re.M)
    assert len(sums) == len(progs), sums
    assert all(int(p) > 0 and int(f) == 0 for p, f in sums), sums
    for prog in progs:
        assert f"init: {prog} exited with status 0" in b.log, prog


def test_usb_image_from_32bit_firmware(boot):
    """build/cohort-usb.img (GPT, the ESP as partition 1) carries both
    loaders; the 32-bit firmware starts its own."""
    b = boot(BUILD / "cohort-usb.img", smp=1, firmware="ia32",
             stop_on=r"cohort: ready")
    assert not b.timed_out, "USB image did not reach the ready line"
    assert LOADER_32 in b.log
    assert KERNEL_32 in b.log


def test_cpu_without_long_mode_is_refused(esp, boot):
    """qemu-system-i386 -cpu pentium3: no extended CPUID leaves at all
    (docs/ia32-uefi.md 2.2), so no long mode, and no SSE2 either."""
    b = boot(esp(cmdline="test=boot"), qemu="qemu-system-i386",
             firmware="ia32", extra=["-cpu", "pentium3"],
             stop_on=LOADER_ERROR)
    assert not b.timed_out, "loader printed no error"
    assert LOADER_32 in b.log
    assert (NO_LM + " (CPUID 0x80000001 not available), no SSE2 (CPUID 1 "
            "EDX bit 26); Cohort has only a 64-bit kernel") in b.log, b.log
    assert "exiting boot services" not in b.log
    assert "cpu0:" not in b.log, "the kernel must not have started"


@pytest.mark.parametrize("firmware", ["x64", "ia32"])
def test_efi_test_no_lm_is_refused(esp, boot, firmware):
    b = boot(esp(cmdline="efi_test_no_lm test=boot"), firmware=firmware,
             stop_on=LOADER_ERROR)
    assert not b.timed_out, "loader printed no error"
    assert (NO_LM + " (CPUID 0x80000001 EDX bit 29); Cohort has only a "
            "64-bit kernel") in b.log, b.log
    assert "exiting boot services" not in b.log
    assert "cpu0:" not in b.log, "the kernel must not have started"


def test_no_nx_high_memory_and_stale_key(esp, boot):
    """Three paths in one boot: a CPU without NX (the switch sets LME but
    not NXE, and no table entry may carry NX), RAM above 4 GiB (the 32-bit
    firmware's map describes it; the kernel must get it, though the loader
    only allocates below 4 GiB), and a stale map key (IA-32's
    EFI_INVALID_PARAMETER is 0x80000002: only widened does ebs_run see it
    as a stale key and retry, instead of halting)."""
    b = boot(esp(cmdline="efi_stale_key memmap test=boot"), mem="5G",
             firmware="ia32", extra=["-cpu", "qemu64,-nx"])
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert KERNEL_32 in b.log
    assert "ExitBootServices attempts 2" in b.log
    assert "mm: CPU protections: NX off (not in CPUID)" in b.log
    high = [(int(s, 16), int(e, 16)) for s, e in re.findall(
        r"mem:   ([0-9a-f]{16})-([0-9a-f]{16}) usable", b.log)
        if int(s, 16) >= 4 * GIB]
    assert high and max(e for _, e in high) + 1 >= 5 * GIB, b.log
    assert "test: boot: PASS" in b.log

