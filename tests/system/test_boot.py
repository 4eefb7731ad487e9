# SPDX-License-Identifier: MIT
"""Boot matrix: the kernel reaches its ready line and exits through the
test protocol on 1, 2 and 4 CPUs, from the FAT image and the GPT USB image."""
import re
import subprocess
import sys

import pytest

from conftest import BUILD, BOOT_TIMEOUT, ROOT, cohortvm

LOG_LINE = re.compile(r"^\[\s*\d+\.\d{6}\] cpu\d+: ")


@pytest.mark.parametrize("smp", [1, 2, 4])
def test_boot_exits_success(esp, boot, smp):
    b = boot(esp(cmdline="test=boot"), smp=smp)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert "cohort-loader: started" in b.log
    assert "cohort: ready" in b.log
    assert "test: boot: PASS" in b.log
    kernel_lines = [l for _, l in b.lines if "cpu0:" in l]
    assert kernel_lines, "no kernel log lines"
    for line in kernel_lines:
        assert LOG_LINE.match(line), f"log line without uptime/cpu prefix: {line!r}"


def test_boot_info_reported(esp, boot):
    b = boot(esp(cmdline="test=boot"), smp=1)
    assert b.exit_code == cohortvm.EXIT_SUCCESS
    # BOOTX64.EFI under the 64-bit OVMF: boot_info.firmware_bits 64.
    assert re.search(r"\] cpu0: boot: firmware: 64-bit UEFI\r?$", b.log,
                     re.M), b.log
    # q35 OVMF always publishes an ACPI 2.0 RSDP and a GOP framebuffer.
    assert re.search(r"boot: ACPI RSDP at 0x[0-9a-f]+ \(ACPI 2\.0 GUID\)", b.log)
    assert re.search(r"boot: framebuffer \d+x\d+ at 0x", b.log)
    assert re.search(r"boot: AP trampoline page 0x[0-9a-f]+ \(allocated", b.log)
    m = re.search(r"mem: (\d+) MiB RAM, (\d+) MiB usable, (\d+) MiB free", b.log)
    assert m, "no memory summary"
    total, usable, free = map(int, m.groups())
    # -m 512M: the firmware keeps some; the kernel must see most of it.
    assert 400 <= usable <= total <= 512
    assert free <= usable
    assert re.search(r"tsc: \d+\.\d{3} MHz from \S+", b.log)
    assert re.search(r"boot: timing loader->kernel \d+ us, kernel->ready \d+ us", b.log)


def test_default_cmdline_idles_at_ready(boot):
    """The plain build/esp.img (what `make run` boots) has no test=: the
    kernel must reach ready and stay up, not exit."""
    b = boot(BUILD / "esp.img", smp=4, stop_on=r"cohort: ready")
    assert not b.timed_out, "never reached the ready line"
    assert b.exit_code not in (cohortvm.EXIT_SUCCESS, cohortvm.EXIT_FAILURE)
    assert "EXCEPTION" not in b.log and "PANIC" not in b.log


def test_usb_gpt_image_boots(boot):
    usb = BUILD / "cohort-usb.img"
    out = subprocess.run(["sgdisk", "--print", str(usb)], capture_output=True,
                         text=True, check=True).stdout
    assert re.search(r"^\s+1\s+2048\s+\d+\s+.*EF00\s+Cohort ESP", out, re.M), out
    b = boot(usb, smp=2, stop_on=r"cohort: ready")
    assert not b.timed_out, "USB image did not reach the ready line"


def test_make_run_command_reaches_ready():
    """tools/cohortvm.py run is what `make run` executes."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tools/cohortvm.py"), "run", "--esp",
         str(BUILD / "esp.img"), "--smp", "4"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, errors="replace")
    seen = []
    try:
        import threading
        done = threading.Event()

        def read():
            for line in proc.stdout:
                seen.append(line)
                if "cohort: ready" in line:
                    done.set()
                    return

        threading.Thread(target=read, daemon=True).start()
        assert done.wait(BOOT_TIMEOUT), "".join(seen)
        assert "-smp 4" in seen[0] and "tcg,thread=multi" in seen[0]
    finally:
        proc.terminate()
        proc.wait(10)


def test_boot_without_nx(esp, boot):
    """A 64-bit CPU without NX (-cpu qemu64,-nx): EFER.NXE stays clear, so
    bit 63 of a page-table entry is a reserved bit, and no kernel mapping
    may set it (the first framebuffer ioremap faulted with 'reserved-bit'
    before vmm_map_page dropped VMM_NX on such CPUs). Two CPUs, so an AP
    runs the trampoline's no-NX path too: EFER.NXE is a reserved bit then
    (#GP on real CPUs; QEMU's TCG drops the bit instead, so this only shows
    that the path brings the AP up)."""
    b = boot(esp(cmdline="test=boot"), smp=2, extra=["-cpu", "qemu64,-nx"])
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert "mm: CPU protections: NX off (not in CPUID)" in b.log
    assert "smp: brought up 2 of 2 CPUs" in b.log
    assert "EXCEPTION" not in b.log
