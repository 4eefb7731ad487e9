# SPDX-License-Identifier: MIT
"""The PS/2 keyboard (drivers/i8042.c): keys pressed through QEMU's
monitor (`sendkey`) reach the console exactly as serial input does, and a
machine without an i8042 costs one log line, not a hang."""
import re
import socket
import threading
import time

import pytest

from conftest import cohortvm

# With pid 1 running, input belongs to /dev/console; a line starting with
# Ctrl-T goes to the kernel console (docs/console.md). Type once init is
# up, so no keystroke races its start.
INIT_UP = r"init: nothing to run"
KBD_ON = (r"kbd: PS/2 keyboard on the i8042, ISA IRQ 1 -> GSI \d+ "
          r"\(scan code set 1, translated\)")
MONITOR_TIMEOUT = 20


class Monitor:
    """QEMU's human monitor on a unix socket: one command at a time,
    each answered by the next "(qemu) " prompt."""

    def __init__(self, path):
        deadline = time.monotonic() + MONITOR_TIMEOUT
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(str(path))
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(MONITOR_TIMEOUT)
        self._until_prompt()

    def _until_prompt(self):
        buf = b""
        while not buf.endswith(b"(qemu) "):
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError("monitor closed")
            buf += chunk
        return buf

    def cmd(self, text):
        self.sock.sendall(text.encode() + b"\n")
        return self._until_prompt()

    def keys(self, names):
        # A short hold: below the keyboard's typematic delay, so no key
        # repeats, and each press is released before the next.
        for name in names:
            self.cmd(f"sendkey {name} 20")
            time.sleep(0.05)

    def close(self):
        self.sock.close()


def boot_and_type(boot, image, tmp_path, trigger, key_lists, stop_on,
                  timeout=None, machine="q35"):
    """Boot `image` with a monitor socket; when a serial line matches
    `trigger`, type each list of QEMU key names in key_lists (a list of
    (regex, keys): wait for regex, then press keys)."""
    sock = tmp_path / "monitor.sock"
    state = {"error": None}
    started = threading.Event()
    lines = []
    cond = threading.Condition()

    def on_line(text):
        with cond:
            lines.append(text)
            cond.notify_all()
        if not started.is_set() and re.search(trigger, text):
            started.set()

    def typist():
        try:
            mon = Monitor(sock)
            if not started.wait(120):
                return
            for rx, keys in key_lists:
                with cond:
                    ok = cond.wait_for(
                        lambda: any(re.search(rx, l) for l in lines), 60)
                if not ok:
                    state["error"] = f"never saw {rx!r} before typing"
                    return
                mon.keys(keys)
            mon.close()
        except Exception as e:  # reported by the test below
            state["error"] = repr(e)

    th = threading.Thread(target=typist, daemon=True)
    th.start()
    kw = {"timeout": timeout} if timeout else {}
    b = boot(image, smp=1, machine=machine, stop_on=stop_on, on_line=on_line,
             extra=["-monitor", f"unix:{sock},server=on,wait=off"], **kw)
    th.join(5)
    assert state["error"] is None, state["error"]
    return b


def spell(text):
    """QEMU key names for plain lower-case text."""
    names = {" ": "spc", "-": "minus", "=": "equal", ".": "dot", "/": "slash"}
    return [names.get(c, c) for c in text]


def test_sendkey_reaches_the_kernel_console(esp, boot, tmp_path):
    """Ctrl-T escapes /dev/console (a control byte from Ctrl + a letter);
    Shift upper-cases; Backspace erases; Enter runs the line. Typed on the
    emulated PS/2 keyboard, read back on serial."""
    image = esp(cmdline="")
    b = boot_and_type(
        boot, image, tmp_path, INIT_UP,
        [(INIT_UP, ["ctrl-t", "shift-b", *spell("ogus"), "ret"]),
         (r"console: unknown command 'Bogus'",
          ["ctrl-t", *spell("uptimx"), "backspace", "e", "kp_enter"])],
        stop_on=r"uptime \d+\.\d{6} s")
    assert not b.timed_out, b.log
    log = b.log
    assert re.search(KBD_ON, log), log
    assert re.search(r"^kernel> Bogus$", log, re.M), "typed text not echoed"
    assert "console: unknown command 'Bogus' (try help)" in log
    # The echo holds the raw erase ("\b \b"); the command that ran shows
    # Backspace took the x out.
    assert re.search(r"uptime \d+\.\d{6} s", log)
    assert "unknown command 'uptim" not in log


def test_caps_lock_and_kernel_console_without_init(esp, boot, tmp_path):
    """No user space reading the console: keys go straight to the kernel
    console. Caps Lock upper-cases letters only."""
    image = esp(cmdline="init=/nonexistent")
    b = boot_and_type(
        boot, image, tmp_path, r"init: cannot start",
        [(r"init: cannot start",
          ["caps_lock", *spell("x1"), "caps_lock", "ret"])],
        stop_on=r"console: unknown command")
    assert not b.timed_out, b.log
    assert "console: unknown command 'X1' (try help)" in b.log


def test_no_i8042_on_the_fadt_costs_one_line(esp, boot):
    """q35 without its i8042: QEMU clears the FADT's 8042 flag, so the
    controller is not probed."""
    b = boot(esp(cmdline="test=boot"), smp=1,
             machine="q35,i8042=off")
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    lines = [l for _, l in b.lines if "kbd:" in l]
    assert len(lines) == 1, lines
    assert re.search(r"kbd: no PS/2 keyboard \(the FADT's IA-PC boot flags "
                     r"say there is no 8042; kbd=probe to look anyway\)",
                     lines[0])


def test_kbd_probe_without_a_controller_gives_up(esp, boot):
    """kbd=probe where nothing decodes 0x60/0x64: port 0x64 reads 0xff
    (QEMU returns all ones for an unassigned port, as a floating ISA bus
    does), the probe gives up with one line, and the boot goes on. (The
    per-step timeouts, for a controller that decodes the ports but never
    answers, have no QEMU model to test them on.)"""
    b = boot(esp(cmdline="kbd=probe test=boot"), smp=1,
             machine="q35,i8042=off")
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    lines = [l for _, l in b.lines if "kbd:" in l]
    assert len(lines) == 1, lines
    assert re.search(r"kbd: no PS/2 keyboard \(no i8042 controller: port "
                     r"0x64 reads 0xff\)", lines[0])


def test_kbd_off(esp, boot):
    b = boot(esp(cmdline="kbd=off test=boot"), smp=1)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert "kbd: no PS/2 keyboard (kbd=off)" in b.log
    assert not re.search(KBD_ON, b.log)


def test_typed_command_shows_on_serial_and_on_screen(esp, boot, tmp_path):
    """The issue's keyboard test: a console command typed on the PS/2
    keyboard (QEMU's sendkey) answers on serial and on the screen (the
    monitor's screendump, read by OCR as in test_fb.py)."""
    import shutil
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract-ocr not installed (tools/install-deps installs it)")
    from test_fb import ocr, read_ppm
    ppm = tmp_path / "screen.ppm"
    sock = tmp_path / "monitor.sock"
    state = {"error": None}
    lines, cond = [], threading.Condition()

    def on_line(text):
        with cond:
            lines.append(text)
            cond.notify_all()

    def seen(rx, t=120):
        with cond:
            return cond.wait_for(lambda: any(re.search(rx, l) for l in lines), t)

    def typist():
        try:
            mon = Monitor(sock)
            if not seen(INIT_UP):
                state["error"] = "init never came up"
                return
            mon.keys(["ctrl-t", *spell("mem"), "ret"])
            if not seen(r"mem: \d+ pages free"):
                state["error"] = "mem never answered"
                return
            mon.cmd(f"screendump {ppm}")
            mon.keys(["ctrl-t", *spell("uptime"), "ret"])
            mon.close()
        except Exception as e:  # reported below
            state["error"] = repr(e)

    th = threading.Thread(target=typist, daemon=True)
    th.start()
    b = boot(esp(cmdline=""), smp=1, stop_on=r"uptime \d+\.\d{6} s",
             on_line=on_line, extra=["-monitor", f"unix:{sock},server=on,wait=off"])
    th.join(5)
    assert state["error"] is None, state["error"]
    assert not b.timed_out, b.log
    assert re.search(r"^kernel> mem$", b.log, re.M), "typed text not echoed"
    assert ppm.exists() and read_ppm(ppm)[0] > 0
    text = ocr(ppm, tmp_path)
    print(text)
    assert re.search(r"mem: \d+ pages free", text), text
