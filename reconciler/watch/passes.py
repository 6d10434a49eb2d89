"""One pass of the watcher over some deliveries (or all): read, plan, apply within the safety
limits, and turn what the read showed into notices. Also the review poll, which reads only the
tasks of files whose reviews are still open.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from reconciler import status, workflow
from reconciler.applier import ApplyReport
from reconciler.errors import ReconcilerError, UnsafePlan
from reconciler.model import DesiredState, LiveFile, LiveState
from reconciler.notify.feedback import with_client_comments
from reconciler.notify.notices import Notice, notices
from reconciler.plan import Plan
from reconciler.watch.index import subset

log = logging.getLogger(__name__)


@dataclass
class PassResult:
    deliveries: tuple[str, ...]
    plan: Plan
    report: ApplyReport
    live: LiveState
    notices: list[Notice] = field(default_factory=list)
    refused: str | None = None  # why removals were held back (the safety limits)


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def without_pruning(desired: workflow.Desired) -> workflow.Desired:
    """The same deliveries, additive: every removal a plan makes comes from ``prune: true``."""
    state = DesiredState(tuple(replace(d, prune=False) for d in desired.state.deliveries))
    return workflow.Desired(state, desired.policy, desired.files)


def _apply(
    plan: Plan, desired: workflow.Desired, connection: workflow.Connection, live: LiveState
) -> ApplyReport:
    """The library's apply, which itself refuses removals above the safety limits."""
    if not plan.has_changes:
        return ApplyReport()
    return workflow.apply(plan, desired, connection, live)


def reconcile(
    desired: workflow.Desired,
    connection: workflow.Connection,
    names: Iterable[str] | None = None,
    *,
    applying: threading.Event | None = None,
) -> PassResult:
    """Read, plan and apply the deliveries ``names`` (all when None) and what they imply.

    ``names`` must be closed under shared items (``DeliveryIndex.touched``): the planner judges
    each item it is given by the deliveries it is given. ``applying`` is set while Box is being
    written to, so a stop request knows it may interrupt (the applier lets changes under way
    finish and reports the rest as not started).
    """
    scope = (
        desired
        if names is None
        else workflow.Desired(subset(desired.state, names), desired.policy, desired.files)
    )
    live = workflow.read(scope, connection)
    plan = workflow.make_plan(scope, live)
    refused: str | None = None
    if applying is not None:
        applying.set()
    try:
        report = _apply(plan, scope, connection, live)
    except UnsafePlan as refusal:
        # A watch never removes above the limits: it holds every removal back, reports why,
        # and carries on with everything else.
        refused = str(refusal)
        additive = without_pruning(scope)
        plan = workflow.make_plan(additive, live)
        report = _apply(plan, additive, connection, live)
    finally:
        if applying is not None:
            applying.clear()
    # Notices come from what was read, never from what apply asked of Box: Box's events about
    # our own writes bring those deliveries back for a read of their own.
    seen = status.report(scope.state, live)
    if names is not None:  # a burst touched these deliveries: a client's comment may be why
        seen = _with_comments(seen, scope, connection, live)
    found = notices(seen, seen_at=now_utc())
    names_done = tuple(sorted(d.name for d in scope.state.deliveries))
    return PassResult(names_done, plan, report, live, found, refused)


def open_reviews(desired: workflow.Desired, live: LiveState) -> set[str]:
    """Ids of files with a review assignment still waiting for some approver."""
    return {
        f.file_id
        for d in status.report(desired.state, live).deliveries
        for c in d.clients
        for f in c.files
        if f.state is status.FileState.TO_REVIEW
    }


def poll_reviews(
    desired: workflow.Desired, connection: workflow.Connection, live: LiveState
) -> tuple[LiveState, list[Notice], int]:
    """Re-read the tasks of files with open reviews only; returns the refreshed state, the
    notices it implies and how many files were read."""
    wanted = open_reviews(desired, live)
    if not wanted:
        return live, [], 0
    reader = connection.reader
    ordered = sorted(wanted)
    with ThreadPoolExecutor(max(1, desired.policy.concurrency), "review-poll") as pool:
        fresh = dict(zip(ordered, pool.map(reader.file_tasks, ordered), strict=True))

    def refreshed(files: tuple[LiveFile, ...]) -> tuple[LiveFile, ...]:
        return tuple(replace(f, tasks=fresh[f.id]) if f.id in fresh else f for f in files)

    updated = LiveState(
        me=live.me,
        items=live.items,
        files={folder: refreshed(files) for folder, files in live.files.items()},
    )
    report = _with_comments(status.report(desired.state, updated), desired, connection, updated)
    found = notices(report, seen_at=now_utc())
    return updated, found, len(wanted)


def _with_comments(
    report: status.StatusReport,
    desired: workflow.Desired,
    connection: workflow.Connection,
    live: LiveState,
) -> status.StatusReport:
    """The clients' comments on the report's files, for comment notices; without them (and
    a warning) when Box would not give them, so a pass never fails for a comment."""
    try:
        return with_client_comments(
            report, desired.state, connection, live, concurrency=desired.policy.concurrency
        )
    except ReconcilerError as err:
        log.warning("could not read the clients' comments (%s); next pass tries again", err)
        return report


#: Box allows an app about this many requests a minute; a review poll taking more than
#: REVIEW_POLL_SHARE of it, on average, is worth a warning.
BOX_REQUESTS_PER_MINUTE = 1000
REVIEW_POLL_SHARE = 0.10


def review_poll_cost(files: int, every_minutes: float) -> str | None:
    """A warning when polling ``files`` task lists every ``every_minutes`` takes more than a
    tenth of Box's request budget; None when it is cheap enough."""
    per_minute = files / every_minutes
    share = per_minute / BOX_REQUESTS_PER_MINUTE
    if share <= REVIEW_POLL_SHARE:
        return None
    return (
        f"the review poll reads {files:,} task lists every {every_minutes:g} minutes: about "
        f"{round(per_minute * 60):,} calls an hour, {share:.0%} of Box's ~"
        f"{BOX_REQUESTS_PER_MINUTE:,} requests a minute. The enterprise stream "
        "(watch.stream_type: admin_logs_streaming) or webhooks (watch --listen) bring decisions "
        "without it; or raise watch.review_poll_minutes"
    )


def merge(old: LiveState | None, new: LiveState) -> LiveState:
    """A snapshot of everything known: what ``new`` read replaces what ``old`` held."""
    if old is None:
        return new
    return LiveState(me=new.me, items={**old.items, **new.items}, files={**old.files, **new.files})
