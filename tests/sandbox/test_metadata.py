"""Free-form metadata (global.properties) on folders and files through the real SDK: where the
reconciler keeps its invitation ledger."""

from __future__ import annotations

import pytest
import requests
from box_sdk_gen import (
    BoxAPIError,
    BoxClient,
    CreateFileMetadataByIdScope,
    CreateFolderMetadataByIdScope,
    DeleteFolderMetadataByIdScope,
    GetFolderMetadataByIdScope,
    UpdateFolderMetadataByIdRequestBody,
    UpdateFolderMetadataByIdRequestBodyOpField,
    UpdateFolderMetadataByIdScope,
)

from reconciler.sandbox.server import Sandbox
from tests.conftest import ADMIN_TOKEN, sdk_client
from tests.sandbox.test_collaborations import DELIVERY, HERO

GLOBAL = GetFolderMetadataByIdScope.GLOBAL


def test_an_instance_is_created_read_patched_and_deleted(admin: BoxClient) -> None:
    metadata = admin.folder_metadata
    with pytest.raises(BoxAPIError) as missing:
        metadata.get_folder_metadata_by_id(DELIVERY, GLOBAL, "properties")
    assert missing.value.response_info.status_code == 404
    assert missing.value.response_info.code == "instance_not_found"

    created = metadata.create_folder_metadata_by_id(
        DELIVERY, CreateFolderMetadataByIdScope.GLOBAL, "properties", {"note": "one"}
    )
    assert created.raw_data["note"] == "one"
    assert created.raw_data["$parent"] == f"folder_{DELIVERY}"
    with pytest.raises(BoxAPIError) as twice:
        metadata.create_folder_metadata_by_id(
            DELIVERY, CreateFolderMetadataByIdScope.GLOBAL, "properties", {"note": "two"}
        )
    assert twice.value.response_info.status_code == 409

    patch = UpdateFolderMetadataByIdRequestBody(
        op=UpdateFolderMetadataByIdRequestBodyOpField.ADD, path="/note", value="two"
    )
    metadata.update_folder_metadata_by_id(
        DELIVERY, UpdateFolderMetadataByIdScope.GLOBAL, "properties", [patch]
    )
    read = metadata.get_folder_metadata_by_id(DELIVERY, GLOBAL, "properties")
    assert (read.raw_data["note"], read.raw_data["$version"]) == ("two", 1)

    metadata.delete_folder_metadata_by_id(
        DELIVERY, DeleteFolderMetadataByIdScope.GLOBAL, "properties"
    )
    with pytest.raises(BoxAPIError):
        metadata.get_folder_metadata_by_id(DELIVERY, GLOBAL, "properties")


def test_files_carry_their_own_instance(admin: BoxClient) -> None:
    created = admin.file_metadata.create_file_metadata_by_id(
        HERO, CreateFileMetadataByIdScope.GLOBAL, "properties", {"note": "hero"}
    )
    assert created.raw_data["$parent"] == f"file_{HERO}"


def test_someone_without_access_cannot_write_it(studio: Sandbox) -> None:
    bob = sdk_client(studio.base_url, "bob")
    with pytest.raises(BoxAPIError) as refused:
        bob.folder_metadata.create_folder_metadata_by_id(
            DELIVERY, CreateFolderMetadataByIdScope.GLOBAL, "properties", {"x": "y"}
        )
    assert refused.value.response_info.status_code == 404


def test_other_templates_are_not_implemented(studio: Sandbox) -> None:
    reply = requests.get(
        f"{studio.base_url}/2.0/folders/{DELIVERY}/metadata/enterprise/contract",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=10,
    )
    assert reply.status_code == 501


def test_reading_an_instance_answers_200_as_box_does(studio: Sandbox) -> None:
    url = f"{studio.base_url}/2.0/folders/{DELIVERY}/metadata/global/properties"
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    created = requests.post(url, headers=auth, json={"note": "one"}, timeout=10)
    assert created.status_code == 201
    read = requests.get(url, headers=auth, timeout=10)
    assert read.status_code == 200
    assert read.json()["note"] == "one"
