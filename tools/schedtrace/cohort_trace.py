# SPDX-License-Identifier: MIT
"""Reading, analysing and drawing Cohort scheduler traces (format v2).

The format is described in docs/tracing.md. Two sources carry it:

- the kernel's serial log: a block of lines between `trace: begin v2 ...`
  and `trace: end`, each line possibly prefixed by anything before the
  `trace: ` marker, with unrelated log lines in between;
- the simulator's trace file (`tools/schedsim --trace FILE`): a header line
  `# cohort-sched-trace v2 cpus=N`, then the same lines without a marker.

Everything here is standard library except `write_gantt`, which imports
matplotlib when it is called (so the other subcommands work without it).
"""
import bisect
import heapq
import json
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

VERSION = 2
MARKER = "trace: "
SIM_HEADER = "# cohort-sched-trace"
CLASSES = ("deadline", "rt", "fair", "idle")
# Events this tool knows; others are kept (for re-serialisation) and ignored.
KNOWN_EVENTS = ("switch", "new", "class", "wakeup", "migrate", "timer", "ipi",
                "ipi_send", "miss", "throttle")


class TraceError(Exception):
    """A trace that cannot be read: the message is meant for the user."""


# ---- Data model ---------------------------------------------------------------

@dataclass
class Event:
    ns: int
    cpu: int
    kind: str
    a: Optional[int] = None      # tidA (None for "-")
    b: Optional[int] = None      # tidB
    arg: Optional[int] = None
    extra: Tuple[str, ...] = ()  # fields after arg (known events)
    # Unknown events: every field after the event name, verbatim.
    raw: Tuple[str, ...] = ()
    line: int = field(default=0, compare=False)  # line number in the source

    @property
    def known(self):
        return self.kind in KNOWN_EVENTS


@dataclass
class ThreadInfo:
    tid: int
    name: str
    cls: str
    line: int = field(default=0, compare=False)


@dataclass
class Trace:
    ncpus: int
    threads: Dict[int, ThreadInfo]   # from `thread` lines, in order
    events: List[Event]              # in source order
    declared_events: Optional[int] = None  # begin line's events=
    dropped: Optional[int] = None          # begin line's dropped=
    source: str = ""                       # file name, for messages
    form: str = "log"                      # "log" or "sim"
    block: int = 0                         # 1-based block number (log)
    nblocks: int = 0
    header_line: int = 0
    notes: List[str] = field(default_factory=list)  # warnings for stderr


# ---- Parsing ------------------------------------------------------------------

_INT = re.compile(r"[+-]?\d+\Z")


def _int(tok, what, where):
    if not _INT.match(tok):
        raise TraceError(f"{where}: {what} is not an integer: {tok!r}")
    return int(tok)


def _tid(tok, what, where):
    return None if tok == "-" else _int(tok, what, where)


def _keyvals(tokens):
    kv = {}
    for t in tokens:
        if "=" in t:
            k, _, v = t.partition("=")
            kv[k] = v
    return kv


def _version(tok, where):
    m = re.fullmatch(r"v(\d+)", tok or "")
    if not m:
        raise TraceError(f"{where}: no format version (expected 'v{VERSION}')")
    v = int(m.group(1))
    if v != VERSION:
        raise TraceError(
            f"{where}: trace format v{v} is not supported: this tool reads "
            f"v{VERSION} only" +
            (" (rebuild the kernel / schedsim that wrote it)" if v < VERSION
             else " (update tools/schedtrace)"))
    return v


def parse_body_line(text, where, threads, events, lineno):
    """One `thread ...` or event line (marker and prefix already removed)."""
    tok = text.split()
    if not tok:
        return
    if tok[0] == "thread":
        if len(tok) < 4:
            raise TraceError(f"{where}: thread line needs '<tid> <name> <class>': {text!r}")
        tid = _int(tok[1], "tid", where)
        threads[tid] = ThreadInfo(tid, tok[2], tok[3], lineno)
        return
    if len(tok) < 3:
        raise TraceError(f"{where}: not a trace line: {text!r}")
    ns = _int(tok[0], "time", where)
    if ns < 0:
        raise TraceError(f"{where}: negative time: {text!r}")
    cpu = _int(tok[1], "cpu", where)
    if cpu < 0:
        raise TraceError(f"{where}: negative cpu: {text!r}")
    kind = tok[2]
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", kind):
        raise TraceError(f"{where}: not a trace line: {text!r}")
    if kind not in KNOWN_EVENTS:
        events.append(Event(ns, cpu, kind, raw=tuple(tok[3:]), line=lineno))
        return
    if len(tok) < 6:
        raise TraceError(f"{where}: '{kind}' needs '<tidA|-> <tidB|-> <arg>': {text!r}")
    a = _tid(tok[3], "tidA", where)
    b = _tid(tok[4], "tidB", where)
    arg = _int(tok[5], "arg", where)
    events.append(Event(ns, cpu, kind, a, b, arg, tuple(tok[6:]), line=lineno))


def _read_text(path):
    if path == "-":
        import sys
        return sys.stdin.buffer.read().decode("utf-8", "replace"), "<stdin>"
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise TraceError(f"cannot read {path}: {e.strerror or e}") from None
    return data.decode("utf-8", "replace"), str(path)


def load(path, block=None):
    """Read a trace from a kernel log or a simulator trace file."""
    text, name = _read_text(path)
    return parse_text(text, name, block)


def parse_text(text, name="<trace>", block=None):
    lines = text.splitlines()
    for ln in lines:
        if ln.strip():
            if ln.lstrip().startswith(SIM_HEADER):
                if block is not None:
                    raise TraceError(f"{name}: --block applies to kernel logs; "
                                     "this is a simulator trace file")
                return _parse_sim(lines, name)
            break
    return _parse_log(lines, name, block)


def _parse_sim(lines, name):
    threads, events = {}, []
    header = None
    for i, ln in enumerate(lines, 1):
        s = ln.strip()
        if not s:
            continue
        where = f"{name}:{i}"
        if header is None:
            tok = s[len(SIM_HEADER):].split()
            _version(tok[0] if tok else None, where)
            kv = _keyvals(tok[1:])
            if "cpus" not in kv:
                raise TraceError(f"{where}: header has no cpus=N")
            header = (_int(kv["cpus"], "cpus", where), i)
            continue
        if s.startswith("#"):
            continue
        parse_body_line(s, where, threads, events, i)
    ncpus, hl = header
    return Trace(ncpus, threads, events, source=name, form="sim",
                 header_line=hl)


@dataclass
class _Block:
    begin: int                    # line number of the begin line
    header: str                   # text after "trace: begin"
    body: List[Tuple[int, str]] = field(default_factory=list)
    end: Optional[int] = None     # line number of the end line
    end_text: str = ""


def scan_blocks(lines):
    """Split a log into trace blocks (complete or not)."""
    blocks, cur = [], None
    for i, ln in enumerate(lines, 1):
        k = ln.find(MARKER)
        if k < 0:
            continue
        payload = ln[k + len(MARKER):].strip()
        word = payload.split(" ", 1)[0]
        if word == "begin":
            cur = _Block(i, payload[len("begin"):].strip())
            blocks.append(cur)
        elif cur is None:
            continue  # "trace: on, ..." and other messages outside a block
        elif word == "end":
            cur.end, cur.end_text = i, payload
            cur = None
        else:
            cur.body.append((i, payload))
    return blocks


def _parse_log(lines, name, block):
    blocks = scan_blocks(lines)
    if not blocks:
        raise TraceError(f"{name}: no trace found (no 'trace: begin v{VERSION} "
                         "...' line, and not a '# cohort-sched-trace' file)")
    notes = []
    if block is None:
        complete = [i for i, b in enumerate(blocks) if b.end is not None]
        if not complete:
            b = blocks[-1]
            raise TraceError(
                f"{name}:{b.begin}: the trace block is truncated: no "
                f"'trace: end' (the log ends at line {len(lines)})")
        idx = complete[-1]
        for j in range(idx + 1, len(blocks)):
            notes.append(f"{name}:{blocks[j].begin}: block {j + 1} is truncated "
                         f"(no 'trace: end'); using block {idx + 1}")
    else:
        idx = block - 1 if block > 0 else len(blocks) + block
        if not 0 <= idx < len(blocks) or block == 0:
            raise TraceError(f"{name}: no block {block}: the log has "
                             f"{len(blocks)} trace block(s)")
        if blocks[idx].end is None:
            raise TraceError(f"{name}:{blocks[idx].begin}: block {block} is "
                             "truncated: no 'trace: end'")
    b = blocks[idx]
    where = f"{name}:{b.begin}"
    tok = b.header.split()
    _version(tok[0] if tok else None, where)
    kv = _keyvals(tok[1:])
    if "cpus" not in kv:
        raise TraceError(f"{where}: begin line has no cpus=N")
    ncpus = _int(kv["cpus"], "cpus", where)
    declared = _int(kv["events"], "events", where) if "events" in kv else None
    dropped = _int(kv["dropped"], "dropped", where) if "dropped" in kv else None
    threads, events = {}, []
    for i, payload in b.body:
        parse_body_line(payload, f"{name}:{i}", threads, events, i)
    return Trace(ncpus, threads, events, declared, dropped, name, "log",
                 idx + 1, len(blocks), b.begin, notes)


# ---- Serialising ----------------------------------------------------------------

def _t(tid):
    return "-" if tid is None else str(tid)


def format_event(e):
    if not e.known:
        return " ".join([str(e.ns), str(e.cpu), e.kind, *e.raw])
    return " ".join([str(e.ns), str(e.cpu), e.kind, _t(e.a), _t(e.b),
                     str(e.arg), *e.extra])


def body_lines(trace):
    out = [f"thread {t.tid} {t.name} {t.cls}" for t in trace.threads.values()]
    out += [format_event(e) for e in trace.events]
    return out


def to_sim_text(trace):
    return "\n".join([f"{SIM_HEADER} v{VERSION} cpus={trace.ncpus}",
                      *body_lines(trace)]) + "\n"


def to_log_text(trace, prefix=""):
    head = f"begin v{VERSION} cpus={trace.ncpus} events={len(trace.events)}"
    head += f" dropped={trace.dropped or 0}"
    lines = [head, *body_lines(trace), "end"]
    return "".join(f"{prefix}{MARKER}{ln}\n" for ln in lines)


# ---- Analysis -------------------------------------------------------------------

@dataclass
class Interval:
    tid: int
    cpu: int
    start: int
    end: int
    cls: str
    line_in: int            # 0: running since before the trace (leading)
    line_out: int           # 0: still running when the trace ends
    mismatch: bool = False  # ended by a switch whose prev was someone else

    @property
    def open_end(self):
        return self.line_out == 0


@dataclass
class ThreadStats:
    tid: int
    name: str
    cls: str
    run_ns: int = 0
    wait_ns: int = 0
    switches_in: int = 0
    voluntary: int = 0
    involuntary: int = 0
    migrations: int = 0
    wakeups: int = 0
    misses: int = 0
    throttles: int = 0


@dataclass
class CpuStats:
    cpu: int
    busy_ns: int = 0
    switches: int = 0
    migrations_in: int = 0
    timers: int = 0
    ipis: int = 0
    events: int = 0


@dataclass
class Analysis:
    trace: Trace
    start: int                     # first event's time
    end: int                       # last event's time
    cpu_end: Dict[int, int]        # where open runs on each CPU are closed
    ncpus: int                     # rows to draw: max(cpus=, highest cpu + 1)
    intervals: List[Interval]      # run intervals, per CPU in time order
    waits: List[Tuple[int, int, int]]  # (tid, start, end): runnable, not running
    threads: Dict[int, ThreadStats]
    cpus: Dict[int, CpuStats]
    names: Dict[int, str]
    classes: Dict[int, str]        # final class per tid
    problems: List[str]            # found while replaying (prev mismatches)

    def name(self, tid):
        return self.names.get(tid, f"tid{tid}")

    def label(self, tid):
        return f"{self.name(tid)} ({tid})"


def is_idle_tid(tid):
    return tid is not None and tid < 0


def fmt_ns(ns):
    """Nanoseconds as milliseconds with full precision."""
    return f"{ns / 1e6:.6f} ms"


class _Classes:
    """Class of each thread over time, from thread lines, new and class."""

    def __init__(self, trace):
        self.base = {t.tid: t.cls for t in trace.threads.values()}
        self.changes: Dict[int, List[Tuple[int, str]]] = {}
        for e in sorted((e for e in trace.events
                         if e.kind in ("new", "class") and e.a is not None
                         and len(e.extra) >= 2), key=lambda e: e.ns):
            self.changes.setdefault(e.a, []).append((e.ns, e.extra[1]))

    def at(self, tid, ns):
        ch = self.changes.get(tid)
        if ch:
            i = bisect.bisect_right([c[0] for c in ch], ns) - 1
            if i >= 0:
                return ch[i][1]
            if tid not in self.base:
                return ch[0][1]
        if tid in self.base:
            return self.base[tid]
        return "idle" if is_idle_tid(tid) else "?"

    def final(self, tid):
        ch = self.changes.get(tid)
        return ch[-1][1] if ch else self.at(tid, 0)


def analyse(trace):
    ev = trace.events
    if not any(e.known for e in ev):
        raise TraceError(f"{trace.source}: the trace has no events")
    start = min(e.ns for e in ev)
    end = max(e.ns for e in ev)
    ncpus = max([trace.ncpus] + [e.cpu + 1 for e in ev])
    classes = _Classes(trace)

    names = {}
    for c in range(ncpus):
        names[-1 - c] = f"idle{c}"
    for e in ev:
        if e.kind in ("new", "class") and e.a is not None and e.extra:
            names.setdefault(e.a, e.extra[0])
    for t in trace.threads.values():
        names[t.tid] = t.name

    per_cpu: Dict[int, List[Event]] = {}
    for e in ev:
        per_cpu.setdefault(e.cpu, []).append(e)
    # Open runs end at the trace's end. When events were dropped, a CPU's
    # ring stopped early and nothing is known after its last event.
    last = {c: max(x.ns for x in es) for c, es in per_cpu.items()}
    cpu_end = {c: (last.get(c, end) if trace.dropped else end)
               for c in range(ncpus)}

    intervals, problems = [], []
    cpus = {c: CpuStats(c) for c in range(ncpus)}
    for c in sorted(per_cpu):
        cur = None  # (tid, start, line_in)
        for e in per_cpu[c]:
            cs = cpus[c]
            cs.events += 1
            if e.kind == "timer":
                cs.timers += 1
            elif e.kind == "ipi":
                cs.ipis += 1
            elif e.kind == "migrate":
                cs.migrations_in += 1
            if e.kind != "switch":
                continue
            cs.switches += 1
            prev, nxt = e.a, e.b
            if cur is not None:
                tid, s, lin = cur
                bad = prev != tid
                if bad:
                    problems.append(
                        f"prev: cpu{c} line {e.line} t={fmt_ns(e.ns)}: switch "
                        f"prev is {_lbl(names, prev)}, but {_lbl(names, tid)} "
                        f"was switched in there at t={fmt_ns(s)} (line {lin}) "
                        "and not switched out")
                intervals.append(Interval(tid, c, s, e.ns, classes.at(tid, s),
                                          lin, e.line, bad))
            elif prev is not None and e.ns > start:
                # Known to be running since before the trace began.
                intervals.append(Interval(prev, c, start, e.ns,
                                          classes.at(prev, start), 0, e.line))
            cur = (nxt, e.ns, e.line) if nxt is not None else None
        if cur is not None:
            tid, s, lin = cur
            intervals.append(Interval(tid, c, s, max(s, cpu_end[c]),
                                      classes.at(tid, s), lin, 0))

    threads: Dict[int, ThreadStats] = {}

    def st(tid):
        if tid not in threads:
            threads[tid] = ThreadStats(tid, names.get(tid, f"tid{tid}"),
                                       classes.final(tid))
        return threads[tid]

    for t in trace.threads:
        if not is_idle_tid(t) and trace.threads[t].cls != "idle":
            st(t)
    for iv in intervals:
        if not is_idle_tid(iv.tid):
            st(iv.tid).run_ns += iv.end - iv.start
            if iv.cls != "idle":
                cpus[iv.cpu].busy_ns += iv.end - iv.start

    waits = _replay_states(ev, end, st)
    for tid in list(threads):
        if classes.final(tid) == "idle":
            del threads[tid]
    return Analysis(trace, start, end, cpu_end, ncpus, intervals, waits,
                    dict(sorted(threads.items())), cpus, names,
                    {t: classes.final(t) for t in names}, problems)


def _lbl(names, tid):
    if tid is None:
        return "-"
    return f"{names.get(tid, f'tid{tid}')} ({tid})"


def _replay_states(events, end, st):
    """Per-thread states in global time order: run/wait/blocked accounting.

    A thread switched out is "pending" until the trace tells what it was:
    a wakeup means it had blocked (voluntary switch, waiting from the
    wakeup on); being switched in again without a wakeup means it stayed
    runnable (involuntary, waiting all along). Only when the trace ends
    first does the switch's state argument decide: a value that this trace
    showed to mean "stayed runnable" (or "blocked") elsewhere means that
    again; otherwise 0 = runnable (the v2 spec). So the numbers do not
    depend on how a producer encodes the state.
    """
    # Each CPU's events stay in their order (a switch: the switch-out, then
    # the switch-in); CPUs are merged by time, and at equal times by their
    # order in the source (the simulator writes events in the order they
    # happen; the kernel's clock makes equal times across CPUs rare).
    streams: Dict[int, list] = {}
    for i, e in enumerate(events):
        s = streams.setdefault(e.cpu, [])
        if e.kind == "switch":
            if e.a is not None and not is_idle_tid(e.a):
                s.append((e.ns, i, "out", e.a, e))
            if e.b is not None and not is_idle_tid(e.b):
                s.append((e.ns, i, "in", e.b, e))
        elif e.kind in ("new", "wakeup", "migrate", "miss", "throttle") \
                and e.a is not None and not is_idle_tid(e.a):
            s.append((e.ns, i, e.kind, e.a, e))
    heap = [(s[0][0], s[0][1], c, 0) for c, s in streams.items() if s]
    heapq.heapify(heap)
    micro = []
    while heap:
        _, _, c, k = heapq.heappop(heap)
        micro.append(streams[c][k])
        if k + 1 < len(streams[c]):
            n = streams[c][k + 1]
            heapq.heappush(heap, (n[0], n[1], c, k + 1))

    state: Dict[int, tuple] = {}  # tid -> ("run",) / ("wait", since) /
    waits = []                    # ("pending", since, arg) / ("blocked",)
    seen_runnable, seen_blocked = set(), set()
    for ns, _, what, tid, e in micro:
        s = st(tid)
        cur = state.get(tid, ("unknown",))
        if what == "in":
            s.switches_in += 1
            if cur[0] == "wait":
                s.wait_ns += ns - cur[1]
                waits.append((tid, cur[1], ns))
            elif cur[0] == "pending":
                s.involuntary += 1
                s.wait_ns += ns - cur[1]
                waits.append((tid, cur[1], ns))
                seen_runnable.add(cur[2])
            state[tid] = ("run",)
        elif what == "out":
            state[tid] = ("pending", ns, e.arg)
        elif what in ("new", "wakeup"):
            if what == "wakeup":
                s.wakeups += 1
            if cur[0] == "pending":
                s.voluntary += 1
                seen_blocked.add(cur[2])
                state[tid] = ("wait", ns)
            elif cur[0] in ("unknown", "blocked"):
                state[tid] = ("wait", ns)
        elif what == "migrate":
            s.migrations += 1
        elif what == "miss":
            s.misses += 1
        elif what == "throttle":
            s.throttles += 1
    for tid, cur in state.items():
        s = st(tid)
        if cur[0] == "wait":
            s.wait_ns += end - cur[1]
            waits.append((tid, cur[1], end))
        elif cur[0] == "pending":
            st_ = cur[2]
            if (st_ in seen_runnable) != (st_ in seen_blocked):
                runnable = st_ in seen_runnable
            else:
                runnable = st_ == 0
            if runnable:
                s.involuntary += 1
                s.wait_ns += end - cur[1]
                waits.append((tid, cur[1], end))
            else:
                s.voluntary += 1
    waits.sort(key=lambda w: (w[1], w[0]))
    return waits


# ---- check ------------------------------------------------------------------------

def check(trace, an=None):
    """Consistency problems, one line each (empty: consistent)."""
    an = an or analyse(trace)
    problems = []
    if trace.declared_events is not None and \
            trace.declared_events != len(trace.events):
        problems.append(
            f"count: the begin line (line {trace.header_line}) says "
            f"events={trace.declared_events} but the block has "
            f"{len(trace.events)} event lines")
    last: Dict[int, Event] = {}
    for e in trace.events:
        if e.cpu >= trace.ncpus:
            problems.append(f"cpu: line {e.line}: event on cpu{e.cpu}, but the "
                            f"trace has cpus={trace.ncpus}")
        p = last.get(e.cpu)
        if p is not None and e.ns < p.ns:
            problems.append(
                f"time: cpu{e.cpu} line {e.line}: t={fmt_ns(e.ns)} is before "
                f"the previous cpu{e.cpu} event at t={fmt_ns(p.ns)} (line {p.line})")
        last[e.cpu] = e
    problems += an.problems

    by_tid: Dict[int, List[Interval]] = {}
    for iv in an.intervals:
        by_tid.setdefault(iv.tid, []).append(iv)
    for tid, ivs in sorted(by_tid.items()):
        ivs.sort(key=lambda iv: (iv.start, iv.cpu))
        # A run never switched out, while the thread later runs elsewhere.
        unmatched = set()
        for i, iv in enumerate(ivs):
            if not iv.open_end:
                continue
            # (With dropped events, a CPU's trace may stop early: only a run
            # elsewhere before that CPU's last event is a contradiction.)
            later = [j for j in ivs[i + 1:] if j.cpu != iv.cpu and
                     j.start > iv.start and
                     (not trace.dropped or j.start < iv.end)]
            if later:
                j = later[0]
                unmatched.add(id(iv))
                problems.append(
                    f"unmatched: {an.label(tid)} switched in on cpu{iv.cpu} at "
                    f"t={fmt_ns(iv.start)} (line {iv.line_in}) is never switched "
                    f"out there, but is switched in on cpu{j.cpu} at "
                    f"t={fmt_ns(j.start)} (line {j.line_in})")
        active = None  # the interval reaching furthest so far
        for iv in ivs:
            if id(iv) in unmatched:
                continue
            if active is not None and iv.cpu != active.cpu and \
                    iv.start < active.end and active.start < iv.end:
                problems.append(
                    f"overlap: {an.label(tid)} runs on cpu{active.cpu} "
                    f"[{fmt_ns(active.start)}, {fmt_ns(active.end)}] "
                    f"(lines {_lines(active)}) and on cpu{iv.cpu} from "
                    f"t={fmt_ns(iv.start)} (line {iv.line_in})")
            if active is None or iv.end > active.end:
                active = iv
    return problems


def _lines(iv):
    a = str(iv.line_in) if iv.line_in else "before the trace"
    b = str(iv.line_out) if iv.line_out else "end"
    return f"{a}-{b}"


# ---- summary ---------------------------------------------------------------------

def _us(ns):
    return f"{ns / 1000:.3f}"


def _table(header, rows):
    w = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    out = []
    for r in [header, *rows]:
        cells = [str(x).rjust(w[i]) if i and _numeric(x) else str(x).ljust(w[i])
                 for i, x in enumerate(r)]
        out.append("  ".join(cells).rstrip())
    return out


def _numeric(x):
    return isinstance(x, (int, float)) or bool(re.fullmatch(r"-?[\d.]+%?", str(x)))


def describe(trace, an):
    where = trace.source
    if trace.form == "log":
        where += f" block {trace.block} of {trace.nblocks}"
    s = (f"{where}: v{VERSION}, {trace.ncpus} cpus, {len(trace.events)} events")
    if trace.dropped is not None:
        s += f", {trace.dropped} dropped"
    return s + f", {fmt_ns(an.start)} to {fmt_ns(an.end)}"


def summary_text(trace, an=None):
    an = an or analyse(trace)
    span = an.end - an.start
    out = [describe(trace, an), ""]
    if trace.dropped:
        out += [f"note: {trace.dropped} events were dropped (a CPU's buffer "
                "filled): each CPU's runs end at its last recorded event", ""]
    out.append("threads (times in us; wait = runnable but not running)")
    rows = [[t.tid, t.name, t.cls, _us(t.run_ns), _us(t.wait_ns),
             t.switches_in, t.voluntary, t.involuntary, t.migrations,
             t.misses, t.throttles] for t in an.threads.values()]
    out += _table(["tid", "name", "class", "run_us", "wait_us", "sw_in",
                   "vol", "invol", "migr", "miss", "thrtl"], rows)
    out += ["", f"cpus (busy = running a non-idle thread, of {_us(span)} us)"]
    rows = [[c.cpu, f"{100.0 * c.busy_ns / span if span else 0.0:.2f}%",
             _us(c.busy_ns), c.switches, c.migrations_in, c.timers, c.ipis]
            for c in an.cpus.values()]
    out += _table(["cpu", "busy", "busy_us", "switches", "migr_in", "timers",
                   "ipis"], rows)
    return "\n".join(out) + "\n"


def summary_json(trace, an=None):
    an = an or analyse(trace)
    return {
        "start_ns": an.start, "end_ns": an.end, "cpus_declared": trace.ncpus,
        "events": len(trace.events), "dropped": trace.dropped,
        "threads": [vars(t) for t in an.threads.values()],
        "cpus": [dict(vars(c), busy_pct=(100.0 * c.busy_ns / (an.end - an.start)
                                         if an.end > an.start else 0.0))
                 for c in an.cpus.values()],
    }


# ---- Perfetto / Chrome trace JSON ---------------------------------------------------

# JSON pids and tids are chosen never to collide (Perfetto keys threads by
# tid, and treats tid 0 specially): CPU n is tid n + 1 in pid 100, thread
# t is tid 1000000 + t in pid 200.
CPU_PID, THREAD_PID = 100, 200
THREAD_TID_BASE = 1000000


def cpu_track(cpu):
    return cpu + 1


def thread_track(tid):
    return THREAD_TID_BASE + tid if tid >= 0 else None


def perfetto(trace, an=None, threads_process=True):
    an = an or analyse(trace)
    t0 = an.start

    def us(ns):
        return round((ns - t0) / 1000.0, 3)

    out = [{"name": "process_name", "ph": "M", "pid": CPU_PID, "tid": 0,
            "args": {"name": "cpus"}},
           {"name": "process_sort_index", "ph": "M", "pid": CPU_PID, "tid": 0,
            "args": {"sort_index": 0}}]
    for c in range(an.ncpus):
        out.append({"name": "thread_name", "ph": "M", "pid": CPU_PID,
                    "tid": cpu_track(c), "args": {"name": f"cpu{c}"}})
        out.append({"name": "thread_sort_index", "ph": "M", "pid": CPU_PID,
                    "tid": cpu_track(c), "args": {"sort_index": c}})
    for iv in an.intervals:
        if iv.cls == "idle" or is_idle_tid(iv.tid):
            continue
        out.append({"name": an.name(iv.tid), "cat": iv.cls, "ph": "X",
                    "pid": CPU_PID, "tid": cpu_track(iv.cpu), "ts": us(iv.start),
                    "dur": round((iv.end - iv.start) / 1000.0, 3),
                    "args": {"tid": iv.tid, "class": iv.cls, "cpu": iv.cpu}})

    flow_id = 0

    def flow(name, cat, e, src, dst, args):
        # Zero-length marker slices give both ends of the arrow a slice to
        # bind to, even on an idle CPU (no run slice there).
        nonlocal flow_id
        ts = us(e.ns)
        if src == dst:  # no arrow from a track to itself: a marker only
            out.append({"name": name, "cat": cat, "ph": "i", "s": "t",
                        "pid": CPU_PID, "tid": cpu_track(src), "ts": ts,
                        "args": args})
            return
        flow_id += 1
        for phase, cpu, label in (("s", src, name), ("f", dst, f"{name} in")):
            out.append({"name": label, "cat": cat, "ph": "X", "pid": CPU_PID,
                        "tid": cpu_track(cpu), "ts": ts, "dur": 0, "args": args})
            f = {"name": name, "cat": cat, "ph": phase, "id": flow_id,
                 "pid": CPU_PID, "tid": cpu_track(cpu), "ts": ts}
            if phase == "f":
                f["bp"] = "e"
            out.append(f)

    for e in trace.events:
        if not e.known:
            continue
        who = an.name(e.a) if e.a is not None else "-"
        if e.kind in ("wakeup", "new"):
            flow(f"{e.kind} {who}", e.kind, e, e.cpu, e.arg,
                 {"tid": e.a, "from_cpu": e.cpu, "to_cpu": e.arg})
        elif e.kind == "migrate":
            flow(f"migrate {who}", "migrate", e, e.arg, e.cpu,
                 {"tid": e.a, "from_cpu": e.arg, "to_cpu": e.cpu})
        elif e.kind in ("miss", "throttle"):
            key = "lateness_ns" if e.kind == "miss" else "arg"
            out.append({"name": f"{e.kind} {who}", "cat": e.kind, "ph": "i",
                        "s": "t", "pid": CPU_PID, "tid": cpu_track(e.cpu),
                        "ts": us(e.ns), "args": {"tid": e.a, key: e.arg}})

    if threads_process:
        out += [{"name": "process_name", "ph": "M", "pid": THREAD_PID, "tid": 0,
                 "args": {"name": "threads"}},
                {"name": "process_sort_index", "ph": "M", "pid": THREAD_PID,
                 "tid": 0, "args": {"sort_index": 1}}]
        for t in an.threads.values():
            tr = thread_track(t.tid)
            if tr is None:
                continue
            out.append({"name": "thread_name", "ph": "M", "pid": THREAD_PID,
                        "tid": tr, "args": {"name": f"{t.name} ({t.cls})"}})
            out.append({"name": "thread_sort_index", "ph": "M",
                        "pid": THREAD_PID, "tid": tr, "args": {"sort_index": t.tid}})
        for iv in an.intervals:
            tr = thread_track(iv.tid) if iv.tid in an.threads else None
            if tr is not None:
                out.append({"name": f"cpu{iv.cpu}", "cat": "running", "ph": "X",
                            "pid": THREAD_PID, "tid": tr, "ts": us(iv.start),
                            "dur": round((iv.end - iv.start) / 1000.0, 3),
                            "args": {"cpu": iv.cpu, "class": iv.cls}})
        for tid, s, e in an.waits:
            tr = thread_track(tid) if tid in an.threads else None
            if tr is not None and e > s:
                out.append({"name": "runnable", "cat": "waiting", "ph": "X",
                            "pid": THREAD_PID, "tid": tr, "ts": us(s),
                            "dur": round((e - s) / 1000.0, 3), "args": {}})
    return {"traceEvents": out, "displayTimeUnit": "ns",
            "otherData": {"source": trace.source, "format": f"cohort-sched-trace v{VERSION}",
                          "cpus": trace.ncpus, "start_ns": an.start,
                          "dropped": trace.dropped}}


def write_perfetto(trace, path, an=None):
    data = perfetto(trace, an)
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    return data


# ---- Gantt chart --------------------------------------------------------------------

HATCH = {"deadline": "///", "rt": "xx", "fair": "", "idle": ""}
LEGEND_MAX = 24


def write_gantt(trace, path, an=None, start_ms=None, end_ms=None,
                width_px=1400, height_px=500, dpi=100):
    """PNG Gantt chart; start_ms/end_ms (from the first event) zoom in."""
    an = an or analyse(trace)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
    except ImportError:
        raise TraceError("gantt needs matplotlib: apt-get install -y "
                         "python3-matplotlib, and run with /usr/bin/python3") from None

    t0 = an.start
    lo = 0.0 if start_ms is None else start_ms
    hi = (an.end - t0) / 1e6 if end_ms is None else end_ms
    if hi <= lo:
        raise TraceError(f"gantt: empty time window {lo} to {hi} ms")
    span_ms = max(hi - lo, 1e-6)
    lo_ns, hi_ns = t0 + lo * 1e6, t0 + hi * 1e6
    tids = sorted(an.threads)
    # Ten distinct hues first, then their light variants, then more.
    tab20 = plt.get_cmap("tab20")
    palette = [tab20(i) for i in range(0, 20, 2)] + \
              [tab20(i) for i in range(1, 20, 2)] + \
              [plt.get_cmap("tab20b")(i) for i in range(20)]
    colour = {tid: palette[i % len(palette)] for i, tid in enumerate(tids)}

    fig = plt.figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    ax = fig.add_axes([0.06, 0.12, 0.70, 0.78])
    rows = an.ncpus
    bars: Dict[Tuple[int, int, str], List[Tuple[float, float]]] = {}
    for iv in an.intervals:
        if iv.tid not in an.threads or iv.cls == "idle" or iv.end <= iv.start:
            continue
        s_, e_ = max(iv.start, lo_ns), min(iv.end, hi_ns)
        if e_ <= s_:
            continue
        bars.setdefault((iv.cpu, iv.tid, iv.cls), []).append(
            ((s_ - t0) / 1e6, (e_ - s_) / 1e6))
    # Many narrow bars: no white borders (they would wash the colours out).
    dense = sum(len(xs) for xs in bars.values()) > width_px // 4
    matplotlib.rcParams["hatch.color"] = "white"
    for (cpu, tid, cls), xs in sorted(bars.items()):
        y = rows - 1 - cpu
        style = {"linewidth": 0} if dense else \
            {"edgecolor": "white", "linewidth": 0.4}
        ax.broken_barh(xs, (y - 0.4, 0.8), facecolors=colour[tid],
                       hatch=HATCH.get(cls, ".."), **style)
        for x, w in xs:
            if w >= span_ms * 0.04:
                ax.text(x + w / 2, y, an.name(tid), ha="center", va="center",
                        fontsize=7, clip_on=True)
    for e in trace.events:
        if e.kind in ("miss", "throttle") and e.cpu < rows and \
                lo_ns <= e.ns <= hi_ns:
            y = rows - 1 - e.cpu
            ax.plot([(e.ns - t0) / 1e6], [y + 0.45],
                    marker="v" if e.kind == "miss" else "|",
                    color="red" if e.kind == "miss" else "black",
                    markersize=7, linestyle="none", clip_on=False)
    ax.set_yticks(range(rows))
    ax.set_yticklabels([f"cpu{rows - 1 - i}" for i in range(rows)])
    ax.set_ylim(-0.6, rows - 0.4)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("time (ms, from the first event)")
    ax.grid(axis="x", linestyle=":", linewidth=0.5)
    ax.set_title(describe(trace, an), fontsize=9)

    # The legend keeps deadline/rt threads first, then the busiest.
    order = sorted(tids, key=lambda t: (an.threads[t].cls == "fair",
                                        -an.threads[t].run_ns))
    shown = sorted(order[:LEGEND_MAX])
    # Colour = thread (legend: its final class); hatch = the class a run
    # had when it was switched in (a thread can change class).
    handles = [Patch(facecolor=colour[t], edgecolor="none",
                     label=f"{an.threads[t].name} ({an.threads[t].cls}, tid {t})")
               for t in shown]
    if len(tids) > LEGEND_MAX:
        handles.append(Patch(facecolor="none", edgecolor="none",
                             label=f"... {len(tids) - LEGEND_MAX} more"))
    used = sorted({cls for (_, _, cls) in bars},
                  key=lambda c: CLASSES.index(c) if c in CLASSES else 9)
    for cls in used:
        handles.append(Patch(facecolor="white", edgecolor="black",
                             hatch=HATCH.get(cls, ".."), label=f"class {cls}"))
    if any(e.kind in ("miss", "throttle") for e in trace.events):
        handles.append(Patch(facecolor="none", edgecolor="none",
                             label="red v: deadline miss, | throttle"))
    ncol = 1 if len(handles) <= 14 else 2
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize=7, ncol=ncol, frameon=False)
    fig.savefig(path, dpi=dpi, format="png")
    plt.close(fig)
