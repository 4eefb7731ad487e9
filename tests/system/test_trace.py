# SPDX-License-Identifier: MIT
"""Scheduler tracing end to end: the kernel records, dumps a v2 block over
serial, and tools/schedtrace finds the trace consistent (every switch-in
matched, no thread on two CPUs at once, time monotonic per CPU)."""
import re
import subprocess
import sys

from conftest import ROOT, cohortvm

SCHEDTRACE = ROOT / "tools/schedtrace/schedtrace"


# With pid 1 running, the console's input belongs to /dev/console; a line
# starting with Ctrl-T goes to the kernel console (docs/console.md). Type
# once init is up, so no keystroke races its start.
INIT_UP = r"init: nothing to run"



def schedtrace(*args):
    return subprocess.run([sys.executable, str(SCHEDTRACE), *args],
                          capture_output=True, text=True, timeout=120)


def test_five_threads_on_four_cpus_trace_is_consistent(esp, boot, tmp_path):
    b = boot(esp(cmdline="trace=dump test=sched-share"), smp=4)
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    m = re.search(r"trace: begin v2 cpus=4 events=(\d+) dropped=(\d+)", b.log)
    assert m, "no trace block"
    assert int(m.group(1)) > 100 and int(m.group(2)) == 0
    assert "trace: end" in b.log
    log = tmp_path / "serial.log"
    log.write_text(b.log)
    r = schedtrace("check", str(log))
    assert r.returncode == 0, r.stdout + r.stderr
    r = schedtrace("summary", str(log))
    assert r.returncode == 0, r.stderr
    assert len(re.findall(r"\bshare\b", r.stdout)) == 5, r.stdout


def test_console_trace_dump(esp, boot):
    b = boot(esp(cmdline=""), smp=2, inputs=[(INIT_UP, "\x14trace dump\r")],
             stop_on=r"trace: end")
    assert not b.timed_out, b.log
    assert re.search(r"trace: begin v2 cpus=2 events=\d+ dropped=0", b.log)


def test_trace_off_records_nothing(esp, boot):
    b = boot(esp(cmdline="trace=off"), smp=2, inputs=[(INIT_UP, "\x14trace dump\r")],
             stop_on=r"tracing: off \(trace=off\): nothing to dump")
    assert not b.timed_out, b.log


def test_console_ps_and_top(esp, boot):
    b = boot(esp(cmdline=""), smp=2,
             inputs=[(INIT_UP, "\x14ps\r"), (r"ps: \d+ threads", "\x14top\r")],
             stop_on=r"top: refresh 2 of 5")
    assert not b.timed_out, b.log
    assert re.search(r"ps:\s+tid name\s+class", b.log)
    # pid 1 is listed by program and pid, with its switch count.
    assert re.search(r"^\[.*ps:\s+\d+ init\[1\]\s+fair .* \d+$", b.log, re.M)
    assert re.search(r"ps: \d+ threads", b.log)
    assert re.search(r"top:   cpu0\s+\d+% busy", b.log)
    assert re.search(r"top:   cpu1\s+\d+% busy", b.log)
