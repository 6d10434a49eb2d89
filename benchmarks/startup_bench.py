"""How long a whole ``reconcile validate deliveries/`` process takes, start to exit.

Runs ``python -m reconciler validate deliveries/`` and ``python -c pass`` alternately, each
``--runs`` times in fresh processes, and prints both medians and their ratio. The command is the
one a CI job runs first on every push, so its start-up (imports, mostly) is most of its cost.

    python benchmarks/startup_bench.py [--runs 21] [--target 0.35] [-- extra validate args]

Exit status 0 when the median of ``validate`` is under ``--target`` seconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return time.perf_counter() - started


def measure(runs: int, validate: list[str]) -> tuple[list[float], list[float]]:
    """Alternate the two commands so that a busy moment on the machine hits both alike."""
    bare = [sys.executable, "-c", "pass"]
    command = [sys.executable, "-m", "reconciler", "validate", *validate]
    baseline: list[float] = []
    timed: list[float] = []
    run_once(command)  # warm the file cache and the bytecode cache first
    for _ in range(runs):
        baseline.append(run_once(bare))
        timed.append(run_once(command))
    return baseline, timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--target", type=float, default=0.35, help="seconds, median")
    parser.add_argument("validate", nargs="*", default=["deliveries/"])
    args = parser.parse_args()
    baseline, timed = measure(args.runs, args.validate)
    bare, command = statistics.median(baseline), statistics.median(timed)
    print(
        f"validate {' '.join(args.validate)}: median {command:.3f} s over {args.runs} runs "
        f"(min {min(timed):.3f}, max {max(timed):.3f}); python -c pass: median {bare:.3f} s; "
        f"ratio {command / bare:.1f}x (target: under {args.target:.2f} s)"
    )
    return 0 if command < args.target else 1


if __name__ == "__main__":
    sys.exit(main())
