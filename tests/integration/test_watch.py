"""``reconcile watch`` end to end: the real command in its own process, following the sandbox's
event stream through the SDK, while people act in Box with their own tokens."""

from __future__ import annotations

import io
import json
import re
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest
from box_sdk_gen import (
    CreateCollaborationAccessibleBy,
    CreateCollaborationAccessibleByTypeField,
    CreateCollaborationItem,
    CreateCollaborationItemTypeField,
    CreateCollaborationRole,
    UploadFileAttributes,
    UploadFileAttributesParentField,
)

from tests.integration.conftest import ACME_FOLDER, CMO, INITECH_FILE, Studio
from tests.integration.watching import (
    ACME_REVIEWED,
    NOTE,
    SECRET,
    Watch,
    assigned_files,
    configure,
    decisions,
    reject,
    wait_until,
)
from tests.receiver import Receiver

RETOUCHED_FOLDER = "213534631622"  # below the acme delivery folder


@pytest.fixture
def watching(studio: Studio) -> Iterator[list[Watch]]:
    started: list[Watch] = []
    yield started
    for watch in started:
        watch.stop(signal.SIGKILL)
        # Every scenario is served by the stream itself, never by the resync when it stops.
        assert "full reconcile (event stream" not in watch.log, watch.log


def start(studio: Studio, watching: list[Watch], *args: str) -> Watch:
    watch = Watch(studio, *args)
    watching.append(watch)
    watch.wait_for_log("full reconcile (start)")
    return watch


def test_an_acceptance_gets_its_tasks_from_the_running_watcher(
    studio: Studio, watching: list[Watch]
) -> None:
    configure(studio)
    watch = start(studio, watching)
    # The start reconcile invites Jane (no Box account yet): nothing to assign to her.
    wait_until(
        lambda: any(c["invite_email"] for c in studio.collaborations(ACME_FOLDER)),
        30,
        "Jane's invitation",
        watch,
    )
    studio.sign_up("jane.doe@acme.example")  # she signs up and accepts, in Box
    jane = next(u["id"] for u in studio.state()["users"] if u["login"] == "jane.doe@acme.example")
    got = wait_until(
        lambda: assigned_files(studio, jane) == ACME_REVIEWED or None,
        30,
        "Jane's assignments",
        watch,
    )
    assert got
    assert ": touched by" in watch.log  # a targeted pass did it, not a resync
    assert watch.stop() == 0
    assert "stopping after the pass under way" in watch.log
    studio.assert_converged()


def test_with_the_enterprise_stream_an_acceptance_comes_by_the_changes_stream_at_once(
    studio: Studio, watching: list[Watch]
) -> None:
    # While nobody but the reconciler acts, the enterprise stream is read only every 10
    # minutes here: the acceptance must come by the changes stream, and Jane's decision by
    # the enterprise stream read often once she has acted. No burst window: an event brought
    # by both streams would be two passes.
    configure(
        studio,
        stream_type="admin_logs_streaming",
        idle_event_poll_seconds=600,
        coalesce_seconds=0,
    )
    watch = start(studio, watching)
    assert "following the changes stream beside it" in watch.log
    wait_until(
        lambda: any(c["invite_email"] for c in studio.collaborations(ACME_FOLDER)),
        30,
        "Jane's invitation",
        watch,
    )
    watch.settle("changes")
    passes_before = watch.log.count("reconciling acme-spring-2026: touched by")
    token = studio.sign_up("jane.doe@acme.example")
    jane = next(u["id"] for u in studio.state()["users"] if u["login"] == "jane.doe@acme.example")
    wait_until(
        lambda: assigned_files(studio, jane) == ACME_REVIEWED or None, 30, "her tasks", watch
    )
    file_id = reject(studio, token)
    ledger_file = studio.path("decisions.jsonl")
    found = wait_until(lambda: decisions(ledger_file), 30, "her decision", watch)
    assert [(d["file"]["id"], d["client"].casefold()) for d in found] == [
        (file_id, "jane.doe@acme.example")
    ]
    watch.stop()
    # One pass for the acceptance (the enterprise stream does not bring it a second time)
    # and one for the decision.
    assert watch.log.count("reconciling acme-spring-2026: touched by") - passes_before == 2
    positions = json.loads(studio.path("state/stream.json").read_text(encoding="utf-8"))
    assert set(positions["positions"]) == {"admin_logs_streaming", "changes"}


def test_a_new_upload_gets_its_task(studio: Studio, watching: list[Watch]) -> None:
    configure(studio)
    watch = start(studio, watching)
    wait_until(lambda: assigned_files(studio, CMO) == ACME_REVIEWED or None, 30, "tasks", watch)
    watch.settle()
    attributes = UploadFileAttributes(
        name="retouched-07.jpg", parent=UploadFileAttributesParentField(id=RETOUCHED_FOLDER)
    )
    uploaded = studio.client().uploads.upload_file(attributes, io.BytesIO(b"pixels"))
    assert uploaded.entries
    new_file = str(uploaded.entries[0].id)
    wait_until(lambda: new_file in assigned_files(studio, CMO) or None, 30, "the new task", watch)
    # Only the delivery whose folder holds the new file was read again.
    assert re.search(r"reconciling acme-spring-2026: touched by \d+ hints?\n", watch.log), watch.log
    watch.stop()
    studio.assert_converged()


@pytest.mark.parametrize("stream_type", ["changes", "admin_logs_streaming"])
def test_a_rejection_reaches_both_sinks_once_signed_with_the_note(
    studio: Studio, watching: list[Watch], receiver: Receiver, stream_type: str
) -> None:
    configure(studio, url=receiver.url, stream_type=stream_type)
    watch = start(studio, watching)
    wait_until(lambda: assigned_files(studio, CMO) == ACME_REVIEWED or None, 30, "tasks", watch)
    file_id = reject(studio, "cmo-token")
    ledger_file = studio.path("decisions.jsonl")
    found = wait_until(lambda: decisions(ledger_file), 30, "the decision in the ledger", watch)
    posted = wait_until(lambda: receiver.accepted("decision"), 30, "the decision POSTed", watch)
    assert [(d["file"]["id"], d["decision"], d["message"]) for d in found] == [
        (file_id, "rejected", NOTE)
    ]
    assert len(posted) == 1 and posted[0].signed_with(SECRET)
    assert posted[0].document == found[0]
    if stream_type == "changes":
        assert "carries no decisions on review tasks" in watch.log
    watch.stop()
    assert len(decisions(ledger_file)) == 1 and len(receiver.accepted("decision")) == 1


@pytest.mark.parametrize("stream_type", ["changes", "admin_logs_streaming"])
def test_killed_and_restarted_nothing_is_sent_twice_nothing_is_missed(
    studio: Studio, watching: list[Watch], receiver: Receiver, stream_type: str
) -> None:
    configure(studio, url=receiver.url, stream_type=stream_type)
    ledger_file = studio.path("decisions.jsonl")
    first = start(studio, watching)
    wait_until(lambda: assigned_files(studio, CMO) == ACME_REVIEWED or None, 30, "tasks", first)
    one = reject(studio, "cmo-token")
    wait_until(lambda: decisions(ledger_file), 30, "the first decision", first)
    posted = wait_until(lambda: receiver.accepted("decision"), 30, "the first POST", first)
    # Killed once the deliveries are written down (a kill between a sink's answer and that
    # write may re-send those notices, with the same ids: the documented at-least-once moment;
    # each sink sends from its own thread, so the decision may not be the last one taken).
    wait_until(
        lambda: recorded(studio, posted[0].headers["x-reconcile-id"]), 30, "the record", first
    )
    wait_until(lambda: nothing_owed(studio), 30, "every notice recorded", first)
    first.stop(signal.SIGKILL)
    two = reject(studio, "cmo-token", note="Too dark")  # while nobody watches
    second = start(studio, watching)
    # It resumed every stream it follows from where the first one stopped.
    assert f"resuming the {stream_type} stream" in second.log
    assert "resuming the changes stream" in second.log
    wait_until(lambda: len(decisions(ledger_file)) == 2 or None, 30, "the missed one", second)
    wait_until(lambda: len(receiver.accepted("decision")) == 2 or None, 30, "its POST", second)
    second.stop()
    assert sorted(d["file"]["id"] for d in decisions(ledger_file)) == sorted([one, two])
    ids = [r.headers["x-reconcile-id"] for r in receiver.accepted()]
    assert len(ids) == len(set(ids)), "a notice was sent twice"
    lines = [d["id"] for d in json_lines(ledger_file)]
    assert len(lines) == len(set(lines))


def nothing_owed(studio: Studio) -> bool:
    """The state dir says every sink took every notice it was offered."""
    path = studio.path("state/notify.db")
    if not path.exists():
        return False
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            (owed,) = db.execute("SELECT count(*) FROM owed").fetchone()
            (sent,) = db.execute("SELECT count(*) FROM sent").fetchone()
    except sqlite3.Error:
        return False
    return owed == 0 and sent > 0


def recorded(studio: Studio, notice_id: str) -> bool:
    """The state dir says every sink took that notice."""
    path = studio.path("state/notify.db")
    if not path.exists():
        return False
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            sinks = {sink for (sink,) in db.execute("SELECT DISTINCT sink FROM sent")}
            took = {
                sink for (sink,) in db.execute("SELECT sink FROM sent WHERE id = ?", (notice_id,))
            }
    except sqlite3.Error:
        return False
    return len(sinks) == 2 and took == sinks


def json_lines(path: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_receiver_failing_three_times_gets_the_decision_once(
    studio: Studio, watching: list[Watch], receiver: Receiver
) -> None:
    configure(studio, url=receiver.url)
    watch = start(studio, watching)
    wait_until(lambda: assigned_files(studio, CMO) == ACME_REVIEWED or None, 30, "tasks", watch)
    wait_until(lambda: receiver.accepted(), 30, "the invitations POSTed", watch)
    watch.settle()
    # Each sink sends from its own thread: wait until the backlog is taken, not only begun.
    wait_until(lambda: nothing_owed(studio), 30, "the backlog delivered", watch)
    receiver.answers = [500, 500, 500]
    reject(studio, "cmo-token")
    posted = wait_until(lambda: receiver.accepted("decision"), 30, "the decision", watch)
    watch.stop()
    decision_tries = [r for r in receiver.got if r.document.get("type") == "decision"]
    assert [r.status for r in decision_tries] == [500, 500, 500, 200]
    assert len(posted) == 1


def test_a_position_older_than_box_keeps_events_means_a_full_resync_from_now(
    studio: Studio, watching: list[Watch]
) -> None:
    configure(studio, retention_days=21)
    state = studio.path("state")
    state.mkdir()
    stale = {"stream_type": "changes", "position": "1", "saved_at": "2020-01-01T00:00:00Z"}
    (state / "stream.json").write_text(json.dumps(stale), encoding="utf-8")
    watch = start(studio, watching)
    assert "older than Box keeps events" in watch.log
    saved = json.loads((state / "stream.json").read_text(encoding="utf-8"))
    assert saved["saved_at"] > "2020-01-01T00:00:00Z" and saved["positions"]["changes"] != "1"
    watch.stop()


def test_a_manifest_edited_while_watching_is_picked_up(
    studio: Studio, watching: list[Watch]
) -> None:
    configure(studio)
    watch = start(studio, watching)
    globex = "deliveries/globex/lookbook.yaml"

    def add_client(doc: dict[str, Any]) -> None:
        doc["clients"].append({"email": "new.buyer@globex.example", "role": "viewer"})

    studio.edit(globex, add_client)
    wait_until(
        lambda: any(
            c["invite_email"] == "new.buyer@globex.example"
            for c in studio.state()["collaborations"]
        ),
        30,
        "the new client's invitation",
        watch,
    )
    assert "the manifests changed" in watch.log
    watch.stop()
    studio.assert_converged()


def test_removals_above_the_limits_are_held_back_and_the_rest_is_applied(
    studio: Studio, watching: list[Watch]
) -> None:
    configure(studio)
    client = studio.client()
    strays = []
    for n in range(3):  # shared by hand in Box, on the file initech delivers
        strays.append(
            client.user_collaborations.create_collaboration(
                CreateCollaborationItem(
                    type=CreateCollaborationItemTypeField.FILE, id=INITECH_FILE
                ),
                CreateCollaborationAccessibleBy(
                    type=CreateCollaborationAccessibleByTypeField.USER,
                    login=f"old-{n}@initech.example",
                ),
                CreateCollaborationRole.VIEWER,
            ).id
        )
    studio.edit("deliveries/initech/stills.yaml", lambda doc: doc.update(prune=True))
    studio.edit("reconcile.yaml", lambda doc: doc["safety"].update(max_removals=2))
    watch = start(studio, watching)
    wait_until(lambda: assigned_files(studio, CMO) == ACME_REVIEWED or None, 30, "tasks", watch)
    watch.settle()
    assert "refused removals (the rest was applied)" in watch.log
    assert "safety.max_removals = 2" in watch.log
    left = {c["id"] for c in studio.collaborations(INITECH_FILE)}
    assert set(strays) <= left  # nothing above the limit was removed
    invited = {c["invite_email"] for c in studio.collaborations(INITECH_FILE)}
    assert "buyer@initech.example" in invited  # and what the manifest adds was applied
    assert watch.stop() == 0


def test_sigterm_while_applying_lets_the_changes_under_way_finish(
    studio: Studio, watching: list[Watch]
) -> None:
    configure(studio)
    studio.faults(latency_ms=300)  # so the start apply is still writing when the signal comes
    watch = Watch(studio)
    watching.append(watch)
    wait_until(
        lambda: any(r["method"] == "POST" for r in studio.requests()), 30, "the first write", watch
    )
    assert watch.stop() == 0
    assert "SIGTERM: stopping after the pass under way" in watch.log
    assert "stopped after 1 pass" in watch.log
    assert "the changes under way finished" in watch.log and "not started" in watch.log
    studio.no_faults()
    # Whatever was written was written whole, and the next run carries on from there.
    assert studio.apply().code == 0
    studio.assert_converged()
