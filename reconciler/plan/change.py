"""One planned change: what it does (Action), to what (Kind), its key, and its saved form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from reconciler.model import ItemRef, Principal, PrincipalKind
from reconciler.plan.diff import field_changes, plain
from reconciler.plan.payloads import Payload, waiting

FORMAT_VERSION = 1
#: Where the saved form keeps ``Change.ledger``: ``box_ids["ledger"] == "invitations"``.
LEDGER_KEY = "ledger"
LEDGER_INVITATIONS = "invitations"


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
    """One line of a plan. ``box_ids`` (collaboration id, user id, ...) ride beside the identity.

    Everything the applier reads of a change is in its ``fingerprint`` (and so in the plan's
    checksum): a saved plan edited in any of them is refused. Only the words a reader is shown
    (``reason``, ``origin``, item and file names) are left out.
    """

    action: Action
    kind: Kind
    delivery: str
    item: ItemRef
    principal: Principal | None
    reason: str
    item_name: str = ""
    before: Payload | None = None  # the fields as Box has them (changes, removals)
    after: Payload | None = None  # the fields as the change sets them (adds, changes)
    origin: str | None = None  # manifest "file:line" that asks for it
    file: str | None = None  # the Box file id a task or assignment is about
    file_name: str = ""
    notify: bool | None = None  # whether Box emails the invitee (collaboration adds)
    # Runs in the same apply once the invitation it depends on is accepted.
    on_acceptance: bool = False
    depends_on: tuple[ChangeKey, ...] = ()
    box_ids: Mapping[str, str] = field(default_factory=dict)
    #: the applier notes the invitation in Box's ledger (deliveries that chase or expire by days)
    ledger: bool = False

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
            return int(waiting(self.after)["files"])
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

    @property
    def address(self) -> str | None:
        """The address an email invitation is sent to, as the manifest writes it (the key is
        casefolded): the applier invites by it, so it is part of what would be done."""
        if self.principal is None or self.principal.kind is not PrincipalKind.EMAIL:
            return None
        return self.principal.display

    def fingerprint(self) -> dict[str, Any]:
        """What would be done, and nothing else: the part of a change the checksum covers.
        That is every field the applier reads: the key, the payloads, the email address, the
        Box ids it writes to, the ledger flag and the changes it follows."""
        return {
            "action": self.action.value,
            "id": str(self.key),
            "address": self.address,
            "before": plain(self.before),
            "after": plain(self.after),
            "notify": self.notify,
            "on_acceptance": self.on_acceptance,
            "depends_on": [str(k) for k in self.depends_on],
            "box_ids": dict(sorted(self.box_ids.items())),
            "ledger": self.ledger,
        }

    def saved_box_ids(self) -> dict[str, str]:
        """``box_ids`` as the saved plan writes them: the ledger flag rides among them there
        (``"ledger": "invitations"``), so the saved format stays what it was."""
        ids = dict(self.box_ids)
        if self.ledger:
            ids[LEDGER_KEY] = LEDGER_INVITATIONS
        return dict(sorted(ids.items()))

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
            "box_ids": self.saved_box_ids(),
        }
