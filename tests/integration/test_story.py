"""The studio's story in its real order, for each way the watcher hears of Box: a client without
a Box account is invited, nothing happens for a while, they sign up and accept, their review
tasks come within seconds, they open one file and approve it, open another and reject it with a
note, each decision
reaches the ``jsonl`` and ``http`` sinks once, the watcher is killed and restarted and sends
nothing again, and a second client's acceptance and decision are handled the same way.

The watcher runs as a user would run it: the review poll keeps its default pace (a decision
must come within a minute without a small ``review_poll_minutes`` hiding a missed one). Each
story runs under the sandbox's default readings of what Box leaves undocumented (mini task
listings, empty enterprise pages at position 0), the invitation sent by the watcher's first
pass, and again under the other readings, the invitation sent by ``reconcile apply`` before the
watcher starts.
"""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import ACME_FOLDER, CMO, GLOBEX_FOLDER, Studio
from tests.integration.watching import (
    ACME_REVIEWED,
    NOTE,
    WEBHOOK_KEYS,
    Watch,
    assigned_files,
    configure,
    decide,
    decisions,
    doubled_reviews,
    listen_for_webhooks,
    notices_recorded,
    open_file,
    review_assignment,
    user_id,
    wait_until,
)
from tests.receiver import Receiver

JANE = "jane.doe@acme.example"  # invited to acme's delivery; no Box account yet
ART = "art@globex.example"  # invited to globex's delivery; no Box account yet
GLOBEX_REVIEWED = frozenset({"1400000201", "1400000202", "1400000203"})
PRODUCER = "20002"  # producer@globex.example, who has a Box account already
#: seconds a decision may take to reach the sinks: Box's docs promise nothing faster than the
#: watcher's own budget (a minute on the changes stream), and a loaded test machine is slower
DECISION_BOUND = 90.0
#: seconds for what follows an event at once (tasks after an acceptance)
PROMPT_BOUND = 30.0

DEFAULT_READINGS = {"task_listing": "mini", "empty_page_position": "zero"}
OTHER_READINGS = {"task_listing": "full", "empty_page_position": "latest"}
STORIES = [
    pytest.param(mode, readings, id=f"{mode}-{readings['task_listing']}")
    for mode in ("changes", "admin_logs_streaming", "webhooks")
    for readings in (DEFAULT_READINGS, OTHER_READINGS)
] + [pytest.param("all", DEFAULT_READINGS, id="all-mini")]


@pytest.fixture
def watching(studio: Studio) -> Iterator[list[Watch]]:
    started: list[Watch] = []
    yield started
    for watch in started:
        watch.stop(signal.SIGKILL)


class Story:
    """One studio with its watcher set up for one mode: how to start it, and how to tell that
    it has handled what Box holds so far."""

    def __init__(self, studio: Studio, watching: list[Watch], receiver: Receiver, mode: str):
        self.studio, self.watching, self.receiver, self.mode = studio, watching, receiver, mode
        stream_type = "none" if mode == "webhooks" else mode
        # review_poll_minutes=None: the watcher's own default, as a studio runs it.
        configure(studio, url=receiver.url, stream_type=stream_type, review_poll_minutes=None)
        self.args = listen_for_webhooks(studio) if mode == "webhooks" else []
        self.ledger = studio.path("decisions.jsonl")

    def start(self) -> Watch:
        watch = Watch(self.studio, *self.args, env=WEBHOOK_KEYS if self.args else None)
        self.watching.append(watch)
        watch.wait_for_log("full reconcile (start)")
        return watch

    def quiet(self, watch: Watch) -> None:
        """The watcher has taken in everything Box told it so far (its own writes included)."""
        if self.mode == "webhooks":
            wait_until(
                lambda: (
                    {ACME_FOLDER, GLOBEX_FOLDER}
                    <= {h["target_id"] for h in self.studio.state()["webhooks"]}
                    or None
                ),
                PROMPT_BOUND,
                "the webhooks declared on the delivered folders",
                watch,
            )
        else:
            watch.settle("all" if self.mode == "all" else "changes")

    def decided(self, client: str) -> dict[str, tuple[str, str | None]]:
        """The decisions of one client in the jsonl sink: file id -> (decision, message)."""
        return {
            d["file"]["id"]: (d["decision"], d["message"] or None)
            for d in decisions(self.ledger)
            if d["client"].casefold() == client
        }

    def posted(self, client: str) -> dict[str, str]:
        """The decisions of one client the http sink took: file id -> decision."""
        return {
            r.document["file"]["id"]: r.document["decision"]
            for r in self.receiver.accepted("decision")
            if r.document["client"].casefold() == client
        }

    def look_at(self, watch: Watch, token: str, file_id: str) -> None:
        """A client opens a file and looks at it before deciding. On the ``all`` stream Box
        tells the owner, and the watcher reads that file's review tasks first: the client decides
        once the watcher has said so (a decision made at once may be found by the review poll's
        own pace before the stream brings the opening, and the opening is then not needed)."""
        open_file(self.studio, token, file_id)
        if self.mode == "all":
            said = f"opened file {file_id}: reading its review tasks first"
            wait_until(
                lambda: said in watch.log or None,
                PROMPT_BOUND,
                f"the watcher hearing from the all stream that file {file_id} was opened",
                watch,
            )

    def wait_for_decisions(self, watch: Watch, client: str, wanted: dict[str, Any]) -> None:
        expected = {f: d[0] for f, d in wanted.items()}
        what = (
            f"{client}'s decisions {expected} in the jsonl sink: Box holds them, the watcher "
            f"({self.mode}) did not push them"
        )
        wait_until(lambda: self.decided(client) == wanted or None, DECISION_BOUND, what, watch)
        what = f"{client}'s decisions {expected} taken by the http sink"
        wait_until(lambda: self.posted(client) == expected or None, DECISION_BOUND, what, watch)


@pytest.mark.slow
@pytest.mark.parametrize(("mode", "readings"), STORIES)
def test_the_studio_story(
    studio: Studio,
    watching: list[Watch],
    receiver: Receiver,
    mode: str,
    readings: dict[str, str],
) -> None:
    studio.quirks(**readings)
    story = Story(studio, watching, receiver, mode)
    if readings != DEFAULT_READINGS:
        invited = studio.apply()
        assert invited.code == 0, invited.text
    first = story.start()

    # Jane is invited (by apply, or by the watcher's first pass); she has no Box account, so
    # nothing more happens for her.
    wait_until(
        lambda: any(
            (c["invite_email"] or "").casefold() == JANE for c in studio.collaborations(ACME_FOLDER)
        ),
        PROMPT_BOUND,
        "Jane's invitation",
        first,
    )
    wait_until(
        lambda: assigned_files(studio, CMO) == ACME_REVIEWED or None,
        PROMPT_BOUND,
        "the reviews of the client who has an account",
        first,
    )
    story.quiet(first)
    doubled = doubled_reviews(studio)
    assert not doubled, f"the watcher's passes added review tasks again: {doubled}"
    assert decisions(story.ledger) == []

    # She signs up and accepts: her review tasks come within seconds.
    jane_token = studio.sign_up(JANE)
    jane = user_id(studio, JANE)
    wait_until(
        lambda: assigned_files(studio, jane) == ACME_REVIEWED or None,
        PROMPT_BOUND,
        "Jane's review tasks on every reviewed file, after she accepted",
        first,
    )
    approved, rejected = "1400000101", "1400000102"
    story.look_at(first, jane_token, approved)  # she looks at each file, then decides on it
    decide(studio, jane_token, review_assignment(studio, jane, approved), "approved")
    story.look_at(first, jane_token, rejected)
    decide(studio, jane_token, review_assignment(studio, jane, rejected), "rejected", NOTE)
    jane_wanted = {approved: ("approved", None), rejected: ("rejected", NOTE)}
    story.wait_for_decisions(first, JANE, jane_wanted)
    ids = [d["id"] for d in decisions(story.ledger)]
    wait_until(lambda: notices_recorded(studio, ids), PROMPT_BOUND, "the record", first)

    # Killed (as a crash or an OOM kill would) and started again: nothing is sent twice.
    first.stop(signal.SIGKILL)
    second = story.start()

    # A second client without an account accepts later, and decides.
    art_token = studio.sign_up(ART)
    art = user_id(studio, ART)
    wait_until(
        lambda: assigned_files(studio, art) == GLOBEX_REVIEWED or None,
        PROMPT_BOUND,
        "the second client's review tasks, after they accepted",
        second,
    )
    globex_rejected = "1400000202"
    story.look_at(second, art_token, globex_rejected)
    decide(studio, art_token, review_assignment(studio, art, globex_rejected), "rejected", NOTE)
    story.wait_for_decisions(second, ART, {globex_rejected: ("rejected", NOTE)})
    assert second.stop() == 0, second.log

    assert story.decided(JANE) == jane_wanted
    assert len(decisions(story.ledger)) == 3, decisions(story.ledger)
    posted = [r.headers["x-reconcile-id"] for r in receiver.accepted()]
    again = sorted(i for i, n in Counter(posted).items() if n > 1)
    assert again == [], f"notices POSTed more than once (after the restart): {again}"
    assert len(receiver.accepted("decision")) == 3
    doubled = doubled_reviews(studio)
    assert not doubled, f"the watcher's passes added review tasks again: {doubled}"
    assert assigned_files(studio, PRODUCER) == GLOBEX_REVIEWED
    for watch in (first, second):
        assert "Traceback" not in watch.log, watch.log


def assert_names_the_earlier_decision(notices: list[dict[str, Any]], file_id: str) -> None:
    """A re-marked decision is a notice of its own, after the first, that says what it replaces
    (a field holding "approved", wherever the notice keeps it)."""
    about = [n for n in notices if n["file"]["id"] == file_id]
    assert [n["decision"] for n in about] == ["approved", "rejected"], about
    first, second = about
    assert second["id"] != first["id"], "the re-marked decision reuses the first notice's id"
    assert second["message"] == NOTE
    assert "approved" in strings_in(second), (
        f"the rejection does not name the approval it replaces: {second}"
    )


def strings_in(document: Any) -> set[str]:
    """Every string value anywhere in a JSON document."""
    if isinstance(document, str):
        return {document}
    if isinstance(document, dict):
        return {s for value in document.values() for s in strings_in(value)}
    if isinstance(document, list):
        return {s for value in document for s in strings_in(value)}
    return set()


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["changes", "admin_logs_streaming", "webhooks"])
def test_a_re_marked_decision_is_a_new_notice_naming_the_earlier_one(
    studio: Studio, watching: list[Watch], receiver: Receiver, mode: str
) -> None:
    studio.quirks(**DEFAULT_READINGS)
    story = Story(studio, watching, receiver, mode)
    watch = story.start()
    wait_until(
        lambda: assigned_files(studio, CMO) == ACME_REVIEWED or None,
        PROMPT_BOUND,
        "the client's review tasks",
        watch,
    )
    story.quiet(watch)
    file_id = "1400000103"
    assignment = review_assignment(studio, CMO, file_id)
    decide(studio, "cmo-token", assignment, "approved")
    story.wait_for_decisions(watch, "cmo@acme.example", {file_id: ("approved", None)})
    # The client changes their mind in Box: the same assignment, now rejected with a note.
    decide(studio, "cmo-token", assignment, "rejected", NOTE)

    def both(notices: list[dict[str, Any]]) -> bool:
        return len([n for n in notices if n["file"]["id"] == file_id]) >= 2

    wait_until(
        lambda: both(decisions(story.ledger)),
        DECISION_BOUND,
        "the re-marked decision (approved, then rejected) in the jsonl sink",
        watch,
    )
    wait_until(
        lambda: both([r.document for r in receiver.accepted("decision")]),
        DECISION_BOUND,
        "the re-marked decision taken by the http sink",
        watch,
    )
    assert watch.stop() == 0
    assert_names_the_earlier_decision(decisions(story.ledger), file_id)
    assert_names_the_earlier_decision([r.document for r in receiver.accepted("decision")], file_id)
