"""Every notice to every sink, once: offered to the ledger (which remembers what each sink was
sent, in the state directory) and sent by the couriers, each sink from its own thread, so a slow
sink never holds up a pass."""

from __future__ import annotations

import logging

from reconciler.notify.couriers import Couriers
from reconciler.notify.ledger import Ledger
from reconciler.notify.notices import Notice
from reconciler.render.words import plural
from reconciler.watch.inputs import Inputs

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, ledger: Ledger, inputs: Inputs) -> None:
        self.ledger = ledger
        self.couriers = Couriers(ledger)
        self._inputs = inputs  # the sinks, as the manifests last loaded say

    @property
    def owed(self) -> bool:
        """Some notice is not yet sent to some sink."""
        return bool(self.ledger.owed)

    def offer(self, found: list[Notice]) -> None:
        """Notices a pass or a review poll found: the new ones are owed, and sent."""
        added = self.ledger.offer(found, self._inputs.sinks)
        if added:
            log.info("%s", plural(added, "new notice"))
        self.deliver()

    def deliver(self) -> None:
        """Wake the couriers when anything is owed."""
        sinks = self._inputs.sinks
        if sinks and self.ledger.owed:
            self.couriers.deliver(sinks)

    def stop(self) -> None:
        self.couriers.stop()
