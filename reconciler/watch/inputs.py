"""What the watcher reads from disk and what it makes of it: the manifests and reconcile.yaml,
the sinks, the index of delivered items, the connection to Box and the session every pass goes
through. Looked at again every ``watch.manifest_poll_seconds``: when the files changed and
validate, the new ones replace the old (a connection is kept); when they do not validate, the
last good ones stay.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from reconciler.errors import ManifestError
from reconciler.manifest.service import Service, WatchSettings
from reconciler.notify.sinks import Sink
from reconciler.render.words import plural
from reconciler.session import Session, workflow
from reconciler.watch.index import DeliveryIndex
from reconciler.watch.manifests import fingerprint

log = logging.getLogger(__name__)


@dataclass
class Sources:
    """Where the watcher finds its inputs; a test or a benchmark can point them elsewhere."""

    paths: list[str] | None
    config: str | None
    connect: Callable[[workflow.Desired], workflow.Connection]
    load_service: Callable[[], Service]
    make_sinks: Callable[[Service], list[Sink]]


class Inputs:
    """The manifests as last loaded, and what hangs on them. The pieces of the watcher keep
    this object and read its attributes each time, so a reload reaches them all."""

    def __init__(self, sources: Sources, stop: threading.Event) -> None:
        self.sources = sources
        self._stop = stop  # the session's: its apply checks it between changes
        self.desired = workflow.load(sources.paths, sources.config)
        self.service = sources.load_service()
        self.settings: WatchSettings = self.service.watch
        self.sinks = sources.make_sinks(self.service)
        self.index = DeliveryIndex(self.desired.state)
        self.connection = sources.connect(self.desired)
        self.session = Session(self.desired, self.connection, stop=stop)
        self._fingerprint = fingerprint(sources.paths, sources.config)

    def reload(self) -> bool:
        """Load the manifests again if their files changed; True when new ones were taken."""
        sources = self.sources
        now = fingerprint(sources.paths, sources.config)
        if now == self._fingerprint:
            return False
        self._fingerprint = now
        try:
            desired = workflow.load(sources.paths, sources.config)
            service = sources.load_service()
        except ManifestError as err:
            log.error(
                "the manifests changed but do not validate; keeping the last good ones:\n%s", err
            )
            return False
        self.desired, self.service = desired, service
        self.sinks = sources.make_sinks(service)
        self.index = DeliveryIndex(desired.state)
        self.session = Session(desired, self.connection, stop=self._stop)
        self.settings = service.watch
        log.info("the manifests changed: %s", plural(len(desired.state.deliveries), "delivery"))
        return True
