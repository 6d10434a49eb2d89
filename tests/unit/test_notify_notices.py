"""What a notice says a person can act on: the file's result and billable once per file with
several approvers, a re-marked decision as a new notice naming the earlier one, routing by
``on:``, and the Standard Webhooks signature a library verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.model import ItemKind, ItemRef, PrincipalKind
from reconciler.notify.ledger import Ledger
from reconciler.notify.notices import Notice, notices
from reconciler.notify.statedir import StateDir
from reconciler.notify.webhook import signed_headers
from reconciler.notify.words import headline
from reconciler.status.report import (
    ClientStatus,
    DeliveryStatus,
    FileState,
    FileStatus,
    Invitation,
    ItemInvitation,
    StatusReport,
)

FOLDER = ItemRef(ItemKind.FOLDER, "100")


def client(login: str, *files: FileStatus) -> ClientStatus:
    items = (ItemInvitation(FOLDER, Invitation.ACCEPTED),)
    return ClientStatus(
        login, PrincipalKind.EMAIL, Invitation.ACCEPTED, items, None, files, name="Jo"
    )


def decided(
    state: FileState, at: str, assignment: str, result: FileState, rule: str = "all_assignees"
) -> FileStatus:
    return FileStatus(
        "7", "hero.jpg", state, at, assignment, "", result=result, completion_rule=rule
    )


def report(*clients: ClientStatus) -> StatusReport:
    return StatusReport((DeliveryStatus("acme", "deliveries/acme.yaml", clients),))


def decisions(found: list[Notice]) -> list[dict[str, object]]:
    return [n.document for n in found if n.kind == "decision"]


class Recorder:
    def __init__(self, name: str, *on: str) -> None:
        self.name = name
        self.on = frozenset(on)
        self.got: list[Notice] = []

    def send(self, notice: Notice) -> None:
        self.got.append(notice)


def offer(ledger: Ledger, found: list[Notice], *sinks: Recorder) -> None:
    ledger.offer(found, list(sinks))
    ledger.deliver(list(sinks))


A, B = "a@acme.example", "b@acme.example"


def test_one_approval_of_two_is_not_billable_the_second_is() -> None:
    half = report(
        client(A, decided(FileState.APPROVED, "2026-03-01T09:00:00Z", "1", FileState.TO_REVIEW)),
        client(B, FileStatus("7", "hero.jpg", FileState.TO_REVIEW, assignment_id="2")),
    )
    [first] = decisions(notices(half, seen_at="t"))
    assert (first["result"], first["billable"]) == ("to_review", False)
    both = report(
        client(A, decided(FileState.APPROVED, "2026-03-01T09:00:00Z", "1", FileState.APPROVED)),
        client(B, decided(FileState.APPROVED, "2026-03-01T10:00:00Z", "2", FileState.APPROVED)),
    )
    found = decisions(notices(both, seen_at="t"))
    assert [(d["client"], d["billable"]) for d in found] == [(A, False), (B, True)]
    assert found[1]["link"] == "https://app.box.com/file/7"
    assert found[1]["client_name"] == "Jo"


def test_under_any_assignee_the_first_decision_settles_the_file() -> None:
    both = report(
        client(A, decided(FileState.APPROVED, "2026-03-01T09:00:00Z", "1", FileState.APPROVED,
                          "any_assignee")),
        client(B, decided(FileState.APPROVED, "2026-03-01T10:00:00Z", "2", FileState.APPROVED,
                          "any_assignee")),
    )  # fmt: skip
    found = decisions(notices(both, seen_at="t"))
    assert [(d["client"], d["billable"]) for d in found] == [(A, True), (B, False)]


def test_a_re_marked_decision_is_a_new_notice_naming_the_earlier_one(tmp_path: Path) -> None:
    sink = Recorder("test:all", "approved", "rejected")
    marks = [
        (FileState.APPROVED, "2026-03-01T09:00:00Z"),
        (FileState.REJECTED, "2026-03-02T09:00:00Z"),
        (FileState.APPROVED, "2026-03-03T09:00:00Z"),
    ]
    with StateDir.open(tmp_path) as state:
        ledger = Ledger(state)
        for mark, at in marks:
            seen = report(client(A, decided(mark, at, "1", mark)))
            offer(ledger, notices(seen, seen_at=at), sink)
            offer(ledger, notices(seen, seen_at=at + "again"), sink)  # read twice: once
    with StateDir.open(tmp_path) as state:  # a restart re-reads the last one: nothing new
        offer(Ledger(state), notices(seen, seen_at="later"), sink)
    got = [n.document for n in sink.got]
    assert [(d["decision"], d["previous"]) for d in got] == [
        ("approved", None),
        ("rejected", "approved"),
        ("approved", "rejected"),
    ]
    assert len({d["id"] for d in got}) == 3
    assert [d["billable"] for d in got] == [True, False, False]  # billed once per file
    assert headline(sink.got[1]) == "Rejected (was approved) by a@acme.example: hero.jpg — acme"


def test_each_sink_gets_only_the_kinds_it_asked_for(tmp_path: Path) -> None:
    billing, team = Recorder("test:billing", "approved"), Recorder("test:team", "rejected")
    seen = report(
        client(A, decided(FileState.APPROVED, "2026-03-01T09:00:00Z", "1", FileState.APPROVED)),
        client(B, FileStatus("8", "spot.mp4", FileState.REJECTED, "2026-03-01T09:00:00Z", "2")),
    )
    with StateDir.open(tmp_path) as state:
        ledger = Ledger(state)
        offer(ledger, notices(seen, seen_at="t"), billing, team)
        assert ledger.owed == {}
    assert [n.document["decision"] for n in billing.got] == ["approved"]
    assert [n.document["decision"] for n in team.got] == ["rejected"]


@pytest.mark.parametrize("secret", ["whsec_c2VjcmV0LWtleQ==", "an older plain secret"])
def test_the_http_signature_verifies_with_the_standardwebhooks_library(secret: str) -> None:
    standardwebhooks = pytest.importorskip("standardwebhooks")
    from reconciler.manifest.notify_config import webhook_key

    body = json.dumps({"id": "n1", "type": "decision"}).encode()
    key = webhook_key(secret)
    assert key is not None
    headers = signed_headers(key, "n1", body)
    # A whsec_ secret is given to the library as printed; an older one as its bytes.
    verifier = standardwebhooks.Webhook(secret if secret.startswith("whsec_") else key)
    assert verifier.verify(body, headers) == {"id": "n1", "type": "decision"}
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        verifier.verify(body.replace(b"decision", b"approved"), headers)


def test_the_bill_goes_to_a_new_approval_when_the_one_that_settled_was_announced_before(
    tmp_path: Path,
) -> None:
    # Under all_assignees, B approves first and is announced while A's review is still open;
    # A approves within the same second. Box times decisions to the second, so the tie is
    # broken by assignment id, and B's (announced already, not billable) is the one that
    # "settled" the file. The bill must still be announced once, on A's new approval.
    sink = Recorder("test:all", "approved", "rejected")
    at = "2026-03-01T09:00:00Z"
    with StateDir.open(tmp_path) as state:
        ledger = Ledger(state)
        pending = report(
            client(A, FileStatus("7", "hero.jpg", FileState.TO_REVIEW, None, "1", "",
                                 result=FileState.TO_REVIEW, completion_rule="all_assignees")),
            client(B, decided(FileState.APPROVED, at, "2", FileState.TO_REVIEW)),
        )  # fmt: skip
        offer(ledger, notices(pending, seen_at=at), sink)
    with StateDir.open(tmp_path) as state:  # the watcher restarted in between
        ledger = Ledger(state)
        both = report(
            client(A, decided(FileState.APPROVED, at, "1", FileState.APPROVED)),
            client(B, decided(FileState.APPROVED, at, "2", FileState.APPROVED)),
        )
        offer(ledger, notices(both, seen_at=at), sink)
        offer(ledger, notices(both, seen_at="later"), sink)  # read again: nothing new
    got = [(n.document["client"], n.document["billable"]) for n in sink.got]
    assert got == [(B, False), (A, True)]
