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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from reconciler import workflow
from reconciler.box.events import (
    ENTERPRISE_ONLY_TYPES,
    ENTERPRISE_TYPES,
    BoxEvent,
    EventFeed,
    current_position,
    folder_ancestors,
)
from reconciler.errors import ManifestError, ReconcilerError
from reconciler.manifest.service import Service
from reconciler.model import ItemKind, ItemRef, LiveState
from reconciler.notify.couriers import Couriers
from reconciler.notify.ledger import Ledger
from reconciler.notify.notices import Notice
from reconciler.notify.sinks import Sink
from reconciler.statedir import StateDir
from reconciler.watch import passes
from reconciler.watch.declared import declare_webhooks
from reconciler.watch.hints import Batch, Hint, HintQueue
from reconciler.watch.index import DeliveryIndex
from reconciler.watch.manifests import fingerprint
from reconciler.watch.pace import Pace
from reconciler.watch.stream import load_place, save_place

log = logging.getLogger(__name__)

#: After a failed pass, wait this long (doubling, up to RETRY_LONGEST) before a full resync.
RETRY_FIRST = 5.0
RETRY_LONGEST = 300.0


@dataclass
class Sources:
    """Where the watcher finds its inputs; a test or a benchmark can point them elsewhere."""

    paths: list[str] | None
    config: str | None
    connect: Callable[[workflow.Desired], workflow.Connection]
    load_service: Callable[[], Service]
    make_sinks: Callable[[Service], list[Sink]]


class Watcher:
    def __init__(self, sources: Sources, state: StateDir) -> None:
        self.sources = sources
        self.state = state
        self.hints = HintQueue()
        self.ledger = Ledger(state)
        self.couriers = Couriers(self.ledger)  # each sink sends from its own thread
        self._stopping = threading.Event()
        #: set while a pass writes to Box: a stop may then interrupt the apply (see cli/watch)
        self.applying = threading.Event()
        self._feeds: list[EventFeed] = []
        #: stream type -> the position after the last burst handled (what stream.json holds)
        self._positions: dict[str, str] = {}
        self.pace = Pace(lambda: self.settings)
        self._warned_review_files = 0  # the review poll's cost was warned about at this size
        self.live: LiveState | None = None
        self.passes = 0  # passes run, full and targeted, for the log and for tests
        self._paths: dict[str, tuple[ItemRef, ...]] = {}  # folder id -> folders above it
        self._stream_ends = 0  # the stream stopped this many times since its last event
        self._follow_at: float | None = None  # when to follow the stream again, after an end
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
        self._fingerprint = fingerprint(self.sources.paths, self.sources.config)

    def stop(self) -> None:
        """Ask the loop to end after the pass under way (safe from a signal handler)."""
        self._stopping.set()
        self.hints.close()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    # -- the loop --

    def run(self) -> None:
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
                    place.saved_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
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
                "the %s stream carries no task assignment updates: polling the files with open "
                "reviews every %g minutes",
                settings.stream_type,
                settings.review_poll_minutes,
            )
        self._full("start")
        self._follow()
        self._loop()

    def _positions_now(self) -> dict[str, str]:
        client = self.connection.client
        return {stream: current_position(client, stream) for stream in self.settings.streams}

    def _follow(self) -> None:
        if self.stopping:
            return
        both = len(self.settings.streams) > 1
        for stream, position in self._positions.items():
            feed = EventFeed(
                self.connection.client,
                stream,
                position,
                interval=self.pace.interval,
                # Beside the changes stream, only what it does not carry: no event twice.
                event_types=ENTERPRISE_ONLY_TYPES if both else ENTERPRISE_TYPES,
            )
            feed.start(functools.partial(self._on_events, stream), self._on_end)
            self._feeds.append(feed)

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
            if event.by_someone_else(me) and self.index.declaring(refs) and self.pace.acted():
                for feed in self._feeds:
                    feed.nudge()  # a decision may follow: read the enterprise stream now
            found.extend(refs)
        position = events[-1].position if events else None
        self.hints.put(
            Hint.about(
                found, source="events", stream=stream, position=position, whole_page=whole_page
            )
        )

    def _above(self, items: tuple[ItemRef, ...]) -> tuple[ItemRef, ...]:
        """Folders above the event's folders, for a file deep inside a delivered folder whose
        event names only its direct parent; read once per folder and kept."""
        found: list[ItemRef] = []
        for ref in items:
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
        next_poll = clock() + settings.review_poll_minutes * 60
        next_check = clock() + settings.manifest_poll_seconds
        retry_wait = RETRY_FIRST
        while not self.stopping:
            wake = min(next_resync, next_poll, next_check, self._follow_at or next_resync)
            if self.ledger.owed:
                wake = min(wake, clock() + 1.0)
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
                if batch is not None:
                    self._handle(batch)
                    if batch.resync:
                        next_resync = clock() + settings.resync_minutes * 60
                if clock() >= next_poll and not settings.stream_carries_decisions:
                    self._poll_reviews()
                    next_poll = clock() + settings.review_poll_minutes * 60
                self._deliver()
                retry_wait = RETRY_FIRST
            except ReconcilerError as err:
                log.error("pass failed (%s); full resync in %gs", err, retry_wait)
                next_resync = clock() + retry_wait
                retry_wait = min(retry_wait * 2, RETRY_LONGEST)
        self._stop_feeds()
        self.couriers.stop()
        log.info("stopped after %d passes", self.passes)

    # -- what a burst of hints does --

    def _handle(self, batch: Batch) -> None:
        if batch.resync:
            self._full("; ".join(batch.reasons) or "resync")
            if "stream" in batch.sources:
                # Follow again from now (the full read covered the gap), later each time the
                # stream keeps stopping, so a refusing Box is not hammered with full reads.
                wait = min(RETRY_FIRST * 2**self._stream_ends, RETRY_LONGEST)
                self._stream_ends += 1
                self._follow_at = time.monotonic() + wait
                log.warning("following the event stream again in %gs", wait)
        else:
            names = self.index.touched(batch.items)
            if names:
                log.info(
                    "%d hints touch %d deliveries: %s",
                    batch.count,
                    len(names),
                    ", ".join(sorted(names)),
                )
                self._record(
                    passes.reconcile(self.desired, self.connection, names, applying=self.applying)
                )
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
        log.info("full reconcile (%s): %d deliveries", why, len(self.desired.state.deliveries))
        self._record(passes.reconcile(self.desired, self.connection, applying=self.applying))
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
        self.live = passes.merge(self.live, result.live)
        counts = result.report.counts()
        log.info(
            "reconciled %s: %d applied, %d failed, %d waiting",
            ", ".join(result.deliveries) or "nothing",
            counts["applied"],
            counts["failed"],
            result.plan.waiting,
        )
        if result.report.interrupted:
            log.warning(
                "stopped while applying: the changes under way finished; %d were not started "
                "(the next start carries on)",
                result.report.counts()["not_started"],
            )
        for failed in result.report.failed:
            log.warning("failed: %s: %s", failed.change.describe(), failed.detail)
        if result.refused:
            log.warning("refused removals (the rest was applied): %s", result.refused)
        self._offer(result.notices)

    def _poll_reviews(self) -> None:
        if self.live is None:
            return
        self.live, found, files = passes.poll_reviews(self.desired, self.connection, self.live)
        if files:
            log.info("review poll: read the tasks of %d files with open reviews", files)
            costly = passes.review_poll_cost(files, self.settings.review_poll_minutes)
            if costly and files > self._warned_review_files:
                log.warning(costly)
                self._warned_review_files = files * 2  # again only if it doubles
        self._offer(found)

    def _offer(self, found: list[Notice]) -> None:
        added = self.ledger.offer(found, self.sinks)
        if added:
            log.info("%d new notices", added)
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
        log.info("the manifests changed: %d deliveries", len(self.desired.state.deliveries))
        return True
