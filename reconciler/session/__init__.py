"""One library session under every entry point (``plan``, ``apply``, ``status``, ``watch``):
the same reading rule, planning, safety checks and applying, with a stop that is asked for,
never raised into running code.

The reading rule: a delivery that names an item Box does not give (not found, not visible to
the account, refused) is left out of the run and reported at its manifest line, and so is any
delivery sharing an item with it (a shared item is planned with every delivery declaring it,
or not at all, so nobody's clients are pruned from it); every other delivery carries on.

Pipeline (README, "Developing"): manifest → model → box → planning → plan → applying → status →
**session** → notify → doctor → watch → render → forge → cli.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from reconciler.applying import written
from reconciler.applying.report import ApplyReport, ChangeResult
from reconciler.applying.run import apply_plan
from reconciler.errors import UnsafePlan
from reconciler.model import DesiredState, LiveState, stamp
from reconciler.plan import Plan
from reconciler.session import workflow
from reconciler.status.model import StatusReport
from reconciler.status.read import with_client_comments, with_group_names
from reconciler.status.report import report as status_report

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeftOut:
    """A delivery Box did not give every item of, and why (each reason at its manifest line)."""

    delivery: str
    reasons: tuple[str, ...]

    def lines(self) -> list[str]:
        return [f"{why}; delivery {self.delivery} is left out of this run" for why in self.reasons]


@dataclass(frozen=True)
class Reading:
    """What one read of Box gave: the deliveries that can be planned, their live state, and
    the deliveries left out."""

    desired: workflow.Desired
    live: LiveState
    left_out: tuple[LeftOut, ...] = ()


@dataclass
class Converged:
    """One pass of ``Session.converge``: what was planned and applied, and Box as it stands
    after it (with the reviews the pass made, so its own tasks are known at once)."""

    deliveries: tuple[str, ...]
    plan: Plan
    report: ApplyReport
    live: LiveState
    left_out: tuple[LeftOut, ...] = ()
    refused: str | None = None  # why removals were held back (the safety limits)


def scope(desired: workflow.Desired, names: Iterable[str] | None) -> workflow.Desired:
    """The deliveries ``names`` of ``desired`` (all of them when None)."""
    if names is None:
        return desired
    wanted = set(names)
    state = DesiredState(tuple(d for d in desired.state.deliveries if d.name in wanted))
    return replace(desired, state=state)


def without_pruning(desired: workflow.Desired) -> workflow.Desired:
    """The same deliveries, additive: every removal a plan makes comes from ``prune: true``."""
    state = DesiredState(tuple(replace(d, prune=False) for d in desired.state.deliveries))
    return replace(desired, state=state)


class Session:
    """The manifests, a connection to Box, and a stop event every apply checks between
    changes. ``stop.set()`` (from a signal handler, another thread, a test) lets the changes
    under way finish and reports the rest as not started."""

    def __init__(
        self,
        desired: workflow.Desired,
        connection: workflow.Connection,
        *,
        stop: threading.Event | None = None,
    ) -> None:
        self.desired = desired
        self.connection = connection
        self.stop = stop if stop is not None else threading.Event()

    def read(
        self, names: Iterable[str] | None = None, *, on_read: Callable[[], None] | None = None
    ) -> Reading:
        """Read what the deliveries ``names`` (all when None) mention, by the reading rule."""
        wanted = scope(self.desired, names)
        live = workflow.read(wanted, self.connection, on_read=on_read, keep_going=True)
        kept, failed = workflow.readable_part(wanted, live)
        left_out = tuple(LeftOut(name, tuple(why)) for name, why in failed.items())
        return Reading(kept, live, left_out)

    def plan(self, reading: Reading) -> Plan:
        return workflow.make_plan(reading.desired, reading.live)

    def check(self, plan: Plan, reading: Reading, *, force: bool = False) -> None:
        """Raise ``StalePlan`` or (unless ``force``) ``UnsafePlan``; writes nothing."""
        workflow.check_apply(plan, reading.desired, reading.live, force=force)

    def apply(
        self,
        plan: Plan,
        reading: Reading,
        *,
        force: bool = False,
        on_result: Callable[[ChangeResult], None] | None = None,
    ) -> ApplyReport:
        """The changes of ``plan``, after ``check``; stops between changes when asked."""
        self.check(plan, reading, force=force)
        return apply_plan(
            plan,
            self.connection.writer,
            self.connection.reader,
            me_id=reading.live.me.id,
            concurrency=reading.desired.policy.concurrency,
            on_result=on_result,
            stop=self.stop,
        )

    def status(self, reading: Reading, *, since: datetime | None = None) -> StatusReport:
        """Who accepted, and who approved or rejected which files, as ``reading`` shows it
        (the decisions from ``since`` on, when given), with the clients' comments and every
        group by its name: what ``reconcile status`` prints."""
        desired = reading.desired
        result = status_report(desired.state, reading.live)
        if since is not None:
            result = result.since(since)
        result = with_client_comments(
            result,
            desired.state,
            self.connection,
            reading.live,
            concurrency=desired.policy.concurrency,
        )
        return with_group_names(result, self.connection)

    def converge(self, names: Iterable[str] | None = None) -> Converged:
        """Read, plan and apply the deliveries ``names`` (all when None) within the safety
        limits: removals above them are held back and reported, everything else is applied.
        The state handed back includes the review tasks and assignments the pass made (see
        ``reconciler.applying.written``), so what it created is known at once.

        ``names`` must be closed under shared items: the planner judges each item it is given
        by the deliveries it is given."""
        reading = self.read(names)
        plan = self.plan(reading)
        refused: str | None = None
        try:
            report = self.apply(plan, reading)
        except UnsafePlan as refusal:
            refused = str(refusal)
            additive = replace(reading, desired=without_pruning(reading.desired))
            plan = self.plan(additive)
            report = self.apply(plan, additive)
        live = written.fold(reading.live, report, me_id=reading.live.me.id, now=_box_now(reading))
        done = tuple(sorted(d.name for d in reading.desired.state.deliveries))
        return Converged(done, plan, report, live, reading.left_out, refused)


def _box_now(reading: Reading) -> str:
    """Box's time as it wrote the changes (its ``Date`` when read), in Box's format."""
    return stamp(reading.live.read_at or datetime.now(timezone.utc))
