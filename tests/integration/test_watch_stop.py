"""Stopping ``reconcile watch``: a SIGTERM (a supervisor, ``docker stop``) or a Ctrl-C at any
moment ends it with exit 0 once the changes under way finish; a second Ctrl-C, 130.

The SIGTERMs land at random moments (seeded) of the watcher's start pass, from its first
request to Box to a little after its last write, many times over: a stop that lands between
two steps of the apply is as likely in production as one in the middle of a write. They run in
this process (``reconcile``'s own entry point, signalled by a timer thread), so that many of
them fit in a test run.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from reconciler.watch import runner
from tests.integration.conftest import Studio
from tests.integration.watching import HeldAnswers, Watch, configure, wait_until

#: SIGTERMs at random moments of an apply; the acceptance's figure is 100
SIGTERMS = 100
SEED = 18
#: every request to Box takes this long, so the start pass's apply spans many moments
LATENCY_MS = 10
#: the loggers ``reconcile watch`` sets up on each run (taken down again after each, here)
WATCH_LOGGERS = ("reconciler.watch", "reconciler.notify")
#: the logger of the watcher's passes, which says when a pass is done
PASS_LOGGER = runner.log.name


class Traffic:
    """When the watcher's requests are answered by the sandbox: the first, the first write and
    the last write."""

    def __init__(self, studio: Studio) -> None:
        self.box = studio.box
        self.first = threading.Event()
        self.started = self.first_write = self.last_write = 0.0
        self._checker: Callable[..., None] | None = studio.box.response_observer
        studio.box.response_observer = self._observe

    def _observe(self, method: str, rule: str, path: str, status: int, body: Any) -> None:
        if not path.startswith("/_sandbox"):
            now = time.monotonic()
            if not self.first.is_set():
                self.started = now
                self.first.set()
            if method != "GET":
                self.first_write = self.first_write or now
                self.last_write = now
        if self._checker is not None:
            self._checker(method, rule, path, status, body)

    def clear(self) -> None:
        self.first.clear()
        self.started = self.first_write = self.last_write = 0.0


#: set while a watcher runs in this process
WATCHING = threading.Event()


@contextmanager
def signals_kept_for_pytest() -> Iterator[None]:
    """A SIGTERM that reaches this process while a watcher runs but before its handler is in
    place is sent again a moment later; one that comes when no watcher runs is dropped (never
    fatal to the test run). The handlers pytest had come back afterwards."""

    def again(signum: int, _frame: object) -> None:
        if WATCHING.is_set():
            threading.Timer(0.02, os.kill, (os.getpid(), signal.SIGTERM)).start()

    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, again)
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


@contextmanager
def watch_logging_restored() -> Iterator[None]:
    saved = {
        n: (list(logging.getLogger(n).handlers), logging.getLogger(n).propagate)
        for n in WATCH_LOGGERS
    }
    try:
        yield
    finally:
        for name, (handlers, propagate) in saved.items():
            logger = logging.getLogger(name)
            logger.handlers = handlers
            logger.propagate = propagate


def sigterm_after(traffic: Traffic, delay: float) -> threading.Thread:
    """SIGTERM to this process ``delay`` seconds after the watcher's first request to Box."""

    def send() -> None:
        if traffic.first.wait(30):
            time.sleep(delay)
            os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def watch_once(studio: Studio, traffic: Traffic, run: int, delay: float | None) -> tuple[int, str]:
    """One watcher from a fresh Box, stopped by SIGTERM ``delay`` seconds after its first
    request (None: once its start pass has written everything); its exit code and output."""
    studio.control("POST", "reset")
    studio.faults(latency_ms=LATENCY_MS)
    traffic.clear()
    WATCHING.set()
    try:
        with watch_logging_restored(), pass_done_noted() as passed:
            if delay is None:
                sender = threading.Thread(target=stop_when_written, args=(passed,), daemon=True)
                sender.start()
            else:
                sender = sigterm_after(traffic, delay)
            done = studio.cli("watch", "--state-dir", f"state-{run}")
            assert delay is not None or passed.is_set(), f"no pass end was logged:\n{done.text}"
    finally:
        WATCHING.clear()
    sender.join(30)
    return done.code, done.text


def stop_when_written(passes: threading.Event) -> None:
    """SIGTERM once the watcher says its start pass is done (all it wrote is written). Without
    that word in 60 s the SIGTERM goes all the same, so the watcher ends and the test fails on
    what it did not write, never hangs."""
    passes.wait(60)
    os.kill(os.getpid(), signal.SIGTERM)


class PassDone(logging.Handler):
    """Sets ``done`` when the watcher logs the end of a pass ("reconciled ...")."""

    def __init__(self, done: threading.Event) -> None:
        super().__init__(logging.INFO)
        self.done = done

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("reconciled "):
            self.done.set()


@contextmanager
def pass_done_noted() -> Iterator[threading.Event]:
    """An event set when a watcher in this process ends a pass (its loop's own logger, which
    the watcher's log set-up leaves alone)."""
    done = threading.Event()
    logger, handler = logging.getLogger(PASS_LOGGER), PassDone(done)
    logger.addHandler(handler)
    try:
        yield done
    finally:
        logger.removeHandler(handler)


def moment_picker(traffic: Traffic, moments: random.Random) -> Callable[[], float]:
    """Random moments (seconds after the first request) of a start pass like the one
    ``traffic`` saw: a third anywhere from its first request to a little after its last write,
    a third as its apply begins (between the last read and the first write's answer) and a
    third as it ends, where a stop meets the apply's own bookkeeping rather than a write."""
    begins = traffic.first_write - traffic.started - LATENCY_MS / 1000
    ends = traffic.last_write - traffic.started

    def pick() -> float:
        where = moments.randrange(3)
        if where == 0:
            return moments.uniform(0, ends * 1.1)
        if where == 1:
            return max(0.0, moments.uniform(begins - 0.02, begins + 0.005))
        return moments.uniform(ends - 0.005, ends + 0.02)

    return pick


def test_sigterm_at_random_moments_of_an_apply_always_exits_0(studio: Studio) -> None:
    assert threading.current_thread() is threading.main_thread(), "signals need the main thread"
    configure(studio, stream_type="none", review_poll_minutes=600)
    traffic = Traffic(studio)
    failures: list[str] = []
    with signals_kept_for_pytest():
        # Through twice (the first warms up), stopped after the start pass: how long its
        # reads and writes take.
        for run in (-1, 0):
            code, text = watch_once(studio, traffic, run, None)
            assert code == 0, text
        assert traffic.last_write, "the start pass wrote nothing to Box"
        pick = moment_picker(traffic, random.Random(SEED))
        for run in range(1, SIGTERMS + 1):
            delay = pick()
            code, text = watch_once(studio, traffic, run, delay)
            if code != 0 or "Traceback" in text:
                tail = "\n".join(text.splitlines()[-6:])
                failures.append(f"SIGTERM #{run}, {delay:.3f}s in: exit {code}\n{tail}")
    assert not failures, (
        f"{len(failures)} of {SIGTERMS} SIGTERMs at random moments of an apply did not end "
        "with exit 0:\n" + "\n".join(failures)
    )


def test_a_second_ctrl_c_while_the_changes_under_way_finish_exits_130(studio: Studio) -> None:
    configure(studio, stream_type="none", review_poll_minutes=600)
    # The start pass's writes stay under way until both Ctrl-Cs are taken.
    with (
        HeldAnswers(studio, lambda method, _path: method != "GET") as writes,
        Watch(studio) as watch,
    ):
        wait_until(writes.held.is_set, 30, "a write to Box under way", watch)
        watch.process.send_signal(signal.SIGINT)
        watch.wait_for_log("SIGINT: stopping after the pass under way")
        watch.process.send_signal(signal.SIGINT)
        watch.wait_for_log("SIGINT again: still stopping")
        writes.release()
        code = watch.finish()
    assert code == 130, f"a second Ctrl-C ended with {code}:\n{watch.log}"
    assert "Traceback" not in watch.log
    assert "the changes under way finished" in watch.log, watch.log
