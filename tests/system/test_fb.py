# SPDX-License-Identifier: MIT
"""The screen console (drivers/fbcon.c, docs/console.md): QEMU's standard
VGA device with OVMF's GOP driver, the QEMU monitor's `screendump`, and
OCR (Debian's tesseract-ocr) read what the kernel drew. Also the
`console=` option (docs/cmdline.md).

The screendump is taken when the serial line *after* the one the test
reads on the screen arrives: the kernel draws a log line on the screen
before it logs the next one, so that line is certainly drawn by then."""
import re
import shutil
import socket
import subprocess

import pytest

from conftest import cohortvm

INIT_UP = r"init: nothing to run"
MEM_LINE = r"mem: \d+ pages free"
UPTIME_LINE = r"uptime \d+\.\d+ s"

needs_ocr = pytest.mark.skipif(
    shutil.which("tesseract") is None,
    reason="tesseract-ocr not installed (tools/install-deps installs it)")


def monitor_cmd(path, cmd, timeout=20):
    """Run one HMP command on QEMU's monitor socket; return its output."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        buf = b""
        while b"(qemu) " not in buf:
            buf += s.recv(4096)
        s.sendall(cmd.encode() + b"\n")
        buf = b""
        while not buf.rstrip().endswith(b"(qemu)"):
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        return buf.decode("utf-8", "replace")


def read_ppm(path):
    """(width, height, RGB bytes) of a binary PPM (what screendump writes)."""
    data = path.read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P6", fields
    w, h = int(fields[1]), int(fields[2])
    return w, h, data[pos + 1:pos + 1 + w * h * 3]


def ocr(ppm, tmp_path):
    """The screen's text. Tesseract reads dark text on a light page best,
    at about twice our glyph size: the green channel, inverted, scaled
    2x, written as a PGM."""
    w, h, rgb = read_ppm(ppm)
    grey = bytes(rgb[1::3]).translate(bytes(255 - i for i in range(256)))
    out = bytearray()
    for y in range(h):
        row = grey[y * w:(y + 1) * w]
        wide = bytearray(2 * w)
        wide[0::2] = row
        wide[1::2] = row
        out += wide + wide
    pgm = tmp_path / (ppm.stem + ".pgm")
    pgm.write_bytes(b"P5 %d %d 255\n" % (2 * w, 2 * h) + bytes(out))
    r = subprocess.run(["tesseract", str(pgm), "stdout", "--psm", "6",
                        "-l", "eng"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def boot_and_dump(boot, image, tmp_path, inputs, dump_on, extra=(),
                  **kw):
    """Boot, type `inputs`, and screendump when `dump_on` appears on
    serial; returns (Boot, ppm path or None)."""
    sock = tmp_path / "mon.sock"
    ppm = tmp_path / "screen.ppm"
    rx = re.compile(dump_on)
    done = []

    def on_line(text):
        if not done and rx.search(text):
            done.append(monitor_cmd(sock, f"screendump {ppm}"))

    kw.setdefault("smp", 1)
    b = boot(image, inputs=inputs, on_line=on_line, stop_on=dump_on,
             extra=["-monitor", f"unix:{sock},server=on,wait=off", *extra],
             **kw)
    return b, (ppm if done and ppm.exists() else None)


def console_geometry(log):
    m = re.search(r"console: screen (\d+)x(\d+), .* (\d+) x (\d+) characters",
                  log)
    assert m, "no console: screen line in the log"
    return tuple(int(x) for x in m.groups())


@needs_ocr
def test_screen_shows_ready_line_and_command_output(esp, boot, tmp_path):
    b, ppm = boot_and_dump(boot, esp(cmdline=""), tmp_path,
                           inputs=[(INIT_UP, "\x14mem\r"),
                                   (MEM_LINE, "\x14uptime\r")],
                           dump_on=UPTIME_LINE)
    assert ppm is not None, "no screendump taken"
    assert "mapped write-combining" in b.log
    # QEMU's framebuffer sits at 0xc0000000, inside the direct map.
    assert re.search(r"console: \d+ MiB of the direct map's write-back "
                     r"alias of the framebuffer unmapped", b.log)
    w, h, cols, rows = console_geometry(b.log)
    assert read_ppm(ppm)[:2] == (w, h)
    text = ocr(ppm, tmp_path)
    print(text)
    assert re.search(r"cohort: ready \(1 CPUs? online\)", text), text
    assert re.search(r"mem: \d+ pages free", text), text


@needs_ocr
def test_second_resolution_scrolls(esp, boot, tmp_path):
    """640x480: 64 x 24 characters, far fewer rows than the boot log has
    lines, so the screen has scrolled: the first boot lines are gone and
    the newest are at the bottom, in order."""
    b, ppm = boot_and_dump(boot, esp(cmdline=""), tmp_path,
                           inputs=[(INIT_UP, "\x14mem\r"),
                                   (MEM_LINE, "\x14uptime\r")],
                           dump_on=UPTIME_LINE,
                           extra=["-vga", "none",
                                  "-device", "VGA,xres=640,yres=480"])
    assert ppm is not None, "no screendump taken"
    w, h, cols, rows = console_geometry(b.log)
    assert (w, h, cols, rows) == (640, 480, 64, 24)
    text = ocr(ppm, tmp_path)
    print(text)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert not re.search(r"Cohort \S+ booting", text), "did not scroll"
    mem = [i for i, ln in enumerate(lines) if re.search(r"mem: \d+", ln)]
    assert mem, text
    # The mem line is among the last few (kernel> echo, uptime below it).
    assert mem[-1] >= len(lines) - 5, text


def test_console_fb_takes_the_log_off_serial(esp, boot):
    b = boot(esp(cmdline="console=fb test=boot"), smp=1)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert "serial output off (console=fb)" in b.log
    assert "cohort: ready" not in b.log


def test_console_fb_without_a_framebuffer_keeps_serial(esp, boot):
    """No display device: no GOP framebuffer. console=fb cannot be
    honoured; one line says so and the log stays on serial."""
    b = boot(esp(cmdline="console=fb test=boot"), smp=1,
             extra=["-vga", "none"])
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert ("console: no linear framebuffer from the loader; log on serial "
            "only") in b.log
    assert "cohort: ready" in b.log


def test_direct_map_alias_of_the_whole_framebuffer_unmapped(esp, boot):
    """Every 2 MiB direct-map page that holds part of the drawn
    framebuffer is unmapped, the partial ones at its ends included (they
    hold no RAM): QEMU's 1280x800 screen is 3.9 MiB, so a write-back alias
    of its last 1.9 MiB stayed while only whole pages were dropped."""
    b = boot(esp(cmdline="test=boot"), smp=1)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    m = re.search(r"console: screen (\d+)x(\d+), .* framebuffer (0x[0-9a-f]+) "
                  r"mapped write-combining", b.log)
    assert m, "no console: screen line"
    w, h, fb = int(m.group(1)), int(m.group(2)), int(m.group(3), 16)
    two = 2 << 20
    lo = fb // two * two
    hi = (fb + w * h * 4 + two - 1) // two * two  # QEMU: pitch == width
    m = re.search(r"console: (\d+) MiB of the direct map's write-back alias",
                  b.log)
    assert m, "no alias unmapped"
    assert int(m.group(1)) == (hi - lo) >> 20, b.log


def test_firmware_address_in_the_unmapped_alias_is_refused(esp, boot):
    """An ACPI table pointer into the framebuffer (bad firmware input)
    after the console unmapped the direct map's alias of it: the ACPI
    map refuses it instead of handing out a pointer that faults."""
    b = boot(esp(cmdline="test=dmap-hole"), smp=1)
    assert "EXCEPTION" not in b.log, b.log
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    # 1280x800 at 0xc0000000: its first 2 MiB are unmapped.
    assert re.search(r"dmap-hole: a table at the framebuffer 0x[0-9a-f]+ "
                     r"is refused", b.log), b.log


@needs_ocr
def test_console_serial_leaves_the_screen_alone(esp, boot, tmp_path):
    b, ppm = boot_and_dump(boot, esp(cmdline="console=serial"), tmp_path,
                           inputs=[(INIT_UP, "\x14mem\r")], dump_on=MEM_LINE)
    assert ppm is not None, "no screendump taken"
    assert "console: serial only (console=serial)" in b.log
    assert "mapped write-combining" not in b.log
    text = ocr(ppm, tmp_path)
    print(text)
    assert "ready" not in text and "mem:" not in text, text


@needs_ocr
@pytest.mark.parametrize("test,on_screen", [
    ("panic-ap", r"PANIC"),
    ("fault", r"EXCEPTION #PF page fault"),
])
def test_fatal_reports_reach_the_screen(esp, boot, tmp_path, test, on_screen):
    """A panic on an AP (the others stopped by NMI, the log lock maybe
    held) and an exception report are drawn too. No exit device: the
    kernel halts instead of ending QEMU, as on a PC, and the screen can be
    read afterwards."""
    b, ppm = boot_and_dump(boot, esp(cmdline=f"test={test}"), tmp_path,
                           inputs=[], dump_on=r"halting: failure", smp=2,
                           debug_exit=False)
    assert ppm is not None, "no screendump taken"
    text = ocr(ppm, tmp_path)
    print(text)
    assert re.search(on_screen, text), text
