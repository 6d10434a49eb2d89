"""Sinks off the watcher's loop: an http receiver that takes the connection and never answers
delays neither the tasks of a pass nor the jsonl sink, and SIGTERM still stops the watcher
within its documented bound, leaving the unanswered notices owed."""

from __future__ import annotations

import math
import signal
import sqlite3
from collections.abc import Callable
from contextlib import closing

import pytest

from reconciler.box.people import Person
from reconciler.notify.couriers import STOP_WAIT
from tests.integration.conftest import CMO, Studio
from tests.integration.test_watch import start, watching  # noqa: F401 - a fixture
from tests.integration.watching import (
    ACME_REVIEWED,
    Watch,
    assigned_files,
    configure,
    decisions,
    ledger,
    reject,
    wait_until,
)
from tests.receiver import Receiver


@pytest.fixture
def silent(receivers: Callable[..., Receiver]) -> Receiver:
    """Takes each request and never answers it (until the test is over)."""
    return receivers(delay_seconds=math.inf)


def test_a_receiver_that_never_answers_delays_no_task_no_jsonl_notice_and_no_stop(
    studio: Studio,
    watching: list[Watch],  # noqa: F811 - the fixture imported above
    silent: Receiver,
) -> None:
    configure(studio, url=silent.url)
    # Long enough that only the thread of its own sink would ever notice it.
    studio.edit(
        "reconcile.yaml",
        lambda doc: doc["notify"][1]["http"].update(timeout_seconds=120, retries=0),
    )
    watch = start(studio, watching)
    wait_until(lambda: assigned_files(studio, CMO) == ACME_REVIEWED or None, 30, "tasks", watch)
    file_id = reject(studio, "cmo-token")
    ledger_file = studio.path("decisions.jsonl")
    found = wait_until(lambda: decisions(ledger_file), 30, "the jsonl decision", watch)
    assert [d["file"]["id"] for d in found] == [file_id]
    # Each sink sends from its own thread: on a busy machine the http sink may connect after
    # the jsonl line is written; once it does, it is held, and nothing else waits on it.
    wait_until(lambda: silent.holding or None, 30, "the http sink held by the receiver", watch)
    assert [d["file"]["id"] for d in decisions(ledger_file)] == [file_id]
    # A stop waits at most STOP_WAIT for the silent send (Watch.stop fails after 30 s).
    assert STOP_WAIT < 30 and watch.stop(signal.SIGTERM) == 0
    with closing(sqlite3.connect(studio.path("state/notify.db"))) as db:
        owed = {row[0] for row in db.execute("SELECT id FROM owed")}
    assert found[0]["id"] in owed  # the silent receiver still owed it


def test_the_watcher_announces_a_client_comment_once(
    studio: Studio,
    watching: list[Watch],  # noqa: F811 - the fixture imported above
) -> None:
    configure(studio)  # the changes stream: comments are read on the review poll
    watch = start(studio, watching)
    wait_until(lambda: assigned_files(studio, CMO) == ACME_REVIEWED or None, 30, "tasks", watch)
    file_id = sorted(ACME_REVIEWED)[0]
    Person(studio.box.base_url, "cmo-token").comment(file_id, "make the logo larger")
    ledger_file = studio.path("decisions.jsonl")

    def comments() -> list[dict[str, object]]:
        return [d for d in ledger(ledger_file) if d["type"] == "comment"]

    found = wait_until(comments, 30, "the comment notice", watch)
    assert len(found) == 1
    # A second comment, on another file: by the time it is announced the first was read again
    # (the review poll reads both files' comments), and is still one notice.
    other = sorted(ACME_REVIEWED)[1]
    Person(studio.box.base_url, "cmo-token").comment(other, "warmer colours, please")
    wait_until(lambda: len(comments()) >= 2 or None, 30, "the second comment notice", watch)
    assert watch.stop() == 0
    assert sorted((d["file"]["id"], d["message"]) for d in comments()) == [  # type: ignore[index]
        (file_id, "make the logo larger"),
        (other, "warmer colours, please"),
    ]
