# SPDX-License-Identifier: MIT
"""tools/schedtrace on real simulator traces: tools/schedsim --trace.

Skipped when tools/schedsim/build/schedsim is not built (make -C
tools/schedsim) or still writes a trace format other than v2.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEDSIM = ROOT / "tools/schedsim/build/schedsim"
SCENARIOS = ROOT / "tools/schedsim/scenarios"
TOOL = ROOT / "tools/schedtrace/schedtrace"
sys.path.insert(0, str(TOOL.parent))
import cohort_trace as ct  # noqa: E402

MAIN = sorted(SCENARIOS.glob("4cpu-5threads*"))
ALL = sorted(SCENARIOS.glob("*.sched"))


def simulate(scenario, tmp_path):
    if not SCHEDSIM.exists():
        pytest.skip(f"{SCHEDSIM.relative_to(ROOT)} is not built (make -C tools/schedsim)")
    trace = tmp_path / (scenario.stem + ".trace")
    r = subprocess.run([str(SCHEDSIM), "--trace", str(trace), "--no-table",
                        "--quiet", str(scenario)],
                       capture_output=True, text=True, timeout=300)
    if not trace.exists():
        pytest.skip(f"schedsim --trace wrote nothing (exit {r.returncode}): {r.stderr[-300:]}")
    first = trace.read_text().split("\n", 1)[0]
    if not first.startswith("# cohort-sched-trace v2"):
        pytest.skip(f"schedsim writes {first!r}, not trace format v2 yet")
    return trace, r


def stats_table(stdout):
    """The simulator's per-thread statistics: {name: {column: value}}."""
    lines = stdout.splitlines()
    for i, ln in enumerate(lines):
        cols = ln.split()
        if cols[:2] == ["thread", "class"]:
            rows = {}
            for row in lines[i + 1:]:
                f = row.split()
                if not f:
                    break
                if len(f) == len(cols):  # not e.g. "D3 refused: -16"
                    rows[f[0]] = dict(zip(cols, f))
            return rows
    return None


def same_counts_as_simulator(an, stdout):
    """The tool's per-thread counters equal the simulator's statistics
    (run and wait times differ: the trace ends at its last event, the
    simulation at its duration)."""
    table = stats_table(stdout)
    if table is None:
        return  # no table (format changed?): nothing to compare
    for t in an.threads.values():
        row = table.get(t.name)
        assert row is not None, (t.name, sorted(table))
        for col, got in (("migr", t.migrations), ("vol", t.voluntary),
                         ("invol", t.involuntary), ("miss", t.misses),
                         ("thrtl", t.throttles)):
            if col in row:
                assert int(row[col]) == got, (t.name, col, row, got)


def schedtrace(*args):
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("scenario", MAIN, ids=[p.stem for p in MAIN])
def test_schedsim_4cpu_5threads(scenario, tmp_path):
    trace, sim = simulate(scenario, tmp_path)
    r = schedtrace("check", trace)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("OK: ")
    tr = ct.load(trace)
    assert tr.ncpus == 4
    an = ct.analyse(tr)
    assert len(an.threads) == 5
    same_counts_as_simulator(an, sim.stdout)
    assert sum(t.migrations for t in an.threads.values()) == \
        sum(1 for e in tr.events if e.kind == "migrate")
    r = schedtrace("all", trace, "--outdir", tmp_path / "out")
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("scenario", ALL, ids=[p.stem for p in ALL])
def test_schedsim_scenarios_consistent(scenario, tmp_path):
    trace, sim = simulate(scenario, tmp_path)
    r = schedtrace("check", trace)
    assert r.returncode == 0, r.stdout + r.stderr
    same_counts_as_simulator(ct.analyse(ct.load(trace)), sim.stdout)
    # And the simulator's lines survive a round trip through the tool.
    tr = ct.load(trace)
    assert ct.parse_text(ct.to_sim_text(tr), "rt").events == tr.events
    assert re.match(r"OK: .*v2", r.stdout)
