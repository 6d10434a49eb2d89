"""The client right under both readings of each place where Box is undocumented, through the real
command and SDK against the sandbox acting out each reading (its quirks): task listings mini or
full, an empty enterprise page at position 0 or at the latest, an enterprise expiry policy or
none, and webhook timestamps from a clock ahead of ours.
"""

from __future__ import annotations

import csv
import io
import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from reconciler.box.events import ENTERPRISE, BoxEvent, EventFeed, current_position
from reconciler.box.people import Person
from reconciler.errors import EXPIRY_SETTING
from tests.integration.conftest import ACME_FOLDER, CMO, SERVICE_ACCOUNT, Studio
from tests.integration.test_webhooks import Listening, acceptance_payload, signed
from tests.integration.watching import Watch, configure, wait_until

ACME = "deliveries/acme/spring-2026.yaml"
JANE = "jane.doe@acme.example"
#: what acme's approval rule selects in the sample studio
ACME_REVIEWED = frozenset({"1400000101", "1400000102", "1400000103", "1400000104", "1400000111"})
HERO, SPOT = "1400000101", "1400000104"


def quirks(studio: Studio, **settings: Any) -> None:
    studio.control("PUT", "quirks", settings)


def review_tasks(state: dict[str, Any]) -> Counter[str]:
    """file id -> how many review tasks the reconciler's account created on it."""
    return Counter(
        t["file_id"]
        for t in state["tasks"]
        if t["created_by_id"] == SERVICE_ACCOUNT and t["action"] == "review"
    )


def assignments(state: dict[str, Any]) -> Counter[tuple[str, str]]:
    """(file, person) -> how many review assignments."""
    return Counter((a["file_id"], a["assigned_to_id"]) for a in state["task_assignments"])


# --- task listings ---------------------------------------------------------------------------


@pytest.mark.parametrize("listing", ["mini", "full"])
def test_two_applies_leave_one_review_per_file_and_person_and_every_decision_is_read(
    studio: Studio, listing: str
) -> None:
    quirks(studio, task_listing=listing)
    assert studio.apply().code == 0
    jane = Person(studio.box.base_url, studio.sign_up(JANE))
    for _ in range(2):
        done = studio.apply()
        assert done.code == 0, done.text
    state = studio.state()
    acme_tasks = {f: n for f, n in review_tasks(state).items() if f in ACME_REVIEWED}
    assert acme_tasks == {f: 1 for f in ACME_REVIEWED}
    assert set(assignments(state).values()) == {1}
    assert {f for f, who in assignments(state) if who == jane.user.id} == ACME_REVIEWED
    assert {f for f, who in assignments(state) if who == CMO} == ACME_REVIEWED

    mine = {file.id: a.id for file, a in jane.my_assignments(ACME_FOLDER)}
    jane.resolve(mine[HERO], "approved")
    jane.resolve(mine[SPOT], "rejected")
    status = studio.cli("status", "--format", "csv")
    assert status.code == 0, status.text
    rows = {r["client"].casefold(): r for r in csv.DictReader(io.StringIO(status.out))}
    jane_row = rows[JANE]
    assert (jane_row["approved"], jane_row["rejected"], jane_row["to_review"]) == ("1", "1", "3")
    studio.assert_converged()
    assert review_tasks(studio.state()) == review_tasks(state)  # plan and status added nothing


# --- the enterprise stream's empty pages -----------------------------------------------------


class Following:
    """An ``EventFeed`` on the enterprise stream, gathering what it hands on."""

    def __init__(self, studio: Studio, position: str) -> None:
        self.studio = studio
        self.events: list[BoxEvent] = []
        self.ends: list[str] = []
        self.lock = threading.Lock()
        self.feed = EventFeed(studio.client(), ENTERPRISE, position, interval=lambda: 0.05)

    def __enter__(self) -> Following:
        self.feed.start(self._take, self.ends.append)
        return self

    def __exit__(self, *_: object) -> None:
        self.feed.stop()

    def _take(self, events: list[BoxEvent], _whole: bool) -> None:
        with self.lock:
            self.events.extend(events)

    def reads(self) -> int:
        return sum(
            1 for r in self.studio.requests() if r["method"] == "GET" and r["path"] == "/2.0/events"
        )

    def read_empty_pages(self, count: int) -> None:
        """Wait until the feed has read the stream ``count`` more times."""
        target = self.reads() + count
        deadline = time.monotonic() + 30
        while self.reads() < target:
            assert time.monotonic() < deadline, "the feed stopped reading the stream"
            assert not self.ends, self.ends
            time.sleep(0.05)


@pytest.mark.parametrize("empty_page", ["zero", "latest"])
def test_an_empty_enterprise_page_keeps_the_position_and_nothing_is_replayed(
    studio: Studio, empty_page: str
) -> None:
    quirks(studio, empty_page_position=empty_page)
    assert studio.apply().code == 0  # invitations: events from before the feed starts
    start = current_position(studio.client(), ENTERPRISE)
    assert start not in ("", "0", "now")
    with Following(studio, start) as following:
        following.read_empty_pages(5)
        assert following.events == []  # nothing before the start is replayed
        studio.sign_up(JANE)  # an acceptance: an event after the start
        wait_until(lambda: following.events, 30, "the acceptance on the enterprise stream")
        following.read_empty_pages(5)
        ids = [e.id for e in following.events]
    assert len(ids) == len(set(ids)), ids
    assert {e.type for e in following.events} <= {"COLLABORATION_ACCEPT"}, following.events
    assert following.ends == []


# --- expiry set by an enterprise policy ------------------------------------------------------


def acme_expiries(studio: Studio) -> dict[str, str | None]:
    users = {u["id"]: u["login"] for u in studio.state()["users"]}
    return {
        (c["invite_email"] or users.get(c["accessible_by_id"], "")).casefold(): c["expires_at"]
        for c in studio.collaborations(ACME_FOLDER)
        if c["accessible_by_type"] != "group"
    }


def only_acme(studio: Studio) -> None:
    for other in ("deliveries/globex", "deliveries/initech"):
        shutil.rmtree(studio.path(other))


@pytest.mark.parametrize("policy_days", [None, 30])
def test_a_manifest_without_expires_leaves_box_s_expiry_alone(
    studio: Studio, policy_days: int | None
) -> None:
    only_acme(studio)
    quirks(studio, expiry_policy_days=policy_days)
    assert studio.apply().code == 0
    expiries = acme_expiries(studio)
    assert all((at is None) is (policy_days is None) for at in expiries.values()), expiries
    planned = studio.cli("plan", "--detailed-exitcode")
    assert planned.code == 0, planned.text  # nothing fights the policy
    assert "expires_at" not in planned.out.split("Note:")[0]
    if policy_days is not None:
        assert "Box set access to end" in planned.out, planned.out
        assert "expires: never clears it" in planned.out
    assert acme_expiries(studio) == expiries


def test_expires_never_clears_box_s_expiry_or_says_why_box_refused(studio: Studio) -> None:
    only_acme(studio)
    quirks(studio, expiry_policy_days=30)
    assert studio.apply().code == 0
    studio.edit(ACME, lambda d: d.update(expires="never"))
    planned = studio.cli("plan")
    assert "→ none" in planned.out or "-> none" in planned.out, planned.out
    done = studio.apply()
    # The sandbox takes the reading hardest on a client: a policy's expiry cannot be removed.
    assert done.code == 5, done.text
    assert "Box refused to clear the expiry of collaboration" in done.text
    assert "Remove 'expires: never'" in done.text
    # Without the policy's expiry (the other reading), never clears it and the plan converges.
    quirks(studio, expiry_policy_days=None)
    studio.edit(ACME, lambda d: d.pop("expires"))
    assert studio.apply().code == 0


def test_an_expiry_on_a_collaboration_from_before_the_policy_says_so(studio: Studio) -> None:
    only_acme(studio)
    assert studio.apply().code == 0  # created with no policy and no setting
    quirks(studio, expiry_policy_days=30)
    studio.edit(ACME, lambda d: d.update(expires_in_days=60))
    done = studio.apply()
    assert done.code == 5, done.text
    assert "created after the enterprise setting" in done.text, done.text
    assert EXPIRY_SETTING in done.text
    assert "invite them again" in done.text
    assert set(acme_expiries(studio).values()) == {None}


# --- webhook timestamps ----------------------------------------------------------------------


@pytest.fixture
def watching() -> Iterator[list[Watch]]:
    started: list[Watch] = []
    yield started
    for watch in started:
        watch.stop(signal.SIGKILL)


def test_a_webhook_signed_30_s_ahead_is_taken_11_minutes_old_refused(
    studio: Studio, watching: list[Watch]
) -> None:
    configure(studio, stream_type="none", review_poll_minutes=600)
    listening = Listening(studio, watching)
    watch = listening.start()
    body = acceptance_payload()
    assert listening.post(body, signed(body, age=timedelta(minutes=11))) == 403
    assert listening.post(body, signed(body, age=-timedelta(minutes=2))) == 403
    assert listening.post(body, signed(body, age=-timedelta(seconds=30))) == 200
    watch.wait_for_log("reconciling acme-spring-2026: touched by")
    assert watch.stop() == 0
