"""The long-running settings of reconcile.yaml: ``watch:``, the ``notify:`` sinks and ``webhooks:``.

The schema has already judged the shapes (with file:line); this builds typed settings from a
valid document and checks what a schema cannot: the sinks' environment variables (in
``notify_config``), and that a webhook address in plain http is a loopback one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from reconciler.errors import ManifestError, Problem
from reconciler.manifest import schema
from reconciler.manifest.config import read_config
from reconciler.manifest.load import Document
from reconciler.manifest.notify_config import (
    LOOPBACK_HOSTS,
    SinkSpec,
    parse_sink,
    sink_problems,
)
from reconciler.model import Origin, WebhookSpec

__all__ = ["Service", "SinkSpec", "WatchSettings", "load_service"]

STREAM_TYPES = ("changes", "all", "admin_logs_streaming", "none")
#: what the watcher acts on: an acceptance, a rejection, a new file, a decision, a comment
DEFAULT_TRIGGERS = (
    "COLLABORATION.ACCEPTED",
    "COLLABORATION.REJECTED",
    "COMMENT.CREATED",
    "FILE.UPLOADED",
    "TASK_ASSIGNMENT.UPDATED",
)


@dataclass(frozen=True)
class WatchSettings:
    stream_type: str = "all"
    resync_minutes: float = 360.0
    review_poll_minutes: float = 15.0
    #: the review poll's budget: at most this many task lists read a minute, on average
    review_calls_per_minute: float = 100.0
    #: seconds between checks that a long-polled stream still delivers
    long_poll_check_seconds: float = 180.0
    coalesce_seconds: float = 2.0
    retention_days: float = 21.0
    manifest_poll_seconds: float = 5.0
    #: the enterprise stream is read this often while a delivery is active ...
    event_poll_seconds: float = 2.0
    #: ... and this often when nobody but the reconciler has acted for ``active_minutes``
    idle_event_poll_seconds: float = 10.0
    active_minutes: float = 30.0
    #: how far ahead of this machine's clock a webhook delivery's timestamp may be
    webhook_clock_skew_seconds: float = 60.0

    @property
    def stream_carries_decisions(self) -> bool:
        """Only the enterprise stream carries TASK_ASSIGNMENT_UPDATE; the others need polling."""
        return self.stream_type == "admin_logs_streaming"

    @property
    def stream_carries_comments(self) -> bool:
        """Whether Box says on the stream (or by webhook, ``COMMENT.CREATED``) that a client
        commented; on the ``changes`` stream it does not, so each pass over a delivery reads
        its comments."""
        return self.stream_type in ("admin_logs_streaming", "none")

    @property
    def follows_stream(self) -> bool:
        return self.stream_type != "none"

    @property
    def streams(self) -> tuple[str, ...]:
        """The streams followed: with the enterprise stream, the account's own ``changes``
        stream too (long polled, it brings acceptances and uploads at once, free while idle)."""
        if not self.follows_stream:
            return ()
        if self.stream_carries_decisions:
            return (self.stream_type, "changes")
        return (self.stream_type,)


@dataclass(frozen=True)
class Service:
    watch: WatchSettings = WatchSettings()
    sinks: tuple[SinkSpec, ...] = ()
    webhooks: WebhookSpec | None = None


def load_service(config_path: str | None, env: Mapping[str, str] | None = None) -> Service:
    """``watch:``, ``notify:`` and ``webhooks:`` from the config (``config.read_config``: the one
    named, or anything called ./reconcile.yaml), the defaults when there is none.

    Raises ManifestError naming FILE:LINE:COL for anything wrong, secrets not set and a config
    that is not a readable file included; ConfigError when a named config does not exist.
    """
    doc = read_config(config_path)
    if doc is None:
        return Service()
    problems = doc.problems + schema.check(doc, "config")
    if problems:
        raise ManifestError(sorted(set(problems)))
    data = doc.data if isinstance(doc.data, dict) else {}
    sinks = tuple(
        parse_sink(doc, index, entry) for index, entry in enumerate(data.get("notify") or [])
    )
    missing = sink_problems(doc, sinks, env if env is not None else os.environ)
    hooks = _webhooks(doc, data.get("webhooks"))
    if isinstance(hooks, Problem):
        missing.append(hooks)
    if missing:
        raise ManifestError(missing)
    spec = hooks if isinstance(hooks, WebhookSpec) else None
    return Service(_watch(data.get("watch") or {}), sinks, spec)


def _webhooks(doc: Document, section: object) -> WebhookSpec | Problem | None:
    """The spec, or a located problem: Box delivers only to https; plain http only to this
    machine (the sandbox)."""
    if not isinstance(section, dict):
        return None
    address = str(section["address"])
    parts = urlsplit(address)
    if parts.scheme != "https" and (parts.hostname or "") not in LOOPBACK_HOSTS:
        return doc.problem(
            doc.position_of(["webhooks", "address"]),
            "webhook-address",
            f"webhooks.address {address!r}: Box delivers only to https:// addresses (on port "
            "443); plain http is for a loopback host only",
        )
    line, column = doc.position_of(["webhooks"])
    triggers = tuple(sorted(str(t) for t in section.get("triggers") or DEFAULT_TRIGGERS))
    return WebhookSpec(address, triggers, str(Origin(doc.file, line, column)))


def _watch(section: dict[str, Any]) -> WatchSettings:
    defaults = WatchSettings()
    return WatchSettings(
        stream_type=str(section.get("stream_type", defaults.stream_type)),
        **{
            key: float(section.get(key, getattr(defaults, key)))
            for key in (
                "resync_minutes",
                "review_poll_minutes",
                "review_calls_per_minute",
                "long_poll_check_seconds",
                "coalesce_seconds",
                "retention_days",
                "manifest_poll_seconds",
                "event_poll_seconds",
                "idle_event_poll_seconds",
                "active_minutes",
                "webhook_clock_skew_seconds",
            )
        },
    )
