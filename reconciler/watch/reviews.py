"""Which files with open reviews to read now: the newest assignments first, within a budget of
calls.

A stream without task assignment updates (``changes``, ``all``, ``none``) never says that a
client decided; only reading the file's tasks does. A decision is likeliest soon after a
review is assigned, so a file assigned minutes ago is read every few seconds, one assigned an
hour ago every ten minutes, and an old open review at least every ``review_poll_minutes``. All
of it within ``review_calls_per_minute`` (a tenth of Box's ~1,000 requests a minute by
default): when more is due than the budget allows, the newest wait least.

A hint that a decision may have been made (an enterprise event whose source names no item the
watcher knows, a webhook about a task) makes the files it could concern due at once.

A client opens a file before deciding on it: Box's web app shows a review task, with its
Approve and Reject buttons, in the Activity sidebar of the file's preview (developer.box.com,
guides/tasks), and Box tells the file's owner that it was opened (``ITEM_PREVIEW``, or
``ITEM_DOWNLOAD``, on the owner's ``all`` stream only: guides/events/user-events/for-user).
A file opened lately is read before every file nobody opened, every ``OPENED_EVERY`` seconds at
first: that is where a decision is coming. Openings are kept per person: when two clients review
one file, the first one's decision says nothing about the second, who may have opened the file
too and still be deciding.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

#: a file assigned just now is read this often (seconds) ...
FRESHEST = 5.0
#: ... and a file assigned ``age`` seconds ago every ``age / AGE_SHARE`` seconds
AGE_SHARE = 6.0
#: a file opened by somebody is read ahead of the others for this long (seconds) ...
OPENED_FOR = 600.0
#: ... and at most this often: a decision made within a minute of opening the file still
#: reaches the sinks within the minute, and fifty clients looking at once stay within the
#: default budget (a file assigned just now is read every FRESHEST seconds)
OPENED_EVERY = 15.0


@dataclass(frozen=True)
class OpenReview:
    """A file whose review a decision may soon change: still open for some approver, or
    decided lately (a reviewer may re-mark a decision)."""

    file_id: str
    #: when its newest open review was assigned (Box's ``assigned_at``, else the task's
    #: ``created_at``) or its latest decision made, or when the watcher first saw it
    since: datetime
    #: the users assigned to review it
    reviewers: frozenset[str] = frozenset()
    #: those of them still to decide
    waiting: frozenset[str] = frozenset()

    def keeps(self, opener: str, opened: datetime) -> bool:
        """Whether ``opener``'s opening of the file may still be followed by their decision:
        they are still to decide, or (a reviewer who decided may re-mark it) nothing newer than
        the opening happened on the file."""
        return opener in self.waiting or self.since <= opened

    def concerns(self, opener: str) -> bool:
        """Whether a decision by ``opener`` could change this review: they are one of its
        reviewers, or its reviewers are not known."""
        return not self.reviewers or opener in self.reviewers


def interval(age_seconds: float, longest_seconds: float) -> float:
    """Seconds between reads of a file whose newest open review is ``age_seconds`` old."""
    return min(longest_seconds, max(FRESHEST, age_seconds / AGE_SHARE))


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class ReviewPace:
    """Keeps, for each file with an open review, when it was last read; hands out the files due
    to be read, newest first, no faster than ``calls_per_minute`` on average (ten seconds'
    worth may be spent at once)."""

    def __init__(
        self,
        calls_per_minute: float,
        longest_seconds: float,
        *,
        calls_per_read: int = 1,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.calls_per_minute = calls_per_minute
        self.longest_seconds = longest_seconds
        #: Box calls one file's read costs (its tasks, and its comments where no stream says
        #: that a client commented)
        self.calls_per_read = calls_per_read
        self._now = now
        self._tokens = self._burst()
        self._refilled = now()
        self._open: dict[str, OpenReview] = {}
        self._last_read: dict[str, datetime] = {}
        self._urgent: set[str] = set()
        #: per file, when each user last opened it (previewed or downloaded it)
        self._opened: dict[str, dict[str, datetime]] = {}
        #: (when, files read) of recent polls, for the calls-per-window figure
        self._spent: list[tuple[datetime, int]] = []
        #: ``hurry`` comes from the event feeds' threads, the rest from the loop
        self._lock = threading.Lock()

    def update(self, reviews: Iterable[OpenReview], *, read_now: Iterable[str] = ()) -> None:
        """The open reviews as the watcher now knows them; ``read_now``: files whose tasks were
        just read (by a pass), which need no read of their own for a while."""
        with self._lock:
            now = self._now()
            self._open = {r.file_id: r for r in reviews}
            for file_id in read_now:
                self._last_read[file_id] = now
            for file_id in self._open:
                self._last_read.setdefault(file_id, now)
            for file_id in list(self._last_read):
                if file_id not in self._open:
                    del self._last_read[file_id]
            self._urgent &= set(self._open)
            # an opening stops counting once its opener's decision came after it
            kept = {
                f: {u: t for u, t in openers.items() if self._open[f].keeps(u, t)}
                for f, openers in self._opened.items()
                if f in self._open
            }
            self._opened = {f: openers for f, openers in kept.items() if openers}

    @property
    def open_files(self) -> int:
        return len(self._open)

    def hurry(self, reviewer: str | None = None) -> int:
        """Make due at once every open file of ``reviewer`` (every open file when None: the
        decision could be anywhere). Returns how many."""
        with self._lock:
            files = {
                r.file_id
                for r in self._open.values()
                if reviewer is None or reviewer in r.reviewers
            }
            if not files and reviewer is not None:
                files = set(self._open)  # an unknown reviewer: anywhere
            self._urgent |= files
            return len(files)

    def opened(self, file_ids: Iterable[str], by: str = "") -> int:
        """User ``by`` opened these files (a preview or a download): their decision on them
        may come within minutes. Returns how many of them have an open review ``by`` is one of
        the reviewers of (or whose reviewers are not known)."""
        with self._lock:
            now = self._now()
            found = [f for f in file_ids if f in self._open and self._open[f].concerns(by)]
            for file_id in found:
                self._opened.setdefault(file_id, {})[by] = now
            return len(found)

    def due(self, *, scheduled: bool = True) -> list[str]:
        """The files to read now: the urgent ones, then (when ``scheduled``) those whose
        interval has passed; files opened lately first, then the newest reviews; as many as
        the budget allows."""
        with self._lock:
            now = self._now()
            self._refill(now)
            first = functools.partial(self._rank, now=now)
            urgent = sorted(self._urgent, key=first)
            waiting = []
            if scheduled:
                waiting = sorted(
                    (
                        f
                        for f, r in self._open.items()
                        if f not in self._urgent and self._is_due(r, now)
                    ),
                    key=first,
                )
            allowed = int(self._tokens // self.calls_per_read)
            chosen = (urgent + waiting)[:allowed]
            self._tokens -= len(chosen) * self.calls_per_read
            for file_id in chosen:
                self._last_read[file_id] = now
                self._urgent.discard(file_id)
            if chosen:
                self._spent.append((now, len(chosen) * self.calls_per_read))
            return chosen

    def behind(self) -> int:
        """How many open files are past their interval and not yet read (the budget binds)."""
        with self._lock:
            now = self._now()
            return sum(1 for r in self._open.values() if self._is_due(r, now))

    def calls_in_last(self, seconds: float) -> int:
        """Box calls the poll made in the last ``seconds``."""
        now = self._now()
        self._spent = [(t, n) for t, n in self._spent if (now - t).total_seconds() <= 3600]
        return sum(n for t, n in self._spent if (now - t).total_seconds() <= seconds)

    def _is_due(self, review: OpenReview, now: datetime) -> bool:
        last = self._last_read.get(review.file_id)
        if last is None:
            return True
        return (now - last).total_seconds() >= self._interval(review, now)

    def _interval(self, review: OpenReview, now: datetime) -> float:
        """Seconds between reads of the file: by its review's age, and no less often than its
        opening asks for when somebody opened it lately."""
        by_age = interval((now - review.since).total_seconds(), self.longest_seconds)
        opened = self._lately_opened(review.file_id, now)
        if opened is None:
            return by_age
        since_opened = (now - opened).total_seconds()
        return min(by_age, max(OPENED_EVERY, interval(since_opened, self.longest_seconds)))

    def _lately_opened(self, file_id: str, now: datetime) -> datetime | None:
        """The latest opening of the file that still counts, if any within ``OPENED_FOR``."""
        opened = max(self._opened.get(file_id, {}).values(), default=None)
        if opened is None or (now - opened).total_seconds() > OPENED_FOR:
            return None
        return opened

    def _rank(self, file_id: str, now: datetime) -> tuple[bool, float, str]:
        """Files opened lately first (the latest first), then the newest reviews first."""
        review = self._open.get(file_id)
        if review is None:
            return (True, 0.0, file_id)
        opened = self._lately_opened(file_id, now)
        if opened is None:
            return (True, -review.since.timestamp(), file_id)
        return (False, -max(review.since, opened).timestamp(), file_id)

    def _refill(self, now: datetime) -> None:
        elapsed = max(0.0, (now - self._refilled).total_seconds())
        self._tokens = min(self._burst(), self._tokens + elapsed * self.calls_per_minute / 60)
        self._refilled = now

    def _burst(self) -> float:
        """The most spent at once: ten seconds of the budget (at least one read)."""
        return max(float(self.calls_per_read), self.calls_per_minute / 6)
