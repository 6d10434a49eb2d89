"""The plan as data: Action, Kind, Change, Plan, its checksum, saved-plan form and safety checks."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from reconciler.diff import diff_plans, field_changes, plain
from reconciler.errors import StalePlan, UnsafePlan
from reconciler.model import ItemRef, Policy, Principal

FORMAT_VERSION = 1


class Action(str, Enum):
    ADD = "add"
    CHANGE = "change"
    REMOVE = "remove"
    RESEND = "resend"  # a pending invitation deleted and sent again (Box has no resend)
    WAIT = "wait"  # reported, never executed: work that cannot happen yet
    UNMANAGED = "unmanaged"  # reported, never executed: left alone on purpose

    @property
    def executable(self) -> bool:
        return self in (Action.ADD, Action.CHANGE, Action.REMOVE, Action.RESEND)


class Kind(str, Enum):
    COLLABORATION = "collaboration"
    HUB_COLLABORATION = "hub_collaboration"
    TASK = "task"
    TASK_ASSIGNMENT = "task_assignment"
    WEBHOOK = "webhook"  # the declared Box webhook on a delivered folder


#: Each kind in the words the plan shows (``hub member jane@…``), for one-line descriptions.
KIND_WORDS: Mapping[Kind, str] = {
    Kind.COLLABORATION: "collaboration",
    Kind.HUB_COLLABORATION: "hub member",
    Kind.TASK: "review task",
    Kind.TASK_ASSIGNMENT: "review task assigned to",
    Kind.WEBHOOK: "webhook",
}

#: Every change a plan can ask the applier to make, each with its executor. Review tasks are never
#: removed (a decided review is history) and assignments never changed (their state is the
#: approver's, never ours). Only folder and file invitations are sent again: a hub takes no
#: pending email invitation to chase. A delivered folder's webhook is added, changed and removed.
EXECUTABLE: frozenset[tuple[Kind, Action]] = frozenset(
    {
        (k, a)
        for k in (Kind.COLLABORATION, Kind.HUB_COLLABORATION, Kind.WEBHOOK)
        for a in (Action.ADD, Action.CHANGE, Action.REMOVE)
    }
    | {(Kind.COLLABORATION, Action.RESEND)}
    | {(Kind.TASK, Action.ADD), (Kind.TASK, Action.CHANGE)}
    | {(Kind.TASK_ASSIGNMENT, Action.ADD), (Kind.TASK_ASSIGNMENT, Action.REMOVE)}
)
#: Apply order between kinds: a person must collaborate before joining a hub or being assigned.
KIND_ORDER: Mapping[Kind, int] = {k: i for i, k in enumerate(Kind)}
#: Adds and changes first, removes after them; reported lines come last and are never executed.
ACTION_PHASE: Mapping[Action, int] = {
    Action.ADD: 0,
    Action.CHANGE: 0,
    Action.RESEND: 0,
    Action.REMOVE: 1,
    Action.WAIT: 2,
    Action.UNMANAGED: 3,
}


def principal_id(principal: Principal | None) -> str:
    """Stable text form of a principal's identity (emails casefolded), used in keys."""
    return "-" if principal is None else f"{principal.kind.value}:{principal.key}"


@dataclass(frozen=True)
class ChangeKey:
    """A change's stable identity: what it is about, never which Box object carries it."""

    delivery: str
    kind: Kind
    item: ItemRef
    principal: Principal | None
    file: str | None = None

    def __str__(self) -> str:
        parts = [self.delivery, self.kind.value, str(self.item), principal_id(self.principal)]
        if self.file is not None:
            parts.append(f"file:{self.file}")
        return " ".join(parts)

    def sort_key(self) -> tuple[Any, ...]:
        return (
            KIND_ORDER[self.kind],
            self.delivery,
            self.item.kind.value,
            self.item.id,
            principal_id(self.principal),
            self.file or "",
        )


@dataclass(frozen=True)
class Change:
    """One line of a plan. ``box_ids`` (collaboration id, user id, ...) ride beside the identity."""

    action: Action
    kind: Kind
    delivery: str
    item: ItemRef
    principal: Principal | None
    reason: str
    item_name: str = ""
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    origin: str | None = None  # manifest "file:line" that asks for it
    file: str | None = None  # the Box file id a task or assignment is about
    file_name: str = ""
    notify: bool | None = None  # whether Box emails the invitee (collaboration adds)
    # Runs in the same apply once the invitation it depends on is accepted.
    on_acceptance: bool = False
    depends_on: tuple[ChangeKey, ...] = ()
    box_ids: Mapping[str, str] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.action, self.key))

    @property
    def key(self) -> ChangeKey:
        return ChangeKey(self.delivery, self.kind, self.item, self.principal, self.file)

    @property
    def collaboration_id(self) -> str | None:
        return self.box_ids.get("collaboration_id")

    @property
    def user_id(self) -> str | None:
        return self.box_ids.get("user_id")

    @property
    def webhook_id(self) -> str | None:
        return self.box_ids.get("webhook_id")

    @property
    def stands_for(self) -> int:
        """How many changes this line counts as: a waiting line of review task assignments
        stands for one per file it names (``after["files"]``), every other line for one. Plan,
        apply report and watcher count changes in this one unit."""
        if self.action is Action.WAIT and self.kind is Kind.TASK_ASSIGNMENT and self.after:
            return int(self.after.get("files", 1))
        return 1

    @property
    def phase(self) -> tuple[int, int]:
        """Where the change runs: adds build up (collaborations, then hubs, tasks and
        assignments); removals tear down in reverse, so an assignment or hub membership never
        outlives the collaboration it was granted through."""
        order = KIND_ORDER[self.kind]
        return ACTION_PHASE[self.action], -order if self.action is Action.REMOVE else order

    def sort_key(self) -> tuple[Any, ...]:
        return (*self.phase, *self.key.sort_key()[1:])

    def fingerprint(self) -> dict[str, Any]:
        """What would be done, and nothing else: the part of a change the checksum covers."""
        return {
            "action": self.action.value,
            "id": str(self.key),
            "before": plain(self.before),
            "after": plain(self.after),
            "notify": self.notify,
            "on_acceptance": self.on_acceptance,
            "depends_on": [str(k) for k in self.depends_on],
        }

    def field_changes(self) -> list[tuple[str, Any, Any]]:
        """``(field, before, after)`` for each field that differs, found with deepdiff."""
        return field_changes(self.before or {}, self.after or {})

    def describe(self) -> str:
        """One line in words, for messages such as the stale-plan explanation."""
        who = f" {self.principal}" if self.principal is not None else ""
        what = self.file_name or self.file
        on = f"file {what!r} in " if what else ""
        name = f" {self.item_name!r}" if self.item_name else ""
        return (
            f"{self.action.value} {KIND_WORDS[self.kind]}{who} on {on}{self.item.kind.value}"
            f"{name} ({self.item.id}) for {self.delivery}"
        )

    def to_dict(self) -> dict[str, Any]:
        principal = None
        if self.principal is not None:
            principal = {
                "type": self.principal.kind.value,
                "id": self.principal.key,
                "name": self.principal.display,
            }
        return {
            "id": str(self.key),
            "action": self.action.value,
            "kind": self.kind.value,
            "delivery": self.delivery,
            "item": {"type": self.item.kind.value, "id": self.item.id, "name": self.item_name},
            "principal": principal,
            "file": None if self.file is None else {"id": self.file, "name": self.file_name},
            "before": plain(self.before),
            "after": plain(self.after),
            "reason": self.reason,
            "origin": self.origin,
            "notify": self.notify,
            "on_acceptance": self.on_acceptance,
            "depends_on": [str(k) for k in self.depends_on],
            "box_ids": dict(sorted(self.box_ids.items())),
        }


@dataclass(frozen=True)
class Plan:
    """Changes in apply order (the order is part of the plan), with counts and a checksum.

    ``collaborators`` (live collaborators per item, when the plan was made from a live read)
    is what the safety check weighs removals against; ``basis`` holds the very snapshots and
    policy the planner made it from. Neither is part of the saved form.
    """

    changes: tuple[Change, ...] = ()
    collaborators: Mapping[ItemRef, int] = field(default_factory=dict, compare=False)
    basis: tuple[object, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        # The full content breaks ties, so even duplicate keys cannot make order depend on input.
        ordered = sorted(
            self.changes, key=lambda c: (c.sort_key(), json.dumps(c.to_dict(), sort_keys=True))
        )
        object.__setattr__(self, "changes", tuple(ordered))

    def executable(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action.executable)

    def count(self, action: Action) -> int:
        """Changes of ``action``, each line counted as the changes it stands for."""
        return sum(c.stands_for for c in self.changes if c.action is action)

    @property
    def to_add(self) -> int:
        return self.count(Action.ADD)

    @property
    def to_change(self) -> int:
        return self.count(Action.CHANGE)

    @property
    def to_remove(self) -> int:
        return self.count(Action.REMOVE)

    @property
    def to_resend(self) -> int:
        return self.count(Action.RESEND)

    @property
    def waiting(self) -> int:
        return self.count(Action.WAIT)

    @property
    def unmanaged(self) -> int:
        return self.count(Action.UNMANAGED)

    @property
    def has_changes(self) -> bool:
        return any(c.action.executable for c in self.changes)

    def summary(self) -> dict[str, int]:
        return {
            "to_add": self.to_add,
            "to_change": self.to_change,
            "to_remove": self.to_remove,
            "to_resend": self.to_resend,
            "waiting": self.waiting,
            "unmanaged": self.unmanaged,
        }

    def deliveries(self) -> tuple[str, ...]:
        return tuple(sorted({c.delivery for c in self.changes}))

    def checksum(self) -> str:
        canonical = json.dumps(
            sorted(
                (c.fingerprint() for c in self.executable()), key=lambda f: (f["id"], f["action"])
            ),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def made_from(self, *inputs: object) -> bool:
        """Whether the planner made this plan from these very objects (planning is pure, so
        planning them again would give this plan)."""
        return len(inputs) == len(self.basis) > 0 and all(
            a is b for a, b in zip(inputs, self.basis, strict=True)
        )

    def check_safety(self, policy: Policy) -> None:
        """Refuse removals above ``safety.max_removals`` or an item's ``max_removal_fraction``.

        The fraction applies only to items with at least four live collaborators, so removing
        one of two people is not a mass removal.
        """
        removals = [c for c in self.changes if c.action is Action.REMOVE]
        if len(removals) > policy.max_removals:
            raise UnsafePlan(
                f"the plan has {len(removals)} change{'' if len(removals) == 1 else 's'} to "
                "remove, more than "
                f"safety.max_removals = {policy.max_removals}; use --force to apply it anyway"
            )
        per_item = Counter(
            c.item for c in removals if c.kind in (Kind.COLLABORATION, Kind.HUB_COLLABORATION)
        )
        for item, removed in sorted(per_item.items()):
            total = self.collaborators.get(item, 0)
            if total >= 4 and removed / total > policy.max_removal_fraction:
                raise UnsafePlan(
                    f"the plan removes {removed} of the {total} collaborators of {item}, more "
                    f"than safety.max_removal_fraction = {policy.max_removal_fraction:g}; "
                    "use --force to apply it anyway"
                )

    def check_current(self, fresh: Plan) -> None:
        """Refuse to apply this saved plan when it no longer matches what Box and the manifests
        ask for (``fresh``, planned just now)."""
        if self.checksum() == fresh.checksum():
            return
        differences = diff_plans(self, fresh) or ["the planned changes differ"]
        raise StalePlan(
            "the saved plan no longer matches Box and the manifests; plan again. What changed:\n"
            + "\n".join(f"  {line}" for line in differences)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "checksum": self.checksum(),
            "summary": self.summary(),
            "changes": [c.to_dict() for c in self.changes],
        }
