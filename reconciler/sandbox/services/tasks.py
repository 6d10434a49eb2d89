"""Tasks and task assignments on files: who may create, assign and resolve them, and their views."""

from __future__ import annotations

from datetime import timezone

from reconciler.sandbox.errors import BadRequest, Forbidden, NotFound, invalid_parameter
from reconciler.sandbox.routing import JSON, Call, Reply, Route, pick_fields
from reconciler.sandbox.services.access import can_manage, can_see, get_item
from reconciler.sandbox.services.events import record_assignment
from reconciler.sandbox.services.item_views import file_mini
from reconciler.sandbox.services.users import find_by_login, someone
from reconciler.sandbox.state import File, State, Task, TaskAssignment, User, iso, parse_datetime

ACTIONS = ("review", "complete")
COMPLETION_RULES = ("all_assignees", "any_assignee")
#: the resolution states an assignee may move to, by the task's action [DG:tasks]: a review
#: "can be marked as incomplete, approved, or rejected" at any time; a completion only once
RESOLUTIONS = {"review": ("incomplete", "approved", "rejected"), "complete": ("completed",)}
TASK_FIELDS = ("action", "message", "due_at", "completion_rule")
#: what a task listing shows of each task without ``fields`` under ``task_listing: mini``
#: (Box's own SDK sample for GET /files/{id}/tasks), and what ``fields`` always keeps
TASK_MINI_KEYS = ("type", "id", "item", "due_at")


# --- views ---------------------------------------------------------------------------------


def assignment_view(state: State, assignment: TaskAssignment) -> JSON:
    return {
        "type": "task_assignment",
        "id": assignment.id,
        "item": file_mini(state.files[assignment.file_id]),
        "assigned_to": someone(state, assignment.assigned_to_id),
        "assigned_by": someone(state, assignment.assigned_by_id),
        "message": assignment.message,
        "assigned_at": assignment.assigned_at,
        "resolution_state": assignment.resolution_state,
        # Not in Box's spec, but the API returns it (box/box-java-sdk#674).
        "status": assignment.resolution_state,
        # null until they happen, as Box answers, though the spec omits null
        "completed_at": assignment.completed_at,
        "reminded_at": assignment.reminded_at,
    }


def assignments_view(state: State, task: Task) -> JSON:
    entries = [assignment_view(state, a) for a in assignments_of(state, task.id)]
    return {"total_count": len(entries), "entries": entries}


def task_view(state: State, task: Task) -> JSON:
    view: JSON = {
        "type": "task",
        "id": task.id,
        "item": file_mini(state.files[task.file_id]),
        "action": task.action,
        "message": task.message,
        "task_assignment_collection": assignments_view(state, task),
        "is_completed": task.is_completed,
        "created_by": someone(state, task.created_by_id),
        "created_at": task.created_at,
        "completion_rule": task.completion_rule,
    }
    if task.due_at:
        view["due_at"] = task.due_at
    return view


# --- state operations ----------------------------------------------------------------------


def assignments_of(state: State, task_id: str) -> list[TaskAssignment]:
    found = [a for a in state.task_assignments.values() if a.task_id == task_id]
    return sorted(found, key=lambda a: int(a.id) if a.id.isdigit() else 0)


def visible_file(state: State, actor: User, file_id: str) -> File:
    """The file, or 404 as Box answers for a file the caller cannot see."""
    file = get_item(state, "file", file_id)
    if not isinstance(file, File) or not can_see(state, actor.id, "file", file_id):
        raise NotFound(
            "Not Found",
            context_info=invalid_parameter(
                "item",
                file_id,
                f"Invalid value 'f_{file_id}'. 'item' with value 'f_{file_id}' not found",
            ),
        )
    return file


def get_task(state: State, actor: User, task_id: str) -> Task:
    task = state.tasks.get(task_id)
    if task is None or not can_see(state, actor.id, "file", task.file_id):
        raise NotFound(
            f"Not Found: task '{task_id}'", context_info=invalid_parameter("task", task_id)
        )
    return task


def get_assignment(state: State, actor: User, assignment_id: str) -> TaskAssignment:
    assignment = state.task_assignments.get(assignment_id)
    if assignment is None or not can_see(state, actor.id, "file", assignment.file_id):
        raise NotFound(
            f"Not Found: task assignment '{assignment_id}'",
            context_info=invalid_parameter("task_assignment", assignment_id),
        )
    return assignment


def normalise_due_at(value: object) -> str | None:
    """Any ISO form the SDK sends (`Z`, `+00:00`, other offsets, naive = UTC), stored in UTC."""
    if value is None:
        return None
    try:
        moment = parse_datetime(str(value))
    except ValueError:
        raise BadRequest(
            "Invalid due_at", context_info=invalid_parameter("due_at", value)
        ) from None
    return iso(moment.astimezone(timezone.utc))


def checked_task_fields(body: JSON) -> JSON:
    fields = {k: body[k] for k in TASK_FIELDS if k in body}
    if "action" in fields and fields["action"] not in ACTIONS:
        raise BadRequest(
            "Invalid action", context_info=invalid_parameter("action", fields["action"])
        )
    rule = fields.get("completion_rule")
    if "completion_rule" in fields and rule not in COMPLETION_RULES:
        raise BadRequest(
            "Invalid completion_rule", context_info=invalid_parameter("completion_rule", rule)
        )
    if "message" in fields and not isinstance(fields["message"], str):
        raise BadRequest(
            "Invalid message", context_info=invalid_parameter("message", fields["message"])
        )
    if "due_at" in fields:
        fields["due_at"] = normalise_due_at(fields["due_at"])
    return fields


def require_task_manager(state: State, actor: User, file_id: str) -> None:
    if not can_manage(state, actor.id, "file", file_id):
        raise Forbidden("Only editors, co-owners and the owner of a file manage its tasks")


def create_task(state: State, actor: User, body: JSON) -> Task:
    item = body.get("item")
    if not isinstance(item, dict) or item.get("type", "file") != "file" or not item.get("id"):
        raise BadRequest("'item' must be a file", context_info=invalid_parameter("item", item))
    file = visible_file(state, actor, str(item["id"]))
    fields = checked_task_fields(body)
    require_task_manager(state, actor, file.id)
    task = Task(
        id=state.new_id(),
        file_id=file.id,
        action=fields.get("action", "review"),
        message=fields.get("message", ""),
        completion_rule=fields.get("completion_rule", "all_assignees"),
        due_at=fields.get("due_at"),
        created_by_id=actor.id,
        created_at=state.now(),
    )
    state.tasks[task.id] = task
    return task


def update_task(state: State, actor: User, task: Task, body: JSON) -> Task:
    fields = checked_task_fields(body)
    require_task_manager(state, actor, task.file_id)
    for key, value in fields.items():
        setattr(task, key, value)
    settle(state, task)
    return task


def delete_task(state: State, actor: User, task: Task) -> None:
    require_task_manager(state, actor, task.file_id)
    for assignment in assignments_of(state, task.id):
        del state.task_assignments[assignment.id]
    del state.tasks[task.id]


def settle(state: State, task: Task) -> None:
    """``is_completed`` follows the completion rule: one resolution, or every assignee's."""
    done = [a.resolution_state != "incomplete" for a in assignments_of(state, task.id)]
    if task.completion_rule == "any_assignee":
        task.is_completed = any(done)
    else:
        task.is_completed = bool(done) and all(done)


def find_assignee(state: State, assign_to: object) -> User:
    if not isinstance(assign_to, dict) or not (assign_to.get("id") or assign_to.get("login")):
        raise BadRequest(
            "'assign_to' needs an 'id' or a 'login'",
            context_info=invalid_parameter("assign_to", assign_to),
        )
    if assign_to.get("id"):
        user = state.users.get(str(assign_to["id"]))
    else:
        user = find_by_login(state, str(assign_to["login"]))
    if user is None:
        # Box documents a 500 for invalid ids; a 404 says the same without the SDK retrying it.
        raise NotFound(
            "Not Found: the user to assign", context_info=invalid_parameter("assign_to", assign_to)
        )
    return user


def assign(state: State, actor: User, body: JSON) -> TaskAssignment:
    task_ref = body.get("task")
    if not isinstance(task_ref, dict) or not task_ref.get("id"):
        raise BadRequest("'task' is required", context_info=invalid_parameter("task", task_ref))
    task = state.tasks.get(str(task_ref["id"]))
    if task is None:
        raise NotFound(
            f"Not Found: task '{task_ref['id']}'",
            context_info=invalid_parameter("task", task_ref["id"]),
        )
    if not can_see(state, actor.id, "file", task.file_id):
        # DG:tasks/assignments documents 403 for a caller without access to the item
        raise Forbidden("The caller has no access to the task's file")
    if task.is_completed:
        raise Forbidden("The task is already completed")
    assignee = find_assignee(state, body.get("assign_to"))
    if not can_see(state, assignee.id, "file", task.file_id):
        # Box's documented answers for an assignee without (accepted) access are 403, 500 and
        # 400 task_assignee_not_allowed (developer.box.com guides: tasks/assignments and
        # common-errors). We answer the 400: a 500 would be retried by the SDK, and 403 is
        # documented for the caller's own access.
        raise BadRequest(
            "Assigner does not have sufficient privileges to assign task to assignee",
            code="task_assignee_not_allowed",
        )
    assignment = TaskAssignment(
        id=state.new_id(),
        task_id=task.id,
        file_id=task.file_id,
        assigned_to_id=assignee.id,
        assigned_by_id=actor.id,
        assigned_at=state.now(),
    )
    state.task_assignments[assignment.id] = assignment
    settle(state, task)
    return assignment


def resolve(state: State, actor: User, assignment: TaskAssignment, body: JSON) -> TaskAssignment:
    """Only the assignee answers, with a state that fits the action. A review's decision may be
    re-marked (``completed_at`` follows: cleared when back to incomplete); a completion is final."""
    if actor.id != assignment.assigned_to_id:
        raise Forbidden("Only the assignee can update a task assignment")
    task = state.tasks[assignment.task_id]
    wanted = body.get("resolution_state")
    if wanted is not None and wanted != assignment.resolution_state:
        if wanted not in RESOLUTIONS[task.action]:
            raise BadRequest(
                f"resolution_state '{wanted}' does not fit a '{task.action}' task",
                context_info=invalid_parameter("resolution_state", wanted),
            )
        if assignment.resolution_state == "completed":
            raise BadRequest(
                "The assignment is already completed",
                context_info=invalid_parameter("resolution_state", wanted),
            )
        assignment.resolution_state = str(wanted)
        assignment.completed_at = None if wanted == "incomplete" else state.now()
    if "message" in body:
        assignment.message = str(body["message"])
    settle(state, task)
    return assignment


def unassign(state: State, actor: User, assignment: TaskAssignment) -> None:
    if assignment.resolution_state in ("approved", "rejected"):
        # Real Box refuses to delete an approved assignment (the SDK's integration test expects
        # an error, box/box-python-sdk test/task_assignments.py) without documenting the
        # status: 403, it is not allowed.
        raise Forbidden(
            f"A task assignment that is {assignment.resolution_state} cannot be deleted"
        )
    if actor.id != assignment.assigned_by_id:
        require_task_manager(state, actor, assignment.file_id)
    del state.task_assignments[assignment.id]
    settle(state, state.tasks[assignment.task_id])


def assignment_event(state: State, trigger: str, actor: User, assignment: TaskAssignment) -> JSON:
    return {
        "trigger": trigger,
        "target_type": "file",
        "target_id": assignment.file_id,
        "source": assignment_view(state, assignment),
        "created_by": actor.id,
    }


# --- handlers ------------------------------------------------------------------------------


def handle_create_task(call: Call) -> Reply:
    task = create_task(call.state, call.actor, call.json())
    return Reply(201, task_view(call.state, task))


def handle_get_task(call: Call) -> Reply:
    return Reply(200, task_view(call.state, get_task(call.state, call.actor, call.args["task_id"])))


def handle_update_task(call: Call) -> Reply:
    task = get_task(call.state, call.actor, call.args["task_id"])
    update_task(call.state, call.actor, task, call.json(required=False))
    return Reply(200, task_view(call.state, task))


def handle_delete_task(call: Call) -> Reply:
    delete_task(call.state, call.actor, get_task(call.state, call.actor, call.args["task_id"]))
    return Reply(204)


def handle_file_tasks(call: Call) -> Reply:
    file = visible_file(call.state, call.actor, call.args["file_id"])
    tasks = sorted(
        (t for t in call.state.tasks.values() if t.file_id == file.id),
        key=lambda t: int(t.id) if t.id.isdigit() else 0,
    )
    fields = call.fields()
    if fields is None and call.state.quirks.task_listing == "mini":
        fields = []  # the mini keys alone (quirks.py)
    entries = [pick_fields(task_view(call.state, t), TASK_MINI_KEYS, fields) for t in tasks]
    return Reply(200, {"total_count": len(entries), "entries": entries})


def handle_task_assignments(call: Call) -> Reply:
    task = get_task(call.state, call.actor, call.args["task_id"])
    return Reply(200, assignments_view(call.state, task))


def assignment_changed(call: Call, assignment: TaskAssignment, action: str, trigger: str) -> None:
    """An assignment made or answered shows in the event stream and raises its webhook event."""
    task = call.state.tasks[assignment.task_id]
    record_assignment(call.state, call.actor, action, task, assignment)
    call.events.append(assignment_event(call.state, trigger, call.actor, assignment))


def handle_assign(call: Call) -> Reply:
    assignment = assign(call.state, call.actor, call.json())
    assignment_changed(call, assignment, "create", "TASK_ASSIGNMENT.CREATED")
    return Reply(201, assignment_view(call.state, assignment))


def handle_get_assignment(call: Call) -> Reply:
    assignment = get_assignment(call.state, call.actor, call.args["assignment_id"])
    return Reply(200, assignment_view(call.state, assignment))


def handle_update_assignment(call: Call) -> Reply:
    assignment = get_assignment(call.state, call.actor, call.args["assignment_id"])
    resolve(call.state, call.actor, assignment, call.json(required=False))
    assignment_changed(call, assignment, "update", "TASK_ASSIGNMENT.UPDATED")
    return Reply(200, assignment_view(call.state, assignment))


def handle_delete_assignment(call: Call) -> Reply:
    assignment = get_assignment(call.state, call.actor, call.args["assignment_id"])
    unassign(call.state, call.actor, assignment)
    return Reply(204)


ROUTES = [
    Route("POST", "/2.0/tasks", handle_create_task, writes=True),
    Route("GET", "/2.0/tasks/<task_id>", handle_get_task),
    Route("PUT", "/2.0/tasks/<task_id>", handle_update_task, writes=True),
    Route("DELETE", "/2.0/tasks/<task_id>", handle_delete_task, writes=True),
    Route("GET", "/2.0/files/<file_id>/tasks", handle_file_tasks, params=("fields",)),
    Route("GET", "/2.0/tasks/<task_id>/assignments", handle_task_assignments),
    Route("POST", "/2.0/task_assignments", handle_assign, writes=True),
    Route("GET", "/2.0/task_assignments/<assignment_id>", handle_get_assignment),
    Route("PUT", "/2.0/task_assignments/<assignment_id>", handle_update_assignment, writes=True),
    Route("DELETE", "/2.0/task_assignments/<assignment_id>", handle_delete_assignment, writes=True),
]
