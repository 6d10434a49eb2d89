"""The life of a delivery in the planner, as a table of named cases: expiry set, moved and
removed; resends due, not due and exhausted; an expired client; revoke with decided and open
reviews, and revoke held to the safety limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone
from typing import Any

import pytest

from reconciler.errors import UnsafePlan
from reconciler.model import (
    ApprovalRule,
    Delivery,
    DesiredState,
    Expiry,
    InvitationRecord,
    LiveAssignment,
    LiveCollaboration,
    LiveFile,
    LiveState,
    LiveTask,
    Origin,
    Policy,
    Resending,
)
from reconciler.plan import Change, principal_id
from reconciler.planning import plan
from tests.unit.test_planner import (
    FOLDER,
    HUB,
    ME,
    Case,
    accepted,
    delivery,
    email,
    group,
    group_collab,
    hub_member,
    live,
    pending,
)

NOW = datetime(2027, 1, 20, 12, 0, tzinfo=timezone.utc)
J = "jane.doe@acme.example"
C = "cmo@acme.example"
JAN_31 = "2027-01-31T23:59:59+00:00"
FEB_28 = "2027-02-28T23:59:59+00:00"
ON_JAN_31 = Expiry(on=date(2027, 1, 31), origin=Origin("d/acme.yaml", 6, 10))
ON_FEB_28 = Expiry(on=date(2027, 2, 28))
NEVER = Expiry(never=True, origin=Origin("d/acme.yaml", 6, 10))
CHASE = Resending(after_days=7, max_resends=2)


def at(collab: LiveCollaboration, created: str, expires: str | None = None) -> LiveCollaboration:
    return replace(collab, created_at=created, expires_at=expires)


def now(state: LiveState, **extra: Any) -> LiveState:
    return replace(state, read_at=NOW, **extra)


def line(change: Change) -> str:
    """action kind item principal, then the fields the change is about."""
    fields = {
        k: v
        for k, v in {**(change.before or {}), **(change.after or {})}.items()
        if k in ("expires_at", "expires_in_days", "resends")
    }
    before = (change.before or {}).get("expires_at", "-")
    after = (change.after or {}).get("expires_at", "-")
    shown = f" {before}>{after}" if "expires_at" in fields else ""
    if "expires_in_days" in fields:
        shown = f" +{fields['expires_in_days']}d"
    if "resends" in fields:
        shown += f" resend#{fields['resends']}"
    who = principal_id(change.principal)
    return f"{change.action.value} {change.kind.value} {change.item} {who}{shown}"


def expiring(expiry: Expiry | None, *clients: Any, **kw: Any) -> Delivery:
    return replace(delivery("acme", *clients, **kw), expiry=expiry)


CASES = [
    Case(
        "expiry set on the invitation",
        (expiring(ON_JAN_31, email(J)),),
        now(live()),
        (f"add collaboration folder:100 email:{J} ->{JAN_31}",),
    ),
    Case(
        "expiry by days is counted by the applier from the invitation",
        (expiring(Expiry(days=30), email(J)),),
        now(live()),
        (f"add collaboration folder:100 email:{J} +30d",),
    ),
    Case(
        "expiry set on a collaboration that had none",
        (expiring(ON_JAN_31, email(J)),),
        now(live(at(pending("c1", J), "2027-01-10T00:00:00+00:00"))),
        (f"change collaboration folder:100 email:{J} None>{JAN_31}",),
    ),
    Case(
        "expiry moved: a change in place",
        (expiring(ON_FEB_28, email(J)),),
        now(live(at(accepted("c1", "501", J), "2027-01-10T00:00:00+00:00", JAN_31))),
        (f"change collaboration folder:100 email:{J} {JAN_31}>{FEB_28}",),
    ),
    Case(
        "the client's expiry wins over the delivery's",
        (expiring(ON_JAN_31, replace(email(J), expiry=ON_FEB_28)),),
        now(live(at(accepted("c1", "501", J), "2027-01-10T00:00:00+00:00", JAN_31))),
        (f"change collaboration folder:100 email:{J} {JAN_31}>{FEB_28}",),
    ),
    Case(
        "no expiry in the manifest, one in Box (a policy): reported, left as it is",
        (expiring(None, email(J)),),
        now(live(at(accepted("c1", "501", J), "2027-01-10T00:00:00+00:00", JAN_31))),
        (f"unmanaged collaboration folder:100 email:{J} {JAN_31}>-",),
    ),
    Case(
        "no expiry in the manifest, a role to change: the role only",
        (expiring(None, replace(email(J), role="editor")),),
        now(live(at(accepted("c1", "501", J), "2027-01-10T00:00:00+00:00", JAN_31))),
        (f"change collaboration folder:100 email:{J}",),
    ),
    Case(
        "expires: never clears the expiry Box set",
        (expiring(NEVER, email(J)),),
        now(live(at(accepted("c1", "501", J), "2027-01-10T00:00:00+00:00", JAN_31))),
        (f"change collaboration folder:100 email:{J} {JAN_31}>None",),
    ),
    Case(
        "expires: never, and Box has none: nothing to do",
        (expiring(NEVER, email(J)),),
        now(live(at(accepted("c1", "501", J), "2027-01-10T00:00:00+00:00"))),
        (),
    ),
    Case(
        "a client's expires: never wins over the delivery's date",
        (expiring(ON_JAN_31, replace(email(J), expiry=NEVER)),),
        now(live(at(accepted("c1", "501", J), "2027-01-10T00:00:00+00:00", JAN_31))),
        (f"change collaboration folder:100 email:{J} {JAN_31}>None",),
    ),
    Case(
        "an invitation under expires: never carries no expiry",
        (expiring(NEVER, email(J)),),
        now(live()),
        (f"add collaboration folder:100 email:{J}",),
    ),
    Case(
        "expiry by days that Box already holds: nothing to do",
        (expiring(Expiry(days=30), email(J)),),
        now(
            live(
                at(
                    accepted("c1", "501", J),
                    "2027-01-10T00:00:00+00:00",
                    "2027-02-09T00:00:05+00:00",
                )
            )
        ),
        (),
    ),
    Case(
        "an expired client is not invited again, nor joined to the hub",
        (expiring(Expiry(on=date(2027, 1, 15)), email(J), hubs=("900",)),),
        now(live()),
        (
            f"wait collaboration folder:100 email:{J}",
            f"wait hub_collaboration hub:900 email:{J}",
        ),
    ),
    Case(
        "an expiry by days ends from the first invitation the ledger recorded",
        (expiring(Expiry(days=5), email(J)),),
        now(live(), invitations={(FOLDER, J): InvitationRecord("2027-01-02T00:00:00+00:00")}),
        (f"wait collaboration folder:100 email:{J}",),
    ),
    Case(
        "resend due: pending for longer than resend_after_days",
        (replace(delivery("acme", email(J)), invitations=CHASE),),
        now(live(at(pending("c1", J), "2027-01-10T00:00:00+00:00"))),
        (f"resend collaboration folder:100 email:{J} resend#1",),
    ),
    Case(
        "resend not due: a week has not passed",
        (replace(delivery("acme", email(J)), invitations=CHASE),),
        now(live(at(pending("c1", J), "2027-01-15T00:00:00+00:00"))),
        (),
    ),
    Case(
        "resend rule from reconcile.yaml when the delivery has none",
        (delivery("acme", email(J)),),
        now(live(at(pending("c1", J), "2027-01-01T00:00:00+00:00"))),
        (f"resend collaboration folder:100 email:{J} resend#1",),
        Policy(invitations=CHASE),
    ),
    Case(
        "resends exhausted: reported, not sent again",
        (replace(delivery("acme", email(J)), invitations=CHASE),),
        now(
            live(at(pending("c1", J), "2027-01-01T00:00:00+00:00")),
            invitations={(FOLDER, J): InvitationRecord("2026-12-01T00:00:00+00:00", 2)},
        ),
        (f"wait collaboration folder:100 email:{J}",),
    ),
    Case(
        "an accepted invitation is never chased",
        (replace(delivery("acme", email(J)), invitations=CHASE),),
        now(live(at(accepted("c1", "501", J), "2027-01-01T00:00:00+00:00"))),
        (),
    ),
    Case(
        "an invitation Box dropped is created again, and said so",
        (replace(delivery("acme", email(J)), invitations=CHASE),),
        now(live(), invitations={(FOLDER, J): InvitationRecord("2026-11-01T00:00:00+00:00", 1)}),
        (f"add collaboration folder:100 email:{J}",),
    ),
    Case(
        "revoke removes every collaborator and hub member the manifest declared",
        (
            replace(
                delivery("acme", email(J), email(C), group("77"), hubs=("900",)),
                revoke=True,
            ),
        ),
        now(
            live(
                pending("c1", J),
                accepted("c2", "502", C),
                group_collab("c3", "77", "previewer"),
                accepted("c4", "999", "bob@else.example"),
                hub_member("h1", "502", C),
            )
        ),
        (
            f"remove hub_collaboration hub:900 email:{C}",
            f"remove collaboration folder:100 email:{C}",
            f"remove collaboration folder:100 email:{J}",
            "remove collaboration folder:100 group:77",
        ),
    ),
    Case(
        "revoke leaves a person another delivery still declares there",
        (
            replace(delivery("acme", email(J), email(C)), revoke=True),
            delivery("acme-summer", email(C)),
        ),
        now(live(pending("c1", J), accepted("c2", "502", C))),
        (f"remove collaboration folder:100 email:{J}",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_lifecycle_rules(case: Case) -> None:
    result = plan(DesiredState(case.deliveries), case.live, case.policy)
    assert tuple(line(c) for c in result.changes) == case.expected


def test_a_dropped_invitation_says_so() -> None:
    result = plan(
        DesiredState((replace(delivery("acme", email(J)), invitations=CHASE),)),
        now(live(), invitations={(FOLDER, J): InvitationRecord("2026-11-01T00:00:00+00:00")}),
        Policy(),
    )
    assert result.changes[0].reason == "Box dropped the invitation sent 2026-11-01: invited again"


def test_an_ended_expiry_names_the_manifest_line() -> None:
    result = plan(
        DesiredState((expiring(ON_JAN_31, email(J)),)),
        replace(live(), read_at=datetime(2027, 2, 2, tzinfo=timezone.utc)),
        Policy(),
    )
    assert result.changes[0].reason.startswith(
        "access ended on 2027-01-31 (expires at d/acme.yaml:6): not invited again"
    )


# --- revoke and reviews ---------------------------------------------------------------------


def reviewed_folder() -> LiveState:
    """Jane and the CMO accepted; the CMO approved one file, everything else is open."""
    tasks = {
        fid: LiveTask(
            f"t{fid}",
            fid,
            "review",
            "Approve?",
            "all_assignees",
            None,
            ME.id,
            (
                LiveAssignment(f"a{fid}j", "501", J, "incomplete"),
                LiveAssignment(f"a{fid}c", "502", C, "approved" if fid == "f1" else "incomplete"),
            ),
        )
        for fid in ("f1", "f2")
    }
    files = tuple(
        LiveFile(fid, f"{fid}.jpg", f"{fid}.jpg", "100", (t,)) for fid, t in tasks.items()
    )
    state = live(accepted("c1", "501", J), accepted("c2", "502", C))
    return replace(state, files={"100": files}, read_at=NOW)


def revoked_with_reviews() -> Delivery:
    return replace(delivery("acme", email(J), email(C)), approval=ApprovalRule(), revoke=True)


def test_revoke_removes_open_reviews_and_keeps_decided_ones() -> None:
    result = plan(DesiredState((revoked_with_reviews(),)), reviewed_folder(), Policy())
    removed = sorted(c.box_ids.get("assignment_id", "") for c in result.changes)
    assert [r for r in removed if r] == ["af1j", "af2c", "af2j"]  # af1c was approved: it stays
    assert result.to_remove == 5 and result.to_add == 0 and result.to_change == 0


def test_revoke_above_the_safety_limit_is_refused() -> None:
    state = reviewed_folder()
    result = plan(DesiredState((revoked_with_reviews(),)), state, Policy())
    with pytest.raises(UnsafePlan, match=r"safety\.max_removals = 3"):
        result.check_safety(Policy(max_removals=3))
    result.check_safety(Policy(max_removals=5))


def test_revoke_of_a_delivery_already_ended_plans_nothing() -> None:
    result = plan(DesiredState((revoked_with_reviews(),)), now(live(items=(FOLDER, HUB))), Policy())
    assert result.changes == ()


def test_a_pending_invitation_keeps_its_status_for_the_resend() -> None:
    result = plan(
        DesiredState((replace(delivery("acme", email(J)), invitations=CHASE),)),
        now(live(at(pending("c1", J), "2027-01-10T00:00:00+00:00"))),
        Policy(),
    )
    (resend,) = result.changes
    assert resend.collaboration_id == "c1" and resend.notify is True
    assert resend.before == {"role": "viewer", "invited_at": "2027-01-10T00:00:00+00:00"}


def test_an_invitation_past_its_resends_still_gets_its_role_change() -> None:
    result = plan(
        DesiredState((replace(delivery("acme", email(J, "editor")), invitations=CHASE),)),
        now(
            live(at(pending("c1", J), "2027-01-01T00:00:00+00:00")),
            invitations={(FOLDER, J): InvitationRecord("2026-12-01T00:00:00+00:00", 2)},
        ),
        Policy(),
    )
    assert [(c.action.value, (c.after or {}).get("role")) for c in result.changes] == [
        ("change", "editor")
    ]
