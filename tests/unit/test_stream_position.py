"""Where an event stream goes on after a page: Box's ``0`` (or no position) on a page never
replaces the position the page was read from, which would replay weeks of events."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.box.events import next_position


@pytest.mark.parametrize(
    ("name", "page", "expected"),
    [
        ("a page with events", {"entries": [{}], "next_stream_position": 1234}, "1234"),
        ("an empty page at the latest", {"entries": [], "next_stream_position": "1200"}, "1200"),
        ("an empty page with 0", {"entries": [], "next_stream_position": 0}, "1100"),
        ("an empty page with '0'", {"entries": [], "next_stream_position": "0"}, "1100"),
        ("no position", {"entries": []}, "1100"),
        ("a null position", {"entries": [], "next_stream_position": None}, "1100"),
    ],
)
def test_next_position(name: str, page: dict[str, Any], expected: str) -> None:
    assert next_position("1100", page) == expected, name
