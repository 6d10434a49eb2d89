"""Which deliveries a hint reconciles: the index from the manifests, files through their parent
folders, and the rule that a targeted plan takes every delivery sharing an item with it."""

from __future__ import annotations

import pytest

from reconciler.box.events import event_items, parse_event
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
    Policy,
    Principal,
)
from reconciler.plan import Action
from reconciler.planning import plan
from reconciler.watch.index import DeliveryIndex, subset

ME = LiveUser("1", "svc@studio.example")


def folder(fid: str) -> ItemRef:
    return ItemRef(ItemKind.FOLDER, fid)


def file(fid: str) -> ItemRef:
    return ItemRef(ItemKind.FILE, fid)


def delivery(
    name: str,
    *,
    folders: tuple[str, ...] = (),
    files: tuple[str, ...] = (),
    hubs: tuple[str, ...] = (),
    prune: bool = False,
    client: str = "",
) -> Delivery:
    who = client or f"{name}@client.example"
    return Delivery(
        name=name,
        file=f"deliveries/{name}.yaml",
        folders=folders,
        files=files,
        hubs=hubs,
        clients=(Client(Principal.email(who), "viewer"),),
        prune=prune,
    )


STUDIO = DesiredState(
    (
        delivery("acme", folders=("100",), hubs=("900",)),
        delivery("acme-extra", folders=("100", "101")),  # shares folder 100 with acme
        delivery("chain", folders=("101",)),  # shares 101 with acme-extra only
        delivery("globex", folders=("200",)),
        delivery("hub-only", folders=("300",), hubs=("900",)),  # shares the hub with acme
        delivery("initech", files=("5000",)),
    )
)


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        pytest.param([folder("200")], {"globex"}, id="a folder alone"),
        pytest.param([file("5000")], {"initech"}, id="a file shared on its own"),
        pytest.param(
            [file("7777"), folder("4242"), folder("200")],
            {"globex"},
            id="a file inside a delivered folder, through its path",
        ),
        pytest.param(
            [folder("101")],
            {"acme", "acme-extra", "chain", "hub-only"},
            id="shared items link deliveries transitively, hubs included",
        ),
        pytest.param([folder("999")], set(), id="an item nobody declares"),
    ],
)
def test_a_hint_reconciles_the_deliveries_declaring_its_items(
    items: list[ItemRef], expected: set[str]
) -> None:
    assert DeliveryIndex(STUDIO).touched(items) == expected


def test_a_file_event_maps_through_its_parent_folders() -> None:
    # Box's event shape for an upload three levels below a delivered folder.
    raw = {
        "type": "event",
        "event_id": "e1",
        "event_type": "ITEM_UPLOAD",
        "source": {
            "type": "file",
            "id": "7777",
            "parent": {"type": "folder", "id": "4242"},
            "path_collection": {
                "total_count": 3,
                "entries": [{"type": "folder", "id": "0"}, {"id": "200"}, {"id": "4242"}],
            },
        },
    }
    items = event_items(raw)
    assert DeliveryIndex(STUDIO).touched(items) == {"globex"}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            {"type": "collaboration", "id": "c1", "item": {"type": "folder", "id": "200"}},
            {folder("200")},
            id="a collaboration names its item",
        ),
        pytest.param(
            {"type": "task_assignment", "id": "a1", "item": {"type": "file", "id": "5000"}},
            {file("5000")},
            id="a task assignment names its file",
        ),
        pytest.param(
            {"item_type": "file", "item_id": "5000", "parent": {"type": "folder", "id": "200"}},
            {file("5000"), folder("200")},
            id="an enterprise event's source names the item and its parent",
        ),
        pytest.param({"type": "user", "id": "20001"}, set(), id="a user is no item"),
    ],
)
def test_event_sources_become_items(source: dict[str, object], expected: set[ItemRef]) -> None:
    assert set(event_items({"source": source})) == expected


def test_a_targeted_plan_never_prunes_what_another_delivery_declares() -> None:
    # acme prunes folder 100; studio-team declares a person on the same folder.
    acme = delivery("acme", folders=("100",), prune=True, client="jane@acme.example")
    team = delivery("studio-team", folders=("100",), client="bob@studio.example")
    other = delivery("globex", folders=("200",))
    state = DesiredState((acme, team, other))
    live = LiveState(
        me=ME,
        items={
            folder("100"): LiveItem(
                folder("100"),
                "acme",
                "2",
                tuple(
                    LiveCollaboration(
                        cid, folder("100"), "viewer", InviteStatus.PENDING, None, None, None, who
                    )
                    for cid, who in (("c1", "jane@acme.example"), ("c2", "bob@studio.example"))
                ),
            )
        },
    )
    hinted = DeliveryIndex(state).touched([file("1"), folder("100")])
    assert hinted == {"acme", "studio-team"}
    targeted = plan(subset(state, hinted), live, Policy())
    assert [c for c in targeted.changes if c.action is Action.REMOVE] == []
    # What the rule prevents: planned alone, acme would prune studio-team's collaborator.
    alone = plan(subset(state, {"acme"}), live, Policy())
    assert [str(c.principal) for c in alone.changes if c.action is Action.REMOVE] == [
        "bob@studio.example"
    ]


@pytest.mark.parametrize(
    ("event_type", "by", "echoes"),
    [
        pytest.param("TASK_ASSIGNMENT_CREATE", "1", True, id="our own assignment"),
        pytest.param("TASK_ASSIGNMENT_CREATE", "20001", False, id="someone else's assignment"),
        pytest.param("COLLAB_INVITE_COLLABORATOR", "1", False, id="our invitation, read back"),
        pytest.param("TASK_ASSIGNMENT_UPDATE", "20001", False, id="a decision"),
    ],
)
def test_only_our_own_assignments_need_no_second_look(
    event_type: str, by: str, echoes: bool
) -> None:
    raw = {"event_type": event_type, "created_by": {"type": "user", "id": by}, "source": {}}
    assert parse_event(raw, "7").echoes(ME.id) is echoes
