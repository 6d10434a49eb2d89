"""The watcher's passes: a full one over every delivery (at start, on a resync), or one over the
deliveries a burst of hints touched, through the same session as ``reconcile apply``; what each
pass found handed on (what Box holds to ``Known``, the files with open reviews to the review
poll, the notices to the outbox) and said in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from reconciler.model import LiveState
from reconciler.render.words import plural
from reconciler.session import Converged, workflow
from reconciler.watch import passes
from reconciler.watch.declared import DeclaredWebhooks
from reconciler.watch.hints import Batch
from reconciler.watch.inputs import Inputs
from reconciler.watch.known import Known
from reconciler.watch.outbox import Outbox
from reconciler.watch.review_poll import ReviewPoll

log = logging.getLogger(__name__)


class PassRunner:
    def __init__(
        self,
        inputs: Inputs,
        known: Known,
        reviews: ReviewPoll,
        outbox: Outbox,
        webhooks: DeclaredWebhooks,
    ) -> None:
        self._inputs = inputs
        self._known = known
        self._reviews = reviews
        self._outbox = outbox
        self._webhooks = webhooks
        self.count = 0  # passes run, full and targeted, for the log and for /healthz

    def full(self, why: str) -> None:
        """Every delivery; then the webhooks of reconcile.yaml declared again."""
        inputs = self._inputs
        log.info(
            "full reconcile (%s): %s", why, plural(len(inputs.desired.state.deliveries), "delivery")
        )
        self._record(passes.reconcile(inputs.session))
        if inputs.service.webhooks is not None:
            self._webhooks.declare(inputs.service.webhooks, inputs.desired, inputs.connection)

    def touched(self, batch: Batch) -> None:
        """The deliveries ``batch``'s items touch (none: no pass)."""
        names = self._inputs.index.touched(batch.items)
        if not names:
            return
        log.info(
            "reconciling %s: touched by %s", ", ".join(sorted(names)), plural(batch.count, "hint")
        )
        comments = batch.comment or not self._inputs.settings.stream_carries_comments
        self._record(passes.reconcile(self._inputs.session, names, comments=comments))

    def _record(self, result: passes.PassResult) -> None:
        self.count += 1
        done = result.done
        self._known.live = passes.merge(self._known.live, done.live)
        log_pass(done)
        self._reviews.track(read_now=files_of(done.live, done.deliveries, self._inputs.desired))
        self._outbox.offer(result.notices)


def log_pass(done: Converged) -> None:
    """What a pass did, for people: its counts, what was left out, failed or refused."""
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
            "reconciled %s: nothing to do, Box matches the manifests; %s waiting for acceptance",
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


def files_of(live: LiveState, names: Iterable[str], desired: workflow.Desired) -> set[str]:
    """Ids of the files below the folders of the deliveries ``names``, as ``live`` has them."""
    wanted = set(names)
    folders = {f for d in desired.state.deliveries if d.name in wanted for f in d.folders}
    return {f.id for folder in folders for f in live.files.get(folder, ())}
