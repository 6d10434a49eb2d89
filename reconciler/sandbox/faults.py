"""Injected misbehaviour (latency, errors, rate limits, writes stored but answered with 500)."""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeGuard

from reconciler.sandbox.errors import BadRequest, RateLimited, SandboxError, invalid_parameter


@dataclass
class Faults:
    """Injected misbehaviour, set through ``PUT /_sandbox/faults``.

    With ``seed`` set, the same sequence of requests meets the same faults: setting faults
    re-seeds the one generator that injected errors and fail-after-commit draw from, in the
    order requests arrive.
    """

    latency_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    rate_limit_per_minute: int = 0
    fail_after_commit_rate: float = 0.0
    seed: int | None = None
    retry_after: int = 0  # seconds sent in Retry-After on injected 429/503
    #: several error statuses at once, each with its own rate, e.g. {"500": 0.1, "429": 0.1};
    #: instead of error_rate and error_status
    error_statuses: dict[str, float] | None = None
    #: only requests whose path contains one of these meet the faults (e.g. ["/comments"]);
    #: every request when unset
    paths: list[str] | None = None

    def applies_to(self, path: str) -> bool:
        """Whether a request for ``path`` meets these faults."""
        return self.paths is None or any(part in path for part in self.paths)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Faults:
        """Checked field by field: a bad value is a 400 naming the field, never a later 500."""
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(doc) - known
        if unknown:
            raise BadRequest(f"Unknown fault settings: {', '.join(sorted(unknown))}")
        for name, value in doc.items():
            problem = _FIELD_CHECKS[name](value)
            if problem:
                raise BadRequest(
                    f"Invalid fault setting '{name}': {problem}",
                    context_info=invalid_parameter(name, value, problem),
                )
        faults = cls(**doc)
        if faults.error_statuses is not None and faults.error_rate:
            raise BadRequest("Invalid fault settings: set error_rate or error_statuses, not both")
        return faults


def _number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _integer(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _milliseconds(value: object) -> str | None:
    ok = _number(value) and 0 <= value <= 600_000
    return None if ok else "a number of milliseconds from 0 to 600000"


def _rate(value: object) -> str | None:
    return None if _number(value) and 0 <= value <= 1 else "a number from 0 to 1"


def _status(value: object) -> str | None:
    return None if _integer(value) and 400 <= value <= 599 else "an HTTP status from 400 to 599"


def _count(value: object) -> str | None:
    return None if _integer(value) and value >= 0 else "a whole number, 0 or more"


def _seed(value: object) -> str | None:
    return None if value is None or _integer(value) else "a whole number, or null"


def _paths(value: object) -> str | None:
    if value is None:
        return None
    parts = value if isinstance(value, list) else []
    if parts and all(isinstance(v, str) and v for v in parts):
        return None
    return "a non-empty list of path parts (non-empty strings), or null"


def _mix(value: object) -> str | None:
    if value is None:
        return None
    wanted = "an object of HTTP statuses (400 to 599) to rates from 0 to 1, adding up to 1 at most"
    if not isinstance(value, dict):
        return wanted
    for status, rate in value.items():
        if not str(status).isdigit() or _status(int(status)) or _rate(rate):
            return wanted
    return None if sum(value.values()) <= 1 else wanted


_FIELD_CHECKS: dict[str, Callable[[object], str | None]] = {
    "latency_ms": _milliseconds,
    "error_rate": _rate,
    "error_status": _status,
    "rate_limit_per_minute": _count,
    "fail_after_commit_rate": _rate,
    "seed": _seed,
    "retry_after": _count,
    "error_statuses": _mix,
    "paths": _paths,
}


class FaultInjector:
    """Draws the injected faults of each request from one seeded generator, in arrival order."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = Faults()
        #: how the latency is spent: tests pass their own to see it without waiting for it
        self.sleep = sleep
        self._rng = random.Random()
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()

    def configure(self, settings: Faults) -> None:
        with self._lock:
            self.settings = settings
            self._rng = random.Random(settings.seed)
            self._recent.clear()

    def delay(self) -> None:
        if self.settings.latency_ms > 0:
            self.sleep(self.settings.latency_ms / 1000.0)

    def over_rate_limit(self) -> bool:
        """Counts the request in a sliding minute; True when it is one too many."""
        per_minute = self.settings.rate_limit_per_minute
        if per_minute <= 0:
            return False
        now = time.monotonic()
        with self._lock:
            while self._recent and now - self._recent[0] > 60.0:
                self._recent.popleft()
            if len(self._recent) >= per_minute:
                return True
            self._recent.append(now)
        return False

    def rate_limited(self) -> RateLimited:
        return RateLimited(headers={"Retry-After": str(self.settings.retry_after)})

    def roll_error(self) -> int | None:
        """The status of the error this request meets, or None."""
        settings = self.settings
        mix = {int(k): float(v) for k, v in (settings.error_statuses or {}).items()}
        if not mix:
            return int(settings.error_status) if self._roll(settings.error_rate) else None
        with self._lock:
            draw = self._rng.random()
        for status, rate in sorted(mix.items()):
            if draw < rate:
                return status
            draw -= rate
        return None

    def roll_fail_after_commit(self) -> bool:
        return self._roll(self.settings.fail_after_commit_rate)

    def injected_error(self, status: int) -> SandboxError:
        headers = {"Retry-After": str(self.settings.retry_after)}
        if status == 429:
            return RateLimited(headers=headers)
        unavailable = status == 503
        return SandboxError(
            "Service Unavailable (injected)" if unavailable else "Internal Server Error (injected)",
            status=status,
            code="unavailable" if unavailable else "internal_server_error",
            headers=headers,
        )

    def _roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate
