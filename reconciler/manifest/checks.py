"""Checks beyond the schema: within one manifest, across manifests, and against the policy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from reconciler.errors import Problem
from reconciler.manifest import globs
from reconciler.manifest.build import calendar_date
from reconciler.manifest.load import Document, Mapping, Sequence, printable
from reconciler.manifest.schema import where
from reconciler.model import (
    FILE_ROLES,
    ROLE_RANK,
    Client,
    Delivery,
    ItemKind,
    ItemRef,
    Origin,
    Policy,
    Principal,
)

# Deliberately stricter than RFC 5322: what Box accepts as a login and people actually write.
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_TOP_ROLE = "co-owner"
_SHAPED_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def is_email(text: str) -> bool:
    return bool(_EMAIL.match(text.strip()))


def _problem(where_: Origin | None, code: str, message: str) -> Problem:
    spot = where_ or Origin("?", 1, 1)
    return Problem(spot.file, spot.line, spot.column, code, printable(message))


# --- one manifest, on the written data --------------------------------------------------------


def check_document(doc: Document) -> list[Problem]:
    """Checks that need the exact place of a value inside one manifest."""
    data = doc.data
    if not isinstance(data, Mapping):
        return []
    problems = list(_client_entries(doc, data.get("clients")))
    problems.extend(_dates(doc, [], data))
    clients = data.get("clients")
    for index, entry in enumerate(clients if isinstance(clients, Sequence) else ()):
        if isinstance(entry, Mapping):
            problems.extend(_dates(doc, ["clients", index], entry))
    approval = data.get("approval")
    if isinstance(approval, Mapping):
        for key in ("include", "exclude"):
            problems.extend(_globs(doc, ["approval", key], approval.get(key)))
    return problems


def _client_entries(doc: Document, clients: Any) -> Iterator[Problem]:
    if not isinstance(clients, Sequence):
        return
    for index, entry in enumerate(clients):
        if not isinstance(entry, Mapping):
            continue
        path: list[str | int] = ["clients", index]
        email = entry.get("email")
        if isinstance(email, str) and not is_email(email):
            yield doc.problem(
                doc.position_of([*path, "email"]),
                "invalid-email",
                f"{where([*path, 'email'])}: '{email}' is not an email address",
            )
        if "group" in entry and entry.get("approver") is True:
            yield doc.problem(
                doc.position_of([*path, "approver"]),
                "group-cannot-approve",
                f"{where(path)}: a group cannot be an approver (Box assigns tasks to people); "
                "remove 'approver' or list the people",
            )


def _dates(doc: Document, path: list[str | int], data: Mapping) -> Iterator[Problem]:
    """``expires`` must be a day the calendar has (the schema only checks its shape)."""
    value = data.get("expires")
    if isinstance(value, str) and _SHAPED_DATE.match(value) and calendar_date(value) is None:
        yield doc.problem(
            doc.position_of([*path, "expires"]),
            "invalid-date",
            f"{where([*path, 'expires'])}: '{value}' is not a date (YYYY-MM-DD)",
        )


def _globs(doc: Document, path: list[str | int], patterns: Any) -> Iterator[Problem]:
    if not isinstance(patterns, Sequence):
        return
    for index, glob in enumerate(patterns):
        if not isinstance(glob, str):
            continue
        reason = globs.problem(glob)
        if reason:
            yield doc.problem(
                doc.position_of([*path, index]),
                "glob-never-matches",
                f"{where(path)}: the pattern '{glob}' can never match a file: {reason}",
            )


# --- one manifest, on the built delivery ------------------------------------------------------


def check_delivery(delivery: Delivery, doc: Document) -> list[Problem]:
    """Checks on one delivery as built; ``doc`` tells what was written but left out."""
    data = doc.data if isinstance(doc.data, Mapping) else Mapping()
    problems: list[Problem] = []
    if delivery.files:
        problems.extend(
            _problem(
                c.role_origin,
                "role-not-allowed-on-file",
                f"role '{c.role}' cannot be given on single files (files: "
                f"{', '.join(delivery.files)}); files take {' or '.join(FILE_ROLES)} only",
            )
            for c in delivery.clients
            if c.role not in FILE_ROLES
        )
    problems.extend(_duplicate_clients(delivery))
    written = data.get("clients")
    all_built = isinstance(written, list) and len(written) == len(delivery.clients)
    if delivery.approval and all_built and not delivery.approvers():
        problems.append(
            _problem(
                delivery.approval.origin,
                "approval-without-approvers",
                "approval is set but no client can approve: groups never approve, and every "
                "person has 'approver: false'",
            )
        )
    problems.extend(_emptiness(delivery, data))
    return problems


def _duplicate_clients(delivery: Delivery) -> Iterator[Problem]:
    first: dict[Principal, Client] = {}
    for client in delivery.clients:
        earlier = first.setdefault(client.principal, client)
        if earlier is not client:
            yield _problem(
                client.origin,
                "duplicate-client",
                f"{client.principal} is listed twice in this delivery "
                f"(first at line {earlier.origin.line if earlier.origin else '?'})",
            )


def _emptiness(delivery: Delivery, data: Mapping) -> Iterator[Problem]:
    label = f"delivery '{delivery.name}'" if delivery.name else "this delivery"

    def empty(key: str) -> bool:
        return data.get(key) is None or data.get(key) == []

    if all(empty(key) for key in ("folders", "files", "hubs")):
        yield _problem(
            delivery.origin,
            "empty-delivery",
            f"{label} shares nothing: list folders, files or hubs",
        )
    if data.get("clients") == []:
        yield _problem(
            delivery.origin,
            "empty-delivery",
            f"{label} has no clients: list who gets access",
        )


# --- across manifests -------------------------------------------------------------------------


def check_across(deliveries: list[Delivery]) -> list[Problem]:
    """Unique names, and one role per principal per item across all manifests."""
    problems: list[Problem] = []
    named: dict[str, Delivery] = {}
    for delivery in sorted(deliveries, key=lambda d: d.origin or Origin("", 0, 0)):
        if not delivery.name:
            continue
        earlier = named.setdefault(delivery.name, delivery)
        if earlier is not delivery:
            problems.append(
                _problem(
                    delivery.origin,
                    "duplicate-name",
                    f"the delivery name '{delivery.name}' is already used in {earlier.origin}",
                )
            )
    problems.extend(_conflicting_roles(deliveries))
    return problems


def _conflicting_roles(deliveries: list[Delivery]) -> Iterator[Problem]:
    # (item, principal) -> first (role, where, delivery) seen, in file order.
    first: dict[tuple[ItemRef, Principal], tuple[str, Origin | None, Delivery]] = {}
    grants = sorted(
        (
            (role_origin or Origin("", 0, 0), item, client, role, delivery)
            for delivery in deliveries
            for client in delivery.clients
            for item, role, role_origin in _roles_of(delivery, client)
        ),
        key=lambda g: g[0],
    )
    for spot, item, client, role, delivery in grants:
        key = (item, client.principal)
        role0, spot0, delivery0 = first.setdefault(key, (role, spot, delivery))
        if delivery0 is not delivery and role0 != role:
            yield _problem(
                spot,
                "conflicting-roles",
                f"{client.principal} gets role '{role}' on {item} here, but '{role0}' in "
                f"{spot0} (delivery '{delivery0.name}'); one item has one role per person",
            )


def _roles_of(delivery: Delivery, client: Client) -> Iterator[tuple[ItemRef, str, Origin | None]]:
    for item in delivery.items():
        yield item, client.role, client.role_origin
    for hub in delivery.hubs:
        yield ItemRef(ItemKind.HUB, hub), client.hub_role, client.hub_role_origin or client.origin


# --- policy -----------------------------------------------------------------------------------


def check_policy(delivery: Delivery, policy: Policy, config: str) -> list[Problem]:
    """The repo's rules from reconcile.yaml, applied to one delivery."""
    problems: list[Problem] = []
    allowed = {d.strip().casefold() for d in policy.allowed_domains}
    for client in delivery.clients:
        principal = client.principal
        external = policy.is_external(principal)
        if external and allowed and is_email(principal.key):
            domain = principal.key.rpartition("@")[2]
            if domain not in allowed:
                problems.append(
                    _problem(
                        client.origin,
                        "domain-not-allowed",
                        f"{principal}: the domain '{domain}' is not in policy.allowed_domains "
                        f"of {config} ({', '.join(sorted(allowed))})",
                    )
                )
        problems.extend(_role_limits(delivery, client, policy, config, external))
    return problems


def _role_limits(
    delivery: Delivery, client: Client, policy: Policy, config: str, external: bool
) -> Iterator[Problem]:
    ceiling = policy.max_role_external
    protected = policy.is_protected(client.principal)
    # The most a protected principal can hold here: single files stop at editor.
    top_item_role = max(FILE_ROLES, key=ROLE_RANK.__getitem__) if delivery.files else _TOP_ROLE
    for kind, role, spot, applies, top in (
        ("role", client.role, client.role_origin, bool(delivery.items()), top_item_role),
        (
            "hub_role",
            client.hub_role,
            client.hub_role_origin or client.origin,
            bool(delivery.hubs),
            _TOP_ROLE,
        ),
    ):
        if not applies:
            continue
        if external and ceiling and ROLE_RANK[role] > ROLE_RANK[ceiling]:
            yield _problem(
                spot,
                "role-above-max",
                f"{client.principal} is external and may be given at most '{ceiling}' "
                f"(policy.max_role.external in {config}); found {kind} '{role}'",
            )
        if protected and ROLE_RANK[role] < ROLE_RANK[top]:
            yield _problem(
                spot,
                "protected-principal",
                f"{client.principal} is protected (policy.protected in {config}) and must not "
                f"be given a lower role than '{top}'; found {kind} '{role}' "
                "(remove it from this manifest)",
            )
