"""On the default stream (``changes``, which carries no task assignment updates), a decision on a
review the watcher itself assigned reaches the sinks: the pass that assigned it reads Box again,
so the review poll knows the new review at once and reads it often while it is fresh."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import ACME_FOLDER, Studio
from tests.integration.watching import (
    ACME_REVIEWED,
    Watch,
    assigned_files,
    configure,
    decisions,
    reject,
    wait_until,
)


@pytest.fixture
def watching(studio: Studio) -> Iterator[list[Watch]]:
    started: list[Watch] = []
    yield started
    for watch in started:
        watch.stop()


@pytest.mark.slow
def test_a_decision_on_a_review_the_watcher_assigned_arrives_with_the_default_poll(
    studio: Studio, watching: list[Watch]
) -> None:
    # The product's review poll settings (review_poll_minutes 15, 100 calls a minute): a
    # review assigned seconds ago is read every few seconds all the same.
    configure(studio, review_poll_minutes=15)
    watch = Watch(studio)
    watching.append(watch)
    watch.wait_for_log("full reconcile (start)")
    wait_until(
        lambda: any(c["invite_email"] for c in studio.collaborations(ACME_FOLDER)),
        30,
        "Jane's invitation",
        watch,
    )
    token = studio.sign_up("jane.doe@acme.example")  # later, she signs up and accepts
    jane = next(u["id"] for u in studio.state()["users"] if u["login"] == "jane.doe@acme.example")
    wait_until(
        lambda: assigned_files(studio, jane) == ACME_REVIEWED or None, 30, "her tasks", watch
    )
    file_id = reject(studio, token)
    found = wait_until(
        lambda: decisions(studio.path("decisions.jsonl")),
        60,
        "her rejection in the jsonl sink (the watcher did not read the review it assigned)",
        watch,
    )
    assert [(d["file"]["id"], d["decision"]) for d in found] == [(file_id, "rejected")]
    assert watch.stop() == 0
