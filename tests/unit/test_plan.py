"""The Plan object: order, counts, checksum, saved-plan round trip, plan diffs, safety limits."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from reconciler.errors import InputError, StalePlan, UnsafePlan
from reconciler.model import ItemKind, ItemRef, Policy, Principal
from reconciler.plan import Action, Change, Kind, Plan
from reconciler.plan.diff import diff_plans
from reconciler.plan.saved import plan_from_dict

FOLDER = ItemRef(ItemKind.FOLDER, "100")
HUB = ItemRef(ItemKind.HUB, "900")
JANE = Principal.email("Jane.Doe@acme.example")
CMO = Principal.email("cmo@acme.example")


def invite(who: Principal = JANE, role: str = "viewer", item: ItemRef = FOLDER) -> Change:
    return Change(
        Action.ADD,
        Kind.COLLABORATION,
        "acme",
        item,
        who,
        "not yet invited",
        item_name="Spring",
        after={"role": role},
        origin="d/acme.yaml:12",
        notify=True,
    )


def promote(who: Principal = CMO, box_id: str = "c1") -> Change:
    return Change(
        Action.CHANGE,
        Kind.COLLABORATION,
        "acme",
        FOLDER,
        who,
        "role differs",
        item_name="Spring",
        before={"role": "viewer"},
        after={"role": "editor"},
        box_ids={"collaboration_id": box_id, "user_id": "502"},
    )


def removal(n: int, item: ItemRef = FOLDER) -> Change:
    return Change(
        Action.REMOVE,
        Kind.COLLABORATION,
        "acme",
        item,
        Principal.email(f"p{n}@x.example"),
        "not declared",
        before={"role": "viewer"},
        box_ids={"collaboration_id": f"r{n}"},
    )


def hub_on_acceptance() -> Change:
    return Change(
        Action.ADD,
        Kind.HUB_COLLABORATION,
        "acme",
        HUB,
        JANE,
        "on acceptance",
        after={"role": "viewer"},
        on_acceptance=True,
        depends_on=(invite().key,),
    )


def waiting() -> Change:
    return Change(Action.WAIT, Kind.HUB_COLLABORATION, "acme", HUB, CMO, "pending")


def stranger() -> Change:
    return Change(
        Action.UNMANAGED,
        Kind.COLLABORATION,
        "acme",
        FOLDER,
        Principal.email("bob@x.example"),
        "not declared",
        before={"role": "viewer"},
    )


def resend() -> Change:
    return Change(
        Action.RESEND,
        Kind.COLLABORATION,
        "acme",
        FOLDER,
        Principal.email("late@x.example"),
        "pending for 9 days",
        before={"role": "viewer"},
        after={"role": "viewer", "resends": 1},
        notify=True,
        box_ids={"collaboration_id": "c5"},
        ledger=True,
    )


def full_plan() -> Plan:
    return Plan((stranger(), removal(1), waiting(), hub_on_acceptance(), promote(), invite()))


# --- order and counts ----------------------------------------------------------------------


def test_order_is_apply_order() -> None:
    actions = [(c.action, c.kind) for c in full_plan().changes]
    assert actions == [
        (Action.CHANGE, Kind.COLLABORATION),  # cmo sorts before jane within the same item
        (Action.ADD, Kind.COLLABORATION),
        (Action.ADD, Kind.HUB_COLLABORATION),
        (Action.REMOVE, Kind.COLLABORATION),
        (Action.WAIT, Kind.HUB_COLLABORATION),
        (Action.UNMANAGED, Kind.COLLABORATION),
    ]


def test_task_kinds_come_after_collaborations_and_hubs() -> None:
    task = Change(Action.ADD, Kind.TASK, "acme", FOLDER, None, "new file", file="f1")
    assignment = Change(
        Action.ADD,
        Kind.TASK_ASSIGNMENT,
        "acme",
        FOLDER,
        JANE,
        "approver",
        file="f1",
        on_acceptance=True,
        depends_on=(invite().key,),
    )
    plan = Plan((assignment, task, hub_on_acceptance(), invite()))
    assert [c.kind for c in plan.changes] == [k for k in Kind if k is not Kind.WEBHOOK]
    assert str(task.key) == "acme task folder:100 - file:f1"


def test_counts_and_has_changes() -> None:
    plan = full_plan()
    assert plan.summary() == {
        "to_add": 2,
        "to_change": 1,
        "to_remove": 1,
        "to_resend": 0,
        "waiting": 1,
        "unmanaged": 1,
    }
    assert plan.has_changes
    assert not Plan((waiting(), stranger())).has_changes
    assert not Plan().has_changes


# --- checksum ------------------------------------------------------------------------------


def test_checksum_ignores_order_names_reasons_and_reported_lines() -> None:
    reference = full_plan().checksum()
    shuffled = Plan(tuple(reversed(full_plan().changes)))
    assert shuffled.checksum() == reference
    reworded = Plan((removal(1), hub_on_acceptance(), invite(), replace(promote(), reason="x")))
    assert reworded.checksum() == reference
    renamed = Plan(
        tuple(
            replace(c, item_name="Renamed", file_name="x.jpg", origin=None)
            for c in full_plan().changes
        )
    )
    assert renamed.checksum() == reference
    assert len(reference) == 64


@pytest.mark.parametrize(
    "altered",
    [
        pytest.param(lambda: invite(role="editor"), id="role"),
        pytest.param(lambda: invite(who=Principal.email("other@acme.example")), id="principal"),
        pytest.param(lambda: invite(item=ItemRef(ItemKind.FOLDER, "101")), id="item"),
        pytest.param(lambda: replace(invite(), notify=False), id="notify"),
        pytest.param(lambda: replace(invite(), delivery="beta"), id="delivery"),
        pytest.param(lambda: replace(invite(), ledger=True), id="ledger"),
        pytest.param(
            lambda: replace(invite(), principal=Principal(JANE.kind, JANE.key, "x@evil.example")),
            id="address",
        ),
        pytest.param(lambda: promote(box_id="c77"), id="box id"),
    ],
)
def test_checksum_changes_with_what_would_be_done(altered: object) -> None:
    base = Plan((invite(), removal(1)))
    other = Plan((altered(), removal(1)))  # type: ignore[operator]
    assert base.checksum() != other.checksum()


def test_checksum_covers_on_acceptance_work_and_removals() -> None:
    base = Plan((invite(),))
    assert Plan((invite(), hub_on_acceptance())).checksum() != base.checksum()
    assert Plan((invite(), removal(1))).checksum() != base.checksum()
    assert Plan((invite(), waiting())).checksum() == base.checksum()


# --- saved plans ---------------------------------------------------------------------------


def test_to_dict_carries_everything_a_reviewer_needs() -> None:
    document = full_plan().to_dict()
    assert document["format_version"] == 1
    assert document["checksum"] == full_plan().checksum()
    assert document["summary"]["to_add"] == 2
    add = next(c for c in document["changes"] if c["action"] == "add")
    assert add["delivery"] == "acme"
    assert add["item"] == {"type": "folder", "id": "100", "name": "Spring"}
    assert add["principal"] == {
        "type": "email",
        "id": "jane.doe@acme.example",
        "name": "Jane.Doe@acme.example",
    }
    assert (add["before"], add["after"]) == (None, {"role": "viewer"})
    assert add["origin"] == "d/acme.yaml:12"
    assert add["reason"] == "not yet invited"
    hub = next(c for c in document["changes"] if c["kind"] == "hub_collaboration")
    assert hub["on_acceptance"] is True and hub["depends_on"] == [add["id"]]


def test_round_trip_through_json() -> None:
    plan = full_plan()
    loaded = plan_from_dict(json.loads(json.dumps(plan.to_dict())))
    assert loaded == plan
    assert loaded.checksum() == plan.checksum()
    assert loaded.changes[0].collaboration_id == "c1"


def test_task_changes_round_trip_with_their_file() -> None:
    task = Change(
        Action.ADD,
        Kind.TASK,
        "acme",
        FOLDER,
        None,
        "new file",
        file="f1",
        file_name="hero.jpg",
        after={"message": "Approve the content?"},
    )
    assignment = Change(
        Action.ADD,
        Kind.TASK_ASSIGNMENT,
        "acme",
        FOLDER,
        JANE,
        "approver",
        file="f1",
        on_acceptance=True,
        depends_on=(invite().key, task.key),
    )
    plan = Plan((assignment, task, invite()))
    assert plan_from_dict(json.loads(json.dumps(plan.to_dict()))) == plan


def test_edited_saved_plan_is_refused() -> None:
    document = full_plan().to_dict()
    document["changes"][0]["after"] = {"role": "co-owner"}
    with pytest.raises(InputError, match="checksum"):
        plan_from_dict(document)


def edit(document: dict[str, Any], action: str, what: Callable[[dict[str, Any]], None]) -> None:
    what(next(c for c in document["changes"] if c["action"] == action))


@pytest.mark.parametrize(
    ("action", "what"),
    [
        pytest.param("add", lambda c: c["box_ids"].update(ledger="invitations"), id="ledger on"),
        pytest.param("resend", lambda c: c["box_ids"].pop("ledger"), id="ledger off"),
        pytest.param("change", lambda c: c["box_ids"].update(collaboration_id="c9"), id="box id"),
        pytest.param("add", lambda c: c["principal"].update(name="x@evil.example"), id="address"),
    ],
)
def test_saved_plan_edited_in_what_apply_reads_is_refused(
    action: str, what: Callable[[dict[str, Any]], None]
) -> None:
    """The ledger flag, the Box ids and an invitation's address are read by the applier: a
    saved plan edited in any of them fails its checksum like any other edited plan."""
    document = Plan((*full_plan().changes, resend())).to_dict()
    plan_from_dict(json.loads(json.dumps(document)))  # as saved, it loads
    edit(document, action, what)
    with pytest.raises(InputError, match="checksum"):
        plan_from_dict(document)


def test_an_unknown_ledger_in_a_saved_plan_is_refused() -> None:
    document = full_plan().to_dict()
    edit(document, "add", lambda c: c["box_ids"].update(ledger="elsewhere"))
    with pytest.raises(InputError, match="unknown ledger"):
        plan_from_dict(document)


def test_ledger_flag_keeps_its_place_in_the_saved_form() -> None:
    saved = Plan((resend(),)).to_dict()["changes"][0]
    assert saved["box_ids"] == {"collaboration_id": "c5", "ledger": "invitations"}
    loaded = plan_from_dict(json.loads(json.dumps(Plan((resend(),)).to_dict())))
    assert loaded.changes[0].ledger and "ledger" not in loaded.changes[0].box_ids


def test_unknown_format_version_is_refused() -> None:
    document = full_plan().to_dict()
    document["format_version"] = 2
    with pytest.raises(InputError, match="format_version"):
        plan_from_dict(document)


# --- plan diffs ----------------------------------------------------------------------------


def test_diff_plans_in_words() -> None:
    old = Plan((invite(), promote(), removal(1)))
    new = Plan((invite(role="editor"), promote(), removal(2)))
    assert diff_plans(old, new) == [
        "changed: add collaboration Jane.Doe@acme.example on folder 'Spring' (100) for acme: "
        'after.role was "viewer", now "editor"',
        "newly planned: remove collaboration p2@x.example on folder (100) for acme",
        "no longer planned: remove collaboration p1@x.example on folder (100) for acme",
    ]


def test_diff_of_plans_with_nothing_in_common_lists_each_change() -> None:
    assert diff_plans(Plan((invite(),)), Plan((promote(),))) == [
        "newly planned: change collaboration cmo@acme.example on folder 'Spring' (100) for acme",
        "no longer planned: add collaboration Jane.Doe@acme.example on folder 'Spring' (100) "
        "for acme",
    ]


def test_hub_members_and_reviews_are_described_in_the_plans_words() -> None:
    member = Change(
        Action.ADD, Kind.HUB_COLLABORATION, "acme", HUB, JANE, "cmo", item_name="Portal"
    )
    review = Change(
        Action.ADD,
        Kind.TASK_ASSIGNMENT,
        "acme",
        FOLDER,
        JANE,
        "approver",
        item_name="Spring",
        file="f1",
        file_name="hero.jpg",
    )
    assert diff_plans(Plan(()), Plan((member, review))) == [
        "newly planned: add hub member Jane.Doe@acme.example on hub 'Portal' (900) for acme",
        "newly planned: add review task assigned to Jane.Doe@acme.example on file 'hero.jpg' in "
        "folder 'Spring' (100) for acme",
    ]


def test_stale_saved_plan_is_refused_with_what_changed() -> None:
    saved = Plan((invite(), promote()))
    saved.check_current(Plan((replace(promote(), reason="reworded"), invite())))  # same work
    # Apply writes to the collaboration id the plan carries: another one is other work.
    with pytest.raises(StalePlan, match=r"box_ids.collaboration_id was \"c1\", now \"c2\""):
        saved.check_current(Plan((promote(box_id="c2"), invite())))
    with pytest.raises(StalePlan, match=r"no longer planned: change collaboration cmo") as err:
        saved.check_current(Plan((invite(),)))
    assert err.value.exit_code == 4


def test_diff_of_equal_plans_is_empty() -> None:
    assert diff_plans(full_plan(), Plan(tuple(reversed(full_plan().changes)))) == []


def test_field_changes_use_deepdiff_paths() -> None:
    change = Change(
        Action.CHANGE,
        Kind.TASK,
        "acme",
        FOLDER,
        None,
        "rule changed",
        file="f1",
        before={"message": "Approve?", "due_in_days": 7, "completion_rule": "all_assignees"},
        after={"message": "Approve?", "due_in_days": None, "completion_rule": "any_assignee"},
    )
    assert change.field_changes() == [
        ("completion_rule", "all_assignees", "any_assignee"),
        ("due_in_days", 7, None),
    ]


# --- safety --------------------------------------------------------------------------------


def test_removals_within_limits_pass() -> None:
    plan = Plan(tuple(removal(n) for n in range(2)), collaborators={FOLDER: 10})
    plan.check_safety(Policy(max_removals=2))


def test_too_many_removals_are_refused_naming_limit_and_count() -> None:
    plan = Plan(
        tuple(removal(n, ItemRef(ItemKind.FOLDER, str(n))) for n in range(3)), collaborators={}
    )
    with pytest.raises(UnsafePlan, match=r"has 3 changes to remove.*max_removals = 2") as err:
        plan.check_safety(Policy(max_removals=2))
    assert err.value.exit_code == 4


def test_removing_too_large_a_fraction_of_an_item_is_refused() -> None:
    plan = Plan((removal(1), removal(2)), collaborators={FOLDER: 4})
    with pytest.raises(UnsafePlan, match=r"2 of the 4 collaborators of folder:100.*0\.25"):
        plan.check_safety(Policy(max_removal_fraction=0.25))


def test_fraction_is_not_checked_on_items_with_fewer_than_four_collaborators() -> None:
    plan = Plan((removal(1), removal(2), removal(3)), collaborators={FOLDER: 3})
    plan.check_safety(Policy(max_removal_fraction=0.25))
