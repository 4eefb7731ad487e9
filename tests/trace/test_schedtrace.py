# SPDX-License-Identifier: MIT
"""tools/schedtrace on hand-made traces (tests/trace/data/): parsing both
source forms, round trips, the checker, the summary's numbers, the Perfetto
JSON and the Gantt PNG, and clear errors on bad input.

Run: /usr/bin/python3 -m pytest tests/trace
"""
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools/schedtrace/schedtrace"
DATA = Path(__file__).resolve().parent / "data"
SAMPLE_LOG = DATA / "sample.log"
SAMPLE_SIM = DATA / "sample.sim"
sys.path.insert(0, str(TOOL.parent))
import cohort_trace as ct  # noqa: E402


def run(*args, stdin=None):
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)],
                          capture_output=True, text=True, timeout=120, input=stdin)


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def sim(body, cpus=2):
    """A simulator-form trace from event/thread lines."""
    return f"# cohort-sched-trace v2 cpus={cpus}\n" + "\n".join(
        ln.strip() for ln in body.strip().splitlines()) + "\n"


def problems(text):
    tr = ct.parse_text(text, "t")
    return ct.check(tr)


def kinds(text):
    return sorted({p.split(":", 1)[0] for p in problems(text)})


# ---- Parsing -------------------------------------------------------------------

def test_parse_log_picks_last_complete_block():
    tr = ct.load(SAMPLE_LOG)
    assert (tr.form, tr.block, tr.nblocks) == ("log", 2, 2)
    assert tr.ncpus == 2 and tr.declared_events == 20 and tr.dropped == 0
    assert len(tr.events) == 20
    assert [t.tid for t in tr.threads.values()] == [-1, -2, 1, 2, 3]
    assert tr.threads[3].name == "C" and tr.threads[3].cls == "deadline"
    # Prefixes and the CRLF line are gone; unrelated lines are ignored.
    sw = [e for e in tr.events if e.kind == "switch"]
    assert (sw[3].ns, sw[3].cpu, sw[3].a, sw[3].b, sw[3].arg) == (9100, 0, -1, 3, 0)
    e = tr.events[2]
    assert (e.kind, e.a, e.b, e.arg, e.extra) == ("timer", 1, None, 0, ("extra1",))
    unknown = [e for e in tr.events if not e.known]
    assert [(e.kind, e.raw) for e in unknown] == [("frobnicate", ("2", "-", "5", "xyz"))]
    assert tr.events[0].line == 16  # line numbers in the log, for messages


def test_parse_log_block_option():
    tr = ct.load(SAMPLE_LOG, block=1)
    assert tr.block == 1 and tr.ncpus == 1 and len(tr.events) == 2
    assert ct.load(SAMPLE_LOG, block=-1).block == 2
    with pytest.raises(ct.TraceError, match="no block 3"):
        ct.load(SAMPLE_LOG, block=3)


def test_parse_sim_form_equals_log_form():
    log, simf = ct.load(SAMPLE_LOG), ct.load(SAMPLE_SIM)
    assert simf.form == "sim" and simf.ncpus == 2 and simf.declared_events is None
    assert simf.threads == log.threads

    def per_cpu(tr):  # the order across CPUs is free; within a CPU it is time
        return sorted(tr.events, key=lambda e: e.cpu)  # stable
    assert per_cpu(simf) == per_cpu(log)


@pytest.mark.parametrize("path", [SAMPLE_LOG, SAMPLE_SIM])
@pytest.mark.parametrize("form", ["sim", "log"])
def test_round_trip(path, form):
    tr = ct.load(path)
    text = ct.to_sim_text(tr) if form == "sim" else \
        "noise before\n" + ct.to_log_text(tr, prefix="[ 9.0] cpu3: ") + "noise after\n"
    again = ct.parse_text(text, "rt")
    assert again.form == form
    assert again.events == tr.events
    assert again.threads == tr.threads
    assert again.ncpus == tr.ncpus
    # And once more: the serialisation is a fixed point.
    assert (ct.to_sim_text(again) if form == "sim" else ct.to_log_text(again)) == \
        (ct.to_sim_text(tr) if form == "sim" else ct.to_log_text(tr))


def test_names_without_thread_lines():
    tr = ct.parse_text(sim("""
        0 0 new 4 - 1 worker fair
        5 1 switch -2 4 0
        9 0 class 4 - 0 worker rt
    """), "t")
    an = ct.analyse(tr)
    assert an.name(4) == "worker" and an.name(-2) == "idle1"
    assert an.threads[4].cls == "rt"              # final class
    assert an.intervals[-1].cls == "fair"         # class when it was switched in


# ---- check ---------------------------------------------------------------------

def test_check_sample_ok():
    for p in (SAMPLE_LOG, SAMPLE_SIM):
        r = run("check", p)
        assert r.returncode == 0, r.stdout + r.stderr
        assert r.stdout.startswith("OK: ") and len(r.stdout.splitlines()) == 1
        assert "Traceback" not in r.stderr


GOOD = """
    0 0 switch -1 1 0
    0 1 switch -2 2 0
    10 0 switch 1 -1 3
    10 1 switch 2 1 0
    20 1 switch 1 2 0
"""


def test_check_good_trace_has_no_problems():
    assert problems(sim(GOOD)) == []


def test_check_overlapping_runs(tmp_path):
    # Thread 1 runs on cpu0 [0, 10] and on cpu1 from 5.
    bad = sim("""
        0 0 switch -1 1 0
        5 1 switch -2 1 0
        8 1 switch 1 -2 0
        10 0 switch 1 -1 3
    """)
    assert kinds(bad) == ["overlap"]
    r = run("check", write(tmp_path, "bad.sim", bad))
    assert r.returncode == 1
    assert r.stdout.startswith("overlap: tid1 (1) runs on cpu0 [")


def test_check_non_monotonic_time():
    bad = sim("""
        0 0 switch -1 1 0
        10 0 timer 1 - 0
        7 0 timer 1 - 0
        12 0 switch 1 -1 3
    """)
    assert kinds(bad) == ["time"]
    (p,) = problems(bad)
    assert "cpu0 line 4" in p


def test_check_unmatched_switch_in():
    # Thread 1 is switched in on cpu0 and never out, but runs on cpu1 later.
    bad = sim("""
        0 0 switch -1 1 0
        5 1 switch -2 1 0
        8 1 switch 1 -2 3
    """)
    assert kinds(bad) == ["unmatched"]


def test_check_wrong_prev():
    bad = sim("""
        0 0 switch -1 1 0
        10 0 switch 2 -1 3
    """)
    assert kinds(bad) == ["prev"]
    (p,) = problems(bad)
    assert "prev is tid2 (2)" in p and "tid1 (1) was switched in" in p


def test_check_event_count():
    text = ("[ 0.1] cpu0: trace: begin v2 cpus=1 events=3 dropped=0\n"
            "[ 0.1] cpu0: trace: 0 0 switch -1 1 0\n"
            "[ 0.1] cpu0: trace: 5 0 switch 1 -1 3\n"
            "[ 0.1] cpu0: trace: end\n")
    assert kinds(text) == ["count"]
    assert problems(text.replace("events=3", "events=2")) == []
    assert problems(text.replace(" events=3", "")) == []  # count optional


def test_check_cpu_out_of_range():
    assert kinds(sim("0 3 switch -4 1 0", cpus=2)) == ["cpu"]


def test_check_open_run_at_end_is_fine():
    # Running when the trace ends: no switch-out needed.
    assert problems(sim("0 0 switch -1 1 0\n5 1 timer -2 - 0")) == []


def test_check_cli_lists_each_problem(tmp_path):
    bad = sim("""
        0 0 switch -1 1 0
        10 0 switch 2 -1 3
        5 0 timer -1 - 0
    """)
    r = run("check", write(tmp_path, "bad.sim", bad))
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    assert {ln.split(":")[0] for ln in lines} == {"prev", "time"}


# ---- summary -------------------------------------------------------------------

EXPECTED = {  # tid: run, wait, sw_in, vol, invol, migr, miss, throttles, class
    1: (10500, 1500, 2, 0, 1, 1, 0, 0, "rt"),
    2: (2500, 500, 1, 1, 0, 0, 0, 0, "rt"),
    3: (5700, 300, 2, 1, 0, 1, 1, 1, "deadline"),
}


@pytest.mark.parametrize("path", [SAMPLE_LOG, SAMPLE_SIM])
def test_summary_numbers(path):
    an = ct.analyse(ct.load(path))
    assert (an.start, an.end) == (0, 12000)
    got = {t.tid: (t.run_ns, t.wait_ns, t.switches_in, t.voluntary,
                   t.involuntary, t.migrations, t.misses, t.throttles, t.cls)
           for t in an.threads.values()}
    assert got == EXPECTED
    cpus = {c.cpu: (c.busy_ns, c.switches, c.migrations_in, c.timers, c.ipis)
            for c in an.cpus.values()}
    assert cpus == {0: (9900, 4, 1, 1, 1), 1: (8800, 2, 1, 1, 0)}


def test_summary_text_and_json():
    r = run("summary", SAMPLE_LOG)
    assert r.returncode == 0, r.stderr
    threads, cpus = r.stdout.split("\ncpus (")
    rows = {ln.split()[0]: ln.split() for ln in threads.splitlines()[4:] if ln.split()}
    assert rows == {
        "1": ["1", "A", "rt", "10.500", "1.500", "2", "0", "1", "1", "0", "0"],
        "2": ["2", "B", "rt", "2.500", "0.500", "1", "1", "0", "0", "0", "0"],
        "3": ["3", "C", "deadline", "5.700", "0.300", "2", "1", "0", "1", "1", "1"]}
    rows = [ln.split() for ln in cpus.splitlines()[2:]]
    assert rows == [["0", "82.50%", "9.900", "4", "1", "1", "1"],
                    ["1", "73.33%", "8.800", "2", "1", "1", "0"]]
    r = run("summary", "--json", SAMPLE_SIM)
    d = json.loads(r.stdout)
    assert [t["run_ns"] for t in d["threads"]] == [10500, 2500, 5700]
    assert [round(c["busy_pct"], 3) for c in d["cpus"]] == [82.5, 73.333]


def test_state_encoding_is_learnt_from_the_trace():
    # A producer that writes enum thread_state (1 = runnable, 3 = blocked):
    # thread 1 is preempted with 1 and comes back without a wakeup, so 1
    # means runnable; its last switch-out (1) at the end is involuntary.
    tr = ct.parse_text(sim("""
        0 0 switch -1 1 2
        10 0 switch 1 2 1
        20 0 switch 2 1 3
        25 1 wakeup 2 - 0
        30 0 switch 1 2 1
        40 0 timer 2 - 0
    """), "t")
    an = ct.analyse(tr)
    t1 = an.threads[1]
    assert (t1.voluntary, t1.involuntary, t1.wait_ns) == (0, 2, 10 + 10)
    t2 = an.threads[2]
    assert (t2.voluntary, t2.involuntary, t2.wait_ns) == (1, 0, 5)


# ---- perfetto ------------------------------------------------------------------

def test_perfetto_json(tmp_path):
    out = tmp_path / "trace.json"
    r = run("perfetto", SAMPLE_LOG, "-o", out)
    assert r.returncode == 0, r.stderr
    d = json.loads(out.read_text())
    ev = d["traceEvents"]
    meta = {(e["pid"], e["tid"], e["name"]): e["args"] for e in ev if e["ph"] == "M"}
    cpus, threads = ct.CPU_PID, ct.THREAD_PID
    assert meta[(cpus, 0, "process_name")] == {"name": "cpus"}
    assert meta[(cpus, 1, "thread_name")] == {"name": "cpu0"}
    assert meta[(cpus, 2, "thread_name")] == {"name": "cpu1"}
    assert meta[(threads, 0, "process_name")] == {"name": "threads"}
    base = ct.THREAD_TID_BASE
    assert meta[(threads, base + 3, "thread_name")] == {"name": "C (deadline)"}
    # No tid is used by both processes.
    assert not ({e["tid"] for e in ev if e["pid"] == cpus} - {0}) & \
        ({e["tid"] for e in ev if e["pid"] == threads} - {0})
    waits = sorted((e["tid"] - base, e["ts"], e["dur"]) for e in ev
                   if e["pid"] == threads and e["name"] == "runnable")
    assert waits == [(1, 0.0, 1.0), (1, 5.5, 0.5), (2, 5.0, 0.5), (3, 3.0, 0.2),
                     (3, 9.0, 0.1)]
    runs = [e for e in ev if e["ph"] == "X" and e["pid"] == cpus and e["dur"] > 0]
    got = sorted((e["tid"], e["ts"], e["dur"], e["name"], e["args"]["tid"],
                  e["args"]["class"]) for e in runs)
    assert got == sorted([
        (1, 1.0, 4.5, "A", 1, "fair"), (1, 5.5, 2.5, "B", 2, "rt"),
        (1, 9.1, 2.9, "C", 3, "deadline"), (2, 3.2, 2.8, "C", 3, "deadline"),
        (2, 6.0, 6.0, "A", 1, "fair")])
    # Flows: migrate A 0->1, migrate C 1->0, wakeup C from cpu1 to cpu0.
    starts = {e["id"]: e for e in ev if e["ph"] == "s"}
    ends = {e["id"]: e for e in ev if e["ph"] == "f"}
    assert starts.keys() == ends.keys() and len(starts) == 3
    arrows = sorted((starts[i]["name"], starts[i]["tid"], ends[i]["tid"], ends[i]["ts"])
                    for i in starts)
    assert arrows == [("migrate A", 1, 2, 6.0), ("migrate C", 2, 1, 9.0),
                      ("wakeup C", 2, 1, 9.0)]
    assert all(e.get("bp") == "e" for e in ends.values())
    # Every flow end has a slice to bind to at its timestamp on its track.
    for f in list(starts.values()) + list(ends.values()):
        assert any(e["ph"] == "X" and e["tid"] == f["tid"] and e["pid"] == cpus and
                   e["ts"] <= f["ts"] <= e["ts"] + e["dur"] for e in ev)
    inst = sorted(e["name"] for e in ev if e["ph"] == "i")
    assert "miss C" in inst and "throttle C" in inst
    miss = next(e for e in ev if e["ph"] == "i" and e["name"] == "miss C")
    assert miss["args"]["lateness_ns"] == 1500 and miss["ts"] == 4.0
    assert all(isinstance(e["ts"], float) for e in ev if "ts" in e)


# ---- gantt ---------------------------------------------------------------------

def have_matplotlib():
    try:
        import matplotlib  # noqa: F401
        return True
    except ImportError:
        return False


@pytest.mark.skipif(not have_matplotlib(),
                    reason="matplotlib missing: apt-get install -y python3-matplotlib")
def test_gantt_png(tmp_path):
    out = tmp_path / "gantt.png"
    r = run("gantt", SAMPLE_LOG, "-o", out)
    assert r.returncode == 0, r.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 0
    w, h = struct.unpack(">II", data[16:24])
    assert (w, h) == (1400, 500)


@pytest.mark.skipif(not have_matplotlib(), reason="matplotlib missing")
def test_all(tmp_path):
    r = run("all", SAMPLE_SIM, "--outdir", tmp_path / "out")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("OK: ")
    for f in ("trace.json", "gantt.png", "summary.txt"):
        assert (tmp_path / "out" / f).stat().st_size > 0
    assert (tmp_path / "out/summary.txt").read_text() == run("summary", SAMPLE_SIM).stdout


# ---- robustness ----------------------------------------------------------------

BAD_INPUTS = {
    "no-trace": ("[ 0.1] cpu0: cohort: hello\n[ 0.2] cpu0: trace: on\n", "no trace found"),
    "empty": ("", "no trace found"),
    "truncated": ("[ 0.1] cpu0: trace: begin v2 cpus=1 events=1 dropped=0\n"
                  "[ 0.1] cpu0: trace: 0 0 switch -1 1 0\n", "truncated"),
    "garbage-in-block": ("trace: begin v2 cpus=1\ntrace: 0 0 switch -1 1 0\n"
                         "trace: \x00\x01 garbage!\ntrace: end\n", ":3: not a trace line"),
    "bad-number": ("trace: begin v2 cpus=1\ntrace: 0 0 switch -1 x 0\ntrace: end\n",
                   "tidB is not an integer"),
    "short-switch": ("trace: begin v2 cpus=1\ntrace: 0 0 switch -1\ntrace: end\n",
                     "needs"),
    "v3-log": ("trace: begin v3 cpus=1\ntrace: end\n", "v3 is not supported"),
    "v1-sim": ("# cohort-sched-trace v1 cpus=4\n0 0 switch -1 1 0\n", "v1 is not supported"),
    "sim-garbage": ("# cohort-sched-trace v2 cpus=1\n0 0 switch -1 1 0\nhello world\n",
                    ":3: not a trace line"),
    "no-cpus": ("# cohort-sched-trace v2\n0 0 switch -1 1 0\n", "cpus="),
    "no-events": ("trace: begin v2 cpus=1 events=0\ntrace: end\n", "no events"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
@pytest.mark.parametrize("cmd", ["check", "summary"])
def test_bad_input_clear_error(tmp_path, name, cmd):
    text, msg = BAD_INPUTS[name]
    r = run(cmd, write(tmp_path, "in.log", text))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("schedtrace: error: ") and msg in r.stderr, r.stderr


def test_missing_file():
    r = run("check", "/nonexistent/serial.log")
    assert r.returncode == 2 and "cannot read" in r.stderr and "Traceback" not in r.stderr


def test_truncated_last_block_falls_back_with_a_note(tmp_path):
    text = SAMPLE_LOG.read_text() + "[ 9.0] cpu0: trace: begin v2 cpus=2 events=9\n" \
        "[ 9.0] cpu0: trace: 0 0 switch -1 1 0\n"
    r = run("check", write(tmp_path, "in.log", text))
    assert r.returncode == 0, r.stderr
    assert "block 3 is truncated" in r.stderr and "using block 2" in r.stderr
    r = run("check", "--block", "3", tmp_path / "in.log")
    assert r.returncode == 2 and "truncated" in r.stderr


def test_stdin():
    r = run("check", "-", stdin=SAMPLE_SIM.read_text())
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(not have_matplotlib(), reason="matplotlib missing")
def test_gantt_window(tmp_path):
    out = tmp_path / "zoom.png"
    r = run("gantt", SAMPLE_SIM, "-o", out, "--start", "0.004", "--end", "0.01")
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = run("gantt", SAMPLE_SIM, "-o", out, "--start", "5", "--end", "1")
    assert r.returncode == 2 and "empty time window" in r.stderr


def test_dropped_events_end_each_cpu_at_its_last_event():
    # cpu0's ring filled at t=10 while thread 1 ran there; it runs on cpu1
    # later. With dropped=0 that is an unmatched switch-in; with dropped>0
    # cpu0's trace simply ends at its last event.
    block = ("trace: begin v2 cpus=2 events=5 dropped={d}\n"
             "trace: 0 0 switch -1 1 0\n"
             "trace: 10 0 timer 1 - 0\n"
             "trace: 0 1 switch -2 2 0\n"
             "trace: 20 1 switch 2 1 1\n"
             "trace: 30 1 timer 1 - 0\n"
             "trace: end\n")
    assert kinds(block.format(d=0)) == ["unmatched"]
    tr = ct.parse_text(block.format(d=7), "t")
    assert ct.check(tr) == []
    an = ct.analyse(tr)
    assert an.threads[1].run_ns == 10 + 10
    assert "7 events were dropped" in ct.summary_text(tr, an)
