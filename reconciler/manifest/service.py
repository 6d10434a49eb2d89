"""The long-running settings of reconcile.yaml: ``watch:``, the ``notify:`` sinks and ``webhooks:``.

The schema has already judged the shapes (with file:line); this builds typed settings from a
valid document and checks what a schema cannot: that each ``secret_env`` is set, and that a
webhook address in plain http is a loopback one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from reconciler.errors import ManifestError, Problem
from reconciler.manifest import schema
from reconciler.manifest.load import CONFIG_FILE_NAME, Document, read
from reconciler.model import Origin, WebhookSpec
from reconciler.urls import without_userinfo

STREAM_TYPES = ("changes", "all", "admin_logs_streaming", "none")
#: what the watcher acts on: an acceptance, a rejection, a new file, a decision
DEFAULT_TRIGGERS = (
    "COLLABORATION.ACCEPTED",
    "COLLABORATION.REJECTED",
    "FILE.UPLOADED",
    "TASK_ASSIGNMENT.UPDATED",
)
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class WatchSettings:
    stream_type: str = "changes"
    resync_minutes: float = 360.0
    review_poll_minutes: float = 15.0
    coalesce_seconds: float = 2.0
    retention_days: float = 21.0
    manifest_poll_seconds: float = 5.0
    #: the enterprise stream is read this often while a delivery is active ...
    event_poll_seconds: float = 2.0
    #: ... and this often when nobody but the reconciler has acted for ``active_minutes``
    idle_event_poll_seconds: float = 10.0
    active_minutes: float = 30.0

    @property
    def stream_carries_decisions(self) -> bool:
        """Only the enterprise stream carries TASK_ASSIGNMENT_UPDATE; the others need polling."""
        return self.stream_type == "admin_logs_streaming"

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
class SinkSpec:
    """One ``notify:`` entry. ``name`` is its stable identity in the ledger (kind and target)."""

    kind: str  # http | jsonl | command
    target: str  # the URL, the ledger path, or the command line
    origin: Origin
    secret_env: str = ""
    command: tuple[str, ...] = ()
    env: tuple[str, ...] = ()  # variables a command sink is given beyond the minimal ones
    timeout_seconds: float = 10.0
    retries: int = 5
    backoff_seconds: float = 0.5

    @property
    def name(self) -> str:
        # Logged and stored in the ledger: a password in an http sink's URL is neither.
        return (
            f"{self.kind}:{without_userinfo(self.target) if self.kind == 'http' else self.target}"
        )


@dataclass(frozen=True)
class Service:
    watch: WatchSettings = WatchSettings()
    sinks: tuple[SinkSpec, ...] = ()
    webhooks: WebhookSpec | None = None


def load_service(config_path: str | None, env: Mapping[str, str] | None = None) -> Service:
    """``watch:`` and ``notify:`` from the config (default ./reconcile.yaml when it exists).

    Raises ManifestError naming FILE:LINE:COL for anything wrong, secrets not set included.
    """
    path = config_path or (CONFIG_FILE_NAME if os.path.isfile(CONFIG_FILE_NAME) else None)
    if path is None:
        return Service()
    doc = read(path)
    problems = doc.problems + schema.check(doc, "config")
    if problems:
        raise ManifestError(sorted(set(problems)))
    data = doc.data if isinstance(doc.data, dict) else {}
    sinks = tuple(_sink(doc, index, entry) for index, entry in enumerate(data.get("notify") or []))
    missing = [
        doc.problem(
            doc.position_of(["notify", index, "http", "secret_env"]),
            "secret-not-set",
            f"the environment variable {sink.secret_env} (notify[{index}].http.secret_env) "
            "is not set; the http sink signs every message with it",
        )
        for index, sink in enumerate(sinks)
        if sink.kind == "http" and not (env if env is not None else os.environ).get(sink.secret_env)
    ]
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
                "coalesce_seconds",
                "retention_days",
                "manifest_poll_seconds",
                "event_poll_seconds",
                "idle_event_poll_seconds",
                "active_minutes",
            )
        },
    )


def _sink(doc: Document, index: int, entry: dict[str, Any]) -> SinkSpec:
    kind, value = next(iter(entry.items()))
    line, column = doc.position_of(["notify", index])
    origin = Origin(doc.file, line, column)
    if kind == "http":
        return SinkSpec(
            "http",
            str(value["url"]),
            origin,
            secret_env=str(value["secret_env"]),
            timeout_seconds=float(value.get("timeout_seconds", 10.0)),
            retries=int(value.get("retries", 5)),
            backoff_seconds=float(value.get("backoff_seconds", 0.5)),
        )
    if kind == "jsonl":
        return SinkSpec("jsonl", str(value), origin)
    command = tuple(str(part) for part in value)
    return SinkSpec("command", " ".join(command), origin, command=command)
