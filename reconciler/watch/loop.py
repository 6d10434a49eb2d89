"""The watcher: a full reconcile on start, then hints from Box's event streams (and webhook
deliveries), each burst reconciling only the deliveries it touches; a full resync on a timer,
when a stream loses its place and when the manifests change; open reviews polled where the
stream is silent about them; every notice delivered to every sink once.

``Watcher`` composes the pieces, each in its own module:

- ``inputs``: the manifests and what hangs on them (sinks, index, connection, session), reloaded
  when they change;
- ``feeds`` and ``event_hints``: following the streams, each page of events a hint;
- ``hints``: the queue every source puts its hints on, on an injectable ``clock``;
- ``runner``: the passes, full or targeted, and what they found handed on;
- ``known``: what the watcher knows of Box, merged from every read;
- ``review_poll``: reading the tasks of files with open reviews (``reviews`` paces it);
- ``outbox``: the notices, to every sink once;
- ``declared``: the webhooks declared at each full pass, and what a delivery of one adds;
- ``schedule``: the loop's timers.
"""

from __future__ import annotations

import logging
import threading

from reconciler.doctor import diagnose, log_diagnosis
from reconciler.errors import ReconcilerError
from reconciler.manifest.service import WatchSettings
from reconciler.notify.ledger import Ledger
from reconciler.notify.statedir import StateDir
from reconciler.render.words import plural
from reconciler.watch.clock import SYSTEM, Clock
from reconciler.watch.declared import DeclaredWebhooks
from reconciler.watch.event_hints import EventHints
from reconciler.watch.feeds import Feeds
from reconciler.watch.hints import Batch, HintQueue, with_resync
from reconciler.watch.inputs import Inputs, Sources
from reconciler.watch.known import Known
from reconciler.watch.outbox import Outbox
from reconciler.watch.ownership import check_ownership
from reconciler.watch.review_poll import ReviewPoll
from reconciler.watch.runner import PassRunner
from reconciler.watch.schedule import Schedule

log = logging.getLogger(__name__)


class Watcher:
    def __init__(
        self,
        sources: Sources,
        state: StateDir,
        *,
        stop: threading.Event | None = None,
        clock: Clock = SYSTEM,
    ) -> None:
        self.clock = clock
        self.hints = HintQueue(clock)
        ledger = Ledger(state)
        #: set to stop: the loop ends after the pass under way, whose apply checks it between
        #: changes (the changes under way finish; the rest are left for the next start)
        self._stopping = stop if stop is not None else threading.Event()
        self.inputs = Inputs(sources, self._stopping)
        self.known = Known()
        self.outbox = Outbox(ledger, self.inputs)
        self.reviews = ReviewPoll(self.inputs, self.known, self.outbox, clock)
        self.webhooks = DeclaredWebhooks(self.known)
        self.runner = PassRunner(self.inputs, self.known, self.reviews, self.outbox, self.webhooks)
        events = EventHints(self.inputs, self.known, self.reviews.pace)
        self.feeds = Feeds(self.inputs, state, self.hints, events.read, clock)

    @property
    def settings(self) -> WatchSettings:
        return self.inputs.settings

    def stop(self) -> None:
        """Ask the loop to end after the pass under way (safe from a signal handler: it only
        sets an event and wakes the loop)."""
        self._stopping.set()
        self.hints.close()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def health(self) -> dict[str, object]:
        return {"status": "stopping" if self.stopping else "ok", "passes": self.runner.count}

    def run(self) -> None:
        """The start's full reconcile (with the stream's place taken first), then the loop
        until stopped."""
        if self.stopping:
            log.info("stopped before the start reconcile")
            return
        inputs = self.inputs
        log.info("checking the account (as reconcile doctor does)")
        log_diagnosis(diagnose(inputs.connection, inputs.desired.state, inputs.service), log)
        if not self.settings.follows_stream:
            log.info("following no event stream (watch.stream_type: none)")
            self.runner.full("start")
        else:
            self.feeds.begin()
            self.runner.full("start")
            if self.known.live is not None:
                self.feeds.unowned = check_ownership(self.known.live, inputs.desired, self.settings)
            self.feeds.follow(self._stopping)
        self._loop()

    def _loop(self) -> None:
        settings = self.settings  # the loop's timings stay those it started with
        schedule = Schedule(self.clock, settings)
        while not self.stopping:
            ticking = self.outbox.owed or self.reviews.pace.open_files > 0
            timeout = schedule.timeout(self.feeds.follow_at, ticking=ticking)
            batch = self.hints.take(settings.coalesce_seconds, timeout)
            if self.stopping:
                break
            try:
                self._turn(batch, schedule)
                schedule.retry.reset()
            except ReconcilerError as err:
                wait = schedule.retry.failed()
                log.error("pass failed (%s); full resync in %gs", err, wait)
                schedule.resync.again(wait)
        self.feeds.stop()
        self.outbox.stop()
        log.info("stopped after %s", plural(self.runner.count, "pass"))

    def _turn(self, batch: Batch | None, schedule: Schedule) -> None:
        """One round of the loop: what is due, then the burst of hints taken (if any)."""
        if schedule.manifests.due() and self.inputs.reload():
            self.reviews.configure()
            batch = with_resync(batch, "manifests changed")
        if schedule.resync.passed():
            batch = with_resync(batch, "scheduled resync")
        self.feeds.follow_again_if_due(self._stopping)
        if schedule.long_polls.due():
            self.feeds.check_long_polls()
        if batch is not None:
            self._handle(batch)
            if batch.resync:
                schedule.resync.again()
        if not self.stopping:
            self.reviews.poll()
        self.outbox.deliver()

    def _handle(self, batch: Batch) -> None:
        """A burst of hints: a full pass when one asked for a resync, else a pass over the
        deliveries its items touch; then the streams' place is stored."""
        if batch.resync:
            self.runner.full("; ".join(batch.reasons) or "resync")
            if "stream" in batch.sources:
                self.feeds.ended()
        else:
            self.runner.touched(batch)
        if not self.stopping:
            self.feeds.handled(batch.positions)
