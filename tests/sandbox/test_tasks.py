"""Tasks and task assignments in the sandbox, through the real SDK."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from box_sdk_gen import BoxAPIError, BoxClient
from box_sdk_gen.managers.task_assignments import (
    CreateTaskAssignmentAssignTo,
    CreateTaskAssignmentTask,
    UpdateTaskAssignmentByIdResolutionState,
)
from box_sdk_gen.managers.tasks import CreateTaskAction, CreateTaskCompletionRule, CreateTaskItem

from reconciler.sandbox.server import Sandbox
from reconciler.sandbox.state import Collaboration, File, Folder, Group, Membership, Token, User
from tests.conftest import control, sdk_client

ADMIN = "10001"  # the default seed's service account, token "sandbox"; owns everything below
FOLDER, FILE = "100", "200"
#: name -> (user id, login, enterprise id or None for an external account)
PEOPLE = {
    "alice": ("20001", "alice@example.com", "900001"),  # editor on the folder
    "bob": ("20002", "bob@client.example", None),  # viewer on the folder
    "carol": ("20003", "carol@client.example", None),  # invited, still pending
    "dave": ("20004", "dave@example.com", "900001"),  # viewer through a group
    "erin": ("20005", "erin@example.com", "900001"),  # no access
}


@pytest.fixture
def box(sandbox: Sandbox) -> Sandbox:
    """A folder with a file, shared with alice, bob, carol (pending) and a group holding dave."""
    state = sandbox.state
    with state.lock:
        for name, (user_id, login, enterprise) in PEOPLE.items():
            state.users[user_id] = User(
                id=user_id, login=login, name=name, enterprise_id=enterprise
            )
            state.tokens[name] = Token(token=name, user_id=user_id)
        state.folders[FOLDER] = Folder(id=FOLDER, name="Client A", parent_id="0", owner_id=ADMIN)
        state.files[FILE] = File(id=FILE, name="report.pdf", parent_id=FOLDER, owner_id=ADMIN)
        state.groups["300"] = Group(id="300", name="Reviewers")
        state.memberships["301"] = Membership(id="301", user_id="20004", group_id="300")
        shares = [
            ("400", "user", "20001", "editor", "accepted"),
            ("401", "user", "20002", "viewer", "accepted"),
            ("402", "user", "20003", "viewer", "pending"),
            ("403", "group", "300", "viewer", "accepted"),
        ]
        for collab_id, kind, holder, role, status in shares:
            state.collaborations[collab_id] = Collaboration(
                id=collab_id,
                item_type="folder",
                item_id=FOLDER,
                accessible_by_type=kind,
                accessible_by_id=holder,
                invite_email=None,
                role=role,
                status=status,
                created_by_id=ADMIN,
            )
    return sandbox


def as_person(box: Sandbox, name: str) -> BoxClient:
    return sdk_client(box.base_url, name)


def new_task(client: BoxClient, rule: str = "all_assignees", action: str = "review") -> str:
    task = client.tasks.create_task(
        CreateTaskItem(id=FILE),
        action=CreateTaskAction(action),
        completion_rule=CreateTaskCompletionRule(rule),
    )
    return str(task.id)


def assign(
    client: BoxClient, task_id: str, *, user_id: str | None = None, login: str | None = None
):
    return client.task_assignments.create_task_assignment(
        CreateTaskAssignmentTask(id=task_id), CreateTaskAssignmentAssignTo(id=user_id, login=login)
    )


def resolve(client: BoxClient, assignment_id: str, state: str):
    return client.task_assignments.update_task_assignment_by_id(
        assignment_id, resolution_state=UpdateTaskAssignmentByIdResolutionState(state)
    )


def api_error(call, *args, **kwargs) -> BoxAPIError:
    with pytest.raises(BoxAPIError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- tasks ---------------------------------------------------------------------------------


def test_a_new_task_has_box_defaults_and_no_assignees(box: Sandbox, client: BoxClient) -> None:
    task = client.tasks.create_task(CreateTaskItem(id=FILE))
    assert task.raw_data["action"] == "review"
    assert task.raw_data["message"] == ""
    assert task.raw_data["completion_rule"] == "all_assignees"
    assert task.is_completed is False
    assert task.item.id == FILE
    assert task.created_by.id == ADMIN
    assert task.task_assignment_collection.total_count == 0


@pytest.mark.parametrize(
    "due_at",
    [
        datetime(2030, 1, 1, 10, 0),  # naive: the SDK sends no offset, Box reads UTC
        datetime(2030, 1, 1, 10, 0, tzinfo=timezone.utc),
        datetime(2030, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))),
        datetime(2030, 1, 1, 5, 0, tzinfo=timezone(timedelta(hours=-5))),
    ],
    ids=["naive", "utc", "plus-two", "minus-five"],
)
def test_due_at_comes_back_in_utc(box: Sandbox, client: BoxClient, due_at: datetime) -> None:
    task = client.tasks.create_task(CreateTaskItem(id=FILE), due_at=due_at)
    assert task.raw_data["due_at"] == "2030-01-01T10:00:00+00:00"
    again = client.tasks.get_task_by_id(task.id)
    assert again.due_at == datetime(2030, 1, 1, 10, 0, tzinfo=timezone.utc)


def test_due_at_sent_with_z_is_utc(box: Sandbox) -> None:
    response = requests.post(
        f"{box.base_url}/2.0/tasks",
        json={"item": {"type": "file", "id": FILE}, "due_at": "2030-01-01T10:00:00Z"},
        headers={"Authorization": "Bearer sandbox"},
        timeout=5,
    )
    assert response.status_code == 201
    assert response.json()["due_at"] == "2030-01-01T10:00:00+00:00"


@pytest.mark.parametrize(
    "body",
    [{"action": "approve"}, {"completion_rule": "majority"}],
    ids=["bad-action", "bad-completion-rule"],
)
def test_a_task_with_an_unknown_action_or_rule_is_a_bad_request(box: Sandbox, body: dict) -> None:
    response = requests.post(
        f"{box.base_url}/2.0/tasks",
        json={"item": {"type": "file", "id": FILE}, **body},
        headers={"Authorization": "Bearer sandbox"},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["type"] == "error"


def test_a_task_needs_an_item(box: Sandbox) -> None:
    response = requests.post(
        f"{box.base_url}/2.0/tasks",
        json={"action": "review"},
        headers={"Authorization": "Bearer sandbox"},
        timeout=5,
    )
    assert response.status_code == 400


def test_someone_without_access_cannot_see_the_file_to_task(box: Sandbox) -> None:
    error = api_error(as_person(box, "erin").tasks.create_task, CreateTaskItem(id=FILE))
    assert error.response_info.status_code == 404


def test_a_viewer_cannot_create_a_task(box: Sandbox) -> None:
    error = api_error(as_person(box, "bob").tasks.create_task, CreateTaskItem(id=FILE))
    assert error.response_info.status_code == 403


def test_an_editor_through_the_folder_can_create_a_task(box: Sandbox) -> None:
    task = as_person(box, "alice").tasks.create_task(CreateTaskItem(id=FILE), message="Approve?")
    assert task.message == "Approve?"
    assert task.created_by.id == "20001"


def test_update_and_delete_a_task(box: Sandbox, client: BoxClient) -> None:
    task_id = new_task(client)
    updated = client.tasks.update_task_by_id(task_id, message="Please review")
    assert updated.message == "Please review"
    client.tasks.delete_task_by_id(task_id)
    assert api_error(client.tasks.get_task_by_id, task_id).response_info.status_code == 404


def test_file_tasks_embed_their_assignments_when_listings_are_full(
    box: Sandbox, client: BoxClient
) -> None:
    assert control(box, "PUT", "quirks", json={"task_listing": "full"}).status_code == 200
    first, second = new_task(client), new_task(client, rule="any_assignee")
    assign(client, first, user_id="20001")
    assign(client, first, login="bob@client.example")
    tasks = client.tasks.get_file_tasks(FILE)
    assert tasks.total_count == 2
    assert [t.id for t in tasks.entries] == [first, second]
    embedded = tasks.entries[0].task_assignment_collection
    assert embedded.total_count == 2
    assert {a.assigned_to.id for a in embedded.entries} == {"20001", "20002"}
    assert tasks.entries[1].task_assignment_collection.entries == []


# --- assignments ---------------------------------------------------------------------------


def test_assign_by_id_and_by_login_to_people_with_accepted_access(
    box: Sandbox, client: BoxClient
) -> None:
    task_id = new_task(client)
    by_id = assign(client, task_id, user_id="20001")
    by_login = assign(client, task_id, login="BOB@client.example")
    assert by_id.assigned_to.id == "20001"
    assert by_login.assigned_to.id == "20002"
    assert by_id.resolution_state.value == "incomplete"
    assert by_id.raw_data["status"] == "incomplete"  # undocumented, but Box sends it
    assert by_id.assigned_by.id == ADMIN
    assert by_id.item.id == FILE
    listed = client.task_assignments.get_task_assignments(task_id)
    assert [a.id for a in listed.entries] == [by_id.id, by_login.id]


def test_access_through_a_group_is_enough_to_be_assigned(box: Sandbox, client: BoxClient) -> None:
    assignment = assign(client, new_task(client), user_id="20004")
    assert assignment.assigned_to.id == "20004"


@pytest.mark.parametrize("person", ["carol", "erin"], ids=["pending-invitee", "no-access"])
def test_a_task_is_only_assignable_to_someone_with_accepted_access(
    box: Sandbox, client: BoxClient, person: str
) -> None:
    task_id = new_task(client)
    error = api_error(assign, client, task_id, user_id=PEOPLE[person][0])
    assert error.response_info.status_code == 400
    assert error.response_info.code == "task_assignee_not_allowed"
    assert client.task_assignments.get_task_assignments(task_id).total_count == 0


def test_assigning_an_unknown_user_is_not_found(box: Sandbox, client: BoxClient) -> None:
    error = api_error(assign, client, new_task(client), login="nobody@nowhere.example")
    assert error.response_info.status_code == 404


def test_only_the_assignee_resolves_an_assignment(box: Sandbox, client: BoxClient) -> None:
    assignment = assign(client, new_task(client), user_id="20001")
    for other in (client, as_person(box, "bob")):
        error = api_error(resolve, other, assignment.id, "approved")
        assert error.response_info.status_code == 403
    resolved = resolve(as_person(box, "alice"), assignment.id, "approved")
    assert resolved.resolution_state.value == "approved"
    assert resolved.raw_data["status"] == "approved"
    assert resolved.completed_at is not None


def test_a_resolution_must_fit_the_task_action(box: Sandbox, client: BoxClient) -> None:
    review = assign(client, new_task(client, action="review"), user_id="20001")
    complete = assign(client, new_task(client, action="complete"), user_id="20001")
    alice = as_person(box, "alice")
    assert api_error(resolve, alice, review.id, "completed").response_info.status_code == 400
    assert api_error(resolve, alice, complete.id, "approved").response_info.status_code == 400
    assert resolve(alice, complete.id, "completed").resolution_state.value == "completed"


def test_a_review_decision_can_be_re_marked_and_completed_at_follows(
    box: Sandbox, client: BoxClient
) -> None:
    assignment = assign(client, new_task(client), user_id="20001")
    alice = as_person(box, "alice")
    rejected = resolve(alice, assignment.id, "rejected")
    assert resolve(alice, assignment.id, "rejected").resolution_state.value == "rejected"
    approved = resolve(alice, assignment.id, "approved")
    assert approved.resolution_state.value == "approved" and approved.raw_data["status"] == (
        "approved"
    )
    assert approved.completed_at is not None and rejected.completed_at is not None
    reopened = resolve(alice, assignment.id, "incomplete")
    assert reopened.resolution_state.value == "incomplete" and reopened.completed_at is None
    assert resolve(alice, assignment.id, "rejected").completed_at is not None


def test_a_completed_completion_task_stays_completed(box: Sandbox, client: BoxClient) -> None:
    assignment = assign(client, new_task(client, action="complete"), user_id="20001")
    alice = as_person(box, "alice")
    resolve(alice, assignment.id, "completed")
    for other in ("incomplete", "approved"):
        assert api_error(resolve, alice, assignment.id, other).response_info.status_code == 400
    assert resolve(alice, assignment.id, "completed").resolution_state.value == "completed"


@pytest.mark.parametrize("rule", ["all_assignees", "any_assignee"])
def test_is_completed_follows_a_re_marked_decision_under_each_rule(
    box: Sandbox, client: BoxClient, rule: str
) -> None:
    task_id = new_task(client, rule=rule)
    first = assign(client, task_id, user_id="20001")
    second = assign(client, task_id, user_id="20002")
    alice, bob = as_person(box, "alice"), as_person(box, "bob")

    def completed() -> bool:
        return bool(client.tasks.get_task_by_id(task_id).is_completed)

    resolve(alice, first.id, "approved")
    assert completed() is (rule == "any_assignee")
    resolve(bob, second.id, "rejected")
    assert completed() is True
    resolve(alice, first.id, "incomplete")
    assert completed() is (rule == "any_assignee")  # bob's rejection still stands
    resolve(bob, second.id, "incomplete")
    assert completed() is False
    resolve(alice, first.id, "rejected")  # re-marked from incomplete to a decision again
    assert completed() is (rule == "any_assignee")


@pytest.mark.parametrize("outcome", ["approved", "rejected"])
def test_an_answered_assignment_cannot_be_deleted(
    box: Sandbox, client: BoxClient, outcome: str
) -> None:
    assignment = assign(client, new_task(client), user_id="20001")
    resolve(as_person(box, "alice"), assignment.id, outcome)
    error = api_error(client.task_assignments.delete_task_assignment_by_id, assignment.id)
    assert error.response_info.status_code == 403
    assert client.task_assignments.get_task_assignment_by_id(assignment.id).id == assignment.id


def test_an_open_assignment_can_be_deleted(box: Sandbox, client: BoxClient) -> None:
    assignment = assign(client, new_task(client), user_id="20001")
    client.task_assignments.delete_task_assignment_by_id(assignment.id)
    error = api_error(client.task_assignments.get_task_assignment_by_id, assignment.id)
    assert error.response_info.status_code == 404


def test_all_assignees_completes_when_everyone_has_answered(
    box: Sandbox, client: BoxClient
) -> None:
    task_id = new_task(client, rule="all_assignees")
    first = assign(client, task_id, user_id="20001")
    second = assign(client, task_id, user_id="20002")
    resolve(as_person(box, "alice"), first.id, "approved")
    assert client.tasks.get_task_by_id(task_id).is_completed is False
    resolve(as_person(box, "bob"), second.id, "rejected")
    assert client.tasks.get_task_by_id(task_id).is_completed is True


def test_any_assignee_completes_with_the_first_answer(box: Sandbox, client: BoxClient) -> None:
    task_id = new_task(client, rule="any_assignee")
    first = assign(client, task_id, user_id="20001")
    assign(client, task_id, user_id="20002")
    resolve(as_person(box, "alice"), first.id, "approved")
    assert client.tasks.get_task_by_id(task_id).is_completed is True


def test_a_completed_task_takes_no_new_assignees(box: Sandbox, client: BoxClient) -> None:
    task_id = new_task(client, rule="any_assignee")
    resolve(as_person(box, "alice"), assign(client, task_id, user_id="20001").id, "approved")
    error = api_error(assign, client, task_id, user_id="20002")
    assert error.response_info.status_code == 403
