"""Sandbox collaborations through the real SDK: invitations, acceptance, roles, listings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from box_sdk_gen import (
    BoxAPIError,
    BoxClient,
    Collaboration,
    CreateCollaborationAccessibleBy,
    CreateCollaborationAccessibleByTypeField,
    CreateCollaborationItem,
    CreateCollaborationItemTypeField,
    CreateCollaborationRole,
    GetCollaborationsStatus,
    UpdateCollaborationByIdRole,
    UpdateCollaborationByIdStatus,
)

from reconciler.sandbox.server import Sandbox
from tests.conftest import ADMIN_TOKEN, sdk_client

DELIVERY = "40002"  # Deliveries/Acme, owned by the service account
HERO = "50001"  # Deliveries/Acme/hero.jpg


def studio_seed() -> dict[str, Any]:
    """A studio: service account, a colleague, two clients with Box accounts, a group, a tree."""
    return {
        "enterprise": {"id": "900001", "name": "Studio"},
        "users": [
            {
                "id": "10001",
                "login": "svc@studio.example",
                "name": "Reconciler",
                "role": "admin",
                "service_account": True,
                "token": ADMIN_TOKEN,
            },
            {"id": "10002", "login": "ann@studio.example", "name": "Ann", "token": "ann"},
        ],
        "external_users": [
            {"id": "20001", "login": "bob@client.example", "name": "Bob", "token": "bob"},
            {
                "id": "20002",
                "login": "carl@client.example",
                "name": "Carl",
                "token": "carl",
                "auto_accept": False,
            },
        ],
        "groups": [{"id": "30001", "name": "Retouchers", "members": ["10002"]}],
        "folders": [
            {
                "id": "40001",
                "name": "Deliveries",
                "owner": "10001",
                "folders": [
                    {
                        "id": DELIVERY,
                        "name": "Acme",
                        "files": [{"id": HERO, "name": "hero.jpg", "size": 2048}],
                        "folders": [{"id": "40003", "name": "Raw"}],
                    }
                ],
            }
        ],
    }


def invite(
    client: BoxClient,
    *,
    item: str = DELIVERY,
    kind: str = "folder",
    role: str = "viewer",
    login: str | None = None,
    user_id: str | None = None,
    group_id: str | None = None,
) -> Collaboration:
    grantee = (
        CreateCollaborationAccessibleBy(
            type=CreateCollaborationAccessibleByTypeField.GROUP, id=group_id
        )
        if group_id
        else CreateCollaborationAccessibleBy(
            type=CreateCollaborationAccessibleByTypeField.USER, id=user_id, login=login
        )
    )
    return client.user_collaborations.create_collaboration(
        CreateCollaborationItem(type=CreateCollaborationItemTypeField(kind), id=item),
        grantee,
        CreateCollaborationRole(role),
    )


def api_error(call: Callable[[], object]) -> BoxAPIError:
    with pytest.raises(BoxAPIError) as caught:
        call()
    return caught.value


def error_of(err: BoxAPIError) -> tuple[int, str | None]:
    return err.response_info.status_code, err.response_info.code


def status_of(call: Callable[[], object]) -> tuple[int, str | None]:
    """The status and code of the Box error that ``call`` raises."""
    return error_of(api_error(call))


def post_collaboration(box: Sandbox, role: str, **extra: Any) -> requests.Response:
    """A raw invitation, for what the SDK's types would not let through."""
    return requests.post(
        f"{box.base_url}/2.0/collaborations",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        json={
            "item": {"type": "folder", "id": DELIVERY},
            "accessible_by": {"type": "user", "login": "dana@client.example"},
            "role": role,
            **extra,
        },
        timeout=10,
    )


def captured_events(box: Sandbox) -> list[dict[str, Any]]:
    """Record the webhook events the sandbox raises (the webhook service's hook point)."""
    seen: list[dict[str, Any]] = []
    box.hooks.on_events = lambda state, events: seen.extend(events)
    return seen


# --- creating ------------------------------------------------------------------------------


def test_inviting_an_email_without_a_box_account_is_pending_with_invite_email(
    admin: BoxClient,
) -> None:
    collab = invite(admin, login="Dana@Client.example")
    assert collab.status.value == "pending"
    assert collab.invite_email == "Dana@Client.example"
    assert collab.accessible_by is None
    assert collab.raw_data["acknowledged_at"] is None


def test_inviting_a_managed_user_by_id_is_accepted_at_once(admin: BoxClient) -> None:
    collab = invite(admin, user_id="10002", role="editor")
    assert collab.status.value == "accepted"
    assert collab.acknowledged_at is not None
    assert collab.invite_email is None
    assert collab.accessible_by.id == "10002" and collab.accessible_by.name == "Ann"


def test_inviting_an_external_box_user_by_login_is_accepted_at_once(admin: BoxClient) -> None:
    collab = invite(admin, login="BOB@client.example")
    assert collab.status.value == "accepted"
    assert collab.accessible_by.id == "20001"
    assert collab.invite_email is None


def test_a_user_who_does_not_auto_accept_stays_pending_with_a_redacted_name(
    admin: BoxClient,
) -> None:
    collab = invite(admin, login="carl@client.example")
    assert collab.status.value == "pending"
    assert collab.invite_email is None
    assert collab.accessible_by.login == "carl@client.example"
    assert collab.accessible_by.name == ""


def test_a_group_collaboration_is_accepted_and_gives_its_members_access(
    studio: Sandbox, admin: BoxClient
) -> None:
    ann = sdk_client(studio.base_url, "ann")
    assert status_of(lambda: ann.files.get_file_by_id(HERO))[0] == 404
    collab = invite(admin, group_id="30001", role="editor")
    assert collab.status.value == "accepted"
    assert collab.accessible_by.type.value == "group"
    assert ann.files.get_file_by_id(HERO).name == "hero.jpg"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"login": "dana@client.example"}, {"login": "DANA@client.example"}),
        ({"user_id": "20001"}, {"login": "bob@client.example"}),
        ({"group_id": "30001"}, {"group_id": "30001"}),
        ({"login": "carl@client.example"}, {"user_id": "20002"}),
    ],
    ids=[
        "same invite email, other case",
        "same user by id then login",
        "same group",
        "pending user",
    ],
)
def test_a_second_invitation_of_the_same_person_is_refused(
    admin: BoxClient, first: dict[str, str], second: dict[str, str]
) -> None:
    invite(admin, **first)
    err = api_error(lambda: invite(admin, role="editor", **second))
    assert error_of(err) == (400, "user_already_collaborator")
    assert err.response_info.body["message"] == "User is already a collaborator"


def test_inviting_the_owner_is_refused_as_already_a_collaborator(admin: BoxClient) -> None:
    err = api_error(lambda: invite(admin, user_id="10001"))
    assert error_of(err) == (400, "user_already_collaborator")


def test_an_unknown_role_is_a_bad_request_naming_the_role(studio: Sandbox) -> None:
    response = post_collaboration(studio, "boss")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bad_request"
    assert body["context_info"]["errors"][0]["name"] == "role"


def test_the_owner_role_cannot_be_given_on_create(studio: Sandbox) -> None:
    response = post_collaboration(studio, "owner")
    assert response.status_code == 400 and response.json()["code"] == "bad_request"


def test_the_root_folder_cannot_be_collaborated_on(admin: BoxClient) -> None:
    err = api_error(lambda: invite(admin, item="0", login="dana@client.example"))
    assert error_of(err) == (400, "collaborations_not_available_on_root_folder")


def test_single_files_accept_only_editor_and_viewer(admin: BoxClient) -> None:
    on_file = invite(admin, item=HERO, kind="file", role="viewer", login="bob@client.example")
    assert on_file.role.value == "viewer"
    err = api_error(
        lambda: invite(admin, item=HERO, kind="file", role="previewer", login="dana@client.example")
    )
    assert error_of(err) == (400, "collab_role_not_supported_on_file_type")


def test_inviting_without_manage_rights_is_forbidden(studio: Sandbox, admin: BoxClient) -> None:
    invite(admin, login="bob@client.example", role="viewer")
    bob = sdk_client(studio.base_url, "bob")
    err = api_error(lambda: invite(bob, login="dana@client.example"))
    assert error_of(err) == (403, "access_denied_insufficient_permissions")


@pytest.mark.parametrize(("kind", "prefix"), [("folder", "d"), ("file", "f")])
def test_inviting_to_a_missing_item_is_not_found_with_its_prefixed_id(
    admin: BoxClient, kind: str, prefix: str
) -> None:
    err = api_error(lambda: invite(admin, item="99999", kind=kind, login="dana@client.example"))
    assert error_of(err) == (404, "not_found")
    detail = err.response_info.context_info["errors"][0]
    assert detail["name"] == "item" and f"'{prefix}_99999'" in detail["message"]


def test_an_item_the_caller_cannot_see_is_not_found(studio: Sandbox) -> None:
    bob = sdk_client(studio.base_url, "bob")
    err = api_error(lambda: invite(bob, login="dana@client.example"))
    assert error_of(err) == (404, "not_found")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b'{"item": {"type": "folder", "id": "40002"}, "role": "viewer"}', 400),
        (
            b'{"item": {"type": "web_link", "id": "1"}, "accessible_by": {"type": "user", '
            b'"login": "x@y.example"}, "role": "viewer"}',
            400,
        ),
    ],
    ids=["malformed JSON", "missing accessible_by", "web link item"],
)
def test_malformed_invitations_get_boxs_error_body(
    studio: Sandbox, body: bytes, status: int
) -> None:
    response = requests.post(
        f"{studio.base_url}/2.0/collaborations",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"},
        data=body,
        timeout=10,
    )
    assert response.status_code == status
    assert response.json()["type"] == "error" and response.json()["request_id"]


# --- reading, accepting, changing ----------------------------------------------------------


def test_the_invitee_accepts_a_pending_invitation_and_gains_access(
    studio: Sandbox, admin: BoxClient
) -> None:
    collab = invite(admin, login="carl@client.example")
    carl = sdk_client(studio.base_url, "carl")
    assert status_of(lambda: carl.folders.get_folder_by_id(DELIVERY))[0] == 404
    accepted = carl.user_collaborations.update_collaboration_by_id(
        collab.id, status=UpdateCollaborationByIdStatus.ACCEPTED
    )
    assert accepted.status.value == "accepted" and accepted.acknowledged_at is not None
    assert accepted.accessible_by.name == "Carl"
    assert carl.folders.get_folder_by_id(DELIVERY).name == "Acme"


def test_the_invitee_can_reject(studio: Sandbox, admin: BoxClient) -> None:
    collab = invite(admin, login="carl@client.example")
    carl = sdk_client(studio.base_url, "carl")
    rejected = carl.user_collaborations.update_collaboration_by_id(
        collab.id, status=UpdateCollaborationByIdStatus.REJECTED
    )
    assert rejected.status.value == "rejected"
    assert status_of(lambda: carl.folders.get_folder_by_id(DELIVERY))[0] == 404


def test_only_the_invitee_may_change_the_status(admin: BoxClient) -> None:
    collab = invite(admin, login="carl@client.example")
    err = api_error(
        lambda: admin.user_collaborations.update_collaboration_by_id(
            collab.id, status=UpdateCollaborationByIdStatus.ACCEPTED
        )
    )
    assert error_of(err)[0] == 403


def test_the_status_changes_only_while_pending(studio: Sandbox, admin: BoxClient) -> None:
    collab = invite(admin, login="bob@client.example")
    bob = sdk_client(studio.base_url, "bob")
    err = api_error(
        lambda: bob.user_collaborations.update_collaboration_by_id(
            collab.id, status=UpdateCollaborationByIdStatus.REJECTED
        )
    )
    assert error_of(err) == (400, "invalid_status")
    assert err.response_info.body["message"] == (
        "You can change the status only if the collaboration is pending"
    )


def test_a_pending_invitations_role_can_change(admin: BoxClient) -> None:
    collab = invite(admin, login="dana@client.example", role="editor")
    changed = admin.user_collaborations.update_collaboration_by_id(
        collab.id, role=UpdateCollaborationByIdRole.VIEWER
    )
    assert changed.role.value == "viewer" and changed.status.value == "pending"
    assert admin.user_collaborations.get_collaboration_by_id(collab.id).role.value == "viewer"


def test_changing_a_role_needs_manage_rights(studio: Sandbox, admin: BoxClient) -> None:
    collab = invite(admin, login="bob@client.example", role="viewer")
    bob = sdk_client(studio.base_url, "bob")
    err = api_error(
        lambda: bob.user_collaborations.update_collaboration_by_id(
            collab.id, role=UpdateCollaborationByIdRole.EDITOR
        )
    )
    assert error_of(err)[0] == 403


def test_a_refused_update_changes_nothing(studio: Sandbox, admin: BoxClient) -> None:
    collab = invite(admin, login="carl@client.example", role="viewer")
    carl = sdk_client(studio.base_url, "carl")
    err = api_error(
        lambda: carl.user_collaborations.update_collaboration_by_id(
            collab.id,
            status=UpdateCollaborationByIdStatus.ACCEPTED,
            role=UpdateCollaborationByIdRole.EDITOR,
        )
    )
    assert error_of(err)[0] == 403
    after = admin.user_collaborations.get_collaboration_by_id(collab.id)
    assert (after.status.value, after.role.value) == ("pending", "viewer")


def test_transferring_ownership_answers_204_and_keeps_the_old_owner_as_co_owner(
    studio: Sandbox, admin: BoxClient
) -> None:
    collab = invite(admin, user_id="10002", role="editor")
    result = admin.user_collaborations.update_collaboration_by_id(
        collab.id, role=UpdateCollaborationByIdRole.OWNER
    )
    assert result is None
    folder = admin.folders.get_folder_by_id(DELIVERY)
    assert folder.owned_by.id == "10002"
    listed = admin.list_collaborations.get_folder_collaborations(DELIVERY).entries
    assert [(c.accessible_by.id, c.role) for c in listed] == [("10001", "co-owner")]
    assert listed[0].id != collab.id
    err = api_error(lambda: admin.user_collaborations.get_collaboration_by_id(collab.id))
    assert error_of(err)[0] == 404


def test_removing_a_collaboration_revokes_access(studio: Sandbox, admin: BoxClient) -> None:
    collab = invite(admin, login="bob@client.example")
    bob = sdk_client(studio.base_url, "bob")
    assert bob.folders.get_folder_by_id(DELIVERY).id == DELIVERY
    admin.user_collaborations.delete_collaboration_by_id(collab.id)
    assert status_of(lambda: bob.folders.get_folder_by_id(DELIVERY))[0] == 404


def test_a_pending_invitation_can_be_removed(admin: BoxClient) -> None:
    collab = invite(admin, login="dana@client.example")
    admin.user_collaborations.delete_collaboration_by_id(collab.id)
    assert admin.list_collaborations.get_folder_collaborations(DELIVERY).entries == []


def test_a_stranger_cannot_read_a_collaboration(studio: Sandbox, admin: BoxClient) -> None:
    collab = invite(admin, login="dana@client.example")
    bob = sdk_client(studio.base_url, "bob")
    err = api_error(lambda: bob.user_collaborations.get_collaboration_by_id(collab.id))
    assert error_of(err)[0] == 404


def test_a_collaboration_reads_back_with_only_the_fields_asked_for(admin: BoxClient) -> None:
    collab = invite(admin, login="dana@client.example")
    read = admin.user_collaborations.get_collaboration_by_id(collab.id, fields=["status"])
    assert set(read.raw_data) == {"type", "id", "status"}


# --- listings ------------------------------------------------------------------------------


def test_item_listings_show_direct_collaborations_pending_included_owner_excluded(
    admin: BoxClient,
) -> None:
    invite(admin, item="40001", login="bob@client.example")  # on the parent: inherited only
    pending = invite(admin, login="dana@client.example")
    accepted = invite(admin, user_id="10002", role="editor")
    listed = admin.list_collaborations.get_folder_collaborations(DELIVERY)
    assert [c.id for c in listed.entries] == [pending.id, accepted.id]
    assert listed.next_marker is None


def test_file_listings_show_the_files_own_collaborations(admin: BoxClient) -> None:
    invite(admin, login="bob@client.example")
    on_file = invite(admin, item=HERO, kind="file", login="dana@client.example")
    listed = admin.list_collaborations.get_file_collaborations(HERO)
    assert [c.id for c in listed.entries] == [on_file.id]


def test_item_listings_page_with_markers(admin: BoxClient) -> None:
    made = [invite(admin, login=f"client{i}@client.example").id for i in range(5)]
    seen: list[str] = []
    marker = None
    pages = 0
    while True:
        page = admin.list_collaborations.get_folder_collaborations(DELIVERY, limit=2, marker=marker)
        seen += [c.id for c in page.entries]
        pages += 1
        marker = page.next_marker
        if not marker:
            break
    assert seen == made and pages == 3


def test_pending_invitations_of_the_caller_have_no_item(studio: Sandbox, admin: BoxClient) -> None:
    mine = invite(admin, login="carl@client.example")
    invite(admin, login="dana@client.example")
    carl = sdk_client(studio.base_url, "carl")
    page = carl.list_collaborations.get_collaborations(GetCollaborationsStatus.PENDING)
    assert [c.id for c in page.entries] == [mine.id]
    assert page.total_count == 1 and page.entries[0].item is None


def test_pending_listing_requires_status_pending(studio: Sandbox) -> None:
    response = requests.get(
        f"{studio.base_url}/2.0/collaborations",
        params={"status": "accepted"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=10,
    )
    assert response.status_code == 400


# --- webhook events ------------------------------------------------------------------------


def test_changes_raise_webhook_events_for_the_item(studio: Sandbox, admin: BoxClient) -> None:
    events = captured_events(studio)
    collab = invite(admin, login="carl@client.example")
    carl = sdk_client(studio.base_url, "carl")
    carl.user_collaborations.update_collaboration_by_id(
        collab.id, status=UpdateCollaborationByIdStatus.ACCEPTED
    )
    admin.user_collaborations.update_collaboration_by_id(
        collab.id, role=UpdateCollaborationByIdRole.EDITOR
    )
    admin.user_collaborations.delete_collaboration_by_id(collab.id)
    assert [e["trigger"] for e in events] == [
        "COLLABORATION.CREATED",
        "COLLABORATION.ACCEPTED",
        "COLLABORATION.UPDATED",
        "COLLABORATION.REMOVED",
    ]
    assert {(e["target_type"], e["target_id"]) for e in events} == {("folder", DELIVERY)}
    assert events[1]["created_by"] == "20002"
    assert events[0]["source"]["id"] == collab.id


def test_an_invitation_accepted_at_once_raises_created_then_accepted(
    studio: Sandbox, admin: BoxClient
) -> None:
    events = captured_events(studio)
    invite(admin, login="bob@client.example")
    assert [e["trigger"] for e in events] == ["COLLABORATION.CREATED", "COLLABORATION.ACCEPTED"]


def test_a_rejection_raises_collaboration_rejected(studio: Sandbox, admin: BoxClient) -> None:
    collab = invite(admin, login="carl@client.example")
    events = captured_events(studio)
    sdk_client(studio.base_url, "carl").user_collaborations.update_collaboration_by_id(
        collab.id, status=UpdateCollaborationByIdStatus.REJECTED
    )
    assert [e["trigger"] for e in events] == ["COLLABORATION.REJECTED"]
