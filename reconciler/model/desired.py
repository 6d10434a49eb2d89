"""Desired state: what the manifests declare (deliveries, their clients, approval rules and
expiries; the policy; the webhook every delivered folder carries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from reconciler.model.refs import ItemKind, ItemRef, Origin, Principal, PrincipalKind


@dataclass(frozen=True)
class Expiry:
    """When access ends: at the end of a day (``expires``), ``days`` after the invitation, or
    ``never`` (``expires: never``: no end, and an expiry Box set by policy is cleared)."""

    on: date | None = None
    days: int | None = None
    origin: Origin | None = None
    never: bool = False

    def moment(self, invited: datetime | None) -> datetime | None:
        """The ``expires_at`` this asks for; a relative expiry needs the invitation time."""
        if self.never:
            return None
        if self.on is not None:
            return datetime.combine(self.on, time(23, 59, 59), tzinfo=timezone.utc)
        if self.days is not None and invited is not None:
            return invited + timedelta(days=self.days)
        return None

    def words(self) -> str:
        if self.never:
            return "never"
        if self.on is not None:
            return self.on.isoformat()
        return f"{self.days} day{'' if self.days == 1 else 's'} after the invitation"


@dataclass(frozen=True)
class Resending:
    """Chasing invitations: a pending one older than ``after_days`` is sent again, at most
    ``max_resends`` times."""

    after_days: int
    max_resends: int = 2
    origin: Origin | None = None


@dataclass(frozen=True)
class Client:
    principal: Principal
    role: str
    hub_role: str = "viewer"
    approver: bool = True
    origin: Origin | None = None  # where the email, user or group was written
    role_origin: Origin | None = None
    hub_role_origin: Origin | None = None  # None when hub_role was left to its default
    expiry: Expiry | None = None  # the client's own; wins over the delivery's


@dataclass(frozen=True)
class ApprovalRule:
    message: str = "Approve the content?"
    due_in_days: int | None = None
    completion_rule: str = "all_assignees"
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    origin: Origin | None = None


@dataclass(frozen=True)
class Delivery:
    name: str
    file: str
    description: str = ""
    folders: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    hubs: tuple[str, ...] = ()
    clients: tuple[Client, ...] = ()
    approval: ApprovalRule | None = None
    notify: bool = True
    prune: bool = False
    origin: Origin | None = None
    expiry: Expiry | None = None
    invitations: Resending | None = None  # None: reconcile.yaml's, if any
    #: ending the delivery: everything it declared is planned for removal
    revoke: bool = False
    #: where each folder, file and hub id was written, for messages about that item
    item_origins: tuple[tuple[ItemRef, Origin], ...] = field(default=(), compare=False)

    def origin_of(self, ref: ItemRef) -> Origin | None:
        return next((where for item, where in self.item_origins if item == ref), self.origin)

    def items(self) -> tuple[ItemRef, ...]:
        """Folders and files this delivery shares (hubs are memberships, see ``hub_refs``)."""
        return tuple(ItemRef(ItemKind.FOLDER, f) for f in self.folders) + tuple(
            ItemRef(ItemKind.FILE, f) for f in self.files
        )

    def hub_refs(self) -> tuple[ItemRef, ...]:
        return tuple(ItemRef(ItemKind.HUB, h) for h in self.hubs)

    def refs(self) -> tuple[ItemRef, ...]:
        """Every folder, file and hub this delivery names."""
        return self.items() + self.hub_refs()

    def expiry_of(self, client: Client) -> Expiry | None:
        return client.expiry or self.expiry

    def approvers(self) -> tuple[Client, ...]:
        return tuple(
            c for c in self.clients if c.approver and c.principal.kind is not PrincipalKind.GROUP
        )


@dataclass(frozen=True)
class DesiredState:
    deliveries: tuple[Delivery, ...] = ()


@dataclass(frozen=True)
class Policy:
    """Repo-wide settings from ``reconcile.yaml``."""

    allowed_domains: tuple[str, ...] = ()
    internal_domains: tuple[str, ...] = ()  # the enterprise's own people; others are external
    max_role_external: str | None = None
    protected: tuple[str, ...] = ()
    max_removals: int = 20
    max_removal_fraction: float = 0.25
    concurrency: int = 8
    max_requests_per_second: float = 15.0
    invitations: Resending | None = None
    origin: Origin | None = None

    def is_protected(self, principal: Principal) -> bool:
        keys = {p.strip().casefold() for p in self.protected}
        return principal.key.casefold() in keys

    def is_external(self, principal: Principal) -> bool:
        """People given by email outside ``internal_domains``; ids and groups are not judged."""
        if principal.kind is not PrincipalKind.EMAIL:
            return False
        domain = principal.key.rpartition("@")[2]
        return domain not in {d.strip().casefold() for d in self.internal_domains}


@dataclass(frozen=True)
class WebhookSpec:
    """``webhooks:`` of reconcile.yaml: the webhook every delivered folder carries."""

    address: str
    triggers: tuple[str, ...]
    origin: str | None = None  # "file:line" of the section

    def wanted(self) -> dict[str, object]:
        return {"address": self.address, "triggers": sorted(self.triggers)}
