# SPDX-License-Identifier: MIT
"""Command line: where it comes from (CMDLINE.TXT, UEFI LoadOptions), and
how bad words are handled (one warning each, boot goes on)."""
import re
import subprocess

from conftest import ROOT, cohortvm


def option_names():
    src = (ROOT / "kernel/options.c").read_text()
    return re.findall(r'\{\s*"([a-z_]+)",\s*CMDLINE_', src)


def test_every_option_is_documented():
    doc = (ROOT / "docs/cmdline.md").read_text()
    names = option_names()
    assert names, "no options parsed from kernel/options.c"
    for n in names:
        assert f"`{n}" in doc, f"option {n} missing from docs/cmdline.md"


def test_bad_words_warn_and_boot_continues(esp, boot):
    b = boot(esp(cmdline="bogus=1 memmap=3 test=boot efi_tramp=sideways "
                         "frobnicate"))
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    log = b.log
    assert "cmdline: unknown option 'bogus' ignored" in log
    assert "cmdline: unknown option 'frobnicate' ignored" in log
    assert "cmdline: option 'memmap' takes no value; '3' ignored" in log
    assert "cmdline: option 'efi_tramp' must be one of scan|none; ignored" in log
    assert len(re.findall(r"cmdline: ", log)) == 4


def test_memmap_flag_prints_map(esp, boot):
    b = boot(esp(cmdline="memmap test=boot"))
    assert b.exit_code == cohortvm.EXIT_SUCCESS
    entries = re.findall(r"mem:   ([0-9a-f]{16})-([0-9a-f]{16}) (\S+)", b.log)
    assert len(entries) > 5
    starts = [int(s, 16) for s, _, _ in entries]
    assert starts == sorted(starts), "memory map not sorted"
    assert any(t == "usable" for _, _, t in entries)
    assert any(t == "kernel" for _, _, t in entries)


def test_cmdline_file_comments_and_lines(esp, boot):
    b = boot(esp(cmdline="# a comment line\n  test=boot\n\nmemmap  \n"))
    assert b.exit_code == cohortvm.EXIT_SUCCESS
    assert 'cmdline from CMDLINE.TXT: "test=boot memmap"' in b.log


def test_load_options_take_precedence(esp, boot, tmp_path):
    """Start the loader from the UEFI shell with options: they win over
    CMDLINE.TXT, and the shell's program-name word is dropped. The image
    has no \\EFI\\BOOT\\BOOTX64.EFI, so OVMF falls through to its built-in
    shell, which runs startup.nsh."""
    img = esp(cmdline="test=fault")
    env = dict(MTOOLS_SKIP_CHECK="1", PATH="/usr/bin:/bin")
    nsh = tmp_path / "startup.nsh"
    nsh.write_text("fs0:\r\n\\EFI\\COHORT\\LOADER.EFI test=boot memmap\r\n")
    for args in (["mmove", "-i", str(img), "::/EFI/BOOT/BOOTX64.EFI",
                  "::/EFI/COHORT/LOADER.EFI"],
                 ["mcopy", "-i", str(img), str(nsh), "::/startup.nsh"]):
        subprocess.run(args, check=True, env=env)
    b = boot(img)
    assert 'cmdline from UEFI LoadOptions: "test=boot memmap"' in b.log, b
    assert b.exit_code == cohortvm.EXIT_SUCCESS


def test_idle_poll_us(esp, boot):
    """Halt polling: on by default under QEMU (a hypervisor), set or
    turned off by idle_poll_us=, out-of-range values refused; a pipe
    ping-pong across two CPUs works with the longest window, where every
    wake-up lands on a polling CPU."""
    b = boot(esp(cmdline="test=boot"), smp=2)
    assert "sched: idle CPUs poll up to 50 us before hlt (running under a " \
           "hypervisor; idle_poll_us=0 turns it off)" in b.log
    b = boot(esp(cmdline="idle_poll_us=0 test=boot"), smp=2)
    assert b.exit_code == cohortvm.EXIT_SUCCESS
    assert "sched: idle CPUs halt at once (idle_poll_us=0)" in b.log
    b = boot(esp(cmdline="idle_poll_us=5000 test=boot"), smp=2)
    assert "cmdline: option 'idle_poll_us' must be in 0..1000, got '5000'; " \
           "ignored" in b.log
    assert "poll up to 50 us" in b.log
    b = boot(esp(cmdline="idle_poll_us=1000 init=/bin/init -- /bin/ubench 1 200"),
             smp=2, extra=["-cpu", "max"])
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert "poll up to 1000 us before hlt (idle_poll_us=" in b.log
    assert re.search(r"^pipe-2cpu\s+\d+", b.log, re.M)
