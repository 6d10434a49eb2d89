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
        fresh: set[str] = set()
        settled = [self._settle(n, fresh) if n.kind == "decision" else n for n in found]
        self._bill(settled, fresh)
        return [_billed(n, self.billed) if n.kind == "decision" else n for n in settled]

    def _bill(self, settled: list[Notice], fresh: set[str]) -> None:
        """Give each file not billed yet its bill: the decision ``notices`` chose, when it is
        announced now. When the one it chose was announced before (while the file was not yet
        approved, and tied to the second with the approval that approved it: Box times
        decisions to the second), the bill goes to the file's newest approval announced now,
        so it is announced once and never lost."""
        approvals = [n for n in settled if n.kind == "decision" and _approves(n.document)]
        owed: set[str] = set()
        for notice in approvals:
            file_id = _file(notice)
            if file_id in self.billed or not notice.document["billable"]:
                continue
            if notice.id in fresh:
                self.billed[file_id] = notice.id
                self._changed = True
            else:
                owed.add(file_id)
        for file_id in sorted(owed - set(self.billed)):
            new = [n for n in approvals if _file(n) == file_id and n.id in fresh]
            if new:
                self.billed[file_id] = max(new, key=_when).id
                self._changed = True

    def _settle(self, notice: Notice, fresh: set[str]) -> Notice:
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
            fresh.add(ident)
            self.last[subject] = {
                "decision": doc["decision"],
                "at": doc["at"],
                "id": ident,
                "previous": doc["previous"],
            }
            self._changed = True
        doc["id"] = ident
        return replace(notice, id=ident, document=doc)

    def save(self) -> None:
        if self._changed:
            self._state.write(FILE, {"last": self.last, "billed": self.billed})
            self._changed = False


def _approves(doc: dict[str, Any]) -> bool:
    """An approval of a file whose result is approved: the only kind of decision billed."""
    return bool(doc["decision"] == "approved" and doc["result"] == "approved")


def _file(notice: Notice) -> str:
    return str(notice.document["file"]["id"])


def _when(notice: Notice) -> tuple[str, str]:
    doc = notice.document
    return (doc.get("at") or "", str(doc.get("assignment_id") or ""))


def _billed(notice: Notice, billed: dict[str, str]) -> Notice:
    """``notice`` with ``billable`` true exactly when it is the one its file was billed on."""
    doc = {**notice.document, "billable": billed.get(_file(notice)) == notice.id}
    return replace(notice, document=doc)
