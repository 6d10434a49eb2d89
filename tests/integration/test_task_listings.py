"""However Box answers a task listing (the mini tasks of Box's own SDK sample, or full tasks),
applies and watcher passes leave one review task per file and person, and read every decision:
a task the client could not see would be another email to the client on every pass."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator

import pytest

from tests.integration.conftest import CMO, Studio
from tests.integration.watching import (
    ACME_REVIEWED,
    NOTE,
    Watch,
    assigned_files,
    configure,
    decide,
    decisions,
    doubled_reviews,
    review_assignment,
    wait_until,
)

PRODUCER = "20002"  # producer@globex.example, who has a Box account already
GLOBEX_REVIEWED = frozenset({"1400000201", "1400000202", "1400000203"})
#: watcher passes after the start, each reading every delivery's tasks again
PASSES = 10


@pytest.fixture
def watching(studio: Studio) -> Iterator[list[Watch]]:
    started: list[Watch] = []
    yield started
    for watch in started:
        watch.stop(signal.SIGKILL)


def passes(watch: Watch) -> int:
    return watch.log.count("full reconcile (")


@pytest.mark.slow
@pytest.mark.parametrize("listing", ["mini", "full"])
def test_applies_and_watcher_passes_leave_one_review_per_file_and_person(
    studio: Studio, watching: list[Watch], listing: str
) -> None:
    studio.quirks(task_listing=listing)
    for run in (1, 2):
        applied = studio.apply()
        assert applied.code == 0, applied.text
        doubled = doubled_reviews(studio)
        assert not doubled, f"apply #{run} added review tasks again: {doubled}"
    assert assigned_files(studio, CMO) == ACME_REVIEWED
    assert assigned_files(studio, PRODUCER) == GLOBEX_REVIEWED
    # Decisions made before the watcher starts, and one while it runs.
    decide(studio, "cmo-token", review_assignment(studio, CMO, "1400000101"), "approved")
    decide(studio, "cmo-token", review_assignment(studio, CMO, "1400000102"), "rejected", NOTE)
    producer = review_assignment(studio, PRODUCER, "1400000203")
    decide(studio, "globex-producer-token", producer, "approved")

    # A full resync every few tenths of a second: each pass reads every task again.
    configure(studio, resync_minutes=0.005)
    watch = Watch(studio)
    watching.append(watch)
    wait_until(lambda: passes(watch) >= PASSES // 2 or None, 60, "watcher passes", watch)
    decide(studio, "cmo-token", review_assignment(studio, CMO, "1400000104"), "rejected", NOTE)
    wait_until(lambda: passes(watch) >= PASSES + 1 or None, 60, f"{PASSES} passes", watch)
    expected = {
        ("1400000101", "approved"),
        ("1400000102", "rejected"),
        ("1400000203", "approved"),
        ("1400000104", "rejected"),
    }
    ledger = studio.path("decisions.jsonl")

    def read() -> set[tuple[str, str]]:
        return {(d["file"]["id"], d["decision"]) for d in decisions(ledger)}

    wait_until(
        lambda: read() == expected or None,
        60,
        f"every decision Box holds ({sorted(expected)}) read by the watcher",
        watch,
    )
    assert watch.stop() == 0, watch.log
    print(watch.log)
    doubled = doubled_reviews(studio)
    assert not doubled, f"{passes(watch)} watcher passes added review tasks again: {doubled}"
    assert len(decisions(ledger)) == len(expected)
    assert assigned_files(studio, CMO) == ACME_REVIEWED
    assert assigned_files(studio, PRODUCER) == GLOBEX_REVIEWED
    # reconcile status reads the same decisions.
    shown = studio.cli("status", "--format", "json")
    assert shown.code == 0, shown.text
    counts = {
        c["client"].casefold(): (c["counts"]["approved"], c["counts"]["rejected"])
        for d in json.loads(shown.out)["deliveries"]
        for c in d["clients"]
        if c["counts"] is not None
    }
    assert counts["cmo@acme.example"] == (1, 2), counts
    assert counts["producer@globex.example"] == (1, 0), counts
