"""The doctor's findings as data: one ``Check`` per question asked of Box, with its verdict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

#: the version of ``Diagnosis.to_dict()``; bumped when a key changes meaning
FORMAT_VERSION = 1


#: every check, by id, in the order they are shown
TITLES = {
    "credentials": "Credentials and account",
    "enterprise_stream": "Enterprise event stream",
    "webhooks": "Managing webhooks",
    "ownership": "Ownership of the delivered items",
    "task_listing": "Task listings with and without fields",
    "empty_page": "The enterprise stream's empty page",
    "long_poll": "Long-poll server reachable",
    "clock": "Clock against Box's",
    "webhook_limit": "Webhooks against Box's limit",
    "stream_type": "Recommended watch.stream_type",
}


class Verdict(str, Enum):
    OK = "ok"
    FAIL = "fail"
    UNKNOWN = "unknown"  # Box's answer could not tell, or the check could not run

    @property
    def symbol(self) -> str:
        return {"ok": "✔", "fail": "✘", "unknown": "?"}[self.value]


@dataclass(frozen=True)
class Check:
    """One finding: ``detail`` is a line saying what Box answered; ``fix`` what to do, when the
    verdict is not OK; ``facts`` the raw values behind it, for machines."""

    id: str
    title: str
    verdict: Verdict
    detail: str
    fix: str = ""
    facts: Mapping[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "verdict": self.verdict.value,
            "symbol": self.verdict.symbol,
            "detail": self.detail,
            "fix": self.fix or None,
            "facts": dict(self.facts),
        }


def ok(check: str, detail: str, /, **facts: object) -> Check:
    return Check(check, TITLES[check], Verdict.OK, detail, "", facts)


def fail(check: str, detail: str, fix: str, /, **facts: object) -> Check:
    return Check(check, TITLES[check], Verdict.FAIL, detail, fix, facts)


def unknown(check: str, detail: str, fix: str = "", /, **facts: object) -> Check:
    return Check(check, TITLES[check], Verdict.UNKNOWN, detail, fix, facts)


@dataclass(frozen=True)
class Diagnosis:
    """Every check, in the order they are shown, and the stream type this account suits."""

    checks: tuple[Check, ...]
    configured_stream_type: str
    recommended_stream_type: str | None  # None when the checks could not tell

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.verdict is Verdict.FAIL)

    @property
    def ok(self) -> bool:
        """Nothing failed (unknowns do not fail a run)."""
        return not self.failed

    def check(self, id: str) -> Check:
        return next(c for c in self.checks if c.id == id)

    def to_dict(self) -> dict[str, object]:
        return {
            "version": FORMAT_VERSION,
            "ok": self.ok,
            "configured_stream_type": self.configured_stream_type,
            "recommended_stream_type": self.recommended_stream_type,
            "counts": {v.value: sum(c.verdict is v for c in self.checks) for v in Verdict},
            "checks": [c.to_dict() for c in self.checks],
        }
