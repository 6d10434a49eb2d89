"""``reconcile notify`` through the real command against the sample studio: a client rejects a
file with a note in Box, and the jsonl and http sinks each get that decision once, signed;
a receiver that fails first gets it later; nothing is ever sent twice."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from typing import Any

from reconciler.box.people import Person
from tests.integration.conftest import ACME_FOLDER, Studio
from tests.receiver import Receiver

SECRET = "billing-secret-for-tests"
NOTE = "The logo is cut off on the left"


def with_sinks(studio: Studio, url: str, **http: Any) -> None:
    def add(doc: dict[str, Any]) -> None:
        doc["notify"] = [
            {"jsonl": "decisions.jsonl"},
            {"http": {"url": url, "secret_env": "BILLING_SECRET", "backoff_seconds": 0, **http}},
        ]

    studio.edit("reconcile.yaml", add)


def notify(studio: Studio) -> Any:
    os.environ["BILLING_SECRET"] = SECRET
    try:
        return studio.cli("notify", "--state-dir", "state")
    finally:
        del os.environ["BILLING_SECRET"]


def reject_one(studio: Studio) -> str:
    """The studio applies (the CMO has a Box account: accepted at once, tasks assigned); the CMO
    rejects one file in Box with a note. Returns that file's id."""
    assert studio.apply().code == 0
    cmo = Person(studio.box.base_url, "cmo-token")
    file, assignment = cmo.my_assignments(ACME_FOLDER)[0]
    cmo.resolve(assignment.id, "rejected", NOTE)
    return file.id


def ledger_lines(studio: Studio) -> list[dict[str, Any]]:
    path = studio.path("decisions.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_rejection_reaches_each_sink_once_signed_with_the_reviewers_message(
    studio: Studio, receiver: Receiver
) -> None:
    with_sinks(studio, receiver.url)
    file_id = reject_one(studio)
    first = notify(studio)
    assert first.code == 0, first.text
    decisions = [d for d in ledger_lines(studio) if d["type"] == "decision"]
    assert [(d["file"]["id"], d["decision"], d["message"]) for d in decisions] == [
        (file_id, "rejected", NOTE)
    ]
    assert decisions[0]["client"] == "cmo@acme.example"
    assert decisions[0]["delivery"] == "acme-spring-2026"
    posted = receiver.accepted("decision")
    assert len(posted) == 1 and posted[0].signed_with(SECRET)
    assert posted[0].document == decisions[0]
    assert posted[0].headers["x-reconcile-id"] == decisions[0]["id"]
    # Acceptances and invitations are announced too, each once.
    kinds = sorted(d["type"] for d in ledger_lines(studio))
    assert {"acceptance", "invitation", "decision"} <= set(kinds)
    assert len(receiver.accepted()) == len(ledger_lines(studio))

    again = notify(studio)
    assert again.code == 0, again.text
    assert "0 new notices; 0 delivered" in again.out
    assert len(ledger_lines(studio)) == len(kinds)
    assert len(receiver.accepted()) == len(kinds)


def test_a_receiver_answering_500_three_times_then_200_gets_it_once(
    studio: Studio, receiver: Receiver
) -> None:
    with_sinks(studio, receiver.url, retries=4)
    reject_one(studio)
    receiver.answers = [500, 500, 500]
    result = notify(studio)
    assert result.code == 0, result.text
    tries = receiver.got[:4]
    assert [r.status for r in tries] == [500, 500, 500, 200]
    assert len({r.headers["x-reconcile-id"] for r in tries}) == 1  # the same message, retried
    assert len(receiver.accepted("decision")) == 1
    ids = [r.headers["x-reconcile-id"] for r in receiver.accepted()]
    assert len(ids) == len(set(ids))


def test_a_receiver_that_was_down_gets_what_it_missed_on_a_later_run(
    studio: Studio, receivers: Callable[..., Receiver]
) -> None:
    first = receivers()
    port = first.port
    first.stop()  # the billing service is down: nothing listens there now
    with_sinks(studio, first.url, retries=0)
    reject_one(studio)
    missed = notify(studio)
    assert missed.code == 1
    assert "still owed" in missed.err
    assert len([d for d in ledger_lines(studio) if d["type"] == "decision"]) == 1  # jsonl took it
    # The wait before trying the failed sink again is kept in the state dir; make it due now.
    with closing(sqlite3.connect(studio.path("state/notify.db"))) as db, db:
        for ident, text in db.execute("SELECT id, entry FROM owed").fetchall():
            entry = json.loads(text)
            for tries in entry["tries"].values():
                tries["next"] = "2000-01-01T00:00:00Z"
            db.execute("UPDATE owed SET entry = ? WHERE id = ?", (json.dumps(entry), ident))
    back = receivers(port=port)  # the service is back, at the same address
    later = notify(studio)
    assert later.code == 0, later.text
    assert "0 new notices" in later.out  # nothing new was read: what was owed was sent
    assert len(back.accepted("decision")) == 1
    ids = [r.headers["x-reconcile-id"] for r in back.accepted()]
    assert len(ids) == len(set(ids))
    lines = ledger_lines(studio)
    assert len(lines) == len({d["id"] for d in lines})  # the jsonl sink got nothing twice


def test_comments_box_will_not_give_hold_back_no_decision(
    studio: Studio, receiver: Receiver
) -> None:
    # The studio's billing waits on the decision; a comment listing Box fails is for next time.
    with_sinks(studio, receiver.url)
    file_id = reject_one(studio)
    cmo = Person(studio.box.base_url, "cmo-token")
    cmo.comment(file_id, "warmer colours, please")
    studio.faults(error_rate=1.0, error_status=500, paths=["/comments"])

    failed = notify(studio)

    assert failed.code == 1, failed.text
    assert "comments could not be read" in failed.err
    assert "request id" in failed.err.lower() or "500" in failed.err
    kinds = [d["type"] for d in ledger_lines(studio)]
    assert "decision" in kinds and "comment" not in kinds
    assert [d.document["file"]["id"] for d in receiver.accepted("decision")] == [file_id]

    studio.no_faults()
    later = notify(studio)
    assert later.code == 0, later.text
    comments = [d for d in ledger_lines(studio) if d["type"] == "comment"]
    assert [(c["file"]["id"], c["message"]) for c in comments] == [
        (file_id, "warmer colours, please")
    ]
    assert len(receiver.accepted("decision")) == 1  # the decision was not sent again


def test_an_http_sink_without_its_secret_is_refused_with_the_place(
    studio: Studio, receiver: Receiver
) -> None:
    with_sinks(studio, receiver.url)
    result = studio.cli("notify", "--state-dir", "state")
    assert result.code == 3
    assert "reconcile.yaml:" in result.err and "BILLING_SECRET" in result.err
    assert receiver.got == []


def test_a_sink_of_the_wrong_shape_is_a_validation_error_with_file_and_line(
    studio: Studio,
) -> None:
    studio.edit("reconcile.yaml", lambda doc: doc.update(notify=[{"http": {"url": "ftp://x"}}]))
    result = studio.cli("validate")
    assert result.code == 3
    assert "reconcile.yaml:" in result.err or "reconcile.yaml:" in result.out
