"""Sandbox folders and files through the real SDK: views, listings, paging, uploads, changes."""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
from box_sdk_gen import (
    BoxAPIError,
    BoxClient,
    CreateFolderParent,
    UpdateFileByIdParent,
    UpdateFolderByIdParent,
    UploadFileAttributes,
    UploadFileAttributesParentField,
)

from reconciler.sandbox.server import Sandbox
from tests.conftest import ADMIN_TOKEN, sdk_client
from tests.sandbox.test_collaborations import DELIVERY, HERO, invite, status_of


def upload(client: BoxClient, name: str, data: bytes = b"pixels", parent: str = DELIVERY) -> Any:
    attributes = UploadFileAttributes(name=name, parent=UploadFileAttributesParentField(id=parent))
    return client.uploads.upload_file(attributes, io.BytesIO(data))


def get(box: Sandbox, path: str, token: str = ADMIN_TOKEN, **params: str) -> requests.Response:
    return requests.get(
        f"{box.base_url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


# --- reading -------------------------------------------------------------------------------


def test_a_folder_shows_owner_path_parent_and_contents(admin: BoxClient) -> None:
    folder = admin.folders.get_folder_by_id(DELIVERY)
    assert folder.name == "Acme" and folder.owned_by.id == "10001"
    assert [f.name for f in folder.path_collection.entries] == ["All Files", "Deliveries"]
    assert folder.parent.id == "40001"
    assert [(e.type.value, e.name) for e in folder.item_collection.entries] == [
        ("folder", "Raw"),
        ("file", "hero.jpg"),
    ]
    assert folder.permissions.can_invite_collaborator is True
    assert folder.has_collaborations is False


def test_the_root_folder_is_all_files(admin: BoxClient) -> None:
    root = admin.folders.get_folder_by_id("0")
    assert root.name == "All Files" and root.parent is None
    assert [e.name for e in root.item_collection.entries] == ["Deliveries"]


def test_fields_return_the_mini_fields_plus_those_asked_for(admin: BoxClient) -> None:
    folder = admin.folders.get_folder_by_id(DELIVERY, fields=["owned_by", "has_collaborations"])
    assert set(folder.raw_data) == {
        "type",
        "id",
        "sequence_id",
        "etag",
        "name",
        "owned_by",
        "has_collaborations",
    }


def test_tags_are_an_empty_list_when_asked_for_and_absent_otherwise(admin: BoxClient) -> None:
    asked = admin.folders.get_folder_by_id("0", fields=["has_collaborations", "tags"])
    assert asked.raw_data["tags"] == [] and asked.has_collaborations is False
    file = admin.files.get_file_by_id(HERO, fields=["tags"])
    assert file.raw_data["tags"] == []
    assert "tags" not in admin.folders.get_folder_by_id(DELIVERY).raw_data


def test_has_collaborations_and_allowed_invitee_roles_follow_the_item(admin: BoxClient) -> None:
    invite(admin, login="dana@client.example")
    folder = admin.folders.get_folder_by_id(
        DELIVERY, fields=["has_collaborations", "allowed_invitee_roles"]
    )
    assert folder.has_collaborations is True
    assert "co-owner" in [str(getattr(r, "value", r)) for r in folder.allowed_invitee_roles]
    file = admin.files.get_file_by_id(HERO, fields=["allowed_invitee_roles"])
    assert [str(getattr(r, "value", r)) for r in file.allowed_invitee_roles] == ["editor", "viewer"]


def test_a_file_shows_its_owner_parent_and_size(admin: BoxClient) -> None:
    file = admin.files.get_file_by_id(HERO)
    assert file.owned_by.id == "10001" and file.parent.id == DELIVERY and file.size == 2048
    assert [f.id for f in file.path_collection.entries] == ["0", "40001", DELIVERY]


def test_a_collaborator_sees_the_path_from_the_shared_folder(
    studio: Sandbox, admin: BoxClient
) -> None:
    invite(admin, login="bob@client.example")
    bob = sdk_client(studio.base_url, "bob")
    file = bob.files.get_file_by_id(HERO)
    assert [f.id for f in file.path_collection.entries] == ["0", DELIVERY]
    assert file.permissions.can_invite_collaborator is False
    assert [e.id for e in bob.folders.get_folder_items("0").entries] == [DELIVERY]


def test_people_without_access_get_404(studio: Sandbox) -> None:
    bob = sdk_client(studio.base_url, "bob")
    assert status_of(lambda: bob.folders.get_folder_by_id(DELIVERY)) == (404, "not_found")
    assert status_of(lambda: bob.files.get_file_by_id(HERO)) == (404, "not_found")
    assert status_of(lambda: bob.folders.get_folder_items(DELIVERY)) == (404, "not_found")


def test_a_missing_folder_is_not_found(admin: BoxClient) -> None:
    assert status_of(lambda: admin.folders.get_folder_by_id("777"))[0] == 404


def test_if_none_match_with_the_current_etag_gives_304(studio: Sandbox) -> None:
    etag = get(studio, f"/2.0/files/{HERO}").json()["etag"]
    response = requests.get(
        f"{studio.base_url}/2.0/files/{HERO}",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "If-None-Match": etag},
        timeout=10,
    )
    assert response.status_code == 304


# --- listing -------------------------------------------------------------------------------


@pytest.fixture
def crowded(admin: BoxClient) -> list[str]:
    """Acme with two more folders and five more files; returns the expected order of names."""
    for name in ("b-sub", "A-sub"):
        admin.folders.create_folder(name, CreateFolderParent(id=DELIVERY))
    for name in ("e.jpg", "c.jpg", "d.jpg", "a.mp4", "f.jpg"):
        upload(admin, name)
    return ["A-sub", "b-sub", "Raw", "a.mp4", "c.jpg", "d.jpg", "e.jpg", "f.jpg", "hero.jpg"]


def test_items_list_folders_first_then_files(admin: BoxClient, crowded: list[str]) -> None:
    page = admin.folders.get_folder_items(DELIVERY)
    assert [e.name for e in page.entries] == crowded
    assert page.total_count == len(crowded) and page.offset == 0


def test_offset_paging_walks_every_item(admin: BoxClient, crowded: list[str]) -> None:
    names: list[str] = []
    offset = 0
    while True:
        page = admin.folders.get_folder_items(DELIVERY, offset=offset, limit=4)
        names += [e.name for e in page.entries]
        offset += page.limit
        if offset >= page.total_count:
            break
    assert names == crowded


def test_marker_paging_walks_every_item_and_ends_with_null(
    admin: BoxClient, crowded: list[str]
) -> None:
    names: list[str] = []
    marker = None
    while True:
        page = admin.folders.get_folder_items(DELIVERY, usemarker=True, marker=marker, limit=4)
        names += [e.name for e in page.entries]
        marker = page.next_marker
        if marker is None:
            break
        assert marker
    assert names == crowded


def test_limit_above_1000_is_clamped(studio: Sandbox) -> None:
    body = get(studio, f"/2.0/folders/{DELIVERY}/items", limit="5000").json()
    assert body["limit"] == 1000


def test_sort_and_direction_order_each_group(admin: BoxClient, crowded: list[str]) -> None:
    from box_sdk_gen import GetFolderItemsDirection, GetFolderItemsSort

    page = admin.folders.get_folder_items(
        DELIVERY, sort=GetFolderItemsSort.NAME, direction=GetFolderItemsDirection.DESC
    )
    assert [e.name for e in page.entries] == [*reversed(crowded[:3]), *reversed(crowded[3:])]


def test_listing_fields_add_to_the_mini_entries(admin: BoxClient) -> None:
    page = admin.folders.get_folder_items(DELIVERY, fields=["size"])
    entries = page.raw_data["entries"]  # nested models keep no raw data of their own
    assert [(e["name"], e["size"]) for e in entries] == [("Raw", 0), ("hero.jpg", 2048)]
    assert "owned_by" not in entries[1]


def test_an_unimplemented_query_parameter_is_refused(studio: Sandbox) -> None:
    response = get(studio, f"/2.0/folders/{DELIVERY}/items", boxapi="shared_link=x")
    assert response.status_code == 501


# --- creating, uploading, changing, deleting -----------------------------------------------


def test_uploading_a_file_returns_it_and_lists_it(admin: BoxClient) -> None:
    files = upload(admin, "spot.mp4", b"0123456789")
    assert files.total_count == 1
    file = files.entries[0]
    assert file.name == "spot.mp4" and file.size == 10 and file.parent.id == DELIVERY
    assert file.sha_1 == "87acec17cd9dcd20a716cc2cf67417b71c8a7016"
    assert "spot.mp4" in [e.name for e in admin.folders.get_folder_items(DELIVERY).entries]


def test_uploading_a_name_in_use_is_a_conflict_naming_the_existing_file(admin: BoxClient) -> None:
    with pytest.raises(BoxAPIError) as caught:
        upload(admin, "HERO.jpg")
    info = caught.value.response_info
    assert (info.status_code, info.code) == (409, "item_name_in_use")
    assert [c["id"] for c in info.context_info["conflicts"]] == [HERO]


def test_uploads_raise_file_uploaded_events(studio: Sandbox, admin: BoxClient) -> None:
    events: list[dict[str, Any]] = []
    studio.hooks.on_events = lambda state, batch: events.extend(batch)
    file = upload(admin, "new.jpg").entries[0]
    assert [(e["trigger"], e["target_type"], e["target_id"]) for e in events] == [
        ("FILE.UPLOADED", "file", file.id)
    ]


def test_a_viewer_cannot_upload(studio: Sandbox, admin: BoxClient) -> None:
    invite(admin, login="bob@client.example", role="viewer")
    bob = sdk_client(studio.base_url, "bob")
    assert status_of(lambda: upload(bob, "x.jpg"))[0] == 403


def test_creating_a_folder_and_a_duplicate_name(admin: BoxClient) -> None:
    folder = admin.folders.create_folder("Selects", CreateFolderParent(id=DELIVERY))
    assert folder.parent.id == DELIVERY and folder.owned_by.id == "10001"
    assert status_of(
        lambda: admin.folders.create_folder("selects", CreateFolderParent(id=DELIVERY))
    ) == (409, "item_name_in_use")


def test_an_invalid_folder_name_is_refused(admin: BoxClient) -> None:
    assert status_of(
        lambda: admin.folders.create_folder("a/b", CreateFolderParent(id=DELIVERY))
    ) == (400, "item_name_invalid")


def test_renaming_and_moving_a_folder(admin: BoxClient) -> None:
    renamed = admin.folders.update_folder_by_id("40003", name="Negatives")
    assert renamed.name == "Negatives"
    moved = admin.folders.update_folder_by_id("40003", parent=UpdateFolderByIdParent(id="40001"))
    assert moved.parent.id == "40001"
    assert (
        status_of(
            lambda: admin.folders.update_folder_by_id(
                "40001", parent=UpdateFolderByIdParent(id="40003")
            )
        )[0]
        == 400
    )


def test_renaming_and_moving_a_file(admin: BoxClient) -> None:
    file = admin.files.update_file_by_id(
        HERO, name="cover.jpg", parent=UpdateFileByIdParent(id="40003")
    )
    assert (file.name, file.parent.id) == ("cover.jpg", "40003")


def test_an_unimplemented_body_field_is_refused(studio: Sandbox) -> None:
    response = requests.put(
        f"{studio.base_url}/2.0/folders/{DELIVERY}",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        json={"sync_state": "synced"},
        timeout=10,
    )
    assert response.status_code == 501


def test_deleting_a_non_empty_folder_needs_recursive(admin: BoxClient) -> None:
    assert status_of(lambda: admin.folders.delete_folder_by_id(DELIVERY)) == (
        400,
        "folder_not_empty",
    )
    invite(admin, item=HERO, kind="file", login="dana@client.example")
    admin.folders.delete_folder_by_id(DELIVERY, recursive=True)
    assert status_of(lambda: admin.folders.get_folder_by_id(DELIVERY))[0] == 404
    assert status_of(lambda: admin.files.get_file_by_id(HERO))[0] == 404


def test_deleting_a_file(admin: BoxClient) -> None:
    admin.files.delete_file_by_id(HERO)
    assert [e.name for e in admin.folders.get_folder_items(DELIVERY).entries] == ["Raw"]


def test_a_viewer_cannot_delete(studio: Sandbox, admin: BoxClient) -> None:
    invite(admin, login="bob@client.example", role="viewer")
    bob = sdk_client(studio.base_url, "bob")
    assert status_of(lambda: bob.files.delete_file_by_id(HERO))[0] == 403
