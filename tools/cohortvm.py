#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
r"""Boot Cohort in QEMU/OVMF: one place that knows the QEMU command line.

Used by `make run`, `make debug`, the system tests (tests/system) and the
boot benchmark (tools/bench/boot). Standard library only.

  cohortvm.py run   --esp build/esp.img [--smp 4] [--mem 512M] [--no-debug-exit]
                    [--firmware ia32]
  cohortvm.py debug --esp build/esp.img --kernel build/kernel.elf

As a module:
  make_esp(dst, cmdline=..., loader=..., loader32=..., kernel=...)
                                                       -> private ESP copy
  boot(esp, smp=..., timeout=..., firmware=...)        -> Boot (exit, log)

Firmware: "x64" (default), Debian's 64-bit OVMF, which starts
\EFI\BOOT\BOOTX64.EFI; or "ia32", Debian's 32-bit OVMF (package
ovmf-ia32), which starts \EFI\BOOT\BOOTIA32.EFI on the same ESP
(docs/ia32-uefi.md). Debian ships the 32-bit one only as a Secure Boot
build: it needs q35 with SMM and its flash in secure mode; its variable
template enrols no keys, so unsigned loaders run.

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


# Debian 12's ovmf-ia32 package: only the Secure Boot build exists.
OVMF32_PAIR = ("/usr/share/OVMF/OVMF32_CODE_4M.secboot.fd",
               "/usr/share/OVMF/OVMF32_VARS_4M.fd")
FIRMWARES = ("x64", "ia32")


def find_ovmf(firmware="x64"):
    if firmware == "ia32":
        code, vars_ = OVMF32_PAIR
        if os.path.exists(code) and os.path.exists(vars_):
            return code, vars_
        sys.exit("cohortvm: 32-bit OVMF not found; run tools/install-deps "
                 "(package ovmf-ia32)")
    if firmware != "x64":
        raise ValueError(f"firmware {firmware!r}: one of {FIRMWARES}")
    env_code, env_vars = os.environ.get("OVMF_CODE"), os.environ.get("OVMF_VARS")
    if env_code and env_vars:
        return env_code, env_vars
    for code, vars_ in OVMF_PAIRS:
        if os.path.exists(code) and os.path.exists(vars_):
            return code, vars_
    sys.exit("cohortvm: OVMF not found; run tools/install-deps (package ovmf)")


def firmware_machine(machine, firmware):
    """The -machine value and extra options a firmware needs. The 32-bit
    OVMF is a Secure Boot build (its JSON descriptor says requires-smm,
    machines pc-q35-*): SMM on, and the flash in secure mode so only SMM
    code writes the variable store. Machine pc is not offered for it."""
    if firmware != "ia32":
        return machine, []
    if machine != "q35":
        raise ValueError("the 32-bit OVMF runs only on machine q35 (with "
                         "SMM), not " + machine)
    return "q35,smm=on", ["-global",
                          "driver=cfi.pflash01,property=secure,value=on"]


def qemu_command(esp, vars_copy, smp=4, mem="512M", qemu="qemu-system-x86_64",
                 machine="q35", serial="stdio", extra=(), qemu_datadir=None,
                 debug_exit=True, firmware="x64"):
    """debug_exit=False leaves out the isa-debug-exit device, as on a real
    PC: the kernel's test exit then halts, and only a reset (which
    -no-reboot turns into an exit) or an ACPI power-off ends QEMU, both
    with status 0. firmware: see the module's docstring."""
    code, _ = find_ovmf(firmware)
    machine, fw_extra = firmware_machine(machine, firmware)
    cmd = [qemu]
    if qemu_datadir:
        # A private QEMU (tools/get-qemu10): its firmware blobs, and no
        # audio probing, which would load the system QEMU's modules.
        cmd += ["-L", qemu_datadir, "-audio", "none"]
    cmd += [
        "-machine", machine,
        *fw_extra,
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
    if debug_exit:
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
         debug_exit=True, firmware="x64"):
    """Boot `esp` and collect the serial log until QEMU exits, `stop_on`
    (a regex) appears, or `timeout` seconds pass. `inputs` is a list of
    (regex, text): when a line matches, text is typed on the serial port.
    `on_line`, if given, is called with each line as it arrives.
    `debug_exit`: see qemu_command(). `firmware`: "x64" or "ia32" (the
    module's docstring)."""
    qemu = qemu or os.environ.get("QEMU", "qemu-system-x86_64")
    result = Boot()
    with tempfile.TemporaryDirectory(prefix="cohortvm-") as tmp:
        vars_copy = Path(tmp) / "vars.fd"
        shutil.copyfile(find_ovmf(firmware)[1], vars_copy)
        cmd = qemu_command(esp, vars_copy, smp, mem, qemu, machine,
                           serial="stdio", extra=["-display", "none", *extra],
                           qemu_datadir=qemu_datadir, debug_exit=debug_exit,
                           firmware=firmware)
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


def make_esp(dst, cmdline=None, loader=None, kernel=None, base=None,
             loader32=None):
    """Copy the built ESP image to dst, optionally replacing the command
    line (a str gets a newline; bytes are written as they are, for
    encodings), the loader (BOOTX64.EFI), the 32-bit loader (loader32,
    BOOTIA32.EFI) or the kernel. Needs mtools."""
    base = Path(base or BUILD / "esp.img")
    dst = Path(dst)
    subprocess.run(["cp", "--sparse=always", str(base), str(dst)], check=True)
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")

    def put(src, path):
        subprocess.run(["mcopy", "-o", "-i", str(dst), str(src), path],
                       check=True, env=env)

    if cmdline is not None:
        txt = dst.with_suffix(".cmdline.txt")
        if isinstance(cmdline, bytes):
            txt.write_bytes(cmdline)
        else:
            txt.write_text(cmdline + "\n")
        put(txt, "::/EFI/COHORT/CMDLINE.TXT")
    if loader is not None:
        put(loader, "::/EFI/BOOT/BOOTX64.EFI")
    if loader32 is not None:
        put(loader32, "::/EFI/BOOT/BOOTIA32.EFI")
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
    vars_copy = Path(args.vars or BUILD / ("ovmf32-vars.fd"
                                           if args.firmware == "ia32"
                                           else "ovmf-vars.fd"))
    if not vars_copy.exists():
        vars_copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(find_ovmf(args.firmware)[1], vars_copy)
    display = ["-display", "gtk"] if args.gui else ["-display", "none"]
    extra = display + (["-S", "-gdb", f"tcp::{args.gdb_port}"]
                       if args.halt else [])
    if args.cpu:
        extra += ["-cpu", args.cpu]
    cmd = qemu_command(args.esp, vars_copy, args.smp, args.mem, args.qemu,
                       args.machine, serial="mon:stdio", extra=extra,
                       debug_exit=not args.no_debug_exit,
                       firmware=args.firmware)
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
        shutil.copyfile(find_ovmf(args.firmware)[1], vars_copy)
        cmd = qemu_command(args.esp, vars_copy, args.smp, args.mem, args.qemu,
                           args.machine, serial=f"file:{args.serial_log}",
                           extra=["-display", "none", "-S",
                                  "-gdb", f"tcp::{args.gdb_port}"],
                           firmware=args.firmware)
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
        p.add_argument("--firmware", choices=FIRMWARES, default="x64",
                       help="x64: 64-bit OVMF (BOOTX64.EFI); ia32: 32-bit "
                       "OVMF on a 64-bit CPU (BOOTIA32.EFI, mixed mode)")
        if name == "run":
            p.add_argument("--gui", action="store_true",
                           help="show the QEMU window (framebuffer)")
            p.add_argument("--halt", action="store_true",
                           help="start halted with a gdb stub")
            p.add_argument("--vars", default="",
                           help="private copy of the OVMF variables "
                           "(default build/ovmf-vars.fd, with --firmware "
                           "ia32 build/ovmf32-vars.fd)")
            p.add_argument("--cpu", default="",
                           help="QEMU CPU model, e.g. max (SMEP/SMAP, XSAVE)")
            p.add_argument("--no-debug-exit", action="store_true",
                           help="no isa-debug-exit device, as on a PC: "
                           "only reboot/poweroff end QEMU")
        else:
            p.add_argument("--kernel", default=str(BUILD / "kernel.elf"))
            p.add_argument("--serial-log", default=str(BUILD / "serial.log"))
    args = ap.parse_args()
    try:
        return cmd_run(args) if args.cmd == "run" else cmd_debug(args)
    except ValueError as e:  # e.g. --firmware ia32 with --machine pc
        sys.exit(f"cohortvm: {e}")


if __name__ == "__main__":
    sys.exit(main())
