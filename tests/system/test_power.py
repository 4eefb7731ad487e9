# SPDX-License-Identifier: MIT
"""Reset and power-off as a real PC does them: no isa-debug-exit device,
so nothing but the hardware path can end QEMU. A reset under -no-reboot
makes QEMU exit with status 0; an ACPI S5 power-off ends QEMU normally,
also with status 0. Each step the kernel tries is logged before it
(kernel/power.c), so the log tells which path did it: a step that did not
work would log "still running" and go on, and a failed power-off halts,
which here would be a timeout."""
import pytest

from conftest import cohortvm

# pid 1 is up and owns the console: Ctrl-T sends a line to the kernel
# console (docs/console.md), as in test_platform.py.
INIT_UP = r"init: nothing to run"


def command(esp, boot, machine, line, **kw):
    return boot(esp(cmdline=""), smp=2, machine=machine, debug_exit=False,
                inputs=[(INIT_UP, f"\x14{line}\r")], **kw)


def power_lines(b):
    return [l[l.index("power: "):] for _, l in b.lines if "power: " in l]


@pytest.mark.parametrize("machine, steps", [
    # q35's FADT (revision 3) has a reset register: ICH9's 0xcf9.
    ("q35", ["power: reset: FADT reset register (I/O 0xcf9 <- 0xf)"]),
    # pc's FADT is ACPI 1.0 (116 bytes): no reset register, so the
    # keyboard controller's pulse does it.
    ("pc", ["power: reset: the FADT offers no reset register",
            "power: reset: keyboard controller reset pulse (0xfe to port "
            "0x64)"]),
])
def test_reboot_resets_without_debug_exit(esp, boot, machine, steps):
    b = command(esp, boot, machine, "reboot")
    assert not b.timed_out, b
    assert b.exit_code == 0, b
    assert power_lines(b) == ["power: rebooting",
                              "power: stopped 1 other CPU"] + steps


def test_reboot_without_keyboard_controller_triple_faults(esp, boot):
    # pc without an i8042: no FADT reset register, port 0x64 floats
    # (0xff), so the last resort does it.
    b = command(esp, boot, "pc,i8042=off", "reboot")
    assert not b.timed_out, b
    assert b.exit_code == 0, b
    assert power_lines(b)[2:] == [
        "power: reset: the FADT offers no reset register",
        "power: reset: no keyboard controller (port 0x64 reads 0xff); "
        "skipping its reset pulse",
        "power: reset: triple fault (empty IDT, then int3)"]


@pytest.mark.parametrize("machine, pm1a", [("q35", "0x604"), ("pc", "0xb004")])
def test_poweroff_ends_qemu_without_debug_exit(esp, boot, machine, pm1a):
    b = command(esp, boot, machine, "poweroff")
    assert not b.timed_out, b
    assert b.exit_code == 0, b
    # QEMU's DSDTs say Name (_S5, Package (4) { 0, 0, 0, 0 }).
    assert "acpi: power-off: \\_S5 in DSDT at offset" in b.log
    assert power_lines(b) == [
        "power: powering off",
        "power: stopped 1 other CPU",
        f"power: off: ACPI S5: SLP_TYPa 0 to PM1a_CNT I/O {pm1a}"]



def test_stopping_a_cpu_that_holds_the_log_lock(esp, boot):
    # Every power path stops the other CPUs with an NMI, then logs. A CPU
    # stopped in the middle of a log line keeps the log lock for good, so
    # the stopper must not wait for it (test=power-stop makes that CPU
    # hold the lock on purpose).
    b = boot(esp(cmdline="test=power-stop"), smp=2)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert "power: stopped 1 other CPU" in b.log
    # The test thread first moves to the last CPU (where the scheduler
    # may put it): the holder must then be another CPU, not itself.
    assert "power-stop: logged on cpu1 after stopping cpu0, which held " \
        "the log lock" in b.log


def test_power_stop_only_last_in_a_list(esp, boot):
    # test=power-stop returns with every other CPU stopped: a test after it
    # in a list waited for them forever (callfunc's first call hung the
    # boot until the harness killed it). The list is refused up front.
    b = boot(esp(cmdline="test=power-stop,callfunc"), smp=2, timeout=60)
    assert not b.timed_out, b
    assert b.exit_code == cohortvm.EXIT_FAILURE, b
    assert ("test: power-stop leaves the other CPUs stopped: only the last "
            "test of a list; nothing run") in b.log
    assert "test: power-stop:" not in b.log
