"""One pass of the watcher over some deliveries (or all), through the library's session, and
what it found as notices. Also the review poll, which reads only the tasks of files whose
reviews are still open.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from reconciler.model import DesiredState, LiveFile, LiveState, box_time, now_stamp
from reconciler.notify import feedback
from reconciler.notify.notices import Notice
from reconciler.session import Converged, Session, scope
from reconciler.status import report as status_report
from reconciler.status.model import FileState
from reconciler.watch.reviews import OpenReview

log = logging.getLogger(__name__)


@dataclass
class PassResult:
    done: Converged
    notices: list[Notice] = field(default_factory=list)


def reconcile(
    session: Session, names: Iterable[str] | None = None, *, comments: bool = False
) -> PassResult:
    """Converge the deliveries ``names`` (all when None; closed under shared items), and the
    notices that Box, as it stands after the pass, shows; with ``comments`` (a targeted pass
    only: one call per file), the clients' comments too."""
    done = session.converge(names)
    # Notices come from what was read (and the reviews the pass itself made, which announce
    # nothing until someone decides), never from what apply asked of Box.
    reviewed = scope(session.desired, done.deliveries)
    found = _seen(session, reviewed.state, done.live, comments=comments and names is not None)
    return PassResult(done, found)


def _seen(
    session: Session,
    state: DesiredState,
    live: LiveState,
    *,
    comments: bool,
    files: Iterable[str] | None = None,
) -> list[Notice]:
    """The notices ``live`` shows for ``state``'s deliveries; without the clients' comments
    (and with a warning) when Box would not give them, so a pass never fails for a comment."""
    found = feedback.seen(
        state,
        live,
        session.connection,
        seen_at=now_stamp(),
        comments=comments,
        files=files,
        concurrency=session.desired.policy.concurrency,
    )
    if found.comments_unread is not None:
        log.warning(
            "could not read the clients' comments (%s); the next pass tries again",
            found.comments_unread,
        )
    return found.notices


#: a decision is read again for this long after it was made: Box lets a reviewer re-mark it
#: (approved, rejected, incomplete), and on a stream without assignment updates only a read
#: shows that; older decisions are left to the full resync
RECENT_DECISION = timedelta(days=1)


def open_reviews(
    state: DesiredState,
    live: LiveState,
    *,
    seen: datetime,
    appeared: Mapping[str, datetime] | None = None,
) -> list[OpenReview]:
    """Files the review poll reads: those with a review assignment still waiting for some
    approver, and those decided within ``RECENT_DECISION`` (a decision may be re-marked).
    ``seen`` (now) stands in for the assignment time of a review whose task has no readable
    ``created_at``; ``appeared``, per assignment id, when the watcher first saw it, for an
    assignment Box gives no ``assigned_at``."""
    waiting: set[str] = set()
    decided: dict[str, datetime] = {}
    rows = (
        f for d in status_report.report(state, live).deliveries for c in d.clients for f in c.files
    )
    for f in rows:
        at = box_time(f.resolved_at) if f.decided() else None
        if f.state is FileState.TO_REVIEW:
            waiting.add(f.file_id)
        elif at is not None and seen - at <= RECENT_DECISION:
            decided[f.file_id] = max(at, decided.get(f.file_id, at))
    wanted = waiting | set(decided)
    files = {f.id: f for folder in live.files.values() for f in folder if f.id in wanted}
    found = []
    for file_id in sorted(wanted):
        review = open_review(file_id, files.get(file_id), seen, appeared or {})
        if file_id in decided:
            review = replace(review, since=max(review.since, decided[file_id]))
        found.append(review)
    return found


def open_review(
    file_id: str,
    file: LiveFile | None,
    seen: datetime,
    appeared: Mapping[str, datetime] | None = None,
) -> OpenReview:
    """How fresh ``file``'s open review is (``seen`` when Box says nothing of when), and who
    reviews it."""
    if file is None:
        return OpenReview(file_id, seen)
    times: list[datetime] = []
    reviewers: set[str] = set()
    undecided: set[str] = set()
    for task in file.tasks:
        reviewers.update(a.assignee_id for a in task.assignments if a.assignee_id)
        waiting = [a for a in task.assignments if a.resolution_state == "incomplete"]
        undecided.update(a.assignee_id for a in waiting if a.assignee_id)
        # A client who accepts late is assigned on a task made for the first: the newest
        # assignment says how fresh the review is (when Box gives no assigned_at, when the
        # watcher first saw it); the task's own time when neither is known.
        assigned = [
            t
            for t in (a.assigned() or (appeared or {}).get(a.id) for a in waiting)
            if t is not None
        ]
        created = task.created()
        if assigned:
            times.append(max(assigned))
        elif waiting and created is not None:
            times.append(created)
    return OpenReview(file_id, max(times, default=seen), frozenset(reviewers), frozenset(undecided))


def poll_reviews(
    session: Session, live: LiveState, files: Iterable[str], *, comments: bool = False
) -> tuple[LiveState, list[Notice]]:
    """Read the tasks of ``files`` again (and, with ``comments``, their clients' comments);
    returns the refreshed state and the notices of the deliveries those files are in."""
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
    return updated, _seen(session, touched, updated, comments=comments, files=ordered)


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
