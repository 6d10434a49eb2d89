"""Running every check of the doctor against one connection, in the order they are shown."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import chain, islice
from typing import TypeVar

from reconciler.box import probe
from reconciler.box.connection import Connection
from reconciler.doctor import account, items, streams
from reconciler.doctor.checks import TITLES, Check, Diagnosis, Verdict, unknown
from reconciler.errors import BoxError, Forbidden
from reconciler.manifest.service import Service
from reconciler.model import DesiredState, ItemKind, ItemRef

T = TypeVar("T")
#: how many delivered files are asked for their tasks, at most, to find one with a task
MAX_FILES = 200
#: enterprise pages read, at most, to meet an empty one
MAX_PAGES = 3


def diagnose(
    connection: Connection,
    state: DesiredState,
    service: Service,
    *,
    as_user: str | None = None,
    timeout: float = 3.0,
    concurrency: int = 8,
) -> Diagnosis:
    """Every check of the account ``connection`` acts as, for the deliveries of ``state`` and
    the ``watch:`` and ``webhooks:`` of ``service``. Reads Box only; ``timeout`` bounds the
    connection to the long-poll server. Never raises for what Box answers: each refusal is a
    check's verdict."""
    client = connection.client
    configured = service.watch.stream_type
    me = _attempt(lambda: probe.account(client))
    if isinstance(me, BoxError):
        first = account.credentials(me, as_user)
        rest = [unknown(i, "not checked: Box did not answer as this account") for i in TITLES]
        return Diagnosis((first, *rest[1:]), configured, None)
    enterprise = _attempt(lambda: probe.enterprise_page(client))
    hooks = _attempt(lambda: probe.webhook_count(client))
    refs = sorted({ref for d in state.deliveries for ref in d.items()})
    owners, unreadable = _owners(connection, refs, concurrency)
    where = {ref: _where(state, ref) for ref in refs}
    readable = _readable(enterprise)
    url = _attempt(lambda: probe.realtime_url(client))
    why_not = probe.unreachable(url, timeout) if isinstance(url, str) else ""
    sample, looked_at = _task_sample(connection, refs, unreadable)
    checks: list[Check] = [
        account.credentials(me, as_user),
        account.enterprise_stream(
            enterprise if isinstance(enterprise, BoxError) else None, me.role
        ),
        account.webhooks_access(hooks),
        items.ownership(owners, unreadable, me.id, configured, where),
        items.task_listing(sample, looked_at),
        streams.empty_page(_empty_page(connection) if readable else None, readable),
        streams.long_poll(url, why_not, configured),
        account.clock(me.box_time, me.local_time),
        account.webhook_limit(
            hooks, sum(r.kind is ItemKind.FOLDER for r in refs), service.webhooks
        ),
    ]
    fit = streams.Fitness(
        enterprise_readable=readable,
        owns_all=_owns_all(owners, unreadable, me.id),
        long_poll_reachable=None if isinstance(url, BoxError) else not why_not,
        webhooks_manageable=not isinstance(hooks, BoxError),
    )
    check, recommended = streams.stream_type(configured, fit)
    return Diagnosis((*checks, check), configured, recommended)


def _readable(page: probe.StreamPage | BoxError) -> bool | None:
    """Whether the enterprise stream may be read: None when Box's answer did not say."""
    if not isinstance(page, BoxError):
        return True
    return False if isinstance(page, Forbidden) else None


def _attempt(ask: Callable[[], T]) -> T | BoxError:
    try:
        return ask()
    except BoxError as err:
        return err


def _where(state: DesiredState, ref: ItemRef) -> str:
    from reconciler.session.workflow import where_declared

    return where_declared(state, ref)


def _owners(
    connection: Connection, refs: list[ItemRef], concurrency: int
) -> tuple[list[probe.Owner], dict[ItemRef, str]]:
    with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="doctor") as pool:
        found = list(pool.map(lambda r: _attempt(lambda: probe.owner(connection.client, r)), refs))
    owners = [o for o in found if isinstance(o, probe.Owner)]
    unreadable = {
        r: o.describe() for r, o in zip(refs, found, strict=True) if isinstance(o, BoxError)
    }
    return owners, unreadable


def _owns_all(owners: list[probe.Owner], unreadable: dict[ItemRef, str], me_id: str) -> bool | None:
    if any(o.owner_id != me_id for o in owners):
        return False
    return None if unreadable or not owners else True


def _files(
    connection: Connection, refs: list[ItemRef], unreadable: dict[ItemRef, str]
) -> Iterator[tuple[str, str]]:
    """Delivered files first, then the files below delivered folders."""
    readable = [r for r in refs if r not in unreadable]
    direct = ((r.id, "") for r in readable if r.kind is ItemKind.FILE)
    folders = [r.id for r in readable if r.kind is ItemKind.FOLDER]
    return chain(direct, probe.files_below(connection.client, folders))


def _task_sample(
    connection: Connection, refs: list[ItemRef], unreadable: dict[ItemRef, str]
) -> tuple[items.TaskSample | BoxError | None, int]:
    """The first delivered file with a task, listed without and with fields; how many files
    were asked."""
    looked_at = 0
    try:
        for file_id, name in islice(_files(connection, refs, unreadable), MAX_FILES):
            looked_at += 1
            plain = probe.task_listing(connection.client, file_id)
            if not plain:
                continue
            task_id = str(plain[0].get("id") or "")
            full = probe.task_listing(connection.client, file_id, probe.TASK_FIELDS)
            same = next((t for t in full if str(t.get("id")) == task_id), full[0] if full else {})
            return (
                items.TaskSample(file_id, name, task_id, tuple(plain[0]), tuple(same)),
                looked_at,
            )
    except BoxError as err:
        return err, looked_at
    return None, looked_at


def _empty_page(connection: Connection) -> object:
    """The ``next_stream_position`` of an empty enterprise page: the one at ``now`` when it
    carries none or 0, else the next one read from the position ``now`` gave."""
    try:
        page = probe.enterprise_page(connection.client, "now")
        for attempt in range(MAX_PAGES):
            unusable = page.next_position is None or str(page.next_position) == "0"
            if page.events == 0 and (unusable or attempt > 0):
                return streams.MISSING if page.next_position is None else page.next_position
            if unusable:
                return streams.BUSY  # events, and nowhere to go on from
            page = probe.enterprise_page(connection.client, str(page.next_position))
    except BoxError as err:
        return err
    return streams.BUSY


def log_diagnosis(diagnosis: Diagnosis, logger: logging.Logger) -> None:
    """Each check as one log line (✔ info, ? warning, ✘ error, with its fix): how a long-running
    command such as ``reconcile watch`` reports the checks it ran at start."""
    levels = {
        Verdict.OK: logging.INFO,
        Verdict.UNKNOWN: logging.WARNING,
        Verdict.FAIL: logging.ERROR,
    }
    for check in diagnosis.checks:
        fix = f" (fix: {check.fix})" if check.fix and check.verdict is not Verdict.OK else ""
        logger.log(
            levels[check.verdict],
            "%s %s: %s%s",
            check.verdict.symbol,
            check.title,
            check.detail,
            fix,
        )
