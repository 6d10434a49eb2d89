"""How long one glob match takes as names grow: matching must stay linear in the name's length.

Times ``*a*a*a*a*a*a*a*a*a*a*b`` (the worst case of a backtracking matcher) against names of 40,
400 and 4,000 characters, and prints one line per length with the time per match and its ratio to
the shortest name's. Run from the repository root: ``python benchmarks/glob_bench.py``.
"""

from __future__ import annotations

import argparse
import time

from reconciler.manifest.globs import matches

PATTERN = "*a*a*a*a*a*a*a*a*a*a*b"


def per_match(name: str, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        matches(PATTERN, name)
    return (time.perf_counter() - start) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="matches timed per length")
    args = parser.parse_args()
    first = None
    for length in (40, 400, 4000):
        seconds = per_match("a" * length, args.repeat)
        first = first or seconds
        print(
            f"{PATTERN} vs {length:>5} characters: {seconds * 1e3:8.3f} ms per match "
            f"({seconds / first:6.1f}x the 40-character time; {length // 40}x the length)"
        )


if __name__ == "__main__":
    main()
