"""How long a whole ``reconcile validate deliveries/`` process takes, start to exit.

Runs ``python -m reconciler validate deliveries/``, ``python -c pass`` and ``python -c "import
box_sdk_gen"`` in turn, each ``--runs`` times in fresh processes, and prints the medians and the
ratios. The command is the one a CI job runs first on every push, so its start-up (imports,
mostly) is most of its cost; it must not load the SDK, so the whole ``validate`` process should
take less than importing the SDK alone does.

    python benchmarks/startup_bench.py [--runs 21] [--ratio 0.8] [-- extra validate args]

Exit status 0 when the median of ``validate`` is at most ``--ratio`` times the median of the
SDK's import.
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


def measure(runs: int, commands: dict[str, list[str]]) -> dict[str, list[float]]:
    """Run the commands in turn, so that a busy moment on the machine hits all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():
        run_once(argv)  # warm the file cache and the bytecode cache first
    for _ in range(runs):
        for name, argv in commands.items():
            times[name].append(run_once(argv))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--ratio", type=float, default=0.8, help="validate / SDK import, medians")
    parser.add_argument("validate", nargs="*", default=["deliveries/"])
    args = parser.parse_args()
    commands = {
        "validate": [sys.executable, "-m", "reconciler", "validate", *args.validate],
        "python -c pass": [sys.executable, "-c", "pass"],
        "import box_sdk_gen": [sys.executable, "-c", "import box_sdk_gen"],
    }
    times = measure(args.runs, commands)
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(
            f"{name:<20} median {medians[name]:.3f} s  (min {min(values):.3f}, "
            f"max {max(values):.3f}, {args.runs} runs)"
        )
    ratio = medians["validate"] / medians["import box_sdk_gen"]
    print(
        f"validate / python -c pass: {medians['validate'] / medians['python -c pass']:.2f}x; "
        f"validate / import box_sdk_gen: {ratio:.2f}x (target: at most {args.ratio:.2f}x)"
    )
    return 0 if ratio <= args.ratio else 1


if __name__ == "__main__":
    sys.exit(main())
