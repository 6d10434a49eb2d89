"""The watcher's loop: a full reconcile on start, then hints from Box's event streams, each
burst reconciling only the deliveries it touches; a full resync on a timer, when a stream
loses its place and when the manifests change; open reviews polled where the stream is silent
about them; every notice delivered to every sink once.

With the enterprise stream, the account's own ``changes`` stream is followed beside it (long
polled: acceptances and uploads at once), and the enterprise stream, which Box offers no long
poll for, is read often only while somebody other than the reconciler has acted lately.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from reconciler.box.events import (
    COMMENT_TYPES,
    ENTERPRISE,
    ENTERPRISE_ONLY_TYPES,
    ENTERPRISE_TYPES,
    BoxEvent,
    EventFeed,
    current_position,
    folder_ancestors,
)
from reconciler.doctor import diagnose, log_diagnosis
from reconciler.errors import ManifestError, ReconcilerError
from reconciler.manifest.service import Service
from reconciler.model import ItemKind, ItemRef, LiveState, backoff, stamp
from reconciler.notify.couriers import Couriers
from reconciler.notify.ledger import Ledger
from reconciler.notify.notices import Notice
from reconciler.notify.sinks import Sink
from reconciler.notify.statedir import StateDir
from reconciler.render.words import plural
from reconciler.session import Session, workflow
from reconciler.watch import passes
from reconciler.watch.declared import declare_webhooks
from reconciler.watch.hints import Batch, Hint, HintQueue
from reconciler.watch.index import DeliveryIndex
from reconciler.watch.longpoll import Health, LongPollHealth
from reconciler.watch.manifests import fingerprint
from reconciler.watch.ownership import check_ownership
from reconciler.watch.pace import Pace
from reconciler.watch.reviews import ReviewPace
from reconciler.watch.stream import load_place, save_place

log = logging.getLogger(__name__)

#: After a failed pass, wait this long (doubling, up to RETRY_LONGEST) before a full resync.
RETRY_FIRST = 5.0
RETRY_LONGEST = 300.0
#: how often the loop looks for reviews due to be read (and notices owed), in seconds
REVIEW_TICK = 1.0
#: the review poll says what it reads at most this often (seconds)
REVIEW_LOG_EVERY = 60.0
#: events that may carry a client's decision on a review
DECISION_TYPES = frozenset({"TASK_ASSIGNMENT_UPDATE"})


@dataclass
class Sources:
    """Where the watcher finds its inputs; a test or a benchmark can point them elsewhere."""

    paths: list[str] | None
    config: str | None
    connect: Callable[[workflow.Desired], workflow.Connection]
    load_service: Callable[[], Service]
    make_sinks: Callable[[Service], list[Sink]]


class Watcher:
    def __init__(
        self, sources: Sources, state: StateDir, *, stop: threading.Event | None = None
    ) -> None:
        self.sources = sources
        self.state = state
        self.hints = HintQueue()
        self.ledger = Ledger(state)
        self.couriers = Couriers(self.ledger)  # each sink sends from its own thread
        #: set to stop: the loop ends after the pass under way, whose apply checks it between
        #: changes (the changes under way finish; the rest are left for the next start)
        self._stopping = stop if stop is not None else threading.Event()
        self._feeds: list[EventFeed] = []
        #: stream type -> the position after the last burst handled (what stream.json holds)
        self._positions: dict[str, str] = {}
        self.pace = Pace(lambda: self.settings)
        self._warned_behind = 0  # the review poll was warned about being this far behind
        self._review_logged_at = -REVIEW_LOG_EVERY  # when the review poll last logged at info
        #: review assignments known since the start, and when each later one was first seen
        #: (how fresh it is where Box gives no ``assigned_at``)
        self._assignments_known: set[str] | None = None
        self._assignments_appeared: dict[str, datetime] = {}
        self.live: LiveState | None = None
        self.passes = 0  # passes run, full and targeted, for the log and for tests
        self._paths: dict[str, tuple[ItemRef, ...]] = {}  # folder id -> folders above it
        self._stream_ends = 0  # the stream stopped this many times since its last event
        self._follow_at: float | None = None  # when to follow the stream again, after an end
        #: delivered items another account owns (their acceptances miss our changes stream)
        self._unowned: tuple[ItemRef, ...] = ()
        self.long_polls = LongPollHealth()
        #: webhook id -> the folder it watches, as the last full pass found them
        self.webhook_targets: dict[str, ItemRef] = {}
        self._load()

    # -- inputs --

    def _load(self) -> None:
        self.desired = workflow.load(self.sources.paths, self.sources.config)
        self.service = self.sources.load_service()
        self.settings = self.service.watch
        self.sinks = self.sources.make_sinks(self.service)
        self.index = DeliveryIndex(self.desired.state)
        self.connection = self.sources.connect(self.desired)
        self.session = Session(self.desired, self.connection, stop=self._stopping)
        self.reviews = ReviewPace(
            self.settings.review_calls_per_minute,
            self.settings.review_poll_minutes * 60,
            calls_per_read=1 if self.settings.stream_carries_comments else 2,
        )
        self._fingerprint = fingerprint(self.sources.paths, self.sources.config)

    def stop(self) -> None:
        """Ask the loop to end after the pass under way (safe from a signal handler: it only
        sets an event and wakes the loop)."""
        self._stopping.set()
        self.hints.close()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    # -- the loop --

    def run(self) -> None:
        if self.stopping:
            log.info("stopped before the start reconcile")
            return
        self._diagnose()
        if not self.settings.follows_stream:
            log.info("following no event stream (watch.stream_type: none)")
            self._full("start")
            self._loop()
            return
        settings = self.settings
        place = load_place(self.state)
        now = datetime.now(timezone.utc)
        retention = timedelta(days=settings.retention_days)
        if place is not None and place.usable(settings.streams, retention, now):
            self._positions = {s: place.positions[s] for s in settings.streams}
            for stream, position in self._positions.items():
                log.info("resuming the %s stream from position %s", stream, position)
        else:
            if place is not None:
                log.info(
                    "the stored position (of %s; saved %s) is older than Box keeps events or "
                    "not of the streams followed: full resync, then following from now",
                    place.describe(),
                    stamp(place.saved_at),
                )
            # Taken before the full read, so nothing that happens during it is missed.
            self._positions = self._positions_now()
            save_place(self.state, self._positions)
        if settings.stream_carries_decisions:
            log.info(
                "reading the enterprise stream every %gs while a client has acted in the last "
                "%g minutes, every %gs otherwise; following the changes stream beside it",
                settings.event_poll_seconds,
                settings.active_minutes,
                settings.idle_event_poll_seconds,
            )
        else:
            log.info(
                "the %s stream carries no decisions on review tasks: polling the files with open "
                "review tasks, newest first, within %g calls a minute (an old open review task "
                "at least every %g minutes)",
                settings.stream_type,
                settings.review_calls_per_minute,
                settings.review_poll_minutes,
            )
        self._full("start")
        if self.live is not None:
            self._unowned = check_ownership(self.live, self.desired, self.settings)
        self._follow()
        self._loop()

    def _diagnose(self) -> None:
        """The doctor's checks of this account, logged once at start (``reconcile doctor``
        prints the same)."""
        log.info("checking the account (as reconcile doctor does)")
        diagnosis = diagnose(self.connection, self.desired.state, self.service)
        log_diagnosis(diagnosis, log)

    def _positions_now(self) -> dict[str, str]:
        client = self.connection.client
        return {stream: current_position(client, stream) for stream in self.settings.streams}

    def _follow(self) -> None:
        if self.stopping:
            return
        for stream, position in self._positions.items():
            self._start_feed(stream, position)

    def _start_feed(self, stream: str, position: str, *, polled: bool = False) -> None:
        both = len(self.settings.streams) > 1
        feed = EventFeed(
            self.connection.client,
            stream,
            position,
            interval=self.pace.interval,
            # Beside the changes stream, only what it does not carry: no event twice.
            # Unless some folder is another account's: its acceptances reach only its
            # owner's changes stream, so the enterprise stream must bring them.
            event_types=ENTERPRISE_ONLY_TYPES if both and not self._unowned else ENTERPRISE_TYPES,
            polled=polled,
        )
        feed.start(functools.partial(self._on_events, stream), self._on_end)
        self._feeds.append(feed)

    def _check_long_polls(self) -> None:
        """Each long-polled stream still delivers; a silent one is read by polling until its
        long-poll server answers again (see ``watch.longpoll``)."""
        for feed in [f for f in self._feeds if f.stream_type != ENTERPRISE]:
            health = self.long_polls.check(feed, self.connection)
            if health is Health.SILENT:
                log.error(
                    "the long poll of the %s stream is silent: Box holds events after position "
                    "%s that it has not brought (%s). Reading the stream every few seconds "
                    "until the long-poll server answers again; allow this host to reach it "
                    "(reconcile doctor names it)",
                    feed.stream_type,
                    feed.position,
                    self.long_polls.reason or "the long-poll server accepts connections",
                )
            elif health is Health.RECOVERED:
                log.info(
                    "long polling the %s stream again: its long-poll server accepts connections",
                    feed.stream_type,
                )
            else:
                continue
            feed.stop()
            self._feeds.remove(feed)
            self._start_feed(feed.stream_type, feed.position, polled=health is Health.SILENT)

    def _on_events(self, stream: str, events: list[BoxEvent], whole_page: bool) -> None:
        self._stream_ends = 0
        me = self.live.me.id if self.live is not None else ""
        found: list[ItemRef] = []
        for event in events:
            log.debug("event %s %s on %s", event.type, event.id, [str(i) for i in event.items])
            if event.echoes(me):
                continue  # only its position is kept
            refs = event.items
            if refs and not self.index.declaring(refs):
                refs = refs + self._above(refs)
            if event.type in DECISION_TYPES and not self.index.declaring(refs):
                # Box's source for a decision is undocumented: when it names nothing the
                # watcher knows, read the open reviews it could concern (the deciding user's,
                # or all), never drop it.
                hurried = self.reviews.hurry(event.created_by_id or None)
                log.info(
                    "a decision named no known item: reading the open review tasks of %s",
                    plural(hurried, "file"),
                )
            if event.by_someone_else(me) and self.index.declaring(refs) and self.pace.acted():
                for feed in self._feeds:
                    feed.nudge()  # a decision may follow: read the enterprise stream now
            found.extend(refs)
        position = events[-1].position if events else None
        self.hints.put(
            Hint.about(
                found,
                source="events",
                stream=stream,
                position=position,
                whole_page=whole_page,
                comment=any(e.type in COMMENT_TYPES for e in events),
            )
        )

    def _above(self, items: tuple[ItemRef, ...]) -> tuple[ItemRef, ...]:
        """Folders above the event's folders, for a file deep inside a delivered folder whose
        event names only its direct parent; read once per folder and kept."""
        found: list[ItemRef] = []
        for ref in items:
            if ref.kind is ItemKind.FILE and self.live is not None:
                found.extend(
                    ItemRef(ItemKind.FOLDER, folder)
                    for folder, files in self.live.files.items()
                    if any(f.id == ref.id for f in files)
                )
            if ref.kind is not ItemKind.FOLDER:
                continue
            if ref.id not in self._paths:
                try:
                    self._paths[ref.id] = folder_ancestors(self.connection.client, ref.id)
                except ReconcilerError as err:
                    log.debug("could not read the path of folder %s: %s", ref.id, err)
                    continue
            found.extend(self._paths[ref.id])
        return tuple(found)

    def _on_end(self, reason: str) -> None:
        self.hints.put(Hint(source="stream", resync=True, reason=f"event stream: {reason}"))

    def _loop(self) -> None:
        clock = time.monotonic
        settings = self.settings
        next_resync = clock() + settings.resync_minutes * 60
        next_check = clock() + settings.manifest_poll_seconds
        next_health = clock() + settings.long_poll_check_seconds
        failures = 0  # passes failed in a row
        while not self.stopping:
            wake = min(next_resync, next_check, next_health, self._follow_at or next_resync)
            if self.ledger.owed or self.reviews.open_files:
                wake = min(wake, clock() + REVIEW_TICK)
            batch = self.hints.take(settings.coalesce_seconds, max(0.0, wake - clock()))
            if self.stopping:
                break
            try:
                if clock() >= next_check:
                    next_check = clock() + settings.manifest_poll_seconds
                    if self._manifests_changed():
                        batch = batch or Batch()
                        batch.resync, batch.reasons = True, [*batch.reasons, "manifests changed"]
                if clock() >= next_resync:
                    batch = batch or Batch()
                    batch.resync, batch.reasons = True, [*batch.reasons, "scheduled resync"]
                if self._follow_at is not None and clock() >= self._follow_at:
                    self._follow_at = clock() + RETRY_FIRST  # again soon, if this fails
                    self._restart_feed()
                    self._follow_at = None
                if clock() >= next_health:
                    next_health = clock() + settings.long_poll_check_seconds
                    self._check_long_polls()
                if batch is not None:
                    self._handle(batch)
                    if batch.resync:
                        next_resync = clock() + settings.resync_minutes * 60
                if not self.stopping:
                    self._poll_reviews()
                self._deliver()
                failures = 0
            except ReconcilerError as err:
                failures += 1
                wait = backoff(failures, first=RETRY_FIRST, longest=RETRY_LONGEST)
                log.error("pass failed (%s); full resync in %gs", err, wait)
                next_resync = clock() + wait
        self._stop_feeds()
        self.couriers.stop()
        log.info("stopped after %s", plural(self.passes, "pass"))

    # -- what a burst of hints does --

    def _handle(self, batch: Batch) -> None:
        if batch.resync:
            self._full("; ".join(batch.reasons) or "resync")
            if "stream" in batch.sources:
                # Follow again from now (the full read covered the gap), later each time the
                # stream keeps stopping, so a refusing Box is not hammered with full reads.
                self._stream_ends += 1
                wait = backoff(self._stream_ends, first=RETRY_FIRST, longest=RETRY_LONGEST)
                self._follow_at = time.monotonic() + wait
                log.warning("following the event stream again in %gs", wait)
        else:
            names = self.index.touched(batch.items)
            if names:
                log.info(
                    "reconciling %s: touched by %s",
                    ", ".join(sorted(names)),
                    plural(batch.count, "hint"),
                )
                comments = batch.comment or not self.settings.stream_carries_comments
                self._record(passes.reconcile(self.session, names, comments=comments))
        if batch.positions and not self.stopping:
            self._positions.update(batch.positions)
            save_place(self.state, self._positions)

    def _stop_feeds(self) -> None:
        for feed in self._feeds:
            feed.stop()
        self._feeds = []

    def _restart_feed(self) -> None:
        self._stop_feeds()
        self._positions = self._positions_now()
        save_place(self.state, self._positions)
        self._follow()

    def _full(self, why: str) -> None:
        log.info(
            "full reconcile (%s): %s", why, plural(len(self.desired.state.deliveries), "delivery")
        )
        self._record(passes.reconcile(self.session))
        if self.service.webhooks is not None:
            self._declare_webhooks()

    def _declare_webhooks(self) -> None:
        assert self.service.webhooks is not None
        targets = declare_webhooks(self.service.webhooks, self.desired, self.connection)
        if targets is not None:
            self.webhook_targets = targets

    def webhook_items(
        self, payload: dict[str, object], items: tuple[ItemRef, ...]
    ) -> tuple[ItemRef, ...]:
        """More items for a webhook delivery: the folder its webhook watches, and the delivered
        folder of a file the last read found (a task assignment names only its file)."""
        found: list[ItemRef] = []
        hook = payload.get("webhook")
        target = self.webhook_targets.get(str(hook.get("id"))) if isinstance(hook, dict) else None
        if target is not None:
            found.append(target)
        live = self.live
        wanted = {ref.id for ref in items if ref.kind is ItemKind.FILE}
        if live is not None and wanted:
            found.extend(
                ItemRef(ItemKind.FOLDER, folder)
                for folder, files in live.files.items()
                if any(f.id in wanted for f in files)
            )
        return tuple(found)

    def health(self) -> dict[str, object]:
        return {"status": "stopping" if self.stopping else "ok", "passes": self.passes}

    def _record(self, result: passes.PassResult) -> None:
        self.passes += 1
        done = result.done
        self.live = passes.merge(self.live, done.live)
        counts = done.report.counts()
        if done.plan.has_changes:
            log.info(
                "reconciled %s: changes: %d applied, %d failed, %d waiting for acceptance",
                ", ".join(done.deliveries) or "nothing",
                counts["applied"],
                counts["failed"],
                counts["waiting"],
            )
        else:
            log.info(
                "reconciled %s: nothing to do, Box matches the manifests; %s waiting for "
                "acceptance",
                ", ".join(done.deliveries) or "nothing",
                plural(counts["waiting"], "change"),
            )
        for left in done.left_out:
            for line in left.lines():
                log.error("%s", line)
        if done.report.interrupted:
            log.warning(
                "stopped while applying: the changes under way finished; %s not started "
                "(the next start carries on)",
                plural(counts["not_started"], "change"),
            )
        for failed in done.report.failed:
            log.warning("failed: %s: %s", failed.change.describe(), failed.detail)
        if done.refused:
            log.warning("refused removals (the rest was applied): %s", done.refused)
        self._track_reviews(read_now=_files_of(done.live, done.deliveries, self.desired))
        self._offer(result.notices)

    def _track_reviews(self, read_now: Iterable[str] = ()) -> None:
        """Tell the review pace which files have open reviews now (after a pass or a poll)."""
        if self.live is None:
            return
        now = datetime.now(timezone.utc)
        self._note_assignments(self.live, now)
        found = passes.open_reviews(
            self.desired.state, self.live, seen=now, appeared=self._assignments_appeared
        )
        self.reviews.update(found, read_now=read_now)

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

    def _poll_reviews(self) -> None:
        """Read the tasks of the files due: on a stream without decisions, by the pace; on the
        enterprise stream, only those a hint made urgent."""
        if self.live is None or not self.reviews.open_files:
            return
        scheduled = not self.settings.stream_carries_decisions
        due = self.reviews.due(scheduled=scheduled)
        if due:
            comments = not self.settings.stream_carries_comments
            self.live, found = passes.poll_reviews(self.session, self.live, due, comments=comments)
            self._log_review_poll(len(due))
            self._track_reviews()
            self._offer(found)
        behind = self.reviews.behind() if scheduled else 0
        if behind > max(self._warned_behind, self.settings.review_calls_per_minute):
            log.warning(passes.behind_warning(behind, self.settings.review_calls_per_minute))
            self._warned_behind = behind * 2  # again only if it doubles

    def _log_review_poll(self, files: int) -> None:
        """A line for people at most once a minute: what the review poll reads, against its
        budget (each read in between is at debug level)."""
        now = time.monotonic()
        if now - self._review_logged_at < REVIEW_LOG_EVERY:
            log.debug("review poll: read the review tasks of %s", plural(files, "file"))
            return
        self._review_logged_at = now
        log.info(
            "review poll: read %s; %s in the last 10 minutes (budget %g a minute), %s followed",
            plural(files, "file"),
            plural(self.reviews.calls_in_last(600), "call"),
            self.settings.review_calls_per_minute,
            plural(self.reviews.open_files, "file"),
        )

    def _offer(self, found: list[Notice]) -> None:
        added = self.ledger.offer(found, self.sinks)
        if added:
            log.info("%s", plural(added, "new notice"))
        self._deliver()

    def _deliver(self) -> None:
        if self.sinks and self.ledger.owed:
            self.couriers.deliver(self.sinks)

    def _manifests_changed(self) -> bool:
        now = fingerprint(self.sources.paths, self.sources.config)
        if now == self._fingerprint:
            return False
        self._fingerprint = now
        try:
            self.desired = workflow.load(self.sources.paths, self.sources.config)
            self.service = self.sources.load_service()
        except ManifestError as err:
            log.error(
                "the manifests changed but do not validate; keeping the last good ones:\n%s", err
            )
            return False
        self.sinks = self.sources.make_sinks(self.service)
        self.index = DeliveryIndex(self.desired.state)
        self.session = Session(self.desired, self.connection, stop=self._stopping)
        self.settings = self.service.watch
        self.reviews.calls_per_minute = self.settings.review_calls_per_minute
        self.reviews.longest_seconds = self.settings.review_poll_minutes * 60
        log.info(
            "the manifests changed: %s", plural(len(self.desired.state.deliveries), "delivery")
        )
        return True


def _files_of(live: LiveState, names: Iterable[str], desired: workflow.Desired) -> set[str]:
    """Ids of the files below the folders of the deliveries ``names``, as ``live`` has them."""
    wanted = set(names)
    folders = {f for d in desired.state.deliveries if d.name in wanted for f in d.folders}
    return {f.id for folder in folders for f in live.files.get(folder, ())}
