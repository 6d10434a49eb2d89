"""Box Hubs in the sandbox (box-version 2025.0): hubs, hub collaborations, hub items."""

from __future__ import annotations

import pytest
import requests
from box_sdk_gen import BoxAPIError, BoxClient
from box_sdk_gen.managers.hub_collaborations import (
    CreateHubCollaborationV2025R0AccessibleBy,
    CreateHubCollaborationV2025R0Hub,
)
from box_sdk_gen.schemas.v2025_r0.file_reference_v2025_r0 import FileReferenceV2025R0
from box_sdk_gen.schemas.v2025_r0.folder_reference_v2025_r0 import FolderReferenceV2025R0
from box_sdk_gen.schemas.v2025_r0.hub_item_operation_v2025_r0 import (
    HubItemOperationV2025R0,
    HubItemOperationV2025R0ActionField,
)

from reconciler.sandbox.server import Sandbox
from reconciler.sandbox.state import File, Folder, Group, Hub, Membership, Token, User
from tests.conftest import sdk_client

ADMIN = "10001"
FOLDER, FILE = "100", "200"
#: name -> (user id, login, enterprise id or None for an external account, auto-accepts)
PEOPLE = {
    "alice": ("20001", "alice@example.com", "900001", True),
    "bob": ("20002", "bob@client.example", None, True),
    "pat": ("20003", "pat@client.example", None, False),  # turned auto-accept off
    "erin": ("20005", "erin@example.com", "900001", True),
}
ALICE, BOB, PAT, ERIN = (PEOPLE[n][0] for n in ("alice", "bob", "pat", "erin"))
ALICES_HUB = "42037322"


@pytest.fixture
def box(sandbox: Sandbox) -> Sandbox:
    """People with Box accounts, a group with erin in it, a folder with a file, and alice's hub."""
    state = sandbox.state
    with state.lock:
        for name, (user_id, login, enterprise, auto_accept) in PEOPLE.items():
            state.users[user_id] = User(
                id=user_id,
                login=login,
                name=name,
                enterprise_id=enterprise,
                auto_accept=auto_accept,
            )
            state.tokens[name] = Token(token=name, user_id=user_id)
        state.groups["300"] = Group(id="300", name="Partners")
        state.memberships["301"] = Membership(id="301", user_id=ERIN, group_id="300")
        state.folders[FOLDER] = Folder(id=FOLDER, name="Client A", parent_id="0", owner_id=ADMIN)
        state.files[FILE] = File(id=FILE, name="report.pdf", parent_id=FOLDER, owner_id=ADMIN)
        state.hubs[ALICES_HUB] = Hub(
            id=ALICES_HUB, title="Alice's hub", owner_id=ALICE, created_at=state.now()
        )
    return sandbox


def person(box: Sandbox, name: str) -> BoxClient:
    return sdk_client(box.base_url, name)


def new_hub(client: BoxClient, title: str = "Client A portal") -> str:
    return str(client.hubs.create_hub_v2025_r0(title, description="For Client A").id)


def invite(client: BoxClient, hub_id: str, role: str = "viewer", **who: str):
    kind = "group" if who.pop("group", None) else "user"
    return client.hub_collaborations.create_hub_collaboration_v2025_r0(
        CreateHubCollaborationV2025R0Hub(id=hub_id),
        CreateHubCollaborationV2025R0AccessibleBy(type=kind, **who),
        role,
    )


def api_error(call, *args, **kwargs) -> BoxAPIError:
    with pytest.raises(BoxAPIError) as caught:
        call(*args, **kwargs)
    return caught.value


def raw(box: Sandbox, method: str, path: str, **kwargs) -> requests.Response:
    headers = {"Authorization": "Bearer sandbox", **kwargs.pop("headers", {})}
    return requests.request(method, f"{box.base_url}{path}", headers=headers, timeout=5, **kwargs)


# --- the version header --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/2.0/hubs"),
        ("GET", f"/2.0/hubs/{ALICES_HUB}"),
        ("GET", f"/2.0/hub_collaborations?hub_id={ALICES_HUB}"),
        ("GET", f"/2.0/hub_items?hub_id={ALICES_HUB}"),
        ("POST", "/2.0/hubs"),
    ],
)
def test_hub_calls_without_box_version_are_refused(box: Sandbox, method: str, path: str) -> None:
    response = raw(box, method, path, json={"title": "x"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_api_version"


def test_hub_calls_with_another_box_version_are_refused(box: Sandbox) -> None:
    response = raw(box, "GET", "/2.0/hubs", headers={"box-version": "2024.0"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_api_version"


# --- hubs ----------------------------------------------------------------------------------


def test_create_get_update_delete_a_hub(box: Sandbox, client: BoxClient) -> None:
    created = client.hubs.create_hub_v2025_r0("Client A portal", description="For Client A")
    assert created.raw_data["type"] == "hubs"
    assert created.created_by.id == ADMIN
    fetched = client.hubs.get_hub_by_id_v2025_r0(created.id)
    assert (fetched.title, fetched.description) == ("Client A portal", "For Client A")
    updated = client.hubs.update_hub_by_id_v2025_r0(
        created.id, title="Portal", can_non_owners_invite=False
    )
    assert updated.title == "Portal"
    assert updated.can_non_owners_invite is False
    client.hubs.delete_hub_by_id_v2025_r0(created.id)
    error = api_error(client.hubs.get_hub_by_id_v2025_r0, created.id)
    assert error.response_info.status_code == 404


@pytest.mark.parametrize("title", ["", "x" * 50], ids=["empty", "too-long"])
def test_a_hub_title_is_required_and_short(box: Sandbox, client: BoxClient, title: str) -> None:
    error = api_error(client.hubs.create_hub_v2025_r0, title)
    assert error.response_info.status_code == 400


def test_people_list_the_hubs_they_belong_to(box: Sandbox, client: BoxClient) -> None:
    hub_id = new_hub(client)
    bob = person(box, "bob")
    assert bob.hubs.get_hubs_v2025_r0().entries == []
    invite(client, hub_id, login="bob@client.example")
    assert [h.id for h in bob.hubs.get_hubs_v2025_r0().entries] == [hub_id]
    assert bob.hubs.get_hubs_v2025_r0(scope="editable").entries == []
    assert [h.id for h in bob.hubs.get_hubs_v2025_r0(scope="view_only").entries] == [hub_id]


def test_a_hub_is_invisible_to_people_outside_it(box: Sandbox, client: BoxClient) -> None:
    hub_id = new_hub(client)
    error = api_error(person(box, "bob").hubs.get_hub_by_id_v2025_r0, hub_id)
    assert error.response_info.status_code == 404


def test_enterprise_hubs_are_for_admins(box: Sandbox, client: BoxClient) -> None:
    mine = new_hub(client)
    listed = client.hubs.get_enterprise_hubs_v2025_r0(sort="name")
    assert [h.id for h in listed.entries] == [ALICES_HUB, mine]  # by title
    error = api_error(person(box, "alice").hubs.get_enterprise_hubs_v2025_r0)
    assert error.response_info.status_code == 403


# --- hub collaborations --------------------------------------------------------------------


def test_a_person_with_a_box_account_is_accepted_at_once(box: Sandbox, client: BoxClient) -> None:
    hub_id = new_hub(client)
    collab = invite(client, hub_id, "editor", login="Bob@client.example")
    assert collab.status.value == "accepted"
    assert collab.role == "editor"
    assert collab.hub.id == hub_id
    assert collab.raw_data["hub"]["type"] == "hubs"
    assert collab.accessible_by.id == BOB
    assert collab.accessible_by.login == "bob@client.example"


def test_users_by_id_and_groups_by_id_can_join(box: Sandbox, client: BoxClient) -> None:
    hub_id = new_hub(client)
    by_id = invite(client, hub_id, id=ALICE)
    group = invite(client, hub_id, "co-owner", id="300", group="yes")
    assert by_id.accessible_by.id == ALICE
    assert group.raw_data["accessible_by"] == {
        "type": "group",
        "id": "300",
        "name": "Partners",
        "group_type": "managed_group",
    }
    # erin belongs to the group, so the hub is hers too
    assert [h.id for h in person(box, "erin").hubs.get_hubs_v2025_r0().entries] == [hub_id]


def test_a_pending_invitation_hides_login_and_name(box: Sandbox, client: BoxClient) -> None:
    hub_id = new_hub(client)
    collab = invite(client, hub_id, login="pat@client.example")
    assert collab.status.value == "pending"
    assert collab.raw_data["accessible_by"]["login"] == ""
    assert collab.raw_data["accessible_by"]["name"] == ""
    assert person(box, "pat").hubs.get_hubs_v2025_r0().entries == []


def test_only_people_with_a_box_account_can_be_added(box: Sandbox, client: BoxClient) -> None:
    error = api_error(invite, client, new_hub(client), login="nobody@client.example")
    assert error.response_info.status_code == 404


@pytest.mark.parametrize("role", ["owner", "previewer", "Editor"])
def test_hub_roles_are_viewer_editor_or_co_owner(
    box: Sandbox, client: BoxClient, role: str
) -> None:
    error = api_error(invite, client, new_hub(client), role, id=ALICE)
    assert error.response_info.status_code == 400


def test_a_second_invitation_is_user_already_collaborator(box: Sandbox, client: BoxClient) -> None:
    hub_id = new_hub(client)
    invite(client, hub_id, id=ALICE)
    error = api_error(invite, client, hub_id, "editor", login="alice@example.com")
    assert error.response_info.status_code == 400
    assert error.response_info.code == "user_already_collaborator"


def test_a_hub_restricted_to_the_enterprise_refuses_outsiders(
    box: Sandbox, client: BoxClient
) -> None:
    hub_id = new_hub(client)
    client.hubs.update_hub_by_id_v2025_r0(hub_id, is_collaboration_restricted_to_enterprise=True)
    assert api_error(invite, client, hub_id, id=BOB).response_info.status_code == 403
    assert invite(client, hub_id, id=ALICE).status.value == "accepted"


def test_a_viewer_cannot_invite(box: Sandbox, client: BoxClient) -> None:
    hub_id = new_hub(client)
    invite(client, hub_id, id=BOB)
    error = api_error(invite, person(box, "bob"), hub_id, id=ALICE)
    assert error.response_info.status_code == 403


def test_listing_needs_a_hub_id_and_pages_by_marker(box: Sandbox, client: BoxClient) -> None:
    response = raw(box, "GET", "/2.0/hub_collaborations", headers={"box-version": "2025.0"})
    assert response.status_code == 400
    hub_id = new_hub(client)
    invited = [invite(client, hub_id, id=ALICE).id, invite(client, hub_id, id=BOB).id]
    first = client.hub_collaborations.get_hub_collaborations_v2025_r0(hub_id, limit=1)
    assert first.next_marker
    second = client.hub_collaborations.get_hub_collaborations_v2025_r0(
        hub_id, limit=1, marker=first.next_marker
    )
    assert [c.id for c in first.entries + second.entries] == invited
    assert second.next_marker is None


def test_change_a_role_then_remove_the_collaboration(box: Sandbox, client: BoxClient) -> None:
    hub_id = new_hub(client)
    collab = invite(client, hub_id, id=ALICE)
    manager = client.hub_collaborations
    assert (
        manager.update_hub_collaboration_by_id_v2025_r0(collab.id, role="editor").role == "editor"
    )
    assert manager.get_hub_collaboration_by_id_v2025_r0(collab.id).role == "editor"
    manager.delete_hub_collaboration_by_id_v2025_r0(collab.id)
    error = api_error(manager.get_hub_collaboration_by_id_v2025_r0, collab.id)
    assert error.response_info.status_code == 404


# --- hub items -----------------------------------------------------------------------------


def operation(action: str, item) -> HubItemOperationV2025R0:
    return HubItemOperationV2025R0(action=HubItemOperationV2025R0ActionField(action), item=item)


def test_add_list_and_remove_hub_items(box: Sandbox, client: BoxClient) -> None:
    hub_id = new_hub(client)
    added = client.hub_items.manage_hub_items_v2025_r0(
        hub_id,
        operations=[
            operation("add", FileReferenceV2025R0(id=FILE)),
            operation("add", FolderReferenceV2025R0(id=FOLDER)),
            operation("add", FileReferenceV2025R0(id="999")),
        ],
    )
    assert [op.status for op in added.operations] == [200, 200, 404]
    again = client.hub_items.manage_hub_items_v2025_r0(
        hub_id, operations=[operation("add", FileReferenceV2025R0(id=FILE))]
    )
    assert again.operations[0].status == 409
    items = client.hub_items.get_hub_items_v2025_r0(hub_id)
    assert [(i.type.value, i.id, i.name) for i in items.entries] == [
        ("file", FILE, "report.pdf"),
        ("folder", FOLDER, "Client A"),
    ]
    removed = client.hub_items.manage_hub_items_v2025_r0(
        hub_id, operations=[operation("remove", FileReferenceV2025R0(id=FILE))]
    )
    assert removed.operations[0].status == 200
    assert [i.id for i in client.hub_items.get_hub_items_v2025_r0(hub_id).entries] == [FOLDER]


def test_hub_items_need_a_hub_id(box: Sandbox) -> None:
    response = raw(box, "GET", "/2.0/hub_items", headers={"box-version": "2025.0"})
    assert response.status_code == 400


def test_a_viewer_cannot_change_hub_items(box: Sandbox, client: BoxClient) -> None:
    hub_id = new_hub(client)
    invite(client, hub_id, id=BOB)
    error = api_error(
        person(box, "bob").hub_items.manage_hub_items_v2025_r0,
        hub_id,
        operations=[operation("add", FileReferenceV2025R0(id=FILE))],
    )
    assert error.response_info.status_code == 403
