"""Where an event stream goes on after a page: Box's ``0`` (or no position) on a page never
replaces the position the page was read from, which would replay weeks of events."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.box.events import ENTERPRISE, current_position, next_position


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


def test_a_now_answered_with_0_is_found_by_reading_the_stream_through(fake_box: Any) -> None:
    """``stream_position=now`` is documented to answer the latest position; if Box answers 0,
    the latest is found by reading from the start (the events themselves are not handed on)."""
    pages = {
        "now": {"entries": [], "next_stream_position": 0},
        "0": {"entries": [{"event_id": "a"}, {"event_id": "b"}], "next_stream_position": 500},
        "500": {"entries": [{"event_id": "c"}], "next_stream_position": 700},
        "700": {"entries": [], "next_stream_position": 0},
    }

    def answer(query: dict[str, list[str]]) -> dict[str, Any]:
        return pages[query["stream_position"][0]]

    box, reader = fake_box({"/2.0/events": answer})
    assert current_position(reader.client, ENTERPRISE) == "700"
    asked = [r.query["stream_position"][0] for r in box.got]
    assert asked == ["now", "0", "500", "700"]
