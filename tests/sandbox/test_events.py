"""The sandbox's event streams over HTTP: positions, pages, filters, scoping and long polling."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import requests
from box_sdk_gen import (
    BoxClient,
    UpdateCollaborationByIdRole,
    UpdateCollaborationByIdStatus,
    UpdateFileByIdParent,
)
from box_sdk_gen.managers.tasks import CreateTaskAction, CreateTaskItem

from reconciler.sandbox.seed import build_state
from reconciler.sandbox.server import Sandbox
from reconciler.sandbox.state import State
from tests.conftest import ADMIN_TOKEN, control, sdk_client
from tests.sandbox.test_collaborations import DELIVERY, HERO, invite, studio_seed
from tests.sandbox.test_items import upload
from tests.sandbox.test_tasks import assign, resolve

RAW = "40003"  # Deliveries/Acme/Raw


def events(box: Sandbox, token: str = ADMIN_TOKEN, **params: Any) -> dict[str, Any]:
    reply = call(box, "GET", "/2.0/events", token, params)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def call(
    box: Sandbox, method: str, path: str, token: str = ADMIN_TOKEN, params: Any = None
) -> requests.Response:
    return requests.request(
        method,
        f"{box.base_url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def types(body: dict[str, Any]) -> list[str]:
    return [e["event_type"] for e in body["entries"]]


def now(box: Sandbox, token: str = ADMIN_TOKEN, **params: Any) -> str:
    body = events(box, token, stream_position="now", **params)
    assert body["entries"] == []
    return str(body["next_stream_position"])


def test_now_gives_no_events_and_a_position_after_which_only_new_events_come(
    studio: Sandbox, admin: BoxClient
) -> None:
    upload(admin, "before.jpg")
    position = now(studio)
    upload(admin, "after.jpg")
    body = events(studio, stream_position=position)
    assert types(body) == ["ITEM_UPLOAD"]
    assert body["entries"][0]["source"]["name"] == "after.jpg"
    again = events(studio, stream_position=body["next_stream_position"])
    assert again["entries"] == [] and again["next_stream_position"] == body["next_stream_position"]
    everything = events(studio, stream_position="0")
    names = [e["source"]["name"] for e in everything["entries"]]
    assert names == ["before.jpg", "after.jpg"]


def test_pages_of_limit_events_resume_in_order_without_repeats(
    studio: Sandbox, admin: BoxClient
) -> None:
    for index in range(5):
        upload(admin, f"frame-{index}.jpg")
    seen: list[str] = []
    position: Any = 0
    for _ in range(4):
        page = events(studio, stream_position=position, limit=2)
        assert page["chunk_size"] == len(page["entries"]) <= 2
        seen += [e["source"]["name"] for e in page["entries"]]
        position = page["next_stream_position"]
    assert seen == [f"frame-{index}.jpg" for index in range(5)]
    ids = [e["event_id"] for e in events(studio, stream_position=0)["entries"]]
    assert len(set(ids)) == 5


def test_a_user_stream_shows_only_what_that_user_can_see(studio: Sandbox, admin: BoxClient) -> None:
    invite(admin, login="bob@client.example")  # Bob accepts at once
    invite(admin, login="carl@client.example")  # Carl's invitation stays pending
    upload(admin, "cut.jpg")
    admin.files.update_file_by_id(HERO, parent=UpdateFileByIdParent(id=RAW))
    owner_changes = events(studio, stream_type="changes")
    assert types(owner_changes) == [
        "COLLAB_ADD_COLLABORATOR",
        "COLLAB_INVITE_COLLABORATOR",
        "ITEM_UPLOAD",
        "ITEM_MOVE",
    ]
    assert owner_changes["entries"][0]["source"] == {
        **owner_changes["entries"][0]["source"],
        "type": "folder",
        "id": DELIVERY,
    }
    bob_all = events(studio, "bob")
    assert types(bob_all) == ["COLLAB_ADD_COLLABORATOR", "ITEM_UPLOAD", "ITEM_MOVE"]
    # the collaboration events reach the owner's changes stream, not the collaborator's
    assert types(events(studio, "bob", stream_type="changes")) == ["ITEM_UPLOAD", "ITEM_MOVE"]
    assert types(events(studio, "carl")) == ["COLLAB_INVITE_COLLABORATOR"]
    assert types(events(studio, "ann")) == []
    assert types(events(studio, stream_type="sync")) == []


def test_collaboration_changes_and_acceptances_are_recorded_in_both_forms(
    studio: Sandbox, admin: BoxClient
) -> None:
    collab = invite(admin, login="carl@client.example")
    carl = sdk_client(studio.base_url, "carl")
    carl.user_collaborations.update_collaboration_by_id(
        collab.id, status=UpdateCollaborationByIdStatus.ACCEPTED
    )
    admin.user_collaborations.update_collaboration_by_id(
        collab.id, role=UpdateCollaborationByIdRole.EDITOR
    )
    admin.user_collaborations.delete_collaboration_by_id(collab.id)
    assert types(events(studio, stream_type="changes")) == [
        "COLLAB_INVITE_COLLABORATOR",
        "COLLAB_ADD_COLLABORATOR",
        "COLLAB_ROLE_CHANGE",
        "COLLAB_REMOVE_COLLABORATOR",
    ]
    enterprise = events(studio, stream_type="admin_logs_streaming")
    assert types(enterprise) == [
        "COLLABORATION_INVITE",
        "COLLABORATION_ACCEPT",
        "COLLABORATION_ROLE_CHANGE",
        "COLLABORATION_REMOVE",
    ]
    accept = enterprise["entries"][1]
    assert accept["created_by"]["id"] == "20002"
    assert accept["additional_details"]["collab_id"] == collab.id
    assert accept["source"]["folder_id"] == DELIVERY and accept["source"]["user_id"] == "20002"


def test_enterprise_streams_filter_by_type_and_time_and_need_an_admin(
    studio: Sandbox, admin: BoxClient
) -> None:
    upload(admin, "one.jpg")
    admin.users.delete_user_by_id("10002", force=True)
    filtered = events(studio, stream_type="admin_logs", event_type="UPLOAD,DELETE_USER")
    assert types(filtered) == ["UPLOAD", "DELETE_USER"]
    assert filtered["entries"][0]["source"]["item_type"] == "file"
    assert filtered["entries"][1]["source"] == {
        "type": "user",
        "id": "10002",
        "name": "Ann",
        "login": "ann@studio.example",
    }
    assert isinstance(filtered["next_stream_position"], str)
    assert types(events(studio, stream_type="admin_logs", event_type="MOVE")) == []
    first, last = (entry["created_at"] for entry in filtered["entries"])
    window = events(
        studio,
        stream_type="admin_logs",
        event_type="UPLOAD,DELETE_USER",
        created_after=first,
        created_before=last,
    )
    assert types(window) == ["UPLOAD", "DELETE_USER"]
    before = events(studio, stream_type="admin_logs", created_before="2000-01-01T00:00:00Z")
    assert before["entries"] == []
    later = events(studio, stream_type="admin_logs", created_after="2999-01-01T00:00:00Z")
    assert later["entries"] == []
    denied = call(studio, "GET", "/2.0/events", "bob", {"stream_type": "admin_logs_streaming"})
    assert denied.status_code == 403
    assert denied.json()["code"] == "access_denied_insufficient_permissions"


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"stream_type": "everything"}, "stream_type"),
        ({"stream_position": "yesterday"}, "stream_position"),
        ({"limit": "0"}, "limit"),
        ({"stream_type": "admin_logs", "event_type": "upload!"}, "event_type"),
        ({"stream_type": "admin_logs", "created_after": "soon"}, "created_after"),
    ],
)
def test_bad_values_get_boxs_400(studio: Sandbox, params: dict[str, str], name: str) -> None:
    reply = call(studio, "GET", "/2.0/events", params=params)
    assert reply.status_code == 400
    assert reply.json()["context_info"]["errors"][0]["name"] == name


def realtime_url(box: Sandbox, token: str = ADMIN_TOKEN) -> str:
    reply = call(box, "OPTIONS", "/2.0/events", token)
    assert reply.status_code == 200
    server = reply.json()["entries"][0]
    assert server["type"] == "realtime_server" and server["retry_timeout"] == 610
    url: str = server["url"]
    assert url.startswith(box.base_url)
    return url


def long_poll(url: str, position: str) -> str:
    reply = requests.get(url, params={"stream_position": position}, timeout=30)
    assert reply.status_code == 200
    message: str = reply.json()["message"]
    return message


def short_long_polls(box: Sandbox, seconds: float = 0.2) -> None:
    reply = control(box, "PUT", "events", json={"long_poll_timeout_s": seconds})
    assert reply.status_code == 200 and reply.json()["long_poll_timeout_s"] == seconds


def test_a_long_poll_reconnects_after_its_timeout_without_events(studio: Sandbox) -> None:
    short_long_polls(studio)
    assert long_poll(realtime_url(studio), now(studio)) == "reconnect"


def test_a_long_poll_answers_new_change_when_an_event_is_recorded(
    studio: Sandbox, admin: BoxClient
) -> None:
    url, position = realtime_url(studio), now(studio)
    answers: list[str] = []
    waiting = threading.Thread(target=lambda: answers.append(long_poll(url, position)))
    waiting.start()
    upload(admin, "news.jpg")
    waiting.join(timeout=30)
    assert answers == ["new_change"]
    # an event past the position is already there: the next poll answers at once
    assert long_poll(url, position) == "new_change"


def test_a_long_poll_ignores_events_its_user_cannot_see(studio: Sandbox, admin: BoxClient) -> None:
    short_long_polls(studio)
    url, position = realtime_url(studio, "ann"), now(studio, "ann")
    upload(admin, "private.jpg")
    assert long_poll(url, position) == "reconnect"


def test_the_long_poll_timeout_setting_is_validated(studio: Sandbox) -> None:
    reply = control(studio, "PUT", "events", json={"long_poll_timeout_s": 0})
    assert reply.status_code == 400


def test_a_restarted_sandbox_keeps_its_events_and_positions(tmp_path: Path) -> None:
    state_file = tmp_path / "box.json"
    first = Sandbox(build_state(studio_seed()), state_file=state_file)
    with first:
        upload(sdk_client(first.base_url), "kept.jpg")
        position = now(first)
    second = Sandbox(State.load(state_file))
    with second:
        assert types(events(second, stream_position=0)) == ["ITEM_UPLOAD"]
        assert now(second) == position
        upload(sdk_client(second.base_url), "new.jpg")
        assert types(events(second, stream_position=position)) == ["ITEM_UPLOAD"]


def test_task_assignments_are_recorded_and_their_updates_only_for_the_enterprise(
    studio: Sandbox, admin: BoxClient
) -> None:
    invite(admin, login="bob@client.example")
    position = now(studio)
    task = admin.tasks.create_task(
        CreateTaskItem(id=HERO), action=CreateTaskAction.REVIEW, message="Approve?"
    )
    assignment = assign(admin, str(task.id), user_id="20001")
    resolve(sdk_client(studio.base_url, "bob"), str(assignment.id), "approved")
    enterprise = events(studio, stream_type="admin_logs_streaming", stream_position=position)
    assert types(enterprise) == ["TASK_ASSIGNMENT_CREATE", "TASK_ASSIGNMENT_UPDATE"]
    update = enterprise["entries"][1]
    assert update["created_by"]["id"] == "20001"
    assert update["source"]["item_id"] == HERO
    assert update["additional_details"]["task_assignment"]["resolution_state"] == "approved"
    assert update["additional_details"]["task"]["message"] == "Approve?"
    for token in (ADMIN_TOKEN, "bob"):
        assert types(events(studio, token, stream_position=position)) == ["TASK_ASSIGNMENT_CREATE"]
        assert types(events(studio, token, stream_position=position, stream_type="changes")) == []


def test_a_re_marked_decision_is_another_task_assignment_update(
    studio: Sandbox, admin: BoxClient
) -> None:
    invite(admin, login="bob@client.example")
    task = admin.tasks.create_task(CreateTaskItem(id=HERO), action=CreateTaskAction.REVIEW)
    assignment = assign(admin, str(task.id), user_id="20001")
    position = now(studio)
    bob = sdk_client(studio.base_url, "bob")
    resolve(bob, str(assignment.id), "approved")
    resolve(bob, str(assignment.id), "rejected")
    enterprise = events(studio, stream_type="admin_logs_streaming", stream_position=position)
    assert types(enterprise) == ["TASK_ASSIGNMENT_UPDATE", "TASK_ASSIGNMENT_UPDATE"]
    states = [
        e["additional_details"]["task_assignment"]["resolution_state"]
        for e in enterprise["entries"]
    ]
    assert states == ["approved", "rejected"]


def test_a_newcomer_who_signs_up_and_accepts_is_an_acceptance_in_both_streams(
    studio: Sandbox, admin: BoxClient
) -> None:
    invite(admin, login="dana@newco.example")
    signup = control(studio, "POST", "signup", json={"login": "dana@newco.example", "accept": True})
    dana = signup.json()["user"]["id"]
    enterprise = events(studio, stream_type="admin_logs_streaming")
    assert types(enterprise) == ["COLLABORATION_INVITE", "COLLABORATION_ACCEPT"]
    assert enterprise["entries"][0]["source"]["user_name"] == "dana@newco.example"
    assert enterprise["entries"][1]["created_by"]["id"] == dana
    changes = events(studio, stream_type="changes")
    assert types(changes) == ["COLLAB_INVITE_COLLABORATOR", "COLLAB_ADD_COLLABORATOR"]
    assert types(events(studio, signup.json()["token"])) == ["COLLAB_ADD_COLLABORATOR"]


def test_a_download_is_told_to_the_files_owner_only_and_in_all_only(
    studio: Sandbox, admin: BoxClient
) -> None:
    invite(admin, login="bob@client.example")  # Bob accepts at once: a viewer can download
    position = now(studio)
    bob = sdk_client(studio.base_url, "bob")
    content = bob.downloads.download_file(HERO)
    assert content is not None and content.read() == b"hero.jpg\n"
    owner_all = events(studio, stream_position=position)
    assert types(owner_all) == ["ITEM_DOWNLOAD"]
    download = owner_all["entries"][0]
    assert download["source"]["id"] == HERO and download["created_by"]["id"] == "20001"
    assert types(events(studio, stream_position=position, stream_type="changes")) == []
    assert types(events(studio, "bob", stream_position=position)) == []
    enterprise = events(studio, stream_type="admin_logs_streaming", stream_position=position)
    assert types(enterprise) == ["DOWNLOAD"]
    assert enterprise["entries"][0]["source"]["item_id"] == HERO
