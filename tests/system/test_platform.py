# SPDX-License-Identifier: MIT
"""Platform: ACPI-driven interrupt controllers, clocks and per-CPU timers
on the machines QEMU offers, the boot options that steer them, and the
fallbacks for missing hardware."""
import re

import pytest

from conftest import cohortvm


# With pid 1 running, the console's input belongs to /dev/console; a line
# starting with Ctrl-T goes to the kernel console (docs/console.md). Type
# once init is up, so no keystroke races its start.
INIT_UP = r"init: nothing to run"



def ok(b):
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    return b.log


@pytest.mark.parametrize("machine", ["q35", "pc"])
def test_machine_boots_with_lapic_ioapic_hpet(esp, boot, machine):
    log = ok(boot(esp(cmdline="test=timer"), smp=2, machine=machine))
    assert re.search(r"apic: local APIC in xapic mode", log)
    assert re.search(r"ioapic: id \d+ at 0xfec00000, GSI 0-23 \(24 pins", log)
    assert re.search(r"hpet: at 0xfed00000, 100\.000 MHz", log)
    assert re.search(r"timer: boot tick from hpet at 1000 Hz \(ISA IRQ 0 -> GSI 2\)",
                     log)
    assert re.search(r"timer: tick source hpet -> lapic-oneshot \(lapic [\d.]+ MHz\)",
                     log)
    # One structured calibration block.
    assert re.search(r"time: calibrated against hpet, median of 5 windows", log)
    assert re.search(r"time:   tsc   [\d.]+ MHz \(\S+, spread \d+ ppm", log)
    assert re.search(r"time:   lapic [\d.]+ MHz timer ticks at divide 16", log)
    assert "test: timer: PASS" in log


def test_no_hpet_falls_back_to_pit(esp, boot):
    log = ok(boot(esp(cmdline="test=timer"), smp=2, machine="q35,hpet=off"))
    assert "platform: no HPET: calibrating against the ACPI PM timer, boot tick from the PIT" in log
    assert re.search(r"time: calibrated against pmtimer", log)
    assert re.search(r"timer: tick source pit -> lapic-oneshot", log)
    assert "hpet:" not in log


def test_no_acpi_still_reaches_ready(esp, boot):
    # With acpi=off OVMF still publishes an XSDT, holding only its BGRT.
    b = boot(esp(cmdline="test=timer"), smp=2, machine="q35,acpi=off")
    log = ok(b)
    assert "acpi: no MADT" in log
    assert "platform: no usable MADT: one CPU" in log
    assert "timer: no IOAPIC: no boot tick (calibration polls)" in log
    assert re.search(r"smp: brought up 1 of 1 CPUs", log)
    assert "cohort: ready (1 CPUs online)" in log


@pytest.mark.parametrize("opt,mode,extra", [
    ("timer=periodic", "lapic-periodic", "periodic tick"),
    ("timer=oneshot", "lapic-oneshot", "tickless"),
    ("timer=oneshot nohz=off hz=250", "lapic-oneshot", "periodic tick"),
])
def test_timer_modes(esp, boot, opt, mode, extra):
    log = ok(boot(esp(cmdline=f"{opt} test=timer"), smp=2))
    assert re.search(rf"timer: tick source hpet -> {mode} \(lapic [\d.]+ MHz\), "
                     rf"{extra}", log), log


def test_timer_deadline_refused_without_cpu_support(esp, boot):
    # QEMU's TCG has no TSC-deadline timer.
    log = ok(boot(esp(cmdline="timer=deadline test=timer"), smp=2))
    assert ("timer: timer=deadline refused: CPUID.01H:ECX[24] is clear; "
            "using lapic-oneshot") in log
    assert "-> lapic-oneshot" in log


def test_apic_forced_modes(esp, boot):
    log = ok(boot(esp(cmdline="apic=xapic test=boot"), smp=2))
    assert "apic: local APIC in xapic mode (forced on the command line)" in log
    # QEMU 7.2's TCG has no x2APIC: forcing it is refused with the reason.
    log = ok(boot(esp(cmdline="apic=x2apic test=boot"), smp=2))
    assert ("apic: apic=x2apic refused: CPUID.1:ECX[21] says this CPU has "
            "no x2APIC") in log
    assert "local APIC in xapic mode" in log


def test_serial_console_echoes_and_runs_commands(esp, boot):
    b = boot(esp(cmdline=""), smp=2,
             inputs=[(INIT_UP, "\x14help\r"),
                     (r"console: cpus ", "\x14cpus\r"),
                     (r"cpu1: apic 1,", "\x14bogus\r")],
             stop_on=r"console: unknown command 'bogus'")
    assert not b.timed_out, b.log
    log = b.log
    assert re.search(r"^kernel> help$", log, re.M), "typed text was not echoed"
    assert re.search(r"console: help\s+list commands", log)
    assert re.search(r"cpu0: apic 0, running \S+, \d+ switches, \d+ irqs", log)
    assert "console: unknown command 'bogus' (try help)" in log


QEMU10 = cohortvm.qemu10()
needs_qemu10 = pytest.mark.skipif(
    QEMU10 is None, reason="QEMU 10 not unpacked (tools/get-qemu10 failed or "
    "was not run): QEMU 7.2's TCG has no x2APIC")


@needs_qemu10
def test_x2apic_on_qemu10(esp, boot):
    qemu, datadir = QEMU10
    log = ok(boot(esp(cmdline="test=ipi"), smp=4, qemu=qemu,
                  qemu_datadir=datadir, extra=["-cpu", "max,+x2apic"]))
    assert "apic: local APIC in x2apic mode (CPU supports x2APIC)" in log
    assert re.search(r"smp: brought up 4 of 4 CPUs", log)
    assert "test: ipi: PASS" in log


@needs_qemu10
def test_apic_xapic_forced_on_x2apic_cpu(esp, boot):
    qemu, datadir = QEMU10
    log = ok(boot(esp(cmdline="apic=xapic test=ipi"), smp=2, qemu=qemu,
                  qemu_datadir=datadir, extra=["-cpu", "max,+x2apic"]))
    assert "apic: local APIC in xapic mode (forced on the command line)" in log
    assert "test: ipi: PASS" in log


def test_console_reboot_stops_aps_first(esp, boot):
    # -no-reboot turns the reset into a QEMU exit with status 0.
    b = boot(esp(cmdline=""), smp=4, inputs=[(INIT_UP, "\x14reboot\r")])
    assert not b.timed_out, b.log
    assert "power: rebooting" in b.log
    assert "power: stopped 3 other CPUs" in b.log
    assert b.exit_code == 0


def test_console_halt_stops_everything(esp, boot):
    b = boot(esp(cmdline=""), smp=2, inputs=[(INIT_UP, "\x14halt\r")],
             stop_on=r"power: all CPUs stopped")
    assert not b.timed_out, b.log
    assert "power: stopped 1 other CPU" in b.log
