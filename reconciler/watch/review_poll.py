"""The review poll: where no stream says that a client decided, the tasks of the files with open
reviews are read again, newest first, within a budget of calls (``watch.reviews`` says which
files and when). On the enterprise stream, only the files a hint made urgent are read.

After each pass and each poll it tells the pace which files have open reviews now, and when
each review assignment made after the start was first seen (how fresh a review is where Box
gives no ``assigned_at``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timezone

from reconciler.model import LiveState
from reconciler.render.words import plural
from reconciler.watch import passes
from reconciler.watch.clock import Clock
from reconciler.watch.inputs import Inputs
from reconciler.watch.known import Known
from reconciler.watch.outbox import Outbox
from reconciler.watch.reviews import ReviewPace

log = logging.getLogger(__name__)

#: the review poll says what it reads at most this often (seconds)
REVIEW_LOG_EVERY = 60.0


class ReviewPoll:
    def __init__(self, inputs: Inputs, known: Known, outbox: Outbox, clock: Clock) -> None:
        self._inputs = inputs
        self._known = known
        self._outbox = outbox
        self._clock = clock
        settings = inputs.settings
        self.pace = ReviewPace(
            settings.review_calls_per_minute,
            settings.review_poll_minutes * 60,
            calls_per_read=1 if settings.stream_carries_comments else 2,
        )
        self._warned_behind = 0  # the poll was warned about being this far behind
        self._logged_at = -REVIEW_LOG_EVERY  # when the poll last logged at info
        #: review assignments known since the start, and when each later one was first seen
        self._assignments_known: set[str] | None = None
        self._assignments_appeared: dict[str, datetime] = {}

    def configure(self) -> None:
        """The manifests were loaded again: the budget and the longest wait may have changed."""
        settings = self._inputs.settings
        self.pace.calls_per_minute = settings.review_calls_per_minute
        self.pace.longest_seconds = settings.review_poll_minutes * 60

    def track(self, read_now: Iterable[str] = ()) -> None:
        """Tell the pace which files have open reviews now (after a pass or a poll);
        ``read_now``: files whose tasks the pass just read."""
        live = self._known.live
        if live is None:
            return
        now = datetime.now(timezone.utc)
        self._note_assignments(live, now)
        found = passes.open_reviews(
            self._inputs.desired.state, live, seen=now, appeared=self._assignments_appeared
        )
        self.pace.update(found, read_now=read_now)

    def _note_assignments(self, live: LiveState, now: datetime) -> None:
        """Remember when each review assignment made after the start was first seen (those
        that are gone are forgotten)."""
        ids = {
            a.id
            for files in live.files.values()
            for f in files
            for t in f.tasks
            for a in t.assignments
            if a.id
        }
        if self._assignments_known is None:
            self._assignments_known = ids
            return
        self._assignments_appeared = {
            ident: self._assignments_appeared.get(ident, now)
            for ident in ids - self._assignments_known
        }

    def poll(self) -> None:
        """Read the tasks of the files due: on a stream without decisions, by the pace; on the
        enterprise stream, only those a hint made urgent. The notices found go to the outbox."""
        live, settings = self._known.live, self._inputs.settings
        if live is None or not self.pace.open_files:
            return
        scheduled = not settings.stream_carries_decisions
        due = self.pace.due(scheduled=scheduled)
        if due:
            comments = not settings.stream_carries_comments
            self._known.live, found = passes.poll_reviews(
                self._inputs.session, live, due, comments=comments
            )
            self._log(len(due))
            self.track()
            self._outbox.offer(found)
        behind = self.pace.behind() if scheduled else 0
        if behind > max(self._warned_behind, settings.review_calls_per_minute):
            log.warning(passes.behind_warning(behind, settings.review_calls_per_minute))
            self._warned_behind = behind * 2  # again only if it doubles

    def _log(self, files: int) -> None:
        """A line for people at most once a minute: what the poll reads, against its budget
        (each read in between is at debug level)."""
        now = self._clock.monotonic()
        if now - self._logged_at < REVIEW_LOG_EVERY:
            log.debug("review poll: read the review tasks of %s", plural(files, "file"))
            return
        self._logged_at = now
        log.info(
            "review poll: read %s; %s in the last 10 minutes (budget %g a minute), %s followed",
            plural(files, "file"),
            plural(self.pace.calls_in_last(600), "call"),
            self._inputs.settings.review_calls_per_minute,
            plural(self.pace.open_files, "file"),
        )
