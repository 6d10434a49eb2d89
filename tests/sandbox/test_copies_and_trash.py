"""Sandbox copies of folders and files (and the events they record), and the trash, through the
real SDK and over HTTP."""

from __future__ import annotations

import pytest
import requests
from box_sdk_gen import BoxAPIError, BoxClient, CopyFileParent, CopyFolderParent

from reconciler.sandbox.server import Sandbox
from tests.conftest import ADMIN_TOKEN, sdk_client
from tests.sandbox.test_collaborations import DELIVERY, HERO, invite
from tests.sandbox.test_events import RAW, events, now, types

DELIVERIES = "40001"


def names_in(client: BoxClient, folder_id: str) -> list[str]:
    return [e.name for e in client.folders.get_folder_items(folder_id).entries]


# --- copies --------------------------------------------------------------------------------


def test_a_folder_copy_brings_its_contents_under_new_ids(admin: BoxClient) -> None:
    copy = admin.folders.copy_folder(DELIVERY, CopyFolderParent(id="0"), name="Acme (copy)")
    assert copy.parent.id == "0" and copy.name == "Acme (copy)" and copy.id != DELIVERY
    assert [e.name for e in copy.item_collection.entries] == ["Raw", "hero.jpg"]
    assert {e.id for e in copy.item_collection.entries}.isdisjoint({"40003", HERO})
    assert names_in(admin, copy.id) == ["Raw", "hero.jpg"]  # listed there, not only in the reply
    assert names_in(admin, DELIVERY) == ["Raw", "hero.jpg"]  # the original is untouched


def test_a_folder_copy_leaves_collaborations_behind(admin: BoxClient) -> None:
    invite(admin, login="dana@client.example")
    copy = admin.folders.copy_folder(DELIVERY, CopyFolderParent(id="0"))
    assert copy.name == "Acme"
    assert admin.list_collaborations.get_folder_collaborations(copy.id).entries == []


def test_a_copy_into_a_name_in_use_is_a_conflict_and_records_nothing(
    studio: Sandbox, admin: BoxClient
) -> None:
    position = now(studio)
    with pytest.raises(BoxAPIError) as folder:
        admin.folders.copy_folder(DELIVERY, CopyFolderParent(id=DELIVERIES))
    with pytest.raises(BoxAPIError) as file:
        admin.files.copy_file(HERO, CopyFileParent(id=DELIVERY))
    for info in (folder, file):
        assert (info.value.response_info.status_code, info.value.response_info.code) == (
            409,
            "item_name_in_use",
        )
    assert events(studio, stream_position=position)["entries"] == []


def test_each_copy_is_recorded_once_with_the_copy_as_source(
    studio: Sandbox, admin: BoxClient
) -> None:
    position = now(studio)
    file_copy = admin.files.copy_file(HERO, CopyFileParent(id=RAW), name="hero-copy.jpg")
    folder_copy = admin.folders.copy_folder(DELIVERY, CopyFolderParent(id="0"), name="Acme copy")
    body = events(studio, stream_position=position, stream_type="changes")
    # one event for the folder, none for what it holds
    assert types(body) == ["ITEM_COPY", "ITEM_COPY"]
    assert [e["source"]["id"] for e in body["entries"]] == [file_copy.id, folder_copy.id]
    enterprise = events(studio, stream_type="admin_logs", event_type="COPY")
    assert [e["source"]["item_name"] for e in enterprise["entries"]] == [
        "hero-copy.jpg",
        "Acme copy",
    ]


def test_a_folder_cannot_be_copied_into_itself(admin: BoxClient) -> None:
    with pytest.raises(BoxAPIError) as info:
        admin.folders.copy_folder(DELIVERY, CopyFolderParent(id="40003"), name="loop")
    assert info.value.response_info.status_code == 400


def test_a_copy_name_must_be_text(studio: Sandbox) -> None:
    reply = requests.post(
        f"{studio.base_url}/2.0/files/{HERO}/copy",
        json={"parent": {"id": DELIVERIES}, "name": 7},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=10,
    )
    assert reply.status_code == 400
    assert reply.json()["context_info"]["errors"][0]["name"] == "name"


def test_someone_without_access_cannot_copy(studio: Sandbox) -> None:
    bob = sdk_client(studio.base_url, "bob")
    with pytest.raises(BoxAPIError) as info:
        bob.folders.copy_folder(DELIVERY, CopyFolderParent(id="0"))
    assert info.value.response_info.status_code == 404


def test_a_file_copy_keeps_content_and_gets_a_new_version(admin: BoxClient) -> None:
    original = admin.files.get_file_by_id(HERO)
    copy = admin.files.copy_file(HERO, CopyFileParent(id=DELIVERIES), name="hero-2.jpg")
    assert (copy.name, copy.parent.id, copy.size) == ("hero-2.jpg", DELIVERIES, original.size)
    assert copy.raw_data["sha1"] == original.raw_data["sha1"]
    assert copy.file_version.id != original.file_version.id


# --- trash ---------------------------------------------------------------------------------


def test_a_deleted_folder_waits_in_the_trash_until_purged(admin: BoxClient) -> None:
    admin.folders.delete_folder_by_id(DELIVERY, recursive=True)
    trashed = admin.trashed_folders.get_trashed_folder_by_id(DELIVERY)
    assert (trashed.name, trashed.item_status.value, trashed.size) == ("Acme", "trashed", 2048)
    assert [e.name for e in trashed.path_collection.entries] == ["Trash"]
    admin.trashed_folders.delete_trashed_folder_by_id(DELIVERY)
    with pytest.raises(BoxAPIError) as info:
        admin.trashed_folders.get_trashed_folder_by_id(DELIVERY)
    assert info.value.response_info.status_code == 404


def test_a_deleted_file_waits_in_the_trash_until_purged(admin: BoxClient) -> None:
    admin.files.delete_file_by_id(HERO)
    trashed = admin.trashed_files.get_trashed_file_by_id(HERO)
    assert (trashed.name, trashed.item_status.value) == ("hero.jpg", "trashed")
    admin.trashed_files.delete_trashed_file_by_id(HERO)
    with pytest.raises(BoxAPIError):
        admin.trashed_files.delete_trashed_file_by_id(HERO)


def test_an_item_not_in_the_trash_is_not_found_there(studio: Sandbox) -> None:
    response = requests.delete(
        f"{studio.base_url}/2.0/folders/{DELIVERY}/trash",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=5,
    )
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_trash_is_the_owners(studio: Sandbox, admin: BoxClient) -> None:
    admin.files.delete_file_by_id(HERO)
    ann = sdk_client(studio.base_url, "ann")
    with pytest.raises(BoxAPIError) as info:
        ann.trashed_files.get_trashed_file_by_id(HERO)
    assert info.value.response_info.status_code == 404


def test_restoring_from_the_trash_is_not_implemented(studio: Sandbox, admin: BoxClient) -> None:
    admin.files.delete_file_by_id(HERO)
    response = requests.post(
        f"{studio.base_url}/2.0/files/{HERO}",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        json={},
        timeout=5,
    )
    assert response.status_code == 501
    assert "POST /2.0/files/{file_id}" in response.json()["message"]
