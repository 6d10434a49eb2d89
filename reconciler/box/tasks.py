"""A file's tasks read whole: every field the client uses asked for by name, and any field Box
still leaves out read from the task or its assignments directly, never guessed.

Box's reference shows ``GET /files/{id}/tasks`` answering *mini* tasks (``type, id, item,
due_at``) when no ``fields`` are given, and a Box SDK issue says the default answer lacks
``created_by`` and ``is_completed``. A task whose creator or action is unknown would not be
recognised as the reconciler's own review, and the planner would add another one on every pass
(each an email to the client). So a task that still misses a field is read again with
``GET /tasks/{id}``, its assignments with ``GET /tasks/{id}/assignments`` (and one assignment
with ``GET /task_assignments/{id}``); if Box still does not say, the read fails naming that
request, so nothing is planned from a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from box_sdk_gen import BoxClient
from box_sdk_gen.networking.fetch_options import FetchOptions, ResponseFormat

from reconciler.errors import BoxError
from reconciler.model import LiveAssignment, LiveTask

#: every task field the client reads, asked for on the file's listing
TASK_FIELDS = (
    "type",
    "id",
    "item",
    "action",
    "message",
    "created_by",
    "created_at",
    "completion_rule",
    "is_completed",
    "due_at",
    "task_assignment_collection",
)
#: without these a task cannot be told apart from another or judged; ``due_at`` may be absent
#: (a task without a due date)
NEEDED_TASK_FIELDS = (
    "action",
    "message",
    "created_by",
    "created_at",
    "completion_rule",
    "is_completed",
    "task_assignment_collection",
)
#: an assignment without these cannot say who decides, what they decided, or when
NEEDED_ASSIGNMENT_FIELDS = ("assigned_to", "resolution_state", "message", "completed_at")

Call = Callable[[str, Callable[[], Any]], Any]


def parse_task(raw: dict[str, Any], file_id: str) -> LiveTask:
    collection = raw.get("task_assignment_collection") or {}
    assignments = tuple(parse_assignment(a) for a in collection.get("entries") or [])
    return LiveTask(
        id=str(raw.get("id")),
        file_id=file_id,
        action=str(raw.get("action") or ""),
        message=str(raw.get("message") or ""),
        completion_rule=str(raw.get("completion_rule") or "all_assignees"),
        due_at=raw.get("due_at") or None,
        created_by_id=str((raw.get("created_by") or {}).get("id") or ""),
        assignments=assignments,
        created_at=raw.get("created_at") or None,
        is_completed=bool(raw.get("is_completed")),
    )


def parse_assignment(raw: dict[str, Any]) -> LiveAssignment:
    who = raw.get("assigned_to") or {}
    # Box has reported a rejection in the undocumented ``status`` while ``resolution_state``
    # stayed "incomplete"; read both and keep the resolved one.
    state = str(raw.get("resolution_state") or "incomplete")
    extra = str(raw.get("status") or "")
    if state == "incomplete" and extra in ("approved", "rejected", "completed"):
        state = extra
    return LiveAssignment(
        id=str(raw.get("id")),
        assignee_id=str(who.get("id") or ""),
        assignee_login=str(who.get("login") or ""),
        resolution_state=state,
        completed_at=raw.get("completed_at") or None,
        message=str(raw.get("message") or ""),
        assigned_at=raw.get("assigned_at") or None,
    )


def missing_task_fields(raw: dict[str, Any]) -> list[str]:
    """The needed fields a task entry lacks (its assignments judged apart)."""
    missing = [name for name in NEEDED_TASK_FIELDS if name not in raw]
    creator = raw.get("created_by")
    if "created_by" in raw and not (isinstance(creator, dict) and creator.get("id")):
        missing.append("created_by")
    if "action" in raw and not raw.get("action"):
        missing.append("action")
    return sorted(set(missing))


def missing_assignment_fields(raw: dict[str, Any]) -> list[str]:
    missing = [name for name in NEEDED_ASSIGNMENT_FIELDS if name not in raw]
    who = raw.get("assigned_to")
    if "assigned_to" in raw and not (isinstance(who, dict) and who.get("id")):
        missing.append("assigned_to")
    return sorted(set(missing))


def assignments_complete(raw: dict[str, Any]) -> bool:
    """Whether the embedded assignments are all there, each with what the client reads."""
    collection = raw.get("task_assignment_collection")
    if not isinstance(collection, dict) or not isinstance(collection.get("entries"), list):
        return False
    entries = collection["entries"]
    total = collection.get("total_count")
    if isinstance(total, int) and total > len(entries):
        return False  # a shortened collection: the listing of the task's assignments is whole
    return all(isinstance(e, dict) and not missing_assignment_fields(e) for e in entries)


class TaskReads:
    """The reads of one file's tasks; ``call`` runs each request (translating Box's errors)."""

    def __init__(self, client: BoxClient, call: Call) -> None:
        self.client = client
        self.call = call

    def file_tasks(self, file_id: str) -> tuple[LiveTask, ...]:
        """A file's tasks with their assignments: one call per file when Box answers whole."""
        base = self.client.network_session.base_urls.base_url
        answer = self.call(
            f"list the tasks of file {file_id}",
            lambda: self.client.make_request(
                FetchOptions(
                    url=f"{base}/2.0/files/{file_id}/tasks",
                    method="GET",
                    params={"fields": ",".join(TASK_FIELDS)},
                    response_format=ResponseFormat.JSON,
                )
            ),
        )
        raw = answer.data if isinstance(answer.data, dict) else {}
        entries = [e for e in raw.get("entries") or [] if isinstance(e, dict)]
        return tuple(parse_task(self.whole(entry), file_id) for entry in entries)

    def whole(self, entry: dict[str, Any]) -> dict[str, Any]:
        """The task entry with every needed field, read again where the listing left one out."""
        task_id = str(entry.get("id") or "")
        if not task_id:
            raise BoxError("list the tasks of a file: Box answered a task without an id")
        if missing_task_fields(entry):
            entry = {**entry, **self._task(task_id)}
            still = missing_task_fields(entry)
            if still:
                raise BoxError(
                    f"GET /tasks/{task_id}: Box's answer has no {', '.join(still)}; without "
                    "them the reconciler cannot tell whether this is its own review task, so it "
                    "plans nothing for the file rather than add another task"
                )
        if not assignments_complete(entry):
            entries = self._assignments(task_id)
            entry = {
                **entry,
                "task_assignment_collection": {"total_count": len(entries), "entries": entries},
            }
        return entry

    def _task(self, task_id: str) -> dict[str, Any]:
        task = self.call(f"read task {task_id}", lambda: self.client.tasks.get_task_by_id(task_id))
        return _raw(task)

    def _assignments(self, task_id: str) -> list[dict[str, Any]]:
        listing = self.call(
            f"list the assignments of task {task_id}",
            lambda: self.client.task_assignments.get_task_assignments(task_id),
        )
        entries = [e for e in _raw(listing).get("entries") or [] if isinstance(e, dict)]
        return [self._assignment(e) if missing_assignment_fields(e) else e for e in entries]

    def _assignment(self, entry: dict[str, Any]) -> dict[str, Any]:
        ident = str(entry.get("id") or "")
        read = self.call(
            f"read task assignment {ident}",
            lambda: self.client.task_assignments.get_task_assignment_by_id(ident),
        )
        whole = {**entry, **_raw(read)}
        still = missing_assignment_fields(whole)
        if still:
            raise BoxError(
                f"GET /task_assignments/{ident}: Box's answer has no {', '.join(still)}; "
                "without them the reconciler cannot tell who must decide or what they decided"
            )
        return whole


def _raw(obj: Any) -> dict[str, Any]:
    raw = getattr(obj, "raw_data", None)
    return raw if isinstance(raw, dict) else {}
