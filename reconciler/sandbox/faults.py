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

    def roll_error(self) -> bool:
        return self._roll(self.settings.error_rate)

    def roll_fail_after_commit(self) -> bool:
        return self._roll(self.settings.fail_after_commit_rate)

    def injected_error(self) -> SandboxError:
        status = int(self.settings.error_status)
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
