"""A long poll that is silent (its server unreachable from this host, as Box's realtime server
on another host can be) is found by the watcher's health check, logged as an error, and the
stream is read by polling meanwhile: the acceptance still gets its tasks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import ACME_FOLDER, Studio
from tests.integration.watching import ACME_REVIEWED, Watch, assigned_files, configure, wait_until

UNREACHABLE = "http://127.0.0.1:9/subscribe"  # the discard port: nothing listens there


@pytest.fixture
def watching(studio: Studio) -> Iterator[list[Watch]]:
    started: list[Watch] = []
    yield started
    for watch in started:
        watch.stop()


@pytest.mark.slow
def test_a_silent_long_poll_is_reported_and_the_stream_is_polled_meanwhile(
    studio: Studio, watching: list[Watch]
) -> None:
    configure(studio, long_poll_check_seconds=0.5)
    studio.control("PUT", "events", {"realtime_url": UNREACHABLE})
    watch = Watch(studio)
    watching.append(watch)
    watch.wait_for_log("full reconcile (start)")
    assert "✘ Long-poll server reachable" in watch.log  # the checks at start say so at once
    wait_until(
        lambda: any(c["invite_email"] for c in studio.collaborations(ACME_FOLDER)),
        30,
        "Jane's invitation",
        watch,
    )
    watch.settle()  # the stream's first read is done: from here only the long poll would tell
    studio.sign_up("jane.doe@acme.example")  # later, she accepts: the long poll never says so
    jane = next(u["id"] for u in studio.state()["users"] if u["login"] == "jane.doe@acme.example")
    wait_until(
        lambda: assigned_files(studio, jane) == ACME_REVIEWED or None,
        60,
        "her tasks, by the polled stream",
        watch,
    )
    assert "the long poll of the changes stream is silent" in watch.log
    assert "127.0.0.1:9" in watch.log  # the doctor's check and the error say where

    # The long-poll server answers again: the watcher goes back to long polling.
    studio.control("PUT", "events", {"realtime_url": None})
    wait_until(
        lambda: "long polling the changes stream again" in watch.log or None,
        30,
        "the return to long polling",
        watch,
    )
    assert watch.stop() == 0
