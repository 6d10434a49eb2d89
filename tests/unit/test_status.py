"""``status.report`` on hand-built snapshots, and the CSV, JSON and table a user reads from it."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from reconciler.box.tasks import parse_assignment
from reconciler.model import (
    ApprovalRule,
    Client,
    Delivery,
    DesiredState,
    InviteStatus,
    ItemKind,
    ItemRef,
    LiveAssignment,
    LiveCollaboration,
    LiveFile,
    LiveItem,
    LiveState,
    LiveTask,
    LiveUser,
    Principal,
)
from reconciler.render.status import render
from reconciler.status.report import (
    Approvals,
    ClientStatus,
    FileState,
    Invitation,
    StatusReport,
    report,
)

ME = LiveUser("10001", "svc-reconciler@studio.example")
FOLDER = "500"
FOLDER_REF = ItemRef(ItemKind.FOLDER, FOLDER)
HUB_REF = ItemRef(ItemKind.HUB, "42")
CMO = LiveUser("20001", "cmo@acme.example")

DELIVERY = Delivery(
    name="acme-spring",
    file="deliveries/acme.yaml",
    folders=(FOLDER,),
    hubs=("42",),
    clients=(
        Client(Principal.email("Jane.Doe@acme.example"), "viewer"),
        Client(Principal.email("CMO@acme.example"), "editor"),
        Client(Principal.group("777"), "previewer"),
        Client(Principal.user("30003"), "viewer"),
    ),
    approval=ApprovalRule(include=("**/*.jpg",), exclude=("_internal/**",)),
)


def collab(
    cid: str, status: InviteStatus, user: LiveUser | None, email: str | None = None
) -> LiveCollaboration:
    return LiveCollaboration(
        id=cid,
        item=FOLDER_REF,
        role="viewer",
        status=status,
        principal_type="user" if user else None,
        principal_id=user.id if user else None,
        login=user.login if user else None,
        invite_email=email,
    )


def assignment(
    aid: str, who: LiveUser, state: str, at: str | None = None, message: str = ""
) -> LiveAssignment:
    return LiveAssignment(aid, who.id, who.login, state, at, message)


def review(tid: str, file_id: str, *assignments: LiveAssignment, by: str = ME.id) -> LiveTask:
    return LiveTask(tid, file_id, "review", "Approve?", "all_assignees", None, by, assignments)


def file(fid: str, path: str, *tasks: LiveTask) -> LiveFile:
    return LiveFile(fid, path.rsplit("/", 1)[-1], path, FOLDER, tasks)


OUTSIDER = LiveUser("99999", "someone@studio.example")
USER_30003 = LiveUser("30003", "buyer@acme.example")

FILES = (
    file(
        "1",
        "a-approved.jpg",
        review("t1", "1", assignment("a1", CMO, "approved", "2026-03-02T10:00:00-08:00")),
    ),
    file(
        "2",
        "b-rejected.jpg",
        review(
            "t2", "2", assignment("a2", CMO, "rejected", "2026-03-01T09:00:00Z", "Logo too small")
        ),
    ),
    file("3", "sub/c-waiting.jpg", review("t3", "3", assignment("a3", CMO, "incomplete"))),
    # someone else's task assigned to the CMO says nothing about this delivery's approval
    file(
        "4",
        "d-unassigned.jpg",
        review(
            "t4", "4", assignment("a4", CMO, "approved", "2026-03-05T00:00:00Z"), by=OUTSIDER.id
        ),
    ),
    file(
        "5",
        "spot.mp4",
        review("t5", "5", assignment("a5", CMO, "approved", "2026-03-06T00:00:00Z")),
    ),
    file("6", "_internal/raw.jpg"),
)
LIVE = LiveState(
    me=ME,
    items={
        FOLDER_REF: LiveItem(
            FOLDER_REF,
            "Acme",
            ME.id,
            (
                collab("c1", InviteStatus.PENDING, None, "jane.doe@acme.example"),
                collab("c2", InviteStatus.ACCEPTED, CMO, "cmo@acme.example"),
                LiveCollaboration(
                    "c3", FOLDER_REF, "previewer", InviteStatus.ACCEPTED, "group", "777", None, None
                ),
                collab("c4", InviteStatus.ACCEPTED, USER_30003),
            ),
        ),
        HUB_REF: LiveItem(HUB_REF, "Portal", ME.id, ()),
    },
    files={FOLDER: FILES},
)


def client_of(result: StatusReport, name: str) -> ClientStatus:
    (delivery,) = result.deliveries
    return next(c for c in delivery.clients if c.client == name)


def status_of(name: str, live: LiveState = LIVE, delivery: Delivery = DELIVERY) -> ClientStatus:
    return client_of(report(DesiredState((delivery,)), live), name)


def folder_shared_with(*collabs: LiveCollaboration) -> dict[ItemRef, LiveItem]:
    return {FOLDER_REF: LiveItem(FOLDER_REF, "Acme", ME.id, collabs)}


def rendered(format: str, *, files: bool = False, color: bool = False) -> str:
    out = io.StringIO()
    render(report(DesiredState((DELIVERY,)), LIVE), out, format=format, files=files, color=color)
    return out.getvalue()


def one_file(*assignments: LiveAssignment) -> dict[str, tuple[LiveFile, ...]]:
    return {FOLDER: (file("1", "a.jpg", review("t1", "1", *assignments)),)}


def test_an_accepted_approver_counts_each_file_state_on_the_reconcilers_task_only() -> None:
    cmo = status_of("CMO@acme.example")
    assert cmo.invitation is Invitation.ACCEPTED
    assert cmo.approvals == Approvals(
        approved=1, rejected=1, to_review=1, not_assigned=1, last_resolved_at="2026-03-02T18:00:00Z"
    )
    assert [(f.path, f.state, f.resolved_at) for f in cmo.files] == [
        ("a-approved.jpg", FileState.APPROVED, "2026-03-02T18:00:00Z"),
        ("b-rejected.jpg", FileState.REJECTED, "2026-03-01T09:00:00Z"),
        ("d-unassigned.jpg", FileState.NOT_ASSIGNED, None),
        ("sub/c-waiting.jpg", FileState.TO_REVIEW, None),
    ]


def test_a_pending_client_has_every_selected_file_waiting_for_acceptance() -> None:
    jane = status_of("Jane.Doe@acme.example")
    assert jane.invitation is Invitation.PENDING
    assert jane.approvals == Approvals(waiting=4)
    assert {f.state for f in jane.files} == {FileState.WAITING}


def test_a_group_shows_its_invitation_and_never_approves() -> None:
    group = status_of("777")
    assert (group.invitation, group.approvals, group.files) == (Invitation.ACCEPTED, None, ())


def test_a_user_id_client_is_matched_by_its_id() -> None:
    live = replace(
        LIVE,
        files=one_file(
            assignment("a9", USER_30003, "rejected", "2026-04-01T00:00:00Z"),
            assignment("a1", CMO, "approved", "2026-04-02T00:00:00Z"),
        ),
    )
    user = status_of("30003", live)
    assert user.invitation is Invitation.ACCEPTED
    assert user.approvals == Approvals(rejected=1, last_resolved_at="2026-04-01T00:00:00Z")


def test_an_account_whose_login_differs_from_the_invited_email_still_counts() -> None:
    # Box keeps invite_email on the collaboration; the assignment carries the account's login.
    other = LiveUser("20009", "cmo.personal@acme.example")
    live = replace(
        LIVE,
        items=folder_shared_with(collab("c2", InviteStatus.ACCEPTED, other, "cmo@acme.example")),
        files=one_file(assignment("a1", other, "approved", "2026-03-02T00:00:00Z")),
    )
    cmo = status_of("CMO@acme.example", live)
    assert cmo.approvals == Approvals(approved=1, last_resolved_at="2026-03-02T00:00:00Z")


def test_a_rejection_box_reported_only_in_the_undocumented_status_field_counts() -> None:
    raw = {
        "id": "a1",
        "assigned_to": {"id": CMO.id, "login": CMO.login},
        "resolution_state": "incomplete",
        "status": "rejected",
        "completed_at": "2026-03-03T00:00:00Z",
    }
    live = replace(LIVE, files=one_file(parse_assignment(raw)))
    cmo = status_of("CMO@acme.example", live)
    assert cmo.approvals == Approvals(rejected=1, last_resolved_at="2026-03-03T00:00:00Z")


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        pytest.param((), Invitation.NOT_INVITED, id="no collaboration"),
        pytest.param((InviteStatus.REJECTED,), Invitation.REJECTED, id="rejected"),
        pytest.param(
            (InviteStatus.PENDING, InviteStatus.ACCEPTED),
            Invitation.ACCEPTED,
            id="most advanced on one item",
        ),
    ],
)
def test_invitation_state_on_one_item(
    found: tuple[InviteStatus, ...], expected: Invitation
) -> None:
    live = replace(
        LIVE,
        items=folder_shared_with(
            *(collab(f"c{i}", s, None, "jane.doe@acme.example") for i, s in enumerate(found))
        ),
    )
    jane = status_of("Jane.Doe@acme.example", live)
    assert jane.invitation is expected


def test_several_items_show_the_least_advanced_and_hubs_do_not_count() -> None:
    file_ref = ItemRef(ItemKind.FILE, "900")
    delivery = replace(DELIVERY, files=("900",))
    live = replace(LIVE, items={**LIVE.items, file_ref: LiveItem(file_ref, "x.jpg", ME.id, ())})
    cmo = status_of("CMO@acme.example", live, delivery)
    assert cmo.invitation is Invitation.NOT_INVITED
    assert {str(i.item): i.state for i in cmo.items} == {
        "folder:500": Invitation.ACCEPTED,
        "file:900": Invitation.NOT_INVITED,
        "hub:42": Invitation.NOT_INVITED,
    }


def test_without_an_approval_rule_nobody_has_counts() -> None:
    result = report(DesiredState((replace(DELIVERY, approval=None),)), LIVE)
    assert all(c.approvals is None for c in result.deliveries[0].clients)


def test_billing_csv_has_a_header_and_one_row_per_client() -> None:
    rows = list(csv.DictReader(io.StringIO(rendered("csv"))))
    assert [(r["client"], r["kind"], r["invitation"], r["approver"]) for r in rows] == [
        ("Jane.Doe@acme.example", "email", "pending", "true"),
        ("CMO@acme.example", "email", "accepted", "true"),
        ("777", "group", "accepted", "false"),
        ("30003", "user", "accepted", "true"),
    ]
    assert {
        k: rows[1][k]
        for k in (
            "approved",
            "rejected",
            "to_review",
            "waiting_for_acceptance",
            "not_assigned",
            "last_resolved_at",
        )
    } == {
        "approved": "1",
        "rejected": "1",
        "to_review": "1",
        "waiting_for_acceptance": "0",
        "not_assigned": "1",
        "last_resolved_at": "2026-03-02T18:00:00Z",
    }
    assert rows[2]["approved"] == ""  # a group has no counts, not zero approvals


def test_file_csv_has_one_row_per_approver_and_file() -> None:
    rows = list(csv.DictReader(io.StringIO(rendered("csv", files=True))))
    cmo = [
        (r["file_id"], r["path"], r["state"], r["resolved_at"])
        for r in rows
        if r["client"] == "CMO@acme.example"
    ]
    assert ("2", "b-rejected.jpg", "rejected", "2026-03-01T09:00:00Z") in cmo
    assert len(rows) == 3 * 4  # three approvers, four selected files; no group rows


def test_json_is_one_versioned_document_with_files_on_request() -> None:
    doc = json.loads(rendered("json"))
    assert doc["format_version"] == 1
    cmo = doc["deliveries"][0]["clients"][1]
    assert cmo["counts"]["rejected"] == 1 and "files" not in cmo
    files = json.loads(rendered("json", files=True))["deliveries"][0]["clients"][1]["files"]
    rejected = next(f for f in files if f["file_id"] == "2")
    assert {
        "path": "b-rejected.jpg",
        "state": "rejected",
        "resolved_at": "2026-03-01T09:00:00Z",
        "message": "Logo too small",  # what the reviewer wrote with the rejection
        "comments": [],  # status read no comments here
        "unanswered_comments": False,
    }.items() <= rejected.items()


def test_the_table_is_plain_without_colour_and_calls_out_rejections() -> None:
    text = rendered("table", files=True)
    assert "\033[" not in text
    lines = text.splitlines()
    assert lines[0] == "acme-spring  (deliveries/acme.yaml)"
    assert lines[1].split() == [
        "CLIENT",
        "KIND",
        "INVITATION",
        "INVITED",
        "ACCEPTED",
        "FILES",
        "APPROVED",
        "REJECTED",
        "TO",
        "REVIEW",
        "WAITING",
        "FOR",
        "ACCEPTANCE",
        "NOT",
        "ASSIGNED",
        "LAST",
        "DECISION",
    ]
    cmo = next(line for line in lines if line.lstrip().startswith("CMO@"))
    assert cmo.split() == [
        "CMO@acme.example",
        "email",
        "accepted",
        "-",  # the fixture's collaborations carry no times
        "-",
        "1",
        "1",
        "1",
        "0",
        "1",
        "2026-03-02T18:00:00Z",
    ]
    # the file's result, no due date, the reviewer's message
    decided = ["CMO@acme.example", "b-rejected.jpg", "rejected", "2026-03-01T09:00:00Z", "rejected"]
    assert any(line.split() == [*decided, "-", "Logo", "too", "small"] for line in lines)
    assert lines[-2:] == [
        "1 rejected file needs the team's attention:",
        "  b-rejected.jpg  (acme-spring, rejected by CMO@acme.example)",
    ]


def test_the_table_is_coloured_on_request() -> None:
    text = rendered("table", color=True)
    cmo = next(line for line in text.splitlines() if "CMO@" in line)
    assert "\033[32maccepted" in cmo and "\033[31m" in cmo  # accepted green, a rejection red


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_billing_csv_never_hands_a_spreadsheet_a_formula(start: str) -> None:
    """A file named by a client or a colleague reaches the billing sheet as text."""
    name = f'{start}HYPERLINK("http://evil.example","x").jpg'
    live = replace(
        LIVE,
        files={FOLDER: (file("9", name, review("t9", "9", assignment("a9", CMO, "incomplete"))),)},
    )
    out = io.StringIO()
    render(report(DesiredState((DELIVERY,)), live), out, format="csv", files=True)
    paths = {row["path"] for row in csv.DictReader(io.StringIO(out.getvalue()))}
    assert paths == {f"'{name}"}


def two_reviewers(rule: str, *states: tuple[str, str | None]) -> LiveState:
    jane = LiveUser("20002", "jane.doe@acme.example")
    people = (CMO, jane)
    task = replace(
        review(
            "t1",
            "1",
            *(
                assignment(f"a{i}", p, s, at)
                for i, (p, (s, at)) in enumerate(zip(people, states, strict=False))
            ),
        ),
        completion_rule=rule,
    )
    items = folder_shared_with(
        collab("c1", InviteStatus.ACCEPTED, jane), collab("c2", InviteStatus.ACCEPTED, CMO)
    )
    return replace(LIVE, items=items, files={FOLDER: (file("1", "a.jpg", task),)})


@pytest.mark.parametrize(
    ("rule", "states", "result"),
    [
        (
            "all_assignees",
            [("approved", "2026-03-01T00:00:00Z"), ("incomplete", None)],
            "to_review",
        ),
        ("all_assignees", [("approved", "2026-03-01T00:00:00Z")] * 2, "approved"),
        (
            "all_assignees",
            [("approved", "2026-03-01T00:00:00Z"), ("rejected", "2026-03-02T00:00:00Z")],
            "rejected",
        ),
        ("any_assignee", [("approved", "2026-03-01T00:00:00Z"), ("incomplete", None)], "approved"),
        (
            "any_assignee",
            [("rejected", "2026-03-02T00:00:00Z"), ("approved", "2026-03-01T00:00:00Z")],
            "approved",
        ),
    ],
)
def test_each_file_shows_its_overall_result_under_the_completion_rule(
    rule: str, states: list[tuple[str, str | None]], result: str
) -> None:
    live = two_reviewers(rule, *states)
    (cmo_file,) = status_of("CMO@acme.example", live).files
    (jane_file,) = status_of("Jane.Doe@acme.example", live).files
    assert cmo_file.result is jane_file.result is FileState(result)
    assert cmo_file.completion_rule == rule


def test_an_open_review_past_its_due_date_is_overdue_by_boxs_clock() -> None:
    task = replace(
        review("t1", "1", assignment("a1", CMO, "incomplete")), due_at="2026-03-10T00:00:00-08:00"
    )
    files = {FOLDER: (file("1", "a.jpg", task),)}
    before = replace(LIVE, files=files, read_at=datetime(2026, 3, 10, 7, tzinfo=timezone.utc))
    after = replace(LIVE, files=files, read_at=datetime(2026, 3, 10, 9, tzinfo=timezone.utc))
    (early,) = status_of("CMO@acme.example", before).files
    (late,) = status_of("CMO@acme.example", after).files
    assert early.due_at == late.due_at == "2026-03-10T08:00:00Z"
    assert not early.overdue and late.overdue
    assert "2026-03-10T08:00:00Z (overdue)" in rendered_of(after, files=True)
    decided = replace(
        task, assignments=(assignment("a1", CMO, "approved", "2026-03-11T00:00:00Z"),)
    )
    (done,) = status_of(
        "CMO@acme.example", replace(after, files={FOLDER: (file("1", "a.jpg", decided),)})
    ).files
    assert not done.overdue  # a decision made late is not overdue any more


def rendered_of(live: LiveState, *, format: str = "table", files: bool = False) -> str:
    out = io.StringIO()
    render(report(DesiredState((DELIVERY,)), live), out, format=format, files=files)
    return out.getvalue()


def test_each_client_shows_when_invited_and_when_accepted_and_a_group_its_name() -> None:
    group = LiveCollaboration(
        "c3",
        FOLDER_REF,
        "previewer",
        InviteStatus.ACCEPTED,
        "group",
        "777",
        None,
        None,
        name="Acme Marketing",
        created_at="2026-02-01T10:00:00-08:00",
        acknowledged_at="2026-02-01T10:00:00-08:00",
    )
    cmo = replace(
        collab("c2", InviteStatus.ACCEPTED, CMO, "cmo@acme.example"),
        created_at="2026-02-01T09:00:00Z",
        acknowledged_at="2026-02-03T12:00:00Z",
    )
    jane = replace(
        collab("c1", InviteStatus.PENDING, None, "jane.doe@acme.example"),
        created_at="2026-02-02T09:00:00Z",
    )
    live = replace(LIVE, items={**LIVE.items, **folder_shared_with(jane, cmo, group)})
    assert (
        status_of("CMO@acme.example", live).invited_at,
        status_of("CMO@acme.example", live).accepted_at,
    ) == ("2026-02-01T09:00:00Z", "2026-02-03T12:00:00Z")
    pending = status_of("Jane.Doe@acme.example", live)
    assert (pending.invited_at, pending.accepted_at) == ("2026-02-02T09:00:00Z", None)
    assert status_of("777", live).name == "Acme Marketing"
    assert "777 (Acme Marketing)" in rendered_of(live)
    rows = list(csv.DictReader(io.StringIO(rendered_of(live, format="csv"))))
    assert rows[2]["name"] == "Acme Marketing" and rows[2]["invited_at"] == "2026-02-01T18:00:00Z"


def test_the_decision_csv_has_one_row_per_approver_and_file_open_ones_marked() -> None:
    rows = list(csv.DictReader(io.StringIO(rendered("csv", files=True))))
    cmo = {r["path"]: r for r in rows if r["client"] == "CMO@acme.example"}
    rejected = cmo["b-rejected.jpg"]
    assert (rejected["decided"], rejected["message"], rejected["result"]) == (
        "true",
        "Logo too small",
        "rejected",
    )
    assert (cmo["sub/c-waiting.jpg"]["decided"], cmo["sub/c-waiting.jpg"]["state"]) == (
        "false",
        "to_review",
    )


def test_since_keeps_only_the_decisions_made_on_or_after_the_date() -> None:
    full = report(DesiredState((DELIVERY,)), LIVE)
    march_2nd = full.since(datetime(2026, 3, 2, tzinfo=timezone.utc))
    cmo = client_of(march_2nd, "CMO@acme.example")
    assert [f.path for f in cmo.files] == ["a-approved.jpg"]  # 2026-03-02T18:00Z; not 03-01
    assert cmo.approvals == Approvals(approved=1, last_resolved_at="2026-03-02T18:00:00Z")
    assert client_of(march_2nd, "777").invitation is Invitation.ACCEPTED  # clients stay listed
