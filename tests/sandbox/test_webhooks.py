"""Webhooks in the sandbox: the API through the real SDK, and signed deliveries to a receiver."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
import requests
from box_sdk_gen import BoxAPIError, BoxClient, WebhooksManager
from box_sdk_gen.managers.task_assignments import (
    CreateTaskAssignmentAssignTo,
    CreateTaskAssignmentTask,
    UpdateTaskAssignmentByIdResolutionState,
)
from box_sdk_gen.managers.tasks import CreateTaskItem
from box_sdk_gen.managers.uploads import UploadFileAttributes, UploadFileAttributesParentField
from box_sdk_gen.managers.webhooks import (
    CreateWebhookTarget,
    CreateWebhookTargetTypeField,
    CreateWebhookTriggers,
    UpdateWebhookByIdTriggers,
)

from reconciler.sandbox.server import Sandbox
from reconciler.sandbox.state import Collaboration, File, Folder, Token, User, Webhook
from tests.conftest import control, sdk_client
from tests.receiver import Receiver

ADMIN = "10001"
CLIENT_FOLDER, SUBFOLDER, FILE, OTHER_FOLDER = "100", "110", "200", "500"
ALICE = "20001"
CREATED = CreateWebhookTriggers.TASK_ASSIGNMENT_CREATED
UPDATED = CreateWebhookTriggers.TASK_ASSIGNMENT_UPDATED


@pytest.fixture
def box(sandbox: Sandbox) -> Sandbox:
    """Client folder > subfolder > file, an unrelated folder, and alice, an editor of the client."""
    state = sandbox.state
    with state.lock:
        state.users[ALICE] = User(
            id=ALICE, login="alice@example.com", name="Alice", enterprise_id="900001"
        )
        state.tokens["alice"] = Token(token="alice", user_id=ALICE)
        for folder_id, name, parent in (
            (CLIENT_FOLDER, "Client A", "0"),
            (SUBFOLDER, "Reports", CLIENT_FOLDER),
            (OTHER_FOLDER, "Client B", "0"),
        ):
            state.folders[folder_id] = Folder(
                id=folder_id, name=name, parent_id=parent, owner_id=ADMIN
            )
        state.files[FILE] = File(id=FILE, name="report.pdf", parent_id=SUBFOLDER, owner_id=ADMIN)
        state.collaborations["400"] = Collaboration(
            id="400",
            item_type="folder",
            item_id=CLIENT_FOLDER,
            accessible_by_type="user",
            accessible_by_id=ALICE,
            invite_email=None,
            role="editor",
            status="accepted",
            created_by_id=ADMIN,
        )
    return sandbox


def watch(client: BoxClient, folder_id: str, address: str, triggers: list[CreateWebhookTriggers]):
    target = CreateWebhookTarget(id=folder_id, type=CreateWebhookTargetTypeField.FOLDER)
    return client.webhooks.create_webhook(target, address, triggers)


def assign_review(client: BoxClient) -> str:
    task = client.tasks.create_task(CreateTaskItem(id=FILE))
    assignment = client.task_assignments.create_task_assignment(
        CreateTaskAssignmentTask(id=task.id), CreateTaskAssignmentAssignTo(id=ALICE)
    )
    return str(assignment.id)


def api_error(call, *args, **kwargs) -> BoxAPIError:
    with pytest.raises(BoxAPIError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- deliveries ----------------------------------------------------------------------------


def test_a_folder_webhook_receives_signed_events_for_files_below_it(
    box: Sandbox, client: BoxClient, receiver: Receiver
) -> None:
    hook = watch(client, CLIENT_FOLDER, receiver.url, [CREATED])
    assignment_id = assign_review(client)
    got = receiver.next()
    headers, body = got.headers, got.text
    enterprise = box.state.enterprise
    assert WebhooksManager.validate_message(body, headers, enterprise.primary_signature_key)
    assert WebhooksManager.validate_message(
        body, headers, "not-the-key", secondary_key=enterprise.secondary_signature_key
    )
    assert not WebhooksManager.validate_message(body, headers, "not-the-key")
    assert headers["box-signature-version"] == "1"
    assert headers["box-signature-algorithm"] == "HmacSHA256"
    assert headers["box-delivery-id"]
    event = json.loads(body)
    assert event["type"] == "webhook_event"
    assert event["trigger"] == "TASK_ASSIGNMENT.CREATED"
    assert event["webhook"] == {"id": hook.id, "type": "webhook"}
    assert event["created_by"]["id"] == ADMIN
    assert event["source"]["type"] == "task_assignment"
    assert event["source"]["id"] == assignment_id


def test_only_subscribed_triggers_are_delivered(
    box: Sandbox, client: BoxClient, receiver: Receiver
) -> None:
    watch(client, CLIENT_FOLDER, receiver.url, [UPDATED])
    assignment_id = assign_review(client)  # CREATED: not subscribed
    sdk_client(box.base_url, "alice").task_assignments.update_task_assignment_by_id(
        assignment_id, resolution_state=UpdateTaskAssignmentByIdResolutionState.APPROVED
    )
    body = receiver.next().text
    event = json.loads(body)
    assert event["trigger"] == "TASK_ASSIGNMENT.UPDATED"
    assert event["source"]["resolution_state"] == "approved"
    assert event["created_by"]["id"] == ALICE


def test_a_re_marked_decision_is_delivered_again_with_its_new_state(
    box: Sandbox, client: BoxClient, receiver: Receiver
) -> None:
    watch(client, CLIENT_FOLDER, receiver.url, [UPDATED])
    assignment_id = assign_review(client)
    alice = sdk_client(box.base_url, "alice")
    for state in ("approved", "rejected", "incomplete"):
        alice.task_assignments.update_task_assignment_by_id(
            assignment_id, resolution_state=UpdateTaskAssignmentByIdResolutionState(state)
        )
        event = receiver.next().document
        assert event["trigger"] == "TASK_ASSIGNMENT.UPDATED"
        assert (event["source"]["id"], event["source"]["resolution_state"]) == (
            assignment_id,
            state,
        )


def test_a_webhook_on_another_folder_hears_nothing(
    box: Sandbox, client: BoxClient, receiver: Receiver
) -> None:
    # Deliveries of one event go out in webhook order, so the unrelated (older) webhook's would
    # arrive first.
    watch(client, OTHER_FOLDER, receiver.url + "?other", [CREATED])
    watch(client, SUBFOLDER, receiver.url, [CREATED])
    assign_review(client)
    got = receiver.next()
    assert (got.path, got.query) == (receiver.path, {})
    assert got.document["trigger"] == "TASK_ASSIGNMENT.CREATED"


def test_an_upload_below_a_watched_folder_is_delivered(
    box: Sandbox, client: BoxClient, receiver: Receiver
) -> None:
    watch(client, CLIENT_FOLDER, receiver.url, [CreateWebhookTriggers.FILE_UPLOADED])
    attributes = UploadFileAttributes("new.pdf", UploadFileAttributesParentField(id=SUBFOLDER))
    uploaded = client.uploads.upload_file(attributes, io.BytesIO(b"%PDF-1.7"))
    got = receiver.next()
    headers, body = got.headers, got.text
    assert WebhooksManager.validate_message(
        body, headers, box.state.enterprise.primary_signature_key
    )
    event = json.loads(body)
    assert event["trigger"] == "FILE.UPLOADED"
    assert event["source"]["id"] == uploaded.entries[0].id


def owed_to(box: Sandbox, address: str) -> list[dict[str, Any]]:
    """The deliveries the sandbox owes ``address``, sent or not. A delivery is owed the moment
    its event happens, so this needs no wait to say that nothing more is coming."""
    rows = control(box, "GET", "webhook_deliveries").json()["entries"]
    return [r for r in rows if r["address"] == address]


# --- the API -------------------------------------------------------------------------------


def test_box_notifications_off_suppresses_deliveries(
    box: Sandbox, client: BoxClient, receiver: Receiver
) -> None:
    watch(client, CLIENT_FOLDER, receiver.url, [CREATED])
    quiet = assign_review(client.with_suppressed_notifications())
    loud = assign_review(client)
    body = receiver.next().text
    assert json.loads(body)["source"]["id"] == loud  # the quiet one was never sent
    assert quiet != loud
    assert len(owed_to(box, receiver.url)) == 1  # nor will it be: nothing else is owed


def test_create_get_list_update_delete(box: Sandbox, client: BoxClient, receiver: Receiver) -> None:
    hook = watch(client, CLIENT_FOLDER, receiver.url, [CREATED])
    assert hook.target.id == CLIENT_FOLDER
    assert hook.created_by.id == ADMIN
    assert hook.raw_data["triggers"] == ["TASK_ASSIGNMENT.CREATED"]
    assert client.webhooks.get_webhook_by_id(hook.id).address == receiver.url
    assert [w.id for w in client.webhooks.get_webhooks().entries] == [hook.id]
    updated = client.webhooks.update_webhook_by_id(
        hook.id, triggers=[UpdateWebhookByIdTriggers.TASK_ASSIGNMENT_UPDATED]
    )
    assert updated.raw_data["triggers"] == ["TASK_ASSIGNMENT.UPDATED"]
    client.webhooks.delete_webhook_by_id(hook.id)
    assert api_error(client.webhooks.get_webhook_by_id, hook.id).response_info.status_code == 404


def test_a_second_webhook_on_the_same_target_conflicts(
    box: Sandbox, client: BoxClient, receiver: Receiver
) -> None:
    watch(client, CLIENT_FOLDER, receiver.url, [CREATED])
    error = api_error(watch, client, CLIENT_FOLDER, receiver.url, [UPDATED])
    assert error.response_info.status_code == 409


def test_no_webhook_on_the_root_folder(box: Sandbox, client: BoxClient, receiver: Receiver) -> None:
    error = api_error(watch, client, "0", receiver.url, [CREATED])
    assert error.response_info.status_code == 400


def test_the_target_must_exist(box: Sandbox, client: BoxClient, receiver: Receiver) -> None:
    error = api_error(watch, client, "999", receiver.url, [CREATED])
    assert error.response_info.status_code == 404


@pytest.mark.parametrize(
    "address",
    [
        "http://hooks.example.com/box",
        "https://hooks.example.com:8443/box",
        "http://10.0.0.1/box",
        "ftp://127.0.0.1/box",
    ],
    ids=["public-plain-http", "public-other-port", "private-ip", "not-http"],
)
def test_addresses_that_are_neither_https_on_443_nor_loopback_are_refused(
    box: Sandbox, client: BoxClient, address: str
) -> None:
    error = api_error(watch, client, CLIENT_FOLDER, address, [CREATED])
    assert error.response_info.status_code == 400
    if address.startswith("http"):
        assert "port 443" in error.message


@pytest.mark.parametrize(
    "address",
    [
        "http://localhost:9/x",
        "http://[::1]:9/x",
        "http://127.0.0.2/x",
        "https://hooks.example.com/box",
        "https://hooks.example.com:443/box",
    ],
)
def test_loopback_and_https_addresses_are_accepted(
    box: Sandbox, client: BoxClient, address: str
) -> None:
    assert watch(client, CLIENT_FOLDER, address, [CREATED]).address == address


def test_a_public_address_is_logged_and_never_delivered_to(
    box: Sandbox, client: BoxClient, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    watch(client, CLIENT_FOLDER, "https://hooks.example.com/box", [CREATED])
    watch(client, SUBFOLDER, receiver.url, [CREATED])
    caplog.set_level(logging.INFO, logger="reconciler.sandbox.services.webhooks")
    assign_review(client)
    body = receiver.next().text  # the loopback one is delivered
    assert json.loads(body)["trigger"] == "TASK_ASSIGNMENT.CREATED"
    assert owed_to(box, "https://hooks.example.com/box") == []
    assert len(owed_to(box, receiver.url)) == 1
    assert "not sent" in caplog.text and "https://hooks.example.com/box" in caplog.text


def test_unknown_triggers_are_refused(box: Sandbox, receiver: Receiver) -> None:
    response = requests.post(
        f"{box.base_url}/2.0/webhooks",
        json={
            "target": {"type": "folder", "id": CLIENT_FOLDER},
            "address": receiver.url,
            "triggers": ["FILE.UPLOADED", "FILE.EXPLODED"],
        },
        headers={"Authorization": "Bearer sandbox"},
        timeout=5,
    )
    assert response.status_code == 400
    assert "FILE.EXPLODED" in response.json()["message"]


# --- listing and limits ----------------------------------------------------------------------


def test_the_list_shows_the_webhooks_on_items_the_caller_owns_whoever_made_them(
    box: Sandbox, client: BoxClient, receiver: Receiver
) -> None:
    alice = sdk_client(box.base_url, "alice")
    hers = watch(alice, CLIENT_FOLDER, receiver.url, [CREATED])  # on the admin's folder
    mine = watch(client, OTHER_FOLDER, receiver.url, [CREATED])
    assert [w.id for w in client.webhooks.get_webhooks().entries] == [hers.id, mine.id]
    assert alice.webhooks.get_webhooks().entries == []  # alice owns nothing
    assert client.webhooks.get_webhook_by_id(hers.id).created_by.id == ALICE
    assert alice.webhooks.get_webhook_by_id(hers.id).id == hers.id


def test_the_thousand_and_first_webhook_of_an_app_and_user_is_refused(
    box: Sandbox, client: BoxClient, receiver: Receiver
) -> None:
    state = box.state
    with state.lock:
        for n in range(999):
            folder = Folder(id=str(700_000 + n), name=f"f{n}", parent_id="0", owner_id=ADMIN)
            state.folders[folder.id] = folder
            state.webhooks[str(800_000 + n)] = Webhook(
                id=str(800_000 + n),
                target_type="folder",
                target_id=folder.id,
                address=receiver.url,
                triggers=["TASK_ASSIGNMENT.CREATED"],
                created_by_id=ADMIN,
            )
    last = watch(client, CLIENT_FOLDER, receiver.url, [CREATED])  # the 1,000th
    error = api_error(watch, client, OTHER_FOLDER, receiver.url, [CREATED])
    assert (error.response_info.status_code, error.response_info.code) == (400, "bad_request")
    assert "1000 webhooks" in error.message
    alice = sdk_client(box.base_url, "alice")  # another user of the app has a limit of her own
    assert watch(alice, SUBFOLDER, receiver.url, [CREATED]).id
    client.webhooks.delete_webhook_by_id(last.id)
    assert watch(client, OTHER_FOLDER, receiver.url, [CREATED]).id
