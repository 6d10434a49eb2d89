"""What decisions were announced, per review assignment, so a re-marked decision (approved, then
rejected) is a new notice naming the earlier one, and a file is billable once.

Box keeps no history on an assignment: it holds only its latest resolution. So the memory is
ours, in ``decisions.json`` beside the ledger: per assignment the decision last announced (its
decision, when, and its notice id), and per file the notice that made it billable. A decision
seen for the first time keeps the id ``notices`` gives it (the ids ledgers already hold); one
that differs from the last announced gets an id of its own, derived from that earlier notice's
id, so it can never be swallowed as a repeat and is the same id if read again after a crash.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from reconciler.notify.notices import Notice, decision_subject, notice_id
from reconciler.notify.statedir import StateDir

FILE = "decisions.json"


class History:
    def __init__(self, state: StateDir) -> None:
        self._state = state
        doc = state.read(FILE)
        self.last: dict[str, dict[str, Any]] = dict(doc.get("last") or {})
        self.billed: dict[str, str] = dict(doc.get("billed") or {})  # file id -> notice id
        self._changed = False

    def settle(self, found: Iterable[Notice]) -> list[Notice]:
        """The notices with each decision's id, ``previous`` and ``billable`` made final, and
        the memory brought up to date (``save`` writes it)."""
        return [self._settle(n) if n.kind == "decision" else n for n in found]

    def _settle(self, notice: Notice) -> Notice:
        doc = dict(notice.document)
        subject = decision_subject(doc)
        last = self.last.get(subject)
        ident = notice.id
        if last is not None and (last["decision"], last["at"]) == (doc["decision"], doc["at"]):
            ident = str(last["id"])
            doc["previous"] = last.get("previous")
        elif last is not None:
            ident = notice_id("re-marked", subject, doc["decision"], doc["at"] or "", last["id"])
            doc["previous"] = last["decision"]
        if last is None or ident != last["id"]:
            self.last[subject] = {
                "decision": doc["decision"],
                "at": doc["at"],
                "id": ident,
                "previous": doc["previous"],
            }
            self._changed = True
        file_id = str(doc["file"]["id"])
        billed = self.billed.get(file_id)
        if doc["billable"] and billed is None:
            self.billed[file_id] = ident
            self._changed = True
        doc["billable"] = bool(doc["billable"]) and self.billed.get(file_id) == ident
        doc["id"] = ident
        return replace(notice, id=ident, document=doc)

    def save(self) -> None:
        if self._changed:
            self._state.write(FILE, {"last": self.last, "billed": self.billed})
            self._changed = False
