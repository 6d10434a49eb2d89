"""What an apply did, change by change: the outcome of every line of the plan, with Box's status,
code and request id where Box refused. It imports no SDK, so rendering a report stays light."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from reconciler.plan import Action, Change, Plan


class Outcome(str, Enum):
    APPLIED = "applied"
    FAILED = "failed"
    SKIPPED = "skipped"  # depended on a change that failed
    WAITING = "waiting"  # depended on an invitation that is still pending
    NOT_STARTED = "not_started"  # the run was interrupted before it began


@dataclass(frozen=True)
class ChangeResult:
    change: Change
    outcome: Outcome
    detail: str
    status: int | None = None
    code: str | None = None
    request_id: str | None = None
    #: what later changes of the same run may need: user_id, status, task_id, ...
    outputs: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "change": str(self.change.key),
            "action": self.change.action.value,
            "kind": self.change.kind.value,
            "delivery": self.change.delivery,
            "item": {"type": self.change.item.kind.value, "id": self.change.item.id},
            "principal": None if self.change.principal is None else str(self.change.principal),
            "file": self.change.file,
            "outcome": self.outcome.value,
            "detail": self.detail,
            "status": self.status,
            "code": self.code,
            "request_id": self.request_id,
            "box_ids": dict(self.outputs),
        }


@dataclass
class ApplyReport:
    results: list[ChangeResult] = field(default_factory=list)
    #: Ctrl-C stopped the run: changes under way finished, the others are NOT_STARTED
    interrupted: bool = False

    def of(self, outcome: Outcome) -> list[ChangeResult]:
        return [r for r in self.results if r.outcome is outcome]

    @property
    def failed(self) -> list[ChangeResult]:
        return self.of(Outcome.FAILED)

    def counts(self) -> dict[str, int]:
        """Changes per outcome, in the plan's unit (``Change.stands_for``)."""
        return {o.value: sum(r.change.stands_for for r in self.of(o)) for o in Outcome}

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.counts(),
            "interrupted": self.interrupted,
            "results": [r.to_dict() for r in self.results],
        }


def nothing_applied(plan: Plan) -> ApplyReport:
    """The report of a plan with nothing to apply: its waiting lines, so even then the report
    counts what waits for acceptance as the plan does."""
    return ApplyReport(results=waiting_lines(plan))


def waiting_lines(plan: Plan) -> list[ChangeResult]:
    """The plan's own waiting lines, part of the outcome too: the report accounts for every
    line the plan showed, so its counts and the plan's add up."""
    return [
        ChangeResult(change, Outcome.WAITING, change.reason)
        for change in plan.changes
        if change.action is Action.WAIT
    ]
