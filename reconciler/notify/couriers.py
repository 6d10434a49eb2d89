"""One thread per sink beside the watcher's loop, each draining what the ledger owes its sink.

A receiver that never answers holds only its own thread, for at most its timeouts per try: the
other sinks, the watcher's passes and a stop go on. ``stop`` waits at most ``STOP_WAIT``
seconds for sends under way; whatever was not taken by then stays owed in the ledger and is
sent after the next start (with the same id).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from reconciler.notify.ledger import Ledger
from reconciler.notify.sinks import Sink

log = logging.getLogger(__name__)

#: How long a stop waits for sends under way before leaving them owed.
STOP_WAIT = 5.0
#: A sink owed nothing still looks again this often (an offer wakes it at once).
IDLE_LOOK = 60.0


class Courier:
    def __init__(self, ledger: Ledger, sink: Sink, stopping: threading.Event) -> None:
        self.ledger = ledger
        self.sink = sink  # replaced when the manifests change; picked up at the next send
        self._stopping = stopping
        self._wake = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"notify {sink.name}", daemon=True)

    def nudge(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                wait = self.ledger.drain(self.sink, stopping=self._stopping)
            except Exception:  # a sink's bug must not end its thread silently
                log.exception("notify: %s failed unexpectedly; trying again later", self.sink.name)
                wait = IDLE_LOOK
            self._wake.wait(IDLE_LOOK if wait is None else min(wait, IDLE_LOOK))


class Couriers:
    """The watcher's sinks, each in its own thread; ``deliver`` only wakes them."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._stopping = threading.Event()
        self._running: dict[str, Courier] = {}

    def deliver(self, sinks: Sequence[Sink]) -> None:
        """Make sure each sink has its thread (the sinks may have changed), and wake them."""
        if self._stopping.is_set():
            return
        self.ledger.use(sinks)
        wanted = {s.name: s for s in sinks}
        for name in [n for n in self._running if n not in wanted]:
            self._running.pop(name).nudge()  # it finds nothing owed to it and idles
        for name, sink in wanted.items():
            courier = self._running.get(name)
            if courier is None:
                courier = self._running[name] = Courier(self.ledger, sink, self._stopping)
                courier.thread.start()
            courier.sink = sink
            courier.nudge()

    def stop(self, wait: float = STOP_WAIT) -> bool:
        """Stop every thread, waiting at most ``wait`` seconds in all; True when all ended."""
        self._stopping.set()
        for courier in self._running.values():
            courier.nudge()
        deadline = time.monotonic() + wait
        for courier in self._running.values():
            courier.thread.join(max(0.0, deadline - time.monotonic()))
        busy = [c.sink.name for c in self._running.values() if c.thread.is_alive()]
        if busy:
            log.warning(
                "notify: stopped without waiting longer for %s; what they did not take stays "
                "owed and is sent after the next start",
                ", ".join(busy),
            )
        self.ledger.save()
        return not busy
