"""The doctor's verdicts from Box's answers, case by case: what fails, what cannot tell, and the
stream type recommended for each kind of account; and the long-poll reach over a real socket."""

from __future__ import annotations

import logging
import socket
from datetime import datetime, timedelta, timezone

import pytest

from reconciler.box.probe import Owner, unreachable
from reconciler.doctor import Diagnosis, Verdict, log_diagnosis
from reconciler.doctor.account import clock, enterprise_stream, webhook_limit
from reconciler.doctor.checks import fail, ok, unknown
from reconciler.doctor.items import TaskSample, ownership, task_listing
from reconciler.doctor.streams import BUSY, MISSING, Fitness, empty_page, long_poll, stream_type
from reconciler.errors import BoxUnavailable, Forbidden
from reconciler.model import ItemKind, ItemRef, WebhookSpec

ME, OTHER = "10001", "10002"
FOLDER = ItemRef(ItemKind.FOLDER, "100")
FILE = ItemRef(ItemKind.FILE, "200")
WHERE = {FOLDER: "deliveries/a.yaml:6:11", FILE: "deliveries/b.yaml:6:9"}
SPEC = WebhookSpec("https://hooks.example/box", ("FILE.UPLOADED",))
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)


def owned(ref: ItemRef, by: str) -> Owner:
    return Owner(ref, f"item {ref.id}", by, f"{by}@studio.example")


OWNERSHIP = {
    "the account owns everything": (
        [owned(FOLDER, ME), owned(FILE, ME)],
        {},
        "changes",
        Verdict.OK,
    ),
    "owned by another on the changes stream": (
        [owned(FOLDER, OTHER)],
        {},
        "changes",
        Verdict.FAIL,
    ),
    "owned by another on the all stream": ([owned(FOLDER, OTHER)], {}, "all", Verdict.FAIL),
    "owned by another on the enterprise stream": (
        [owned(FOLDER, OTHER)],
        {},
        "admin_logs_streaming",
        Verdict.UNKNOWN,
    ),
    "owned by another with webhooks only": ([owned(FOLDER, OTHER)], {}, "none", Verdict.UNKNOWN),
    "an item Box does not give": (
        [owned(FOLDER, ME)],
        {FILE: "Not Found (status 404)"},
        "admin_logs_streaming",
        Verdict.FAIL,
    ),
    "nothing delivered": ([], {}, "changes", Verdict.UNKNOWN),
}


@pytest.mark.parametrize(
    ("owners", "unreadable", "stream", "verdict"), OWNERSHIP.values(), ids=OWNERSHIP.keys()
)
def test_ownership(
    owners: list[Owner], unreadable: dict[ItemRef, str], stream: str, verdict: Verdict
) -> None:
    check = ownership(owners, unreadable, ME, stream, WHERE)

    assert check.verdict is verdict
    if verdict is not Verdict.OK and owners and any(o.owner_id == OTHER for o in owners):
        assert WHERE[FOLDER] in check.detail
        assert f"--as-user {OTHER}" in check.fix


def test_an_item_that_cannot_be_read_is_named_at_its_manifest_line() -> None:
    check = ownership([], {FILE: "Not Found (status 404)"}, ME, "changes", WHERE)

    assert f"{WHERE[FILE]}: file 200: Not Found" in check.detail
    assert check.facts["unreadable"] == [
        {"type": "file", "id": "200", "why": "Not Found (status 404)", "where": WHERE[FILE]}
    ]


CLOCKS = {
    "in step": (timedelta(seconds=0.4), Verdict.OK),
    "a minute behind, just": (timedelta(seconds=-59), Verdict.OK),
    "61 s ahead": (timedelta(seconds=61), Verdict.FAIL),
    "five minutes behind": (timedelta(minutes=-5), Verdict.FAIL),
}


@pytest.mark.parametrize(("skew", "verdict"), CLOCKS.values(), ids=CLOCKS.keys())
def test_clock(skew: timedelta, verdict: Verdict) -> None:
    check = clock(NOW, NOW + skew)

    assert check.verdict is verdict
    assert check.facts["skew_seconds"] == round(skew.total_seconds(), 1)
    assert ("NTP" in check.fix) is (verdict is Verdict.FAIL)


def test_no_date_from_box_cannot_tell() -> None:
    assert clock(None, NOW).verdict is Verdict.UNKNOWN


LIMITS = {
    "a few in use": (5, 3, None, Verdict.OK),
    "the limit reached": (1000, 0, None, Verdict.FAIL),
    "more delivered folders than Box allows": (0, 1001, SPEC, Verdict.FAIL),
    "room only if many exist already": (990, 20, SPEC, Verdict.UNKNOWN),
    "room for every delivered folder": (10, 20, SPEC, Verdict.OK),
    "listing refused": (Forbidden("list the webhooks: no", status=403), 3, SPEC, Verdict.UNKNOWN),
}


@pytest.mark.parametrize(("used", "folders", "spec", "verdict"), LIMITS.values(), ids=LIMITS.keys())
def test_webhook_limit(
    used: int | Forbidden, folders: int, spec: WebhookSpec | None, verdict: Verdict
) -> None:
    assert webhook_limit(used, folders, spec).verdict is verdict


def test_a_refused_enterprise_stream_names_the_role_and_the_scope() -> None:
    refused = Forbidden("read the enterprise event stream: no", status=403)

    check = enterprise_stream(refused, "user")

    assert check.verdict is Verdict.FAIL
    assert "admin" in check.fix and "Manage enterprise properties" in check.fix
    assert "(this one: user)" in check.fix
    assert enterprise_stream(BoxUnavailable("down"), "").verdict is Verdict.UNKNOWN


PAGES = {
    "zero as a string": ("0", True),
    "zero as a number": (0, True),
    "no position at all": (MISSING, True),
    "the latest position": ("1234", False),
}


@pytest.mark.parametrize(("position", "keeps"), PAGES.values(), ids=PAGES.keys())
def test_empty_page(position: object, keeps: bool) -> None:
    check = empty_page(position, True)

    assert check.verdict is Verdict.OK
    assert check.facts["keeps_position"] is keeps


def test_an_empty_page_cannot_be_told_without_the_stream_or_when_it_is_busy() -> None:
    assert empty_page(None, False).verdict is Verdict.UNKNOWN
    assert empty_page(BUSY, True).verdict is Verdict.UNKNOWN


def test_a_mini_task_listing_is_ok_with_a_note() -> None:
    sample = TaskSample(
        "200", "hero.jpg", "7", ("type", "id", "item", "due_at"), ("type", "id", "action")
    )

    check = task_listing(sample, 1)

    assert check.verdict is Verdict.OK
    assert check.facts["mini"] is True
    assert "even with fields there is no " in check.detail and "created_by" in check.detail
    assert task_listing(None, 12).verdict is Verdict.UNKNOWN


FITS = {
    "an admin with everything": (
        Fitness(True, True, True, True),
        "changes",
        "admin_logs_streaming",
        Verdict.OK,
    ),
    "an owner without enterprise rights": (
        Fitness(False, True, True, True),
        "changes",
        "all",
        Verdict.OK,
    ),
    "no owner, no enterprise rights": (
        Fitness(False, False, True, True),
        "changes",
        "none",
        Verdict.FAIL,
    ),
    "the enterprise stream configured but refused": (
        Fitness(False, True, True, True),
        "admin_logs_streaming",
        "all",
        Verdict.FAIL,
    ),
    "an owner behind a firewall": (
        Fitness(False, True, False, True),
        "changes",
        "none",
        Verdict.FAIL,
    ),
    "webhooks configured": (Fitness(False, False, False, True), "none", "none", Verdict.OK),
    "a delivered folder the account cannot read": (
        Fitness(False, None, True, True),
        "all",
        "none",
        Verdict.UNKNOWN,
    ),
}


@pytest.mark.parametrize(
    ("fit", "configured", "recommended", "verdict"), FITS.values(), ids=FITS.keys()
)
def test_recommended_stream_type(
    fit: Fitness, configured: str, recommended: str, verdict: Verdict
) -> None:
    check, chosen = stream_type(configured, fit)

    assert chosen == recommended
    assert check.verdict is verdict
    if verdict is Verdict.FAIL:
        assert f"watch.stream_type: {recommended}" in check.fix


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_long_poll_server_nobody_listens_on_fails_with_the_fix() -> None:
    url = f"http://127.0.0.1:{closed_port()}/subscribe?channel=secret-channel"
    why = unreachable(url, 2.0)

    check = long_poll(url, why, "changes")

    assert why.startswith("cannot connect to 127.0.0.1:")
    assert check.verdict is Verdict.FAIL
    assert "open egress" in check.fix and "admin_logs_streaming" in check.fix
    assert "secret-channel" not in str(check.to_dict())  # the channel is the account's
    assert long_poll(url, why, "none").verdict is Verdict.OK


def test_a_listening_long_poll_server_is_reachable() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        url = f"http://127.0.0.1:{server.getsockname()[1]}/subscribe"
        assert unreachable(url, 2.0) == ""


def test_a_diagnosis_fails_only_on_a_failed_check_and_logs_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    checks = (ok("credentials", "fine"), unknown("task_listing", "no task"))
    assert Diagnosis(checks, "changes", "changes").ok
    failing = Diagnosis((*checks, fail("clock", "far", "NTP")), "changes", "changes")
    assert not failing.ok
    assert failing.to_dict()["counts"] == {"ok": 1, "fail": 1, "unknown": 1}

    with caplog.at_level(logging.INFO):
        log_diagnosis(failing, logging.getLogger("reconciler.watch"))

    levels = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert levels[0] == (logging.INFO, "✔ Credentials and account: fine")
    assert levels[2] == (logging.ERROR, "✘ Clock against Box's: far (fix: NTP)")
