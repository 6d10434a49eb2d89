"""``reconcile validate`` on long id lists does work proportional to their length.

Counted in Python function calls (a profile hook), not in seconds: twice the ids must cost about
twice the calls, where comparing every id with every other would cost four times as many.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from reconciler.cli.app import main


def manifest(n: int) -> str:
    # Every other id a number: a list of mixed types is where pairwise comparison hides.
    ids = ", ".join(f'"{i}"' if i % 2 else str(i) for i in range(1, n + 1))
    repeats = ", ".join(f'"{i}"' for i in range(1, n + 1, 2))
    return (
        f"version: 1\nname: big\nfolders: [{ids}]\nfiles: [{repeats}, {repeats}]\n"
        "clients:\n  - email: jane@acme.example\n    role: viewer\n"
    )


def calls_to_validate(path: Path, capsys: pytest.CaptureFixture[str]) -> int:
    calls = 0

    def count(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(count)
    try:
        with pytest.raises(SystemExit) as done:
            main(["validate", str(path)])
    finally:
        sys.setprofile(None)
    out, _ = capsys.readouterr()
    assert done.value.code == 3  # the numbers are reported, each at its place
    assert "folders[1]: expected text, found the number 2" in out
    return calls


def test_twice_the_ids_cost_about_twice_the_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small, large = tmp_path / "small.yaml", tmp_path / "large.yaml"
    small.write_text(manifest(1000), encoding="utf-8")
    large.write_text(manifest(2000), encoding="utf-8")
    calls_to_validate(small, capsys)  # imports and caches warmed up

    ratio = calls_to_validate(large, capsys) / calls_to_validate(small, capsys)

    assert ratio < 2.6, f"{ratio:.2f}x the calls for 2x the ids"
