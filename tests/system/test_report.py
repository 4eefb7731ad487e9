# SPDX-License-Identifier: MIT
"""The hardware report (kernel/report.c): the boot option `report` and the
console command print one block with every field docs/console.md lists,
and the block repeats the warnings the boot logged."""
import re

BEGIN = "report: ---- Cohort hardware report: paste from here ----"
END = "report: ---- end of the Cohort hardware report ----"
INIT_UP = r"init: nothing to run"


def blocks(log):
    """Each report block's lines, without the log prefix."""
    out, cur = [], None
    for line in log.splitlines():
        m = re.match(r"^\[\s*\d+\.\d{6}\] cpu\d+: (report: .*)$", line)
        if not m:
            continue
        text = m.group(1)
        if text == BEGIN:
            cur = []
        elif text == END and cur is not None:
            out.append(cur)
            cur = None
        elif cur is not None:
            cur.append(text)
    return out


def check_fields(block, cmdline):
    text = "\n".join(block)

    def has(rx):
        assert re.search(rx, text, re.M), f"no {rx!r} in the report:\n{text}"

    has(rf"^report: cohort \S+, uptime \d+ ms, cmdline \"{cmdline}\"$")
    has(r"^report: firmware: 64-bit UEFI$")
    has(r"^report: cpu: \w{12} family 0x[0-9a-f]+ model 0x[0-9a-f]+ "
        r"stepping \d+ microcode 0x[0-9a-f]+ \(read on cpu\d+\), under a "
        r"hypervisor$")
    has(r"^report: cpu: \".+\"$")
    has(r"^report: apic: xapic mode \(CPU has no x2APIC\)$")
    has(r"^report: clocksource: (tsc|hpet) \(.+\)$")
    has(r"^report: timer: lapic-oneshot \(.+\), tickless, hz \d+$")
    has(r"^report: calibration: against hpet, median of 5 windows of \d+ us$")
    has(r"^report: calibration: tsc \d+\.\d{3} MHz \(\S+, spread \d+ ppm, "
        r"(not )?invariant\)$")
    has(r"^report: calibration: lapic timer \d+\.\d{3} MHz at divide 16 "
        r"\(spread \d+ ppm\)$")
    has(r"^report: acpi: RSDP revision 2 at 0x[0-9a-f]+, XSDT, \d+ tables$")
    for sig in ("XSDT", "FACP", "APIC", "HPET", "DSDT"):
        has(rf"^report: acpi: {sig}\s+oem \S+\s+\S*\s+rev \d+ len 0x[0-9a-f]+ "
            r"at 0x[0-9a-f]+ checksum ok$")
    has(r"^report: acpi: FADT IA-PC boot flags 0x[0-9a-f]+, full ACPI hardware$")
    has(r"^report: cpus: 2 usable in the MADT \(MADT present\), 2 started, "
        r"2 online, 0 failed$")
    has(r"^report: cpu1: apic 1 online \d+\.\d{3} ms after INIT$")
    # QEMU 7.2's -smp 2 is one socket of two cores (machine types since
    # 6.2 prefer cores to sockets).
    has(r"^report: topology: 1 package, 1 node, 2 cores, 2 threads; LLC: 1 "
        r"group of 2 \(CPUID 0x0b, LLC package, no SRAT: one node\)$")
    has(r"^report: cpuid 0x0\.0: [0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8}$")
    has(r"^report: cpuid 0xb\.1: [0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8}$")
    has(r"^report: memory: \d+ map entries, highest RAM address 0x[0-9a-f]+$")
    has(r"^report: memory: usable \d+ KiB")
    has(r"^report: memory: \d+ MiB free now$")
    has(r"^report: framebuffer: \d+x\d+, \d+ pixels per line, (RGBX|BGRX) at "
        r"0x[0-9a-f]+ \(\d+ KiB\)$")
    has(r"^report: kbd: PS/2 keyboard on the i8042, ISA IRQ 1 -> GSI \d+ "
        r"\(scan code set 1, translated\) \(\d+ scan codes so far\)$")
    m = re.search(r"^report: warnings: (\d+) logged", text, re.M)
    assert m and int(m.group(1)) >= 1, text
    has(r"^report: warning \[\s*\d+\.\d{6}\] cmdline: unknown option 'bogus' "
        r"ignored$")


def test_report_boot_option(esp, boot):
    """`report` on the command line prints the block once the kernel is
    up (before test= runs). The unknown option is a warning: listed."""
    b = boot(esp(cmdline="bogus report test=boot"), smp=2)
    assert b.exit_code == 33, b
    got = blocks(b.log)
    assert len(got) == 1, b.log
    check_fields(got[0], "bogus report test=boot")


def test_report_console_command(esp, boot):
    """The console command, typed on serial while /bin/init owns the
    console (Ctrl-T), prints the same block."""
    b = boot(esp(cmdline="bogus"), smp=2,
             inputs=[(INIT_UP, "\x14report\r")], stop_on=re.escape(END))
    assert not b.timed_out, b.log
    got = blocks(b.log)
    assert len(got) == 1, b.log
    check_fields(got[0], "bogus")
