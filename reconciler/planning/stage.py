"""What every planning stage reads (``Inputs``), what one hands the next (``Handoff``), and the
``Step`` each returns: the stages talk only through these values, never through the changes.

A stage makes each change with ``change_on``: what it is about (``Subject``), its reason, its
payloads (``plan.payloads``) and, when it has any, its ``Extras`` (origin, notify, what it
follows, Box ids, the ledger flag)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from reconciler.model import (
    Delivery,
    DesiredState,
    InviteStatus,
    ItemRef,
    LiveFile,
    LiveItem,
    LiveState,
    LiveTask,
    LiveUser,
    Origin,
    Policy,
    Principal,
)
from reconciler.plan import Action, Change, ChangeKey, Kind
from reconciler.plan.payloads import Payload
from reconciler.planning.invitations import accounts, logins_by_user, statuses


@dataclass(frozen=True)
class Inputs:
    """The two snapshots and the policy, with what Box already says about each invitation."""

    deliveries: tuple[Delivery, ...]  # by name: the first delivery speaks for a shared item
    live: LiveState
    policy: Policy
    accounts: Mapping[str, LiveUser]  # email (casefolded) -> Box user, from accepted invitations
    statuses: Mapping[str, InviteStatus]  # email (casefolded) -> most advanced invitation status
    logins: Mapping[str, frozenset[str]]  # user id -> emails Box showed for them on items
    #: deliveries with ``revoke: true``, by name: only the revoke stage plans for them
    ended: tuple[Delivery, ...] = ()

    @classmethod
    def of(cls, desired: DesiredState, live: LiveState, policy: Policy) -> Inputs:
        ordered = tuple(sorted(desired.deliveries, key=lambda d: d.name))
        return cls(
            tuple(d for d in ordered if not d.revoke),
            live,
            policy,
            accounts(live),
            statuses(live),
            logins_by_user(live),
            tuple(d for d in ordered if d.revoke),
        )


@dataclass(frozen=True)
class Review:
    """One delivered file with its review task (or the key of the task this plan creates)."""

    file: LiveFile
    folder: LiveItem
    selecting: tuple[Delivery, ...]  # deliveries whose approval rule selects the file, by name
    task: LiveTask | None
    task_key: ChangeKey | None  # set when ``task`` is None: the task add planned for the file


@dataclass(frozen=True)
class Wait:
    """An approver who cannot be assigned yet on a folder's files, and on how many of them."""

    delivery: str
    folder: LiveItem
    principal: Principal
    files: int
    because: str  # "until ... accepts", or ": ... rejected the invitation"
    origin: str | None = None


@dataclass(frozen=True)
class Handoff:
    """What earlier stages found that later ones need; each stage adds its own part."""

    #: folder and file invitations this plan creates, by item and principal
    invitations: Mapping[tuple[ItemRef, Principal], ChangeKey] = field(default_factory=dict)
    reviews: tuple[Review, ...] = ()
    waits: tuple[Wait, ...] = ()
    #: what the revoke stage removes (``box_object`` of each), so no later stage plans it again
    revoking: frozenset[str] = frozenset()

    def first_invitations(self) -> dict[Principal, ChangeKey]:
        """Each invited principal's first invitation in apply order."""
        out: dict[Principal, ChangeKey] = {}
        for (_, who), key in sorted(self.invitations.items(), key=lambda i: i[1].sort_key()):
            out.setdefault(who, key)
        return out


@dataclass(frozen=True)
class Step:
    """A stage's result: its changes and the handoff, with its own part added."""

    changes: tuple[Change, ...]
    handoff: Handoff


#: A stage is pure: the same inputs and handoff give the same step.
Stage = Callable[[Inputs, Handoff], Step]


def box_object(change: Change) -> str | None:
    """The Box object a change is about, for ``Handoff.revoking``: an assignment or a
    collaboration (of an item or a hub), by id; None for what has no object yet."""
    ids = change.box_ids
    if "assignment_id" in ids:
        return f"assignment:{ids['assignment_id']}"
    if "collaboration_id" in ids:
        return f"{change.kind.value}:{ids['collaboration_id']}"
    return None


def where(origin: Origin | None) -> str | None:
    """A manifest place as the ``origin`` of a change: ``file:line``."""
    return None if origin is None else f"{origin.file}:{origin.line}"


@dataclass(frozen=True)
class Subject:
    """What a change is about, as the planner holds it: one kind of change a delivery asks for
    on a live item, or on one ``file`` below a delivered folder (its review task or an
    assignment on it), for a principal if the kind has one. ``Change.key`` is made of it."""

    kind: Kind
    delivery: Delivery
    item: LiveItem
    principal: Principal | None = None
    file: LiveFile | None = None


@dataclass(frozen=True)
class Extras:
    """What some changes carry beside their payloads, none of it needed by most."""

    origin: str | None = None  # the manifest's "file:line" that asks for the change
    notify: bool | None = None  # whether Box emails the invitee (collaboration adds)
    on_acceptance: bool = False  # runs once the invitation it depends on is accepted
    depends_on: tuple[ChangeKey, ...] = ()
    box_ids: Mapping[str, str] = field(default_factory=dict)
    ledger: bool = False  # the invitation is noted in Box's ledger


#: A change with nothing beside its payloads.
PLAIN = Extras()


def change_on(
    action: Action,
    subject: Subject,
    reason: str,
    *,
    before: Payload | None = None,
    after: Payload | None = None,
    extras: Extras = PLAIN,
) -> Change:
    """The change ``subject`` asks for, with what Box has (``before``), what it sets
    (``after``) and its ``extras``."""
    file = subject.file
    return Change(
        action=action,
        kind=subject.kind,
        delivery=subject.delivery.name,
        item=subject.item.ref,
        item_name=subject.item.name,
        principal=subject.principal,
        reason=reason,
        before=before,
        after=after,
        origin=extras.origin,
        file=None if file is None else file.id,
        file_name="" if file is None else file.path,
        notify=extras.notify,
        on_acceptance=extras.on_acceptance,
        depends_on=extras.depends_on,
        box_ids=dict(extras.box_ids),
        ledger=extras.ledger,
    )
