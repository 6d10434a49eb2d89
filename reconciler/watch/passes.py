"""One pass of the watcher over some deliveries (or all), through the library's session, and
what it found as notices. Also the review poll, which reads only the tasks of files whose
reviews are still open.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from reconciler import status
from reconciler.model import DesiredState, LiveFile, LiveState
from reconciler.notify.notices import Notice, notices
from reconciler.session import Converged, Session, scope
from reconciler.watch.reviews import OpenReview

log = logging.getLogger(__name__)


@dataclass
class PassResult:
    done: Converged
    notices: list[Notice] = field(default_factory=list)


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def reconcile(session: Session, names: Iterable[str] | None = None) -> PassResult:
    """Converge the deliveries ``names`` (all when None; closed under shared items), and the
    notices that Box, as it stands after the pass, shows."""
    done = session.converge(names)
    # Notices come from what was read (and the reviews the pass itself made, which announce
    # nothing until someone decides), never from what apply asked of Box.
    reviewed = scope(session.desired, done.deliveries).state
    found = notices(status.report(reviewed, done.live), seen_at=now_utc())
    return PassResult(done, found)


def open_reviews(state: DesiredState, live: LiveState, *, seen: datetime) -> list[OpenReview]:
    """Files with a review assignment still waiting for some approver; ``seen`` stands in for
    the assignment time of a review whose task has no readable ``created_at``."""
    waiting = {
        f.file_id
        for d in status.report(state, live).deliveries
        for c in d.clients
        for f in c.files
        if f.state is status.FileState.TO_REVIEW
    }
    files = {f.id: f for folder in live.files.values() for f in folder if f.id in waiting}
    return [_open_review(file_id, files.get(file_id), seen) for file_id in sorted(waiting)]


def _open_review(file_id: str, file: LiveFile | None, seen: datetime) -> OpenReview:
    if file is None:
        return OpenReview(file_id, seen)
    times: list[datetime] = []
    reviewers: set[str] = set()
    for task in file.tasks:
        open_ones = [a for a in task.assignments if a.resolution_state == "incomplete"]
        if not open_ones:
            continue
        reviewers.update(a.assignee_id for a in open_ones if a.assignee_id)
        created = task.created()
        if created is not None:
            times.append(created)
    return OpenReview(file_id, max(times, default=seen), frozenset(reviewers))


def poll_reviews(
    session: Session, live: LiveState, files: Iterable[str]
) -> tuple[LiveState, list[Notice]]:
    """Read the tasks of ``files`` again; returns the refreshed state and the notices of the
    deliveries those files are in."""
    ordered = sorted(set(files))
    if not ordered:
        return live, []
    reader = session.connection.reader
    with ThreadPoolExecutor(max(1, session.desired.policy.concurrency), "review-poll") as pool:
        fresh = dict(zip(ordered, pool.map(reader.file_tasks, ordered), strict=True))

    def refreshed(files: tuple[LiveFile, ...]) -> tuple[LiveFile, ...]:
        return tuple(replace(f, tasks=fresh[f.id]) if f.id in fresh else f for f in files)

    folders = {folder for folder, found in live.files.items() if any(f.id in fresh for f in found)}
    updated = replace(
        live,
        files={
            folder: refreshed(found) if folder in folders else found
            for folder, found in live.files.items()
        },
    )
    touched = DesiredState(
        tuple(d for d in session.desired.state.deliveries if folders & set(d.folders))
    )
    return updated, notices(status.report(touched, updated), seen_at=now_utc())


#: Box allows an app about this many requests a minute (its documented rate limit for most
#: calls); the review poll's default budget is a tenth of it.
BOX_REQUESTS_PER_MINUTE = 1000


def behind_warning(behind: int, calls_per_minute: float) -> str:
    """What to say when more files are due than the review poll's budget reads in time."""
    minutes = behind / max(calls_per_minute, 0.1)
    return (
        f"the review poll is behind: {behind:,} files with open review tasks are due and "
        f"watch.review_calls_per_minute ({calls_per_minute:g}) reads them in about "
        f"{minutes:.0f} minutes, newest review tasks first. The enterprise stream "
        "(watch.stream_type: admin_logs_streaming) or webhooks (watch --listen) bring decisions "
        "without polling; or raise watch.review_calls_per_minute (Box allows an app about "
        f"{BOX_REQUESTS_PER_MINUTE:,} requests a minute in all)"
    )


def merge(old: LiveState | None, new: LiveState) -> LiveState:
    """A snapshot of everything known: what ``new`` read replaces what ``old`` held."""
    if old is None:
        return new
    return replace(
        new,
        items={**old.items, **new.items},
        files={**old.files, **new.files},
        invitations={**old.invitations, **new.invitations},
    )
