"""What a change's ``before`` and ``after`` hold, one shape per kind of change.

A payload is the saved form itself (a ``TypedDict`` is a plain dict at run time), so the plan's
JSON, the saved plan and the checksum read exactly what the planner wrote; the types say which
fields each kind carries, for the planner that writes them and the applier that reads them.
A key that is absent means something else than a key that is None: ``{"expires_at": None}``
clears an expiry, a payload without ``expires_at`` leaves it alone.

- ``Access``: a collaboration's or hub membership's role and, for collaborations, its expiry
  (and, for an invitation sent again, when it was sent and how often).
- ``NewTask`` (a task add's ``after``) and ``TaskFields`` (a task change's both sides).
- ``AssignmentState`` (a removed assignment's ``before``) and ``Waiting`` (a waiting line's
  ``after``: how many files wait).
- ``Webhook``: a delivered folder's webhook, address and triggers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, cast


class _Role(TypedDict):
    role: str


class ExpiryFields(TypedDict, total=False):
    """When access ends, if the change says: one of the two, or ``expires_at`` None."""

    expires_at: str | None  # a date-time (ISO 8601) access ends; None: the expiry is cleared
    expires_in_days: int | None  # days the applier counts from the invitation it sends


class Access(_Role, ExpiryFields, total=False):
    """A collaboration or hub membership: ``role`` always, the rest when it applies."""

    invited_at: str | None  # a resend's ``before``: when Box says the invitation was sent
    resends: int  # a resend's ``after``: how many times it will have been sent again


class NewTask(TypedDict):
    """A review task to create: Box's task action, its message, rule and due days."""

    action: str
    message: str
    completion_rule: str
    due_in_days: int | None


class TaskFields(TypedDict):
    """A review task's fields a change compares and sets."""

    message: str
    completion_rule: str
    due_at: str | None


class AssignmentState(TypedDict):
    """A review task assignment as Box holds it (only open ones are ever removed)."""

    resolution_state: str


class Waiting(TypedDict):
    """A waiting line of assignments: how many files wait on the approver."""

    files: int


class Webhook(TypedDict):
    """A delivered folder's webhook."""

    address: str
    triggers: list[str]


#: Any change's ``before`` or ``after``; which one a change holds follows from its kind.
Payload = Access | NewTask | TaskFields | AssignmentState | Waiting | Webhook
#: A side as the applier holds it: a change's ``before``/``after``, or both merged.
Side = Payload | Mapping[str, Any] | None

# The applier reads a side through these. Which shape a side holds follows from the change's
# kind (and the executor registered for it), which the type checker cannot see: each is a cast,
# with the defaults the executors always used for a missing role or file count.


def with_expiry(access: Access, expiry: ExpiryFields) -> Access:
    """``access`` with the expiry fields ``expiry`` holds (none, one, or ``expires_at`` None),
    key by key, so "absent" stays apart from "cleared"."""
    joined: Access = {**access}
    if "expires_at" in expiry:
        joined["expires_at"] = expiry["expires_at"]
    if "expires_in_days" in expiry:
        joined["expires_in_days"] = expiry["expires_in_days"]
    return joined


def access(side: Side) -> Access:
    """A collaboration's or hub membership's side of a change (no role: ``""``)."""
    return cast(Access, {"role": "", **(side or {})})


def new_task(side: Side) -> NewTask:
    """What a task add creates (its ``after``)."""
    return cast(NewTask, dict(side or {}))


def task_fields(side: Side) -> TaskFields:
    """One side of a task change (``before``: Box's fields; ``after``: the manifest's)."""
    return cast(TaskFields, dict(side or {}))


def waiting(side: Side) -> Waiting:
    """How many files a waiting line of assignments stands for (its ``after``)."""
    return cast(Waiting, {"files": 1, **(side or {})})


def webhook(side: Side) -> Webhook:
    """The address and triggers a webhook change sets (its ``after``)."""
    return cast(Webhook, dict(side or {}))
