"""Execute a Plan through the writer: dispatch by (kind, action), in phases, and record everything.

Every executable change ends as applied, failed (with Box's status, code and request id),
skipped (it depended on a change that failed) or waiting (it depended on an invitation that Box
left pending). The plan's own waiting lines are reported as waiting, so every line of the plan
has its outcome. A failed change never stops the others.

The executors themselves (what each change does in Box, and how a write is verified after a
5xx) are in ``reconciler.applying.executors``.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType
from typing import TextIO

from reconciler.applying.executors import EXECUTORS, Context, Waiting
from reconciler.applying.lifecycle import Skipped
from reconciler.applying.report import ApplyReport, ChangeResult, Outcome, waiting_lines
from reconciler.box.reader import BoxReader
from reconciler.box.writer import BoxWriter
from reconciler.errors import BoxError
from reconciler.model import InviteStatus
from reconciler.plan import Change, ChangeKey, Kind, Plan

log = logging.getLogger(__name__)


# --- running a plan ------------------------------------------------------------------------


def _phases(changes: Iterable[Change]) -> list[list[Change]]:
    """Consecutive groups that may run in parallel: the plan's own phases (``Change.phase``)."""
    phases: dict[tuple[int, int], list[Change]] = {}
    for change in changes:
        phases.setdefault(change.phase, []).append(change)
    return [phases[k] for k in sorted(phases)]


def _run_one(
    change: Change, ctx: Context, failed: set[ChangeKey], stop: threading.Event | None = None
) -> ChangeResult:
    if stop is not None and stop.is_set():
        return ChangeResult(change, Outcome.NOT_STARTED, "not started: stopped")
    blocked = [k for k in change.depends_on if k in failed]
    if blocked:
        return ChangeResult(
            change, Outcome.SKIPPED, f"skipped: it depends on {blocked[0]}, which failed"
        )
    run = EXECUTORS.get((change.kind, change.action))
    if run is None:
        return ChangeResult(
            change, Outcome.FAILED, f"reconciler cannot {change.action.value} a {change.kind.value}"
        )
    try:
        outputs = run(change, ctx)
    except Waiting as wait:
        return ChangeResult(change, Outcome.WAITING, str(wait))
    except Skipped as skip:
        return ChangeResult(change, Outcome.SKIPPED, str(skip))
    except BoxError as err:
        return ChangeResult(
            change,
            Outcome.FAILED,
            err.box_message,
            status=err.status,
            code=err.code,
            request_id=err.request_id,
        )
    except Exception as exc:  # a bug must not cost the report of the other changes
        log.debug("internal error applying %s", change.key, exc_info=True)
        return ChangeResult(
            change, Outcome.FAILED, f"internal error: {type(exc).__name__}: {exc} (see -v)"
        )
    outputs = {"kind": change.kind.value, **outputs}
    with ctx.lock:
        ctx.outputs[change.key] = outputs
    detail = "applied"
    if change.kind is Kind.COLLABORATION and outputs.get("status") == InviteStatus.PENDING.value:
        detail = "invited; the invitation is pending until they accept"
    return ChangeResult(change, Outcome.APPLIED, detail, outputs=outputs)


def apply_plan(
    plan: Plan,
    writer: BoxWriter,
    reader: BoxReader,
    *,
    me_id: str = "",
    concurrency: int = 8,
    on_result: Callable[[ChangeResult], None] | None = None,
    stop: threading.Event | None = None,
) -> ApplyReport:
    """Run every executable change of the plan; return what happened to each.

    ``me_id`` is the reconciler's own Box user: tasks it finds again must have been created by it.
    ``stop``, once set, is a request to end: each change checks it before it starts, so the
    changes under way finish and every later one is reported as not started. Nothing is
    raised into running code. (Ctrl-C in a command, as ``KeyboardInterrupt``, ends the same way.)

    Seven parameters: the plan and Box's two sides, then four keyword-only options with
    defaults, each used by one caller or another (the session, the CLI's journal, tests).
    """
    ctx = Context(writer=writer, reader=reader, me_id=me_id)
    report = ApplyReport()
    failed: set[ChangeKey] = set()

    def record(result: ChangeResult) -> None:
        if result.outcome in (Outcome.FAILED, Outcome.SKIPPED):
            failed.add(result.change.key)
        report.results.append(result)
        if on_result is not None:
            on_result(result)

    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="box-apply")
    phases = _phases(plan.executable())
    current = 0  # the phase under way
    futures: list[Future[ChangeResult]] = []  # what of it was submitted, in order
    try:
        for current, phase in enumerate(phases):  # noqa: B007 - read after an interruption
            futures = []  # filled one by one: an interruption may come between two submits
            for change in phase:
                futures.append(pool.submit(_run_one, change, ctx, failed, stop))
            for future in futures:
                record(future.result())
    except KeyboardInterrupt:
        # Changes under way finish (a write cut off half way is what we must not leave);
        # queued ones are cancelled, and the report says exactly which.
        with _further_interrupts_held():
            log.warning("Interrupted: finishing the changes under way, then reporting.")
            pool.shutdown(wait=True, cancel_futures=True)
            report.interrupted = True
            already = len(report.results) - sum(len(p) for p in phases[:current])
            for result in _after_interruption(phases, current, futures, already):
                record(result)
    finally:
        pool.shutdown(wait=True)
    if report.of(Outcome.NOT_STARTED):
        report.interrupted = True
    report.results.extend(waiting_lines(plan))
    return report


def _after_interruption(
    phases: list[list[Change]],
    current: int,
    futures: list[Future[ChangeResult]],
    recorded: int,
) -> Iterator[ChangeResult]:
    """What became of each change not yet recorded: done in the phase under way, or not started.
    ``recorded`` changes of the current phase were reported before the interruption."""
    for index, change in enumerate(phases[current] if phases else ()):
        if index < recorded:
            continue
        started = futures[index] if index < len(futures) else None
        if started is not None and started.done() and not started.cancelled():
            yield started.result()
        else:
            yield ChangeResult(change, Outcome.NOT_STARTED, "not started: interrupted")
    for phase in phases[current + 1 :]:
        for change in phase:
            yield ChangeResult(change, Outcome.NOT_STARTED, "not started: interrupted")


@contextmanager
def _further_interrupts_held() -> Iterator[None]:
    """A second Ctrl-C while the changes under way finish is noted, not raised: raising would
    cut the wait short and lose the report of what was done (and its exit code, 130)."""
    undo = hold_interrupts()
    try:
        yield
    finally:
        if undo is not None:
            undo()


def hold_interrupts() -> Callable[[], None] | None:
    """From now on a Ctrl-C is logged, not raised; returns how to undo that (None off the main
    thread, which alone may set signal handlers and is the one Ctrl-C reaches)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def noted(signum: int, frame: FrameType | None) -> None:
        log.warning("Interrupted again: finishing what is under way, then reporting.")

    previous = signal.signal(signal.SIGINT, noted)

    def undo() -> None:
        signal.signal(signal.SIGINT, previous)

    return undo


class Journal:
    """``--journal FILE``: one JSON line per change, appended as each one finishes."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> Journal:
        return cls(path.open("a", encoding="utf-8"))

    def record(self, result: ChangeResult) -> None:
        line = {"time": datetime.now(timezone.utc).isoformat(), **result.to_dict()}
        with self.lock:
            self.stream.write(json.dumps(line, sort_keys=True) + "\n")
            self.stream.flush()

    def close(self) -> None:
        self.stream.close()
