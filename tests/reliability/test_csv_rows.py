"""``reconcile status --format csv``: a reviewer's message with a bare CR stays in its cell, and
no cell starts a formula, not even after leading blanks or control characters."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from tests.integration.conftest import Studio
from tests.integration.watching import reject

MESSAGES = [
    "see\r=cmd|' /C calc'!A0",
    "see\n=cmd|' /C calc'!A0",
    ' =HYPERLINK("http://evil.example")',
    "\x01\t@SUM(A1:A9)",
    'say "yes", then\r\n+1',
]


@pytest.mark.parametrize("message", MESSAGES, ids=[str(n) for n in range(len(MESSAGES))])
def test_a_message_is_one_cell_of_one_row(studio: Studio, message: str) -> None:
    assert studio.apply().code == 0
    reject(studio, "cmo-token", note=message)

    # Bytes as written: a text pipe would turn the bare CR into a line break on the way.
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "status", "--format", "csv", "--files"],
        cwd=studio.workdir,
        env=studio.env,
        capture_output=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout.decode("utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    assert all(len(row) == len(header) for row in body), rows
    decided = [dict(zip(header, row, strict=True)) for row in body]
    (ours,) = [r for r in decided if r["state"] == "rejected"]
    assert message in ours["message"]
    for row in body:
        for cell in row:
            start = cell.lstrip(" \t\r\n\x01")
            assert not start.startswith(("=", "+", "-", "@")) or cell.startswith("'"), cell
