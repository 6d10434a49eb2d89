"""The planner as a table of named cases: desired deliveries + live Box state -> plan lines."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import TypeVar

import pytest

from reconciler.model import (
    Client,
    Delivery,
    DesiredState,
    InviteStatus,
    ItemKind,
    ItemRef,
    LiveCollaboration,
    LiveItem,
    LiveState,
    LiveUser,
    Origin,
    Policy,
    Principal,
)
from reconciler.plan import Action, Change, Kind, Plan, principal_id
from reconciler.planning import collaborator_counts, plan

FOLDER = ItemRef(ItemKind.FOLDER, "100")
OTHER_FOLDER = ItemRef(ItemKind.FOLDER, "200")
FILE = ItemRef(ItemKind.FILE, "300")
HUB = ItemRef(ItemKind.HUB, "900")
ME = LiveUser("1", "svc-reconciler@studio.example", "Reconciler")
OWNER_ID = "2"
T = TypeVar("T")


# --- builders ------------------------------------------------------------------------------


def email(address: str, role: str = "viewer", hub_role: str = "viewer", line: int = 10) -> Client:
    return Client(Principal.email(address), role, hub_role, origin=Origin("d/acme.yaml", line, 5))


def user(user_id: str, role: str = "viewer", hub_role: str = "viewer") -> Client:
    return Client(Principal.user(user_id), role, hub_role)


def group(group_id: str, role: str = "previewer", hub_role: str = "viewer") -> Client:
    return Client(Principal.group(group_id), role, hub_role, approver=False)


def delivery(
    name: str = "acme",
    *clients: Client,
    folders: tuple[str, ...] = ("100",),
    files: tuple[str, ...] = (),
    hubs: tuple[str, ...] = (),
    prune: bool = False,
    notify: bool = True,
) -> Delivery:
    return Delivery(
        name=name,
        file=f"d/{name}.yaml",
        folders=folders,
        files=files,
        hubs=hubs,
        clients=clients,
        prune=prune,
        notify=notify,
    )


def pending(
    cid: str, address: str, role: str = "viewer", item: ItemRef = FOLDER
) -> LiveCollaboration:
    return LiveCollaboration(cid, item, role, InviteStatus.PENDING, None, None, None, address)


def rejected(
    cid: str, address: str, role: str = "viewer", item: ItemRef = FOLDER
) -> LiveCollaboration:
    return LiveCollaboration(cid, item, role, InviteStatus.REJECTED, None, None, None, address)


def accepted(
    cid: str,
    user_id: str,
    login: str,
    role: str = "viewer",
    item: ItemRef = FOLDER,
    invite_email: str | None = None,
) -> LiveCollaboration:
    return LiveCollaboration(
        cid, item, role, InviteStatus.ACCEPTED, "user", user_id, login, invite_email, name="X"
    )


def group_collab(cid: str, group_id: str, role: str, item: ItemRef = FOLDER) -> LiveCollaboration:
    return LiveCollaboration(cid, item, role, InviteStatus.ACCEPTED, "group", group_id, None, None)


def hub_member(
    cid: str, user_id: str, login: str = "", role: str = "viewer", status: str = "accepted"
) -> LiveCollaboration:
    return LiveCollaboration(
        cid, HUB, role, InviteStatus(status), "user", user_id, login, None, name=""
    )


def live(*collabs: LiveCollaboration, items: tuple[ItemRef, ...] = (FOLDER, HUB)) -> LiveState:
    refs = {*items, *(c.item for c in collabs)}
    return LiveState(
        me=ME,
        items={
            ref: LiveItem(
                ref,
                f"{ref.kind.value.title()} {ref.id}",
                OWNER_ID,
                tuple(c for c in collabs if c.item == ref),
            )
            for ref in refs
        },
    )


def line(change: Change) -> str:
    """A plan line as the table writes it: action kind delivery item principal before>after."""
    before = (change.before or {}).get("role", "")
    after = (change.after or {}).get("role", "")
    text = (
        f"{change.action.value} {change.kind.value} {change.delivery} {change.item} "
        f"{principal_id(change.principal)} {before}>{after}"
    )
    return text + (" on-acceptance" if change.on_acceptance else "")


# --- the table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    deliveries: tuple[Delivery, ...]
    live: LiveState
    expected: tuple[str, ...]
    policy: Policy = field(default_factory=Policy)


J = "jane.doe@acme.example"
C = "cmo@acme.example"

CASES = [
    Case(
        "new email client is invited",
        (delivery("acme", email("Jane.Doe@acme.example")),),
        live(),
        ("add collaboration acme folder:100 email:jane.doe@acme.example >viewer",),
    ),
    Case(
        "accepted client with the same role: nothing to do",
        (delivery("acme", email(J)),),
        live(accepted("c1", "501", J)),
        (),
    ),
    Case(
        "role change is a change in place",
        (delivery("acme", email(C, "editor")),),
        live(accepted("c1", "502", C, "viewer")),
        ("change collaboration acme folder:100 email:cmo@acme.example viewer>editor",),
    ),
    Case(
        "pending invitation matches an email written in another case",
        (delivery("acme", email("Jane.Doe@ACME.example")),),
        live(pending("c1", "jane.doe@acme.example")),
        (),
    ),
    Case(
        "accepted login matches case-insensitively",
        (delivery("acme", email("JANE.DOE@acme.example")),),
        live(accepted("c1", "501", "Jane.Doe@Acme.Example")),
        (),
    ),
    Case(
        "pending invitation with another role is changed, not re-invited",
        (delivery("acme", email(J, "editor")),),
        live(pending("c1", J, "viewer")),
        ("change collaboration acme folder:100 email:jane.doe@acme.example viewer>editor",),
    ),
    Case(
        "rejected invitation waits and is not re-invited",
        (delivery("acme", email(J)),),
        live(rejected("c1", J)),
        ("wait collaboration acme folder:100 email:jane.doe@acme.example viewer>",),
    ),
    Case(
        "undeclared collaborator is unmanaged and left alone",
        (delivery("acme", email(J)),),
        live(accepted("c1", "501", J), accepted("c2", "777", "bob@else.example")),
        ("unmanaged collaboration acme folder:100 email:bob@else.example viewer>",),
    ),
    Case(
        "prune removes an undeclared collaborator",
        (delivery("acme", email(J), prune=True),),
        live(accepted("c1", "501", J), accepted("c2", "777", "bob@else.example", "editor")),
        ("remove collaboration acme folder:100 email:bob@else.example editor>",),
    ),
    Case(
        "prune removes an undeclared pending invitation",
        (delivery("acme", email(J), prune=True),),
        live(accepted("c1", "501", J), pending("c2", "old@acme.example")),
        ("remove collaboration acme folder:100 email:old@acme.example viewer>",),
    ),
    Case(
        "prune never removes the item owner",
        (delivery("acme", email(J), prune=True),),
        live(
            accepted("c1", "501", J), accepted("c2", OWNER_ID, "owner@studio.example", "co-owner")
        ),
        ("unmanaged collaboration acme folder:100 email:owner@studio.example co-owner>",),
    ),
    Case(
        "prune never removes the reconciler's own account",
        (delivery("acme", email(J), prune=True),),
        live(accepted("c1", "501", J), accepted("c2", "1", ME.login, "co-owner")),
        ("unmanaged collaboration acme folder:100 email:svc-reconciler@studio.example co-owner>",),
    ),
    Case(
        "prune never removes a protected login (any case)",
        (delivery("acme", email(J), prune=True),),
        live(accepted("c1", "501", J), accepted("c2", "8", "Ops@Studio.example", "editor")),
        ("unmanaged collaboration acme folder:100 email:ops@studio.example editor>",),
        Policy(protected=("ops@studio.EXAMPLE",)),
    ),
    Case(
        "prune never removes a protected pending invitation",
        (delivery("acme", email(J), prune=True),),
        live(accepted("c1", "501", J), pending("c2", "ops@studio.example")),
        ("unmanaged collaboration acme folder:100 email:ops@studio.example viewer>",),
        Policy(protected=("ops@studio.example",)),
    ),
    Case(
        "protected collaborator is never downgraded",
        (delivery("acme", email("ops@studio.example", "viewer")),),
        live(accepted("c1", "8", "ops@studio.example", "editor")),
        ("unmanaged collaboration acme folder:100 email:ops@studio.example editor>",),
        Policy(protected=("ops@studio.example",)),
    ),
    Case(
        "protected collaborator may be upgraded",
        (delivery("acme", email("ops@studio.example", "editor")),),
        live(accepted("c1", "8", "ops@studio.example", "viewer")),
        ("change collaboration acme folder:100 email:ops@studio.example viewer>editor",),
        Policy(protected=("ops@studio.example",)),
    ),
    Case(
        "group client is added by id",
        (delivery("acme", group("11446498")),),
        live(),
        ("add collaboration acme folder:100 group:11446498 >previewer",),
    ),
    Case(
        "group client present with another role is changed",
        (delivery("acme", group("11446498", "viewer")),),
        live(group_collab("c1", "11446498", "previewer")),
        ("change collaboration acme folder:100 group:11446498 previewer>viewer",),
    ),
    Case(
        "user-id client is added, and matched by id once present",
        (delivery("acme", user("22222"), user("33333")),),
        live(accepted("c1", "33333", "x@y.example")),
        ("add collaboration acme folder:100 user:22222 >viewer",),
    ),
    Case(
        "owner or reconciler declared as clients are not invited",
        (delivery("acme", user(OWNER_ID), email(ME.login.upper())),),
        live(),
        (),
    ),
    Case(
        "single-file share",
        (delivery("acme", email(J, "editor"), folders=(), files=("300",)),),
        live(items=(FILE,)),
        ("add collaboration acme file:300 email:jane.doe@acme.example >editor",),
    ),
    Case(
        "hub waits while the invitation is pending",
        (delivery("acme", email(J), hubs=("900",)),),
        live(pending("c1", J)),
        ("wait hub_collaboration acme hub:900 email:jane.doe@acme.example >viewer",),
    ),
    Case(
        "hub membership on acceptance of an invitation made in this plan",
        (delivery("acme", email(J, hub_role="editor"), hubs=("900",)),),
        live(),
        (
            "add collaboration acme folder:100 email:jane.doe@acme.example >viewer",
            "add hub_collaboration acme hub:900 email:jane.doe@acme.example >editor on-acceptance",
        ),
    ),
    Case(
        "hub add for a client who accepted",
        (delivery("acme", email(J), hubs=("900",)),),
        live(accepted("c1", "501", J)),
        ("add hub_collaboration acme hub:900 email:jane.doe@acme.example >viewer",),
    ),
    Case(
        "hub role change",
        (delivery("acme", email(C, "editor", hub_role="editor"), hubs=("900",)),),
        live(accepted("c1", "502", C, "editor"), hub_member("h1", "502", C, "viewer")),
        ("change hub_collaboration acme hub:900 email:cmo@acme.example viewer>editor",),
    ),
    Case(
        "pending hub member is recognised by user id although its login is hidden",
        (delivery("acme", email(J), hubs=("900",)),),
        live(accepted("c1", "501", J), hub_member("h1", "501", "", status="pending")),
        (),
    ),
    Case(
        "hub waits with a rejected invitation",
        (delivery("acme", email(J), hubs=("900",)),),
        live(rejected("c1", J)),
        (
            "wait collaboration acme folder:100 email:jane.doe@acme.example viewer>",
            "wait hub_collaboration acme hub:900 email:jane.doe@acme.example >viewer",
        ),
    ),
    Case(
        "hub takes user and group clients directly",
        (delivery("acme", user("22222"), group("11"), hubs=("900",)),),
        live(accepted("c1", "22222", "u@x.example"), group_collab("c2", "11", "previewer")),
        (
            "add hub_collaboration acme hub:900 group:11 >viewer",
            "add hub_collaboration acme hub:900 user:22222 >viewer",
        ),
    ),
    Case(
        "hub-only delivery invites email clients to the hub by login",
        (delivery("acme", email(J), folders=(), hubs=("900",)),),
        live(),
        ("add hub_collaboration acme hub:900 email:jane.doe@acme.example >viewer",),
    ),
    Case(
        "prune on a hub removes undeclared members",
        (delivery("acme", user("22222"), folders=(), hubs=("900",), prune=True),),
        live(hub_member("h1", "22222", "u@x.example"), hub_member("h2", "44", "z@x.example")),
        ("remove hub_collaboration acme hub:900 email:z@x.example viewer>",),
    ),
    Case(
        "two deliveries share a folder: neither one's clients are unmanaged for the other",
        (
            delivery("acme", email(J), prune=True),
            delivery("beta", email("boss@beta.example")),
        ),
        live(accepted("c1", "501", J), accepted("c2", "600", "boss@beta.example")),
        (),
    ),
    Case(
        "two deliveries share a folder: the pruning one removes what neither declares",
        (
            delivery("beta", email("boss@beta.example")),
            delivery("acme", email(J), prune=True),
        ),
        live(accepted("c1", "501", J), accepted("c3", "9", "gone@x.example")),
        (
            "add collaboration beta folder:100 email:boss@beta.example >viewer",
            "remove collaboration acme folder:100 email:gone@x.example viewer>",
        ),
    ),
    Case(
        "two deliveries declaring the same client invite once",
        (delivery("beta", email(J)), delivery("acme", email(J.upper()))),
        live(),
        ("add collaboration acme folder:100 email:jane.doe@acme.example >viewer",),
    ),
    Case(
        "some of everything, in apply order",
        (
            delivery(
                "acme",
                email(J, hub_role="viewer"),
                email(C, "editor"),
                group("11"),
                folders=("100", "200"),
                hubs=("900",),
                prune=True,
            ),
        ),
        live(
            accepted("c1", "502", C, "viewer"),
            accepted("c2", "777", "bob@else.example", item=OTHER_FOLDER),
            pending("c3", "x@old.example", item=OTHER_FOLDER),
            hub_member("h1", "31", "stale@x.example"),
            items=(FOLDER, OTHER_FOLDER, HUB),
        ),
        (
            "change collaboration acme folder:100 email:cmo@acme.example viewer>editor",
            "add collaboration acme folder:100 email:jane.doe@acme.example >viewer",
            "add collaboration acme folder:100 group:11 >previewer",
            "add collaboration acme folder:200 email:cmo@acme.example >editor",
            "add collaboration acme folder:200 email:jane.doe@acme.example >viewer",
            "add collaboration acme folder:200 group:11 >previewer",
            "add hub_collaboration acme hub:900 email:cmo@acme.example >viewer",
            "add hub_collaboration acme hub:900 email:jane.doe@acme.example >viewer on-acceptance",
            "add hub_collaboration acme hub:900 group:11 >viewer",
            # removals tear down in reverse: hub membership before collaborations
            "remove hub_collaboration acme hub:900 email:stale@x.example viewer>",
            "remove collaboration acme folder:200 email:bob@else.example viewer>",
            "remove collaboration acme folder:200 email:x@old.example viewer>",
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_planner_table(case: Case) -> None:
    result = plan(DesiredState(case.deliveries), case.live, case.policy)
    assert [line(c) for c in result.changes] == list(case.expected)


def test_there_are_enough_named_cases() -> None:
    assert len(CASES) >= 25 and len({c.name for c in CASES}) == len(CASES)


# --- details the table does not show -------------------------------------------------------


def only(result: Plan) -> Change:
    assert len(result.changes) == 1, [line(c) for c in result.changes]
    return result.changes[0]


def test_add_carries_notify_origin_and_the_address_as_written() -> None:
    d = delivery("acme", email("Jane.Doe@acme.example", line=12), notify=False)
    change = only(plan(DesiredState((d,)), live(), Policy()))
    assert change.notify is False
    assert change.origin == "d/acme.yaml:12"
    assert change.principal is not None and change.principal.display == "Jane.Doe@acme.example"
    assert change.item_name == "Folder 100"


def test_change_and_remove_carry_the_collaboration_id_beside_the_identity() -> None:
    d = delivery("acme", email(C, "editor"), prune=True)
    result = plan(
        DesiredState((d,)),
        live(accepted("c1", "502", C), pending("c9", "old@x.example")),
        Policy(),
    )
    change, remove = result.changes
    assert (change.action, change.collaboration_id, change.user_id) == (Action.CHANGE, "c1", "502")
    assert (remove.action, remove.collaboration_id) == (Action.REMOVE, "c9")
    assert change.field_changes() == [("role", "viewer", "editor")]


def test_on_acceptance_hub_add_depends_on_the_invitation() -> None:
    d = delivery("acme", email(J), hubs=("900",), folders=("100", "200"))
    result = plan(DesiredState((d,)), live(items=(FOLDER, OTHER_FOLDER, HUB)), Policy())
    invites = [c for c in result.changes if c.kind is Kind.COLLABORATION]
    hub = next(c for c in result.changes if c.kind is Kind.HUB_COLLABORATION)
    assert hub.on_acceptance and hub.action is Action.ADD
    assert hub.depends_on == (invites[0].key,)
    assert result.changes.index(hub) > result.changes.index(invites[0])


def test_hub_add_for_accepted_client_names_their_box_user() -> None:
    d = delivery("acme", email("jane@alias.example"), hubs=("900",))
    # Box shows the primary login once accepted; the invite_email still ties it to the client.
    collab = accepted("c1", "501", "jane@primary.example", invite_email="jane@alias.example")
    hub = only(plan(DesiredState((d,)), live(collab), Policy()))
    assert hub.kind is Kind.HUB_COLLABORATION and hub.action is Action.ADD
    assert hub.box_ids == {"user_id": "501", "login": "jane@primary.example"}


@pytest.mark.parametrize(
    ("collab", "words"),
    [
        (pending("c1", J), "accepted"),
        (rejected("c1", J), "rejected"),
    ],
)
def test_waiting_hub_membership_says_why(collab: LiveCollaboration, words: str) -> None:
    d = delivery("acme", email(J), hubs=("900",))
    result = plan(DesiredState((d,)), live(collab), Policy())
    hub = next(c for c in result.changes if c.kind is Kind.HUB_COLLABORATION)
    assert hub.action is Action.WAIT and words in hub.reason


def test_rejected_invitation_reason_is_reported() -> None:
    change = only(
        plan(DesiredState((delivery("acme", email(J)),)), live(rejected("c1", J)), Policy())
    )
    assert change.reason.startswith("invitation rejected")


@pytest.mark.parametrize(
    ("collab", "policy", "words"),
    [
        (accepted("c2", OWNER_ID, "o@x.example"), Policy(), "item owner"),
        (accepted("c2", "1", "someone@x.example"), Policy(), "reconciler's own account"),
        (accepted("c2", "5", "ops@x.example"), Policy(protected=("OPS@x.example",)), "protected"),
    ],
)
def test_guarded_collaborators_say_why_they_stay(
    collab: LiveCollaboration, policy: Policy, words: str
) -> None:
    d = delivery("acme", prune=True)
    change = only(plan(DesiredState((d,)), live(collab), policy))
    assert change.action is Action.UNMANAGED and words in change.reason


def test_missing_live_item_plans_adds_without_a_name() -> None:
    d = delivery("acme", email(J), folders=("555",))
    change = only(plan(DesiredState((d,)), live(), Policy()))
    assert (change.action, change.item, change.item_name) == (
        Action.ADD,
        ItemRef(ItemKind.FOLDER, "555"),
        "",
    )


def test_collaborator_counts_per_item() -> None:
    state = live(accepted("c1", "5", "a@x.example"), pending("c2", "b@x.example"))
    assert collaborator_counts(state) == {FOLDER: 2, HUB: 0}
    # The plan carries them, so its safety check needs nothing else.
    assert plan(DesiredState(), state, Policy()).collaborators == {FOLDER: 2, HUB: 0}


def test_a_plan_knows_the_very_inputs_it_was_made_from() -> None:
    desired, state, policy = DesiredState((delivery("acme", email(J)),)), live(), Policy()
    made = plan(desired, state, policy)
    assert made.made_from(desired, state, policy)
    assert not made.made_from(desired, replace(state), policy)  # an equal copy is not the same
    assert not Plan(made.changes).made_from(desired, state, policy)  # nor is a saved plan


# --- order independence --------------------------------------------------------------------


def shuffled(seed: int, desired: DesiredState, state: LiveState) -> tuple[DesiredState, LiveState]:
    rng = random.Random(seed)

    def mix(values: tuple[T, ...]) -> tuple[T, ...]:
        out = list(values)
        rng.shuffle(out)
        return tuple(out)

    deliveries = mix(tuple(replace(d, clients=mix(d.clients)) for d in desired.deliveries))
    items = list(state.items.items())
    rng.shuffle(items)
    new_items = {ref: replace(item, collaborations=mix(item.collaborations)) for ref, item in items}
    return DesiredState(deliveries), replace(state, items=new_items)


def test_shuffled_inputs_give_the_identical_plan_and_checksum() -> None:
    desired = DesiredState(
        (
            delivery(
                "acme",
                email(J),
                email(C, "editor"),
                group("11"),
                hubs=("900",),
                prune=True,
                folders=("100", "200"),
            ),
            delivery(
                "beta", email("boss@beta.example"), user("22222"), folders=("200",), files=("300",)
            ),
        )
    )
    state = live(
        accepted("c1", "502", C, "viewer"),
        pending("c2", "Boss@Beta.example", item=OTHER_FOLDER),
        accepted("c3", "777", "bob@else.example"),
        accepted("c4", "22222", "u@x.example", item=FILE),
        hub_member("h1", "31", "stale@x.example"),
        items=(FOLDER, OTHER_FOLDER, FILE, HUB),
    )
    reference = plan(desired, state, Policy())
    assert reference.has_changes
    for seed in range(20):
        again = plan(*shuffled(seed, desired, state), Policy())
        assert again.changes == reference.changes
        assert again.checksum() == reference.checksum()


def test_converged_state_plans_no_changes() -> None:
    d = delivery("acme", email(J), group("11"), hubs=("900",), prune=True)
    state = live(
        accepted("c1", "501", J),
        group_collab("c2", "11", "previewer"),
        hub_member("h1", "501", J),
        LiveCollaboration("h2", HUB, "viewer", InviteStatus.ACCEPTED, "group", "11", None, None),
    )
    result = plan(DesiredState((d,)), state, Policy())
    assert result.changes == ()
    assert not result.has_changes


# --- convergence ---------------------------------------------------------------------------


def simulate_apply(result: Plan, state: LiveState) -> LiveState:
    """Box after an apply in which every invitee already has an account (so accepts at once)."""
    collabs = {ref: list(item.collaborations) for ref, item in state.items.items()}
    for n, change in enumerate(result.executable()):
        on_item = collabs.setdefault(change.item, [])
        if change.action is Action.REMOVE:
            on_item[:] = [c for c in on_item if c.id != change.collaboration_id]
            continue
        assert change.principal is not None and change.after is not None
        if change.action is Action.CHANGE:
            on_item[:] = [
                replace(c, role=change.after["role"]) if c.id == change.collaboration_id else c
                for c in on_item
            ]
        else:
            key = change.principal.key
            if change.principal.kind.value == "group":
                new = group_collab(f"n{n}", key, change.after["role"], change.item)
            elif change.principal.kind.value == "user":
                new = accepted(
                    f"n{n}", key, f"{key}@users.example", change.after["role"], change.item
                )
            else:
                new = accepted(f"n{n}", f"u-{key}", key, change.after["role"], change.item)
            on_item.append(new)
    return replace(
        state,
        items={
            ref: replace(state.items[ref], collaborations=tuple(c)) for ref, c in collabs.items()
        },
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_planning_again_after_apply_finds_nothing_to_do(case: Case) -> None:
    desired = DesiredState(case.deliveries)
    first = plan(desired, case.live, case.policy)
    again = plan(desired, simulate_apply(first, case.live), case.policy)
    assert again.executable() == (), [line(c) for c in again.executable()]
    assert again.waiting <= first.waiting
