# SPDX-License-Identifier: MIT
"""tools/bench/latency-split's trace readers on hand-made traces: a Linux
ftrace text buffer (the format /bin/ftrace-run prints) and a Cohort
`trace=dump` log, each with two wake-ups of the latency thread and noise
around them (another thread's wake-up, another CPU's events, a timer
interrupt that wakes nobody); the stages must come out exact."""
from importlib.machinery import SourceFileLoader
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ls = SourceFileLoader("latency_split", str(ROOT / "tools/bench/latency-split")).load_module()

LINUX = """ftrace-run: begin
# tracer: nop
#
          <idle>-0       [000] d.h1.   10.001030: local_timer_entry: vector=236
          <idle>-0       [000] d.h2.   10.001035: hrtimer_expire_entry: hrtimer=0000 function=hrtimer_wakeup now=10001035000
          <idle>-0       [000] d.h3.   10.001045: sched_wakeup: comm=latency pid=77 prio=19 target_cpu=000
          <idle>-0       [001] d.h3.   10.001046: sched_wakeup: comm=other pid=90 prio=120 target_cpu=001
          <idle>-0       [000] d..2.   10.001060: sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=latency next_pid=77 next_prio=19
          latency-77     [000] d..2.   10.001080: sched_switch: prev_comm=latency prev_pid=77 prev_prio=19 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120
          <idle>-0       [000] d.h1.   10.001500: local_timer_entry: vector=236
          <idle>-0       [000] d.h1.   10.002020: local_timer_entry: vector=236
          <idle>-0       [000] d.h3.   10.002032: sched_wakeup: comm=latency pid=77 prio=19 target_cpu=000
          <idle>-0       [000] d..2.   10.002040: sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=latency next_pid=77 next_prio=19
ftrace-run: end
"""

COHORT = """[    0.1] cpu1: trace: begin v2 cpus=2 events=9 dropped=0
[    0.1] cpu1: trace: thread 5 latency[3] rt
[    0.1] cpu1: trace: thread 6 latency[3:4] fair
[    0.1] cpu1: trace: 10001030000 0 timer 6 - 0
[    0.1] cpu1: trace: 10001031000 0 wakeup 5 - 0
[    0.1] cpu1: trace: 10001031500 1 wakeup 6 - 1
[    0.1] cpu1: trace: 10001040000 0 switch 6 5 1
[    0.1] cpu1: trace: 10001060000 0 switch 5 6 3
[    0.1] cpu1: trace: 10002010000 0 timer 6 - 0
[    0.1] cpu1: trace: 10002012000 0 wakeup 5 - 0
[    0.1] cpu1: trace: 10002030000 0 switch 6 5 1
"""

START = 10_000_000_000
I = 1_000_000


def test_linux_stages():
    rt, ev = ls.linux_events(LINUX)
    assert rt == "77"
    st = ls.split(ev, rt, START, I)
    assert st["deadline -> timer interrupt"] == [30.0, 20.0]
    assert st["timer -> wake-up"] == [15.0, 12.0]
    assert st["wake-up -> switched in"] == [15.0, 8.0]
    assert st["deadline -> switched in"] == [60.0, 40.0]


def test_cohort_stages():
    rt, ev = ls.cohort_events(COHORT)
    assert rt == "5"
    st = ls.split(ev, rt, START, I)
    assert st["deadline -> timer interrupt"] == [30.0, 10.0]
    assert st["timer -> wake-up"] == [1.0, 2.0]
    assert st["wake-up -> switched in"] == [9.0, 18.0]
