"""Comments on files and replies in the sandbox, over HTTP and through the real SDK."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from box_sdk_gen import BoxAPIError
from box_sdk_gen.managers.comments import CreateCommentItem, CreateCommentItemTypeField

from reconciler.sandbox.server import Sandbox
from reconciler.sandbox.state import Collaboration, File, Folder, Token, User
from tests.conftest import sdk_client

ADMIN = "10001"  # the default seed's service account, token "sandbox"; owns everything below
FOLDER, FILE = "100", "200"
#: token -> (user id, login); "client" is a viewer on the folder, "stranger" has no access
PEOPLE = {"client": ("20002", "bob@client.example"), "stranger": ("20005", "erin@example.com")}


@pytest.fixture
def box(sandbox: Sandbox) -> Sandbox:
    """A folder with a file, shared with a client as viewer."""
    state = sandbox.state
    with state.lock:
        for token, (user_id, login) in PEOPLE.items():
            state.users[user_id] = User(id=user_id, login=login, name=token, enterprise_id=None)
            state.tokens[token] = Token(token=token, user_id=user_id)
        state.folders[FOLDER] = Folder(id=FOLDER, name="Client A", parent_id="0", owner_id=ADMIN)
        state.files[FILE] = File(id=FILE, name="poster.pdf", parent_id=FOLDER, owner_id=ADMIN)
        state.collaborations["400"] = Collaboration(
            id="400",
            item_type="folder",
            item_id=FOLDER,
            accessible_by_type="user",
            accessible_by_id="20002",
            invite_email=None,
            role="viewer",
            status="accepted",
            created_by_id=ADMIN,
        )
    return sandbox


def call(box: Sandbox, method: str, path: str, token: str = "sandbox", **kw: Any) -> Any:
    return requests.request(
        method, f"{box.base_url}/2.0{path}", headers={"Authorization": f"Bearer {token}"}, **kw
    )


def comment(box: Sandbox, token: str, item_type: str, item_id: str, text: str) -> Any:
    body = {"item": {"type": item_type, "id": item_id}, "message": text}
    return call(box, "POST", "/comments", token, json=body)


def test_a_viewer_comments_and_the_owner_replies(box: Sandbox) -> None:
    first = comment(box, "client", "file", FILE, "make the text larger")
    assert first.status_code == 201
    made = first.json()
    assert made["is_reply_comment"] is False
    assert made["item"] == {"type": "file", "id": FILE}
    assert made["created_by"]["login"] == "bob@client.example"
    reply = comment(box, "sandbox", "comment", made["id"], "done, see v2")
    assert reply.status_code == 201
    assert reply.json()["is_reply_comment"] is True
    assert reply.json()["item"] == {"type": "comment", "id": made["id"]}
    listing = call(box, "GET", f"/files/{FILE}/comments", "client").json()
    assert listing["total_count"] == 2
    assert [c["message"] for c in listing["entries"]] == ["make the text larger", "done, see v2"]


def test_the_listing_pages_by_offset_and_honours_fields(box: Sandbox) -> None:
    for n in range(3):
        comment(box, "client", "file", FILE, f"note {n}")
    page = call(
        box, "GET", f"/files/{FILE}/comments", params={"offset": 1, "limit": 1, "fields": "message"}
    ).json()
    assert page["total_count"] == 3 and page["offset"] == 1 and page["limit"] == 1
    assert page["entries"] == [
        {"type": "comment", "id": page["entries"][0]["id"], "message": "note 1"}
    ]


def test_without_access_to_the_file_there_is_nothing_to_read_or_write(box: Sandbox) -> None:
    assert comment(box, "stranger", "file", FILE, "hello").status_code == 404
    assert call(box, "GET", f"/files/{FILE}/comments", "stranger").status_code == 404
    made = comment(box, "client", "file", FILE, "mine").json()
    assert call(box, "GET", f"/comments/{made['id']}", "stranger").status_code == 404
    assert comment(box, "stranger", "comment", made["id"], "reply").status_code == 404


def test_a_comment_needs_a_message_and_a_file_or_comment(box: Sandbox) -> None:
    assert comment(box, "client", "file", FILE, "").status_code == 400
    assert comment(box, "client", "folder", FOLDER, "hi").status_code == 400


def test_only_the_author_edits_and_the_author_or_owner_deletes(box: Sandbox) -> None:
    made = comment(box, "client", "file", FILE, "larger").json()
    path = f"/comments/{made['id']}"
    assert call(box, "PUT", path, "sandbox", json={"message": "x"}).status_code == 403
    edited = call(box, "PUT", path, "client", json={"message": "much larger"})
    assert edited.status_code == 200 and edited.json()["message"] == "much larger"
    comment(box, "sandbox", "comment", made["id"], "ok")
    assert call(box, "DELETE", path, "sandbox").status_code == 204
    assert call(box, "GET", f"/files/{FILE}/comments").json()["total_count"] == 0


def test_a_comment_is_in_the_enterprise_stream_and_the_commenters_all_stream(
    box: Sandbox,
) -> None:
    comment(box, "client", "file", FILE, "larger")
    events = call(box, "GET", "/events", params={"stream_type": "admin_logs"}).json()
    created = [e for e in events["entries"] if e["event_type"] == "COMMENT_CREATE"]
    assert len(created) == 1
    assert created[0]["created_by"]["id"] == "20002"

    def user_stream(token: str, stream_type: str) -> list[str]:
        page = call(box, "GET", "/events", token, params={"stream_type": stream_type}).json()
        return [e["event_type"] for e in page["entries"] if e["event_type"] == "COMMENT_CREATE"]

    # Box lists COMMENT_CREATE in the all feed only; whom it tells besides the commenter is
    # undocumented, and the owner hearing nothing is the reading hardest on the watcher.
    assert user_stream("client", "all") == ["COMMENT_CREATE"]
    assert user_stream("client", "changes") == []
    assert user_stream("sandbox", "all") == []


def test_the_sdk_creates_and_lists_comments(box: Sandbox) -> None:
    client = sdk_client(box.base_url, "client")
    made = client.comments.create_comment(
        "make the text larger", CreateCommentItem(id=FILE, type=CreateCommentItemTypeField.FILE)
    )
    owner = sdk_client(box.base_url)
    owner.comments.create_comment(
        "done", CreateCommentItem(id=str(made.id), type=CreateCommentItemTypeField.COMMENT)
    )
    listing = owner.comments.get_file_comments(FILE)
    assert listing.total_count == 2
    entries = listing.entries or []
    assert [c.message for c in entries] == ["make the text larger", "done"]
    assert entries[1].is_reply_comment is True
    assert entries[0].created_by is not None and entries[0].created_by.id == "20002"
    stranger = sdk_client(box.base_url, "stranger")
    with pytest.raises(BoxAPIError) as refused:
        stranger.comments.get_file_comments(FILE)
    assert refused.value.response_info.status_code == 404
