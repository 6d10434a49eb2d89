"""What a page of Box events asks the watcher to look at: the items the events name, with the
delivered folders above them (an event names a file's direct parent only), as one hint. Events
the reconciler caused itself are passed over (only their position counts).

A decision on a review that names nothing the watcher knows makes the open reviews it could
concern due at once; an event by somebody else in a delivery says a client is active (the
enterprise stream is then read often). A client opening a file (``all`` stream: a preview or a
download) changes nothing to reconcile: the review poll reads that file first for a while,
since a decision on it is likely soon.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from reconciler.box.events import COMMENT_TYPES, OPENED_TYPES, BoxEvent, folder_ancestors
from reconciler.errors import ReconcilerError
from reconciler.model import ItemKind, ItemRef
from reconciler.render.words import plural
from reconciler.watch.hints import Hint
from reconciler.watch.inputs import Inputs
from reconciler.watch.known import Known
from reconciler.watch.reviews import ReviewPace

log = logging.getLogger(__name__)

#: events that may carry a client's decision on a review
DECISION_TYPES = frozenset({"TASK_ASSIGNMENT_UPDATE"})


@dataclass(frozen=True)
class Reading:
    hint: Hint
    #: somebody other than the reconciler acted in a delivery: a decision may follow
    acted: bool


class EventHints:
    """Called from the feeds' threads; keeps, per folder, the folders above it (read once)."""

    def __init__(self, inputs: Inputs, known: Known, reviews: ReviewPace) -> None:
        self._inputs = inputs
        self._known = known
        self._reviews = reviews
        self._paths: dict[str, tuple[ItemRef, ...]] = {}  # folder id -> folders above it

    def read(self, stream: str, events: list[BoxEvent], whole_page: bool) -> Reading:
        """The hint of a page of ``stream``'s events (``whole_page``: read whole by polling)."""
        me = self._known.me()
        found: list[ItemRef] = []
        acted = False
        for event in events:
            log.debug("event %s %s on %s", event.type, event.id, [str(i) for i in event.items])
            if event.echoes(me):
                continue  # only its position is kept
            if event.type in OPENED_TYPES:
                self._opened(event, me)
                continue
            refs = event.items
            if refs and not self._inputs.index.declaring(refs):
                refs = refs + self._above(refs)
            declared = bool(self._inputs.index.declaring(refs))
            if event.type in DECISION_TYPES and not declared:
                # Box's source for a decision is undocumented: when it names nothing the
                # watcher knows, read the open reviews it could concern (the deciding user's,
                # or all), never drop it.
                hurried = self._reviews.hurry(event.created_by_id or None)
                log.info(
                    "a decision named no known item: reading the open review tasks of %s",
                    plural(hurried, "file"),
                )
            acted = acted or (declared and event.by_someone_else(me))
            found.extend(refs)
        hint = Hint.about(
            found,
            source="events",
            stream=stream,
            position=events[-1].position if events else None,
            whole_page=whole_page,
            comment=any(e.type in COMMENT_TYPES for e in events),
        )
        return Reading(hint, acted)

    def _opened(self, event: BoxEvent, me: str) -> None:
        """Somebody opened a file: the review poll reads it ahead of the rest for a while."""
        if not event.by_someone_else(me):
            return
        files = [ref.id for ref in event.items if ref.kind is ItemKind.FILE]
        if self._reviews.opened(files, by=event.created_by_id):
            log.info(
                "user %s opened file %s: reading its review tasks first",
                event.created_by_id,
                files[0],
            )

    def _above(self, items: tuple[ItemRef, ...]) -> tuple[ItemRef, ...]:
        """Folders above the event's folders, for a file deep inside a delivered folder whose
        event names only its direct parent; read once per folder and kept."""
        found: list[ItemRef] = []
        for ref in items:
            if ref.kind is ItemKind.FILE:
                found.extend(self._known.folders_holding({ref.id}))
            if ref.kind is not ItemKind.FOLDER:
                continue
            if ref.id not in self._paths:
                try:
                    client = self._inputs.connection.client
                    self._paths[ref.id] = folder_ancestors(client, ref.id)
                except ReconcilerError as err:
                    log.debug("could not read the path of folder %s: %s", ref.id, err)
                    continue
            found.extend(self._paths[ref.id])
        return tuple(found)
