"""``reconcile notify`` to the people's own channels, through the real command against the sample
studio: email through a real SMTP server on 127.0.0.1 (aiosmtpd), chat through Apprise to a
loopback JSON endpoint, ``on:`` routing, a client's Box comment, and bad sink settings refused
with the line of reconcile.yaml."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest

from reconciler.box.people import Person
from reconciler.notify.mailbox import Mailbox, free_port
from tests.conftest import CONTROL_TOKEN
from tests.integration.conftest import ACME_FOLDER, Result, Studio
from tests.integration.test_notify import NOTE, ledger_lines, reject_one
from tests.receiver import Receiver

SECRET = "whsec_" + "c2VjcmV0LWtleS1mb3ItdGhlLWJpbGxpbmctdGVzdHM="  # base64 of a test key
TEAM = "team@studio.example"


class Refusing(Mailbox):
    """An SMTP server that takes ``take`` messages, then answers 451 (try again later)."""

    def __init__(self, port: int, take: int) -> None:
        super().__init__(port)
        self.take = take

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if len(self.received) >= self.take:
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    running = Mailbox().start()
    yield running
    running.stop()


def email_sink(port: int, *on: str, **extra: Any) -> dict[str, Any]:
    email = {"host": "127.0.0.1", "port": port, "from": "reconcile@studio.example", "to": [TEAM]}
    sink: dict[str, Any] = {"email": {**email, **extra}}
    if on:
        sink["on"] = list(on)
    return sink


def with_notify(studio: Studio, *sinks: dict[str, Any]) -> None:
    studio.edit("reconcile.yaml", lambda doc: doc.update(notify=list(sinks)))


def notify(studio: Studio, **env: str) -> Result:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return studio.cli("notify", "--state-dir", "state")
    finally:
        os.environ.clear()
        os.environ.update(saved)


def make_owed_due(studio: Studio) -> None:
    """The wait before trying a failed sink again is kept in the state dir; make it due now."""
    with closing(sqlite3.connect(studio.path("state/notify.db"))) as db, db:
        for ident, text in db.execute("SELECT id, entry FROM owed").fetchall():
            entry = json.loads(text)
            for tries in entry["tries"].values():
                tries["next"] = "2000-01-01T00:00:00Z"
            db.execute("UPDATE owed SET entry = ? WHERE id = ?", (json.dumps(entry), ident))


def text_of(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def html_of(message: Any) -> str:
    return str(message.get_body(preferencelist=("html",)).get_content())


def test_a_rejection_emails_the_team_once_with_the_message_the_link_and_the_result(
    studio: Studio, mailbox: Mailbox
) -> None:
    with_notify(
        studio, {"jsonl": "decisions.jsonl"}, email_sink(mailbox.port, "rejected", cc=["pm@x.io"])
    )
    file_id = reject_one(studio)
    assert notify(studio).code == 0
    decision = next(d for d in ledger_lines(studio) if d["type"] == "decision")
    assert len(mailbox.received) == 1
    mail = mailbox.received[0]
    path = decision["file"]["path"]
    assert mail["Subject"] == f"Rejected by cmo@acme.example: {path} — acme-spring-2026"
    assert (mail["To"], mail["Cc"], mail["From"]) == (TEAM, "pm@x.io", "reconcile@studio.example")
    assert mail["Message-ID"] == f"<{decision['id']}.reconcile@studio.example>"
    link = f"https://app.box.com/file/{file_id}"
    for body in (text_of(mail), html_of(mail)):
        assert NOTE in body and link in body and "acme-spring-2026" in body
        assert "rejected (completion rule: all_assignees)" in body
    assert f"href='{link}'" in html_of(mail)
    # Read again: nothing new, no second email.
    assert notify(studio).code == 0
    assert len(mailbox.received) == 1


def test_an_smtp_server_down_then_refusing_mid_backlog_gets_each_email_once(
    studio: Studio,
) -> None:
    port = free_port()  # nothing listens there yet: the server is down
    with_notify(studio, {"jsonl": "decisions.jsonl"}, email_sink(port))
    reject_one(studio)
    down = notify(studio)
    assert down.code == 1 and "still owed" in down.err
    notices = ledger_lines(studio)
    assert len(notices) > 3  # invitations, acceptances and the decision: a backlog
    make_owed_due(studio)
    refusing = Refusing(port, take=2).start()  # back, but it takes two and then says later
    try:
        partly = notify(studio)
        assert partly.code == 1
        assert len(refusing.received) == 2
    finally:
        refusing.stop()
    make_owed_due(studio)
    back = Mailbox(port).start()  # a new run after the interruption takes the rest
    try:
        rest = notify(studio)
        assert rest.code == 0, rest.text
    finally:
        back.stop()
    sent = [m["Message-ID"] for m in refusing.received + back.received]
    assert len(sent) == len(set(sent)) == len(notices)
    assert sorted(sent) == sorted(f"<{n['id']}.reconcile@studio.example>" for n in notices)


def test_routing_sends_approvals_only_to_billing_and_rejections_only_to_email(
    studio: Studio, mailbox: Mailbox, receiver: Receiver
) -> None:
    billing = {"url": receiver.url, "secret_env": "BILLING_SECRET", "backoff_seconds": 0}
    with_notify(studio, {"http": billing, "on": ["approved"]}, email_sink(mailbox.port, "rejected"))
    assert studio.apply().code == 0
    cmo = Person(studio.box.base_url, "cmo-token")
    (approved, first), (rejected, second) = cmo.my_assignments(ACME_FOLDER)[:2]
    cmo.resolve(first.id, "approved", "")
    cmo.resolve(second.id, "rejected", NOTE)
    assert notify(studio, BILLING_SECRET=SECRET).code == 0
    posted = [r.document for r in receiver.accepted()]
    assert [(d["type"], d["decision"], d["file"]["id"]) for d in posted] == [
        ("decision", "approved", approved.id)
    ]
    assert [m["Subject"].split(" by ")[0] for m in mailbox.received] == ["Rejected"]
    assert rejected.id in text_of(mailbox.received[0])


def test_an_apprise_sink_posts_one_chat_message_per_notice(
    studio: Studio, receiver: Receiver
) -> None:
    pytest.importorskip("apprise")
    port = receiver.port
    kinds = ["rejected", "acceptance"]
    with_notify(
        studio,
        {"jsonl": "decisions.jsonl", "on": list(kinds)},
        {"apprise": {"url_env": "CHAT_URL"}, "on": list(kinds)},
    )
    reject_one(studio)
    chat = {"CHAT_URL": f"json://127.0.0.1:{port}/chat"}
    assert notify(studio, **chat).code == 0
    notices = ledger_lines(studio)
    messages = [json.loads(r.body) for r in receiver.accepted()]
    assert len(messages) == len(notices) >= 2
    heads = sorted(m["title"].split(" by ")[0] for m in messages)
    assert heads == sorted("Rejected" if n["type"] == "decision" else "Accepted" for n in notices)
    rejection = next(m for m in messages if m["title"].startswith("Rejected by cmo@acme.example"))
    assert NOTE in rejection["message"] and "https://app.box.com/file/" in rejection["message"]
    assert notify(studio, **chat).code == 0
    assert len(receiver.accepted()) == len(notices)  # nothing twice


def test_a_client_comment_reaches_the_jsonl_sink_as_one_comment_notice(studio: Studio) -> None:
    with_notify(studio, {"jsonl": "decisions.jsonl", "on": ["comment"]})
    assert studio.apply().code == 0
    file_id = Person(studio.box.base_url, "cmo-token").my_assignments(ACME_FOLDER)[0][0].id
    said = studio.cli(
        "sandbox", "comment", "cmo@acme.example", file_id, "make the logo larger",
        "--admin-token", CONTROL_TOKEN,
    )  # fmt: skip
    assert said.code == 0, said.text
    assert notify(studio).code == 0
    assert notify(studio).code == 0  # read twice, announced once
    lines = ledger_lines(studio)
    assert [(d["type"], d["client"], d["file"]["id"], d["message"]) for d in lines] == [
        ("comment", "cmo@acme.example", file_id, "make the logo larger")
    ]
    assert lines[0]["link"] == f"https://app.box.com/file/{file_id}"


BAD_SINKS = {
    "unknown sink key": ([{"slack": {"url": "x"}}], {}, "unknown key 'slack'"),
    "port out of range": ([email_sink(70000)], {}, "expected at most 65535"),
    "unset password_env": (
        [email_sink(25, username_env="SMTP_USER", password_env="SMTP_PASSWORD", starttls=True)],
        {"SMTP_USER": "me"},
        "SMTP_PASSWORD",
    ),
    "unknown on kind": ([{"jsonl": "d.jsonl", "on": ["rejected", "aproved"]}], {}, "approved"),
    "a whsec secret that is not base64": (
        [{"http": {"url": "http://127.0.0.1:9/x", "secret_env": "BILLING_SECRET"}}],
        {"BILLING_SECRET": "whsec_not base64!"},
        "not base64",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SINKS))
def test_bad_sink_settings_exit_3_naming_the_line_of_reconcile_yaml(
    studio: Studio, case: str
) -> None:
    sinks, env, words = BAD_SINKS[case]
    with_notify(studio, *sinks)
    result = notify(studio, **env)
    assert result.code == 3, result.text
    assert re.search(r"reconcile\.yaml:\d+", result.err), result.err
    assert words in result.err
