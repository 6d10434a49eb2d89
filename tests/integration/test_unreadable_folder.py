"""One manifest names a folder Box does not have (a typo, or a folder deleted in Box): the watcher
leaves that delivery out, says so at its manifest line, and keeps serving every other one, as
``plan`` and ``apply`` do."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from tests.integration.conftest import ACME_FOLDER, CMO, Studio
from tests.integration.watching import (
    ACME_REVIEWED,
    NOTE,
    Watch,
    assigned_files,
    configure,
    decide,
    decisions,
    review_assignment,
    user_id,
    wait_until,
)

GONE = "deliveries/ghost/gone.yaml"
GONE_MANIFEST = """\
version: 1
name: ghost-reel
description: A folder Box does not have
folders: ["213534699999"]
clients:
  - email: someone@globex.example
    role: viewer
"""
GONE_LINE = 4  # the line naming the folder


def left_out_line(log: str) -> str | None:
    """The log line of a pass that left ghost-reel out, naming its manifest line."""
    return next(
        (
            line
            for line in log.splitlines()
            if f"{GONE}:{GONE_LINE}" in line and "delivery ghost-reel is left out" in line
        ),
        None,
    )


@pytest.fixture
def watching(studio: Studio) -> Iterator[list[Watch]]:
    started: list[Watch] = []
    yield started
    for watch in started:
        watch.stop(signal.SIGKILL)


@pytest.mark.slow
def test_the_watcher_leaves_out_a_delivery_whose_folder_box_lacks_and_serves_the_rest(
    studio: Studio, watching: list[Watch]
) -> None:
    studio.path(GONE).parent.mkdir()
    studio.path(GONE).write_text(GONE_MANIFEST, encoding="utf-8")
    planned = studio.cli("plan")  # what plan does with it, for comparison
    assert f"{GONE}:{GONE_LINE}" in planned.err and "ghost-reel" in planned.err, planned.text
    configure(studio)
    watch = Watch(studio)
    watching.append(watch)
    # Every other delivery is served: tasks for those who have an account...
    wait_until(
        lambda: assigned_files(studio, CMO) == ACME_REVIEWED or None, 30, "the reviews", watch
    )
    # ... and the one left out is named, at its manifest line, by the pass (the start's
    # account check names the same line first, as reconcile doctor does: not what is waited for).
    wait_until(
        lambda: left_out_line(watch.log),
        30,
        f"the watcher to say it left out ghost-reel at {GONE}:{GONE_LINE}",
        watch,
    )
    # ... for one who accepts while it runs, and their decisions reach the sink.
    studio.sign_up("jane.doe@acme.example")
    jane = user_id(studio, "jane.doe@acme.example")
    wait_until(
        lambda: assigned_files(studio, jane) == ACME_REVIEWED or None,
        30,
        "Jane's review tasks after she accepted",
        watch,
    )
    decide(studio, "cmo-token", review_assignment(studio, CMO, "1400000101"), "rejected", NOTE)
    ledger = studio.path("decisions.jsonl")
    found = wait_until(lambda: decisions(ledger), 30, "the decision in the jsonl sink", watch)
    assert [(d["file"]["id"], d["decision"]) for d in found] == [("1400000101", "rejected")]
    assert any(c["invite_email"] for c in studio.collaborations(ACME_FOLDER))
    assert watch.stop() == 0, watch.log
    assert "Traceback" not in watch.log
