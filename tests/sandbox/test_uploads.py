"""Uploads as Box takes them: the content part under any name after ``attributes`` (Box's own
CLI names it ``content``), and new versions of a file."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pytest
import requests
from box_sdk_gen import BoxAPIError, BoxClient, UploadFileVersionAttributes

from reconciler.sandbox.server import Sandbox
from tests.conftest import ADMIN_TOKEN, sdk_client
from tests.sandbox.test_collaborations import DELIVERY, HERO, invite
from tests.sandbox.test_items import upload

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def raw_upload(box: Sandbox, path: str, parts: dict[str, Any]) -> requests.Response:
    """A multipart POST to the upload server, parts in the order given."""
    return requests.post(f"{box.base_url}/api/2.0{path}", headers=AUTH, files=parts, timeout=10)


def attributes(**values: Any) -> tuple[None, str, str]:
    return (None, json.dumps(values), "application/json")


@pytest.mark.parametrize("part", ["file", "content", "anything"])
def test_a_new_file_is_read_from_the_part_after_attributes_whatever_its_name(
    studio: Sandbox, part: str
) -> None:
    reply = raw_upload(
        studio,
        "/files/content",
        {
            "attributes": attributes(name=f"{part}.mov", parent={"id": DELIVERY}),
            part: ("unused", b"frames", "application/octet-stream"),
        },
    )
    assert reply.status_code == 201, reply.text
    entry = reply.json()["entries"][0]
    assert (entry["name"], entry["size"]) == (f"{part}.mov", 6)
    assert entry["sha1"] == hashlib.sha1(b"frames").hexdigest()


def test_an_upload_without_a_content_part_or_with_two_is_a_bad_request(studio: Sandbox) -> None:
    where = attributes(name="x.mov", parent={"id": DELIVERY})
    missing = raw_upload(studio, "/files/content", {"attributes": where})
    assert missing.status_code == 400 and "'file' is required" in missing.json()["message"]
    two = raw_upload(
        studio,
        "/files/content",
        {"attributes": where, "file": ("a", b"1"), "content": ("b", b"2")},
    )
    assert two.status_code == 400 and "one file part" in two.json()["message"]


def test_a_new_version_through_the_sdk_changes_content_version_and_etag(
    studio: Sandbox, admin: BoxClient
) -> None:
    before = upload(admin, "cut.mov", b"v1").entries[0]
    after = admin.uploads.upload_file_version(
        before.id, UploadFileVersionAttributes(name="cut.mov"), io.BytesIO(b"version two")
    ).entries[0]
    assert after.id == before.id
    assert after.size == len(b"version two") and after.sha_1 != before.sha_1
    assert after.file_version.id != before.file_version.id
    assert after.etag != before.etag
    assert admin.files.get_file_by_id(before.id).raw_data["version_number"] == "2"


def test_a_new_version_under_the_clis_part_name_and_a_rename(studio: Sandbox) -> None:
    reply = raw_upload(
        studio,
        f"/files/{HERO}/content",
        {
            "attributes": attributes(name="hero-v2.jpg"),
            "content": ("unused", b"new pixels", "application/octet-stream"),
        },
    )
    assert reply.status_code == 200, reply.text
    entry = reply.json()["entries"][0]
    assert (entry["id"], entry["name"], entry["size"]) == (HERO, "hero-v2.jpg", 10)


def test_a_stale_if_match_is_refused_and_a_viewer_cannot_upload_a_version(
    studio: Sandbox, admin: BoxClient
) -> None:
    file = upload(admin, "cut.mov", b"v1").entries[0]
    admin.uploads.upload_file_version(
        file.id, UploadFileVersionAttributes(name="cut.mov"), io.BytesIO(b"v2")
    )
    with pytest.raises(BoxAPIError) as caught:
        admin.uploads.upload_file_version(
            file.id,
            UploadFileVersionAttributes(name="cut.mov"),
            io.BytesIO(b"v3"),
            if_match=file.etag,
        )
    assert caught.value.response_info.status_code == 412
    invite(admin, login="bob@client.example", role="viewer")
    bob = sdk_client(studio.base_url, "bob")
    with pytest.raises(BoxAPIError) as refused:
        bob.uploads.upload_file_version(
            file.id, UploadFileVersionAttributes(name="cut.mov"), io.BytesIO(b"v3")
        )
    assert refused.value.response_info.status_code == 403


def test_a_new_version_raises_file_uploaded(studio: Sandbox, admin: BoxClient) -> None:
    events: list[dict[str, Any]] = []
    studio.hooks.on_events = lambda state, batch: events.extend(batch)
    admin.uploads.upload_file_version(
        HERO, UploadFileVersionAttributes(name="hero.jpg"), io.BytesIO(b"v2")
    )
    assert [(e["trigger"], e["target_id"]) for e in events] == [("FILE.UPLOADED", HERO)]
