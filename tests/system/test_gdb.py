# SPDX-License-Identifier: MIT
"""`make debug` workflow: real gdb, in batch mode, against QEMU's gdb stub.
It breaks at kernel_main by name, continues to it, and reads kernel data by
symbol: what a developer does in their first debugging session."""
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import BUILD, BOOT_TIMEOUT, cohortvm


@pytest.mark.skipif(not shutil.which("gdb"), reason="gdb not installed")
def test_gdb_breaks_at_kernel_main():
    port = cohortvm.free_port()
    with tempfile.TemporaryDirectory() as tmp:
        vars_copy = Path(tmp) / "vars.fd"
        shutil.copyfile(cohortvm.find_ovmf()[1], vars_copy)
        cmd = cohortvm.qemu_command(
            BUILD / "esp.img", vars_copy, smp=2,
            serial=f"file:{tmp}/serial.log",
            extra=["-display", "none", "-S", "-gdb", f"tcp:127.0.0.1:{port}"])
        qemu = subprocess.Popen(cmd)
        try:
            gdb = subprocess.run(
                ["gdb", "-q", "-batch", "-nx", str(BUILD / "kernel.elf"),
                 "-ex", f"target remote 127.0.0.1:{port}",
                 "-ex", "break kernel_main",
                 "-ex", "continue",
                 "-ex", "bt",
                 "-ex", "print/x bi->magic",
                 "-ex", "print bi->version",
                 "-ex", "print kernel_option_count",
                 "-ex", "print kernel_options[0].name",
                 "-ex", "kill"],
                capture_output=True, text=True, timeout=BOOT_TIMEOUT)
        finally:
            qemu.kill()
            qemu.wait()
    out = gdb.stdout + gdb.stderr
    assert re.search(r"Breakpoint 1, kernel_main \(bi=0xffff8000[0-9a-f]+\)", out), out
    assert re.search(r"#0\s+kernel_main", out), out
    assert "= 0x54524f484f43" in out, out  # BOOT_INFO_MAGIC, "COHORT"
    # The loader's boot_info version, as kernel/boot_info.h defines it.
    version = re.search(r"#define BOOT_INFO_VERSION (\d+)",
                        (cohortvm.ROOT / "kernel/boot_info.h").read_text())[1]
    assert re.search(rf"\$2 = {version}\b", out), out
    assert re.search(r"\$3 = \d+", out), out
    assert '"test"' in out, out
