# SPDX-License-Identifier: MIT
"""The initramfs and the file layer: test=vfs (kernel/fs/vfs_test.c) at
-smp 2, a boot without INITRD and one with a corrupt archive (each logs one
clear line and still reaches the ready line), and tools/mkinitrd's
determinism."""
import os
import re
import subprocess

from conftest import BUILD, ROOT, cohortvm

READY = r"cohort: ready"


def put_initrd(image, data, tmp_path):
    """Replace (data=bytes) or delete (data=None) \\EFI\\COHORT\\INITRD."""
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    if data is None:
        subprocess.run(["mdel", "-i", str(image), "::/EFI/COHORT/INITRD"],
                       check=True, env=env)
        return
    f = tmp_path / "initrd.bin"
    f.write_bytes(data)
    subprocess.run(["mcopy", "-o", "-i", str(image), str(f),
                    "::/EFI/COHORT/INITRD"], check=True, env=env)


def test_vfs_selftest(esp, boot):
    b = boot(esp(cmdline="test=vfs"), smp=2)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert re.search(r"initramfs: \d+ files, \d+ KiB", b.log), b.log
    m = re.search(r"vfs-test: (\d+) passed, (\d+) failed", b.log)
    assert m and int(m.group(1)) >= 70 and m.group(2) == "0", b.log
    assert "test: vfs: PASS" in b.log
    # The console's own output, with no log prefix.
    assert re.search(r"^vfs-test: console write", b.log, re.M), b.log


def test_missing_initrd_boots_without_user_space(esp, boot, tmp_path):
    image = esp(cmdline="test=boot")
    put_initrd(image, None, tmp_path)
    b = boot(image, smp=1)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert ("cohort-loader: no \\EFI\\COHORT\\INITRD: booting without user "
            "space") in b.log
    assert ("initramfs: none (no \\EFI\\COHORT\\INITRD on the boot volume): "
            "no user space") in b.log
    assert READY in b.log


def test_missing_initrd_keeps_the_kernel_console(esp, boot, tmp_path):
    """No test=: the kernel tries to start /bin/init, says in one line why
    it cannot, and the serial line stays the kernel console's."""
    image = esp(cmdline="")
    put_initrd(image, None, tmp_path)
    b = boot(image, smp=1, inputs=[(r"init: cannot start", "help\r")],
             stop_on=r"console: help\s+list commands")
    assert not b.timed_out, b.log
    assert ("init: cannot start /bin/init (error -2: no such file; no "
            "initramfs?); no user space, the kernel console stays "
            "available") in b.log
    assert "PANIC" not in b.log


def test_corrupt_initrd_is_ignored(esp, boot, tmp_path):
    image = esp(cmdline="test=boot")
    put_initrd(image, b"not a cpio archive at all" + bytes(200), tmp_path)
    b = boot(image, smp=1)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    lines = [l for l in b.log.splitlines() if "initramfs:" in l]
    assert len(lines) == 1, lines
    assert ("initramfs: corrupt archive (bad magic (not a cpio newc archive) "
            "at offset 0 of 225 bytes): ignored, no user space") in lines[0]
    assert READY in b.log


def test_truncated_initrd_is_ignored(esp, boot, tmp_path):
    good = (BUILD / "initrd.cpio").read_bytes()
    image = esp(cmdline="test=boot")
    put_initrd(image, good[: len(good) // 2], tmp_path)
    b = boot(image, smp=1)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert re.search(r"initramfs: corrupt archive \((file data runs past "
                     r"the end|truncated header|name runs past the end) at "
                     r"offset \d+ of \d+ bytes\): ignored", b.log), b.log
    assert READY in b.log


def test_mkinitrd_is_deterministic(tmp_path):
    stage = tmp_path / "stage"
    (stage / "bin").mkdir(parents=True)
    (stage / "etc").mkdir()
    (stage / "bin/prog").write_bytes(b"\x7fELF program")
    (stage / "bin/prog").chmod(0o755)
    (stage / "etc/b.conf").write_text("b\n")
    (stage / "etc/a.conf").write_text("a\n")
    os.symlink("prog", stage / "bin/alias")
    out1, out2 = tmp_path / "1.cpio", tmp_path / "2.cpio"
    subprocess.run([str(ROOT / "tools/mkinitrd"), str(out1), str(stage)],
                   check=True)
    os.utime(stage / "etc/a.conf", (1e9, 1e9))  # mtimes must not matter
    subprocess.run([str(ROOT / "tools/mkinitrd"), str(out2), str(stage)],
                   check=True)
    assert out1.read_bytes() == out2.read_bytes()
    listing = subprocess.run(["cpio", "-itv"], input=out1.read_bytes(),
                             capture_output=True, check=True).stdout.decode()
    names = [l.split()[8] for l in listing.splitlines()]
    assert names == ["bin", "bin/alias", "bin/prog", "etc", "etc/a.conf",
                     "etc/b.conf"], listing
    assert "-rwxr-xr-x   1 root     root           12 Jan  1  1970 bin/prog" \
        in listing, listing


def test_console_input_goes_to_the_reader(esp, boot):
    """A reader of /dev/console owns serial input; Ctrl-T sends one line
    to the kernel console; Enter completes a line, Ctrl-D ends input."""
    b = boot(esp(cmdline="test=vfs-console"), smp=2,
             inputs=[(r"vfs-console: reading", "\x14help\r"),
                     (r"console: help\s", "hel\x7flo\r"),
                     (r"vfs-console: got", "\x04")])
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert re.search(r"console: help\s+list commands", b.log), b.log
    assert "vfs-console: got 'helo' (5 bytes)" in b.log, b.log
    assert "vfs-console: EOF" in b.log
    assert "unknown command" not in b.log


def test_mkinitrd_packs_only_listed_paths(tmp_path):
    stage = tmp_path / "stage"
    (stage / "bin").mkdir(parents=True)
    (stage / "bin/new").write_text("new\n")
    (stage / "bin/stale").write_text("left behind\n")
    out = tmp_path / "o.cpio"
    subprocess.run([str(ROOT / "tools/mkinitrd"), str(out), str(stage),
                    "bin/new"], check=True)
    listing = subprocess.run(["cpio", "-it"], input=out.read_bytes(),
                             capture_output=True, check=True).stdout.decode()
    assert listing.split() == ["bin", "bin/new"], listing
