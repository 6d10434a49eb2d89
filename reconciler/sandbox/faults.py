"""Injected misbehaviour (latency, errors, rate limits, writes stored but answered with 500)."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox.errors import BadRequest, RateLimited, SandboxError


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

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Faults:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(doc) - known
        if unknown:
            raise BadRequest(f"Unknown fault settings: {', '.join(sorted(unknown))}")
        try:
            faults = cls(**doc)
            for name in ("latency_ms", "error_rate", "fail_after_commit_rate"):
                if float(getattr(faults, name)) < 0:
                    raise ValueError(name)
            if not 0 <= faults.error_rate <= 1 or not 0 <= faults.fail_after_commit_rate <= 1:
                raise ValueError("rates are between 0 and 1")
            if not 400 <= int(faults.error_status) <= 599:
                raise ValueError("error_status is a 4xx or 5xx status")
            if float(faults.retry_after) < 0:
                raise ValueError("retry_after")
            if faults.error_statuses is not None:
                if faults.error_rate:
                    raise ValueError("set error_rate or error_statuses, not both")
                mix = {int(k): float(v) for k, v in dict(faults.error_statuses).items()}
                if any(not 400 <= k <= 599 or v < 0 for k, v in mix.items()):
                    raise ValueError("error_statuses maps 4xx/5xx statuses to rates")
                if sum(mix.values()) > 1:
                    raise ValueError("error_statuses rates add up to at most 1")
        except (TypeError, ValueError) as exc:
            raise BadRequest(f"Invalid fault settings: {exc}") from None
        return faults


class FaultInjector:
    """Draws the injected faults of each request from one seeded generator, in arrival order."""

    def __init__(self) -> None:
        self.settings = Faults()
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
            time.sleep(self.settings.latency_ms / 1000.0)

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
