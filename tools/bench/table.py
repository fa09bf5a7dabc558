#!/usr/bin/env python3
"""Prints the side-by-side table of tools/bench/run_all.sh.

    table.py RESULTS_DIR

Reads from RESULTS_DIR whatever run_all.sh produced:
  seedloop.json          Google Benchmark JSON of loop_bench (real backend)
  seedloop_virtual.json  the same on the virtual backend (optional)
  asyncio.json, uvloop.json   tools/bench/peers/asyncio_bench.py --json
  asio.json, libuv.json  the C++ peers' Google Benchmark JSON (optional)
and prints, per workload, the median items/s of each, the target from the
issue, and seedloop's (real backend) ratios to the target and to each peer.
"""

import json
import os
import sys

# name, unit, target items/s (issue: real backend, opt build); None: the
# issue set no target. TasksAwaitInTurn is the old TasksGather (the issue's
# 6M was measured against it before gather() existed).
WORKLOADS = [
    ("CallSoonChain", "callbacks/s", 150e6),
    ("Timers", "timers scheduled/s", 3e6),
    ("TasksGather", "tasks/s", 6e6),
    ("TasksAwaitInTurn", "tasks/s", 6e6),
    ("PingPong", "handoffs/s", 20e6),
    ("QueuePutGet", "items/s", None),
    ("LockContention", "acquisitions/s", None),
]


def load_google_benchmark(path):
    """name -> median items_per_second (or the single run's, without aggregates)."""
    with open(path) as f:
        data = json.load(f)
    out = {}
    singles = {}
    for b in data.get("benchmarks", []):
        name = b["run_name"].split("/")[0].removeprefix("BM_")
        rate = b.get("items_per_second")
        if rate is None:
            continue
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                out[name] = rate
        else:
            singles.setdefault(name, []).append(rate)
    for name, rates in singles.items():
        if name not in out:
            rates.sort()
            out[name] = rates[len(rates) // 2]
    return out


def load_peer(path):
    with open(path) as f:
        return {r["name"]: r["median_items_per_second"] for r in json.load(f)}


def fmt_rate(r):
    if r is None:
        return "-"
    if r >= 1e6:
        return f"{r / 1e6:.2f}M"
    return f"{r / 1e3:.0f}k"


def main():
    d = sys.argv[1]
    columns = []  # (title, {name: rate})
    for title, fname, loader in [
        ("seedloop", "seedloop.json", load_google_benchmark),
        ("seedloop(virtual)", "seedloop_virtual.json", load_google_benchmark),
        ("asio", "asio.json", load_google_benchmark),
        ("libuv", "libuv.json", load_google_benchmark),
        ("asyncio", "asyncio.json", load_peer),
        ("uvloop", "uvloop.json", load_peer),
    ]:
        path = os.path.join(d, fname)
        if os.path.exists(path):
            columns.append((title, loader(path)))
    if not columns or columns[0][0] != "seedloop":
        sys.exit("table.py: no seedloop.json in " + d)

    header = ["workload (items/s, median)", "target"] + [t for t, _ in columns] + ["vs target"]
    peers = [(t, c) for t, c in columns[1:] if t != "seedloop(virtual)"]
    header += [f"vs {t}" for t, _ in peers]
    rows = []
    for name, unit, target in WORKLOADS:
        ours = columns[0][1].get(name)
        row = [f"{name} ({unit})", fmt_rate(target)] + [fmt_rate(c.get(name)) for _, c in columns]
        row.append(f"{ours / target:.2f}x" if ours and target else "-")
        for _, c in peers:
            peer = c.get(name)
            row.append(f"{ours / peer:.1f}x" if ours and peer else "-")
        rows.append(row)
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(v).ljust(w) for v, w in zip(r, widths)) + " |")


if __name__ == "__main__":
    main()
