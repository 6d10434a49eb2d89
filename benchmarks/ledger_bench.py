"""Benchmark the notify ledger's save with a long history: 365,000 ids per sink (a year of
notices at 1,000 a day), two sinks; one notice offered, delivered and saved at a time.

    python benchmarks/ledger_bench.py                 # 365k ids per sink, 50 saves
    python benchmarks/ledger_bench.py --ids 10000     # a small history, for comparison

It prints the median and p95 of one deliver-and-save, and how long taking over an old
``notify.json`` of that size took once (target: a save under 50 ms, whatever the history).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reconciler.manifest.notify_config import NOTICE_KINDS
from reconciler.notify.ledger import Ledger
from reconciler.notify.notices import Notice
from reconciler.notify.statedir import StateDir

SINKS = ("jsonl:decisions.jsonl", "http:https://billing.example/hook")


class Taker:
    on = frozenset(NOTICE_KINDS)

    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, notice: Notice) -> None:
        del notice


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ids", type=int, default=365_000, help="ids per sink already sent")
    parser.add_argument("--saves", type=int, default=50)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    history = {sink: [f"n{k:07d}" for k in range(args.ids)] for sink in SINKS}
    (root / "notify.json").write_text(json.dumps({"sent": history, "owed": {}}), "utf-8")
    sinks = [Taker(name) for name in SINKS]
    timings: list[float] = []
    with StateDir.open(root) as state:
        began = time.perf_counter()
        ledger = Ledger(state)
        took_over = time.perf_counter() - began
        for n in range(args.saves):
            document = {"id": f"new-{n}", "type": "acceptance", "seen_at": f"2026-03-01T{n:05d}"}
            ledger.offer([Notice(f"new-{n}", "acceptance", document)], sinks)
            started = time.perf_counter()
            ledger.deliver(sinks, now=datetime(2026, 3, 1, tzinfo=timezone.utc))
            timings.append(time.perf_counter() - started)
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"{args.ids:,} ids per sink, {len(SINKS)} sinks: deliver and save median "
        f"{statistics.median(timings) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms over {args.saves} "
        f"(target < 50 ms); taking over notify.json once: {took_over:.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
