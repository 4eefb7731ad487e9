# SPDX-License-Identifier: MIT
"""Parsers for the result lines of the benchmark programs in esp/bin/,
shared by tools/bench/scale, tools/bench/user and tools/bench/linux. The
programs print the same lines under Cohort and under Linux, so one parser
serves both kernels' logs."""
import re
import statistics

PRIMES = re.compile(r"^primes: mode=(\w+) workers=(\d+) cpus=(\d+) n=(\d+) "
                    r"wall_us=(\d+) count=(\d+) (OK|WRONG|UNCHECKED) "
                    r"workers=(\S+) spans=(\S+)(?: t0_ns=(\d+))?", re.M)
UBENCH = re.compile(r"^(yield-1cpu|fork-wait|pipe-1cpu|pipe-2cpu)\s+(\d+)\s+"
                    r"(\d+)\s+(\d+)", re.M)
UBENCH_NAMES = ["yield-1cpu", "fork-wait", "pipe-1cpu", "pipe-2cpu"]
YIELD_CALLS = re.compile(r"^yield-1cpu: (\d+)% of sched_yield calls switched "
                         r"threads; (\d+) ns per call", re.M)
LATENCY = re.compile(r"^latency: mode=(\w+) cpus=(\d+) loops=(\d+) "
                     r"interval_us=(\d+) p50_us=(\d+) p99_us=(\d+) "
                     r"max_us=(\d+) (OK|EARLY)", re.M)


def primes_results(log):
    """Every primes result line in log, in order, as dicts."""
    out = []
    for m in PRIMES.finditer(log):
        workers = [w.split(":") for w in m[8].split(",")]
        cpus = [tuple(int(c) for c in w[1].split("@")[1].split("-"))
                for w in workers]
        spans = [tuple(int(x) for x in s.split("-")) for s in m[9].split(",")]
        out.append({"mode": m[1], "workers": int(m[2]),
                    "cpus_online": int(m[3]), "wall_us": int(m[5]),
                    "ok": m[7] == "OK", "cpus": cpus, "spans": spans,
                    "t0_ns": int(m[10]) if m[10] else None})
    return out


def ubench_results(log):
    """{benchmark name: median ns per operation} from ubench's table."""
    return {name: int(med) for name, med, _lo, _hi in UBENCH.findall(log)}


def yield_calls(log):
    """(percent of sched_yield calls that switched, ns per call) or None."""
    m = YIELD_CALLS.search(log)
    return (int(m[1]), int(m[2])) if m else None


def latency_results(log):
    """{mode: {"p50": us, "p99": us, "max": us, "ok": bool}}."""
    return {m[1]: {"p50": int(m[5]), "p99": int(m[6]), "max": int(m[7]),
                   "ok": m[8] == "OK"} for m in LATENCY.finditer(log)}


def spread(values, fmt="{:.3f}"):
    """'median [min-max]' of values, or '-' if there are none."""
    if not values:
        return "-"
    return (f"{fmt.format(statistics.median(values))} "
            f"[{fmt.format(min(values))}-{fmt.format(max(values))}]")
