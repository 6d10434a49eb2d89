"""Notices from the status model, and the ledger that delivers each to each sink once: across
restarts, with a sink that is down getting it later, after a wait that grows."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from reconciler.errors import SinkError
from reconciler.manifest.notify_config import NOTICE_KINDS
from reconciler.manifest.service import SinkSpec
from reconciler.model import ItemKind, ItemRef, Origin, PrincipalKind
from reconciler.notify.ledger import Ledger
from reconciler.notify.notices import Notice, notices
from reconciler.notify.sinks import JsonlSink
from reconciler.notify.statedir import StateDir
from reconciler.status.report import (
    ClientStatus,
    DeliveryStatus,
    FileState,
    FileStatus,
    Invitation,
    ItemInvitation,
    StatusReport,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
FOLDER = ItemRef(ItemKind.FOLDER, "100")


def report(*files: FileStatus, invitation: Invitation = Invitation.ACCEPTED) -> StatusReport:
    client = ClientStatus(
        "jane@acme.example",
        PrincipalKind.EMAIL,
        invitation,
        (ItemInvitation(FOLDER, invitation),),
        None,
        files,
    )
    return StatusReport((DeliveryStatus("acme", "deliveries/acme.yaml", (client,)),))


REJECTED = FileStatus("7", "hero.jpg", FileState.REJECTED, "2026-03-01T09:00:00Z", "a7", "Crop")
WAITING = FileStatus("8", "spot.mp4", FileState.TO_REVIEW, assignment_id="a8")


class Recorder:
    """A sink that can be told to fail its next N sends."""

    def __init__(self, name: str = "test:recorder", fail: int = 0) -> None:
        self.name = name
        self.on = frozenset(NOTICE_KINDS)
        self.fail = fail
        self.got: list[str] = []

    def send(self, notice: Notice) -> None:
        if self.fail:
            self.fail -= 1
            raise SinkError(f"{self.name}: answered 500")
        self.got.append(notice.id)


def test_a_report_yields_decisions_acceptances_and_invitations() -> None:
    found = notices(report(REJECTED, WAITING), seen_at="2026-03-01T12:00:00Z")
    kinds = sorted(n.kind for n in found)
    assert kinds == ["acceptance", "decision", "invitation"]
    decision = next(n for n in found if n.kind == "decision").document
    assert decision["decision"] == "rejected"
    assert decision["message"] == "Crop"
    assert decision["file"] == {
        "id": "7",
        "path": "hero.jpg",
        "link": "https://app.box.com/file/7",
    }
    assert (decision["delivery"], decision["client"], decision["at"]) == (
        "acme",
        "jane@acme.example",
        "2026-03-01T09:00:00Z",
    )


def test_the_same_fact_seen_again_is_the_same_notice() -> None:
    first = notices(report(REJECTED), seen_at="2026-03-01T12:00:00Z")
    again = notices(report(REJECTED), seen_at="2026-03-02T08:00:00Z")
    assert [n.id for n in first] == [n.id for n in again]
    pending = notices(report(invitation=Invitation.PENDING), seen_at="x")
    assert [n.kind for n in pending] == ["invitation"]  # invited, not yet accepted


def test_each_notice_reaches_each_sink_once_even_across_restarts(tmp_path: Path) -> None:
    found = notices(report(REJECTED), seen_at="t")
    one, two = Recorder("test:one"), Recorder("test:two")
    with StateDir.open(tmp_path) as state:
        ledger = Ledger(state)
        assert ledger.offer(found, [one, two]) == len(found)
        ledger.deliver([one, two], now=T0)
    with StateDir.open(tmp_path) as state:  # a new process on the same state dir
        ledger = Ledger(state)
        assert ledger.offer(found, [one, two]) == 0
        assert ledger.deliver([one, two], now=T0).delivered == []
    assert sorted(one.got) == sorted(two.got) == sorted(n.id for n in found)


def test_a_sink_that_is_down_gets_it_later_after_a_growing_wait(tmp_path: Path) -> None:
    found = [n for n in notices(report(REJECTED), seen_at="t") if n.kind == "decision"]
    up, down = Recorder("test:up"), Recorder("test:down", fail=2)
    with StateDir.open(tmp_path) as state:
        ledger = Ledger(state, first_wait=timedelta(seconds=10))
        ledger.offer(found, [up, down])
        first = ledger.deliver([up, down], now=T0)
        assert (len(first.delivered), len(first.failed), first.owed) == (1, 1, 1)
        # Within the wait nothing is tried; after it, one more failure doubles the wait.
        assert ledger.deliver([up, down], now=T0 + timedelta(seconds=5)).failed == []
        assert len(ledger.deliver([up, down], now=T0 + timedelta(seconds=11)).failed) == 1
        assert ledger.deliver([up, down], now=T0 + timedelta(seconds=25)).failed == []
        last = ledger.deliver([up, down], now=T0 + timedelta(seconds=32))
    assert (last.delivered, last.owed) == ([("test:down", found[0].id)], 0)
    assert up.got == down.got == [found[0].id]


def test_the_jsonl_sink_never_writes_an_id_twice(tmp_path: Path) -> None:
    ledger_file = tmp_path / "decisions.jsonl"
    spec = SinkSpec("jsonl", str(ledger_file), Origin("reconcile.yaml", 3, 5))
    notice = notices(report(REJECTED), seen_at="t")[0]
    JsonlSink(spec).send(notice)
    JsonlSink(spec).send(notice)  # as after a crash between the append and the ledger's save
    lines = ledger_file.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [notice.id]


def test_a_command_sink_gets_the_json_on_stdin(tmp_path: Path) -> None:
    from reconciler.notify.sinks import CommandSink

    out = tmp_path / "got.json"
    script = f"import sys; open({str(out)!r}, 'w').write(sys.stdin.read())"
    spec = SinkSpec("command", "python", Origin("r", 1, 1), command=("python3", "-c", script))
    notice = notices(report(REJECTED), seen_at="t")[0]
    CommandSink(spec).send(notice)
    assert json.loads(out.read_text(encoding="utf-8"))["id"] == notice.id
    failing = SinkSpec("command", "false", Origin("r", 1, 1), command=("false",))
    with pytest.raises(SinkError, match="exit 1"):
        CommandSink(failing).send(notice)
