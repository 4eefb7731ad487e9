#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot Cohort in QEMU/OVMF: one place that knows the QEMU command line.

Used by `make run`, `make debug`, the system tests (tests/system) and the
boot benchmark (tools/bench/boot). Standard library only.

  cohortvm.py run   --esp build/esp.img [--smp 4] [--mem 512M]
  cohortvm.py debug --esp build/esp.img --kernel build/kernel.elf

As a module:
  make_esp(dst, cmdline=..., loader=..., kernel=...)  -> private ESP copy
  boot(esp, smp=..., timeout=...)                      -> Boot (exit, log)

Exit protocol (drivers/qemu_exit.h): QEMU exits 33 when the kernel reports
success, 35 on failure; a boot that does neither before its timeout is
killed and reported as timed out.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
EXIT_SUCCESS = 33
EXIT_FAILURE = 35

# Debian 12's ovmf package; the 4M build first (it is what current
# distributions default to), then the 2M one.
OVMF_PAIRS = [
    ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"),
    ("/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"),
]


def find_ovmf():
    env_code, env_vars = os.environ.get("OVMF_CODE"), os.environ.get("OVMF_VARS")
    if env_code and env_vars:
        return env_code, env_vars
    for code, vars_ in OVMF_PAIRS:
        if os.path.exists(code) and os.path.exists(vars_):
            return code, vars_
    sys.exit("cohortvm: OVMF not found; run tools/install-deps (package ovmf)")


def qemu_command(esp, vars_copy, smp=4, mem="512M", qemu="qemu-system-x86_64",
                 machine="q35", serial="stdio", extra=(), qemu_datadir=None,
                 exit_device=True):
    code, _ = find_ovmf()
    cmd = [qemu]
    if qemu_datadir:
        # A private QEMU (tools/get-qemu10): its firmware blobs, and no
        # audio probing, which would load the system QEMU's modules.
        cmd += ["-L", qemu_datadir, "-audio", "none"]
    cmd += [
        "-machine", machine,
        # Multi-threaded TCG: each vCPU on its own host thread.
        "-accel", "tcg,thread=multi",
        "-smp", str(smp),
        "-m", str(mem),
        # OVMF code read-only; variables in a private, writable copy.
        "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={code}",
        "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}",
    ]
    if esp is not None:
        # snapshot=on: the firmware may write to the disk; keep the image.
        # (No disk at all: make bench-linux boots Linux with -kernel.)
        cmd += ["-drive", f"format=raw,file={esp},snapshot=on"]
    cmd += [
        # No NIC: a failed boot would otherwise sit in PXE for minutes.
        "-nic", "none",
        "-no-reboot",
    ]
    if exit_device:
        # Without it (exit_device=False) the kernel halts at the end, as
        # on a PC, and QEMU stays up for the monitor.
        cmd += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    cmd += [
        "-serial", serial,
    ]
    cmd += list(extra)
    return cmd


class Boot:
    """Result of one boot: exit status, serial log, per-line host times."""

    def __init__(self):
        self.exit_code = None
        self.timed_out = False
        self.lines = []  # (seconds since QEMU start, text)
        self.cmd = []

    @property
    def log(self):
        return "\n".join(t for _, t in self.lines)

    def first(self, pattern):
        """Host time of the first line matching pattern, or None."""
        rx = re.compile(pattern)
        for t, line in self.lines:
            if rx.search(line):
                return t
        return None

    def __repr__(self):
        return (f"Boot(exit={self.exit_code}, timed_out={self.timed_out}, "
                f"lines={len(self.lines)})")


# Escape sequences OVMF's terminal emulation sends to the serial port.
ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")


def boot(esp, smp=1, mem="512M", timeout=120, qemu=None, machine="q35",
         extra=(), stop_on=None, qemu_datadir=None, inputs=(), on_line=None,
         exit_device=True):
    """Boot `esp` and collect the serial log until QEMU exits, `stop_on`
    (a regex) appears, or `timeout` seconds pass. `inputs` is a list of
    (regex, text): when a line matches, text is typed on the serial port.
    `on_line`, if given, is called with each line as it arrives.
    `exit_device=False` leaves out isa-debug-exit: the kernel then halts
    at the end as on a PC (the caller stops QEMU, e.g. with stop_on)."""
    qemu = qemu or os.environ.get("QEMU", "qemu-system-x86_64")
    result = Boot()
    with tempfile.TemporaryDirectory(prefix="cohortvm-") as tmp:
        vars_copy = Path(tmp) / "vars.fd"
        shutil.copyfile(find_ovmf()[1], vars_copy)
        cmd = qemu_command(esp, vars_copy, smp, mem, qemu, machine,
                           serial="stdio", extra=["-display", "none", *extra],
                           qemu_datadir=qemu_datadir, exit_device=exit_device)
        result.cmd = cmd
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=qemu_env(qemu))
        stop_rx = re.compile(stop_on) if stop_on else None
        pending = [(re.compile(rx), text) for rx, text in inputs]

        def feed(line):
            while pending and pending[0][0].search(line):
                _, text = pending.pop(0)
                # Typed a byte at a time, as a person would: the UART has
                # a 16-byte FIFO and the kernel echoes as it reads.
                for ch in text.encode():
                    proc.stdin.write(bytes([ch]))
                    proc.stdin.flush()
                    time.sleep(0.01)
        stopped = threading.Event()

        def reader():
            buf = b""
            while True:
                chunk = proc.stdout.read1(4096)
                if not chunk:
                    break
                buf += chunk
                while b"\n" in buf:
                    raw, buf = buf.split(b"\n", 1)
                    text = ANSI.sub("", raw.decode("utf-8", "replace"))
                    text = text.replace("\r", "")
                    result.lines.append((time.monotonic() - start, text))
                    if pending:
                        feed(text)
                    if on_line:
                        on_line(text)
                    if stop_rx and stop_rx.search(text):
                        stopped.set()
            if buf:
                text = ANSI.sub("", buf.decode("utf-8", "replace"))
                result.lines.append((time.monotonic() - start,
                                     text.replace("\r", "")))

        th = threading.Thread(target=reader, daemon=True)
        th.start()
        deadline = start + timeout
        while proc.poll() is None:
            if stopped.is_set() or time.monotonic() > deadline:
                result.timed_out = not stopped.is_set()
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                break
            time.sleep(0.05)
        th.join(10)
        result.exit_code = proc.returncode
    return result


def boot_bochs(esp, cpus=2, timeout=300, stop_on=None):
    """Boot `esp` under Bochs 2.7 (tools/bochsrc.in) and collect the serial
    log until `stop_on` appears or `timeout` seconds pass. Bochs has no exit
    port, so Boot.exit_code is None unless Bochs itself stopped."""
    result = Boot()
    stop_rx = re.compile(stop_on) if stop_on else None
    with tempfile.TemporaryDirectory(prefix="cohortvm-bochs-") as tmp:
        tmp = Path(tmp)
        serial = tmp / "serial.log"
        rc = (ROOT / "tools/bochsrc.in").read_text()
        for key, val in (("@CPUS@", str(cpus)), ("@ESP@", str(esp)),
                         ("@SERIAL@", str(serial)), ("@LOG@", str(tmp / "bochs.log"))):
            rc = rc.replace(key, val)
        (tmp / "bochsrc").write_text(rc)
        result.cmd = ["bochs", "-q", "-f", str(tmp / "bochsrc")]
        start = time.monotonic()
        # The debugger build of Bochs waits at a prompt: 'c' continues.
        proc = subprocess.Popen(result.cmd, cwd=tmp, stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        proc.stdin.write(b"c\n")
        proc.stdin.flush()
        seen = 0
        while True:
            text = serial.read_bytes().decode("utf-8", "replace") \
                if serial.exists() else ""
            lines = [ANSI.sub("", l).replace("\r", "") for l in text.split("\n")]
            now = time.monotonic() - start
            for line in lines[seen:-1]:
                result.lines.append((now, line))
            seen = max(seen, len(lines) - 1)
            if stop_rx and any(stop_rx.search(l) for _, l in result.lines):
                break
            if proc.poll() is not None:
                result.exit_code = proc.returncode
                break
            if now > timeout:
                result.timed_out = True
                break
            time.sleep(0.5)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return result


def make_esp(dst, cmdline=None, loader=None, kernel=None, base=None):
    """Copy the built ESP image to dst, optionally replacing the command
    line, the loader or the kernel. Needs mtools."""
    base = Path(base or BUILD / "esp.img")
    dst = Path(dst)
    subprocess.run(["cp", "--sparse=always", str(base), str(dst)], check=True)
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")

    def put(src, path):
        subprocess.run(["mcopy", "-o", "-i", str(dst), str(src), path],
                       check=True, env=env)

    if cmdline is not None:
        txt = dst.with_suffix(".cmdline.txt")
        txt.write_text(cmdline + "\n")
        put(txt, "::/EFI/COHORT/CMDLINE.TXT")
    if loader is not None:
        put(loader, "::/EFI/BOOT/BOOTX64.EFI")
    if kernel is not None:
        put(kernel, "::/EFI/COHORT/KERNEL.ELF")
    return dst


def qemu_env(qemu):
    """A private QEMU must load its own modules, not the system's."""
    env = dict(os.environ)
    path = shutil.which(qemu) or qemu
    moddir = Path(path).resolve().parents[1] / "lib/x86_64-linux-gnu/qemu"
    if moddir.is_dir() and not str(moddir).startswith("/usr/"):
        env["QEMU_MODULE_DIR"] = str(moddir)
    return env


QEMU10_DIR = BUILD / "qemu10"


def qemu10():
    """(binary, datadir) of the bookworm-backports QEMU 10 unpacked by
    tools/get-qemu10, or None."""
    binary = QEMU10_DIR / "usr/bin/qemu-system-x86_64"
    if binary.exists():
        return str(binary), str(QEMU10_DIR / "usr/share/qemu")
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cmd_run(args):
    # The variables copy lives in build/ and persists between runs, like a
    # real machine's NVRAM. QEMU replaces this process (exec), so stopping
    # `make run` (or the test that drives it) stops QEMU too.
    vars_copy = Path(args.vars)
    if not vars_copy.exists():
        vars_copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(find_ovmf()[1], vars_copy)
    display = ["-display", "gtk"] if args.gui else ["-display", "none"]
    extra = display + (["-S", "-gdb", f"tcp::{args.gdb_port}"]
                       if args.halt else [])
    if args.cpu:
        extra += ["-cpu", args.cpu]
    cmd = qemu_command(args.esp, vars_copy, args.smp, args.mem, args.qemu,
                       args.machine, serial="mon:stdio", extra=extra)
    print(" ".join(cmd), flush=True)
    os.execvpe(cmd[0], cmd, qemu_env(cmd[0]))


def cmd_debug(args):
    """QEMU halted at reset with a gdb stub, and gdb attached to it."""
    gdb_cmd = ["gdb", "-q", args.kernel,
               "-ex", f"target remote localhost:{args.gdb_port}",
               "-ex", "break kernel_main",
               "-ex", "echo \\nCohort: QEMU is halted at reset; "
                      "'continue' boots to kernel_main.\\n"]
    with tempfile.TemporaryDirectory(prefix="cohortvm-") as tmp:
        vars_copy = Path(tmp) / "vars.fd"
        shutil.copyfile(find_ovmf()[1], vars_copy)
        cmd = qemu_command(args.esp, vars_copy, args.smp, args.mem, args.qemu,
                           args.machine, serial=f"file:{args.serial_log}",
                           extra=["-display", "none", "-S",
                                  "-gdb", f"tcp::{args.gdb_port}"])
        print("QEMU:", " ".join(cmd))
        print(f"serial log: {args.serial_log} (tail -f it in another terminal)")
        qemu = subprocess.Popen(cmd)
        try:
            if not shutil.which("gdb"):
                print("gdb not installed; attach with:\n  " +
                      " ".join(f"'{a}'" if " " in a else a for a in gdb_cmd))
                return qemu.wait()
            # gdb owns the terminal; Ctrl-C interrupts the guest.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            return subprocess.call(gdb_cmd, preexec_fn=lambda: signal.signal(
                signal.SIGINT, signal.SIG_DFL))
        finally:
            qemu.terminate()
            qemu.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("run", "debug"):
        p = sub.add_parser(name)
        p.add_argument("--esp", default=str(BUILD / "esp.img"))
        p.add_argument("--smp", default="4")
        p.add_argument("--mem", default="512M")
        p.add_argument("--qemu", default="qemu-system-x86_64")
        p.add_argument("--machine", default="q35")
        p.add_argument("--gdb-port", type=int, default=1234)
        if name == "run":
            p.add_argument("--gui", action="store_true",
                           help="show the QEMU window (framebuffer)")
            p.add_argument("--halt", action="store_true",
                           help="start halted with a gdb stub")
            p.add_argument("--vars", default=str(BUILD / "ovmf-vars.fd"),
                           help="private copy of the OVMF variables")
            p.add_argument("--cpu", default="",
                           help="QEMU CPU model, e.g. max (SMEP/SMAP, XSAVE)")
        else:
            p.add_argument("--kernel", default=str(BUILD / "kernel.elf"))
            p.add_argument("--serial-log", default=str(BUILD / "serial.log"))
    args = ap.parse_args()
    return cmd_run(args) if args.cmd == "run" else cmd_debug(args)


if __name__ == "__main__":
    sys.exit(main())
