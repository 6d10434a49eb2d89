"""The sinks a notice is delivered to: an HTTP receiver (signed), a JSON-lines ledger, a command.

Every sink either delivers or raises SinkError; the ledger keeps what was delivered and tries
the rest again later. Signing: ``X-Reconcile-Signature: sha256=<hex HMAC-SHA256 of the exact
body bytes, keyed with the secret>``; ``X-Reconcile-Id`` (also ``Idempotency-Key``) is the
notice's id, the same on every retry, so a receiver can drop a message it already has.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import urllib3
from urllib3.util.retry import Retry

from reconciler.errors import SinkError
from reconciler.manifest.service import SinkSpec
from reconciler.notify.notices import Notice

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Reconcile-Signature"
ID_HEADER = "X-Reconcile-Id"


class Sink(Protocol):
    name: str

    def send(self, notice: Notice) -> None: ...


def body_of(notice: Notice) -> bytes:
    return json.dumps(notice.document, sort_keys=True, ensure_ascii=False).encode("utf-8")


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class HttpSink:
    """POST with urllib3's Retry: exponential backoff on 5xx, connection errors and timeouts."""

    def __init__(self, spec: SinkSpec, secret: str) -> None:
        self.name = spec.name
        self.url = spec.target
        self._secret = secret
        retry = Retry(
            total=spec.retries,
            backoff_factor=spec.backoff_seconds,
            status_forcelist=tuple(range(500, 600)),
            allowed_methods=frozenset({"POST"}),  # safe: the receiver dedups by X-Reconcile-Id
            raise_on_status=False,
            respect_retry_after_header=True,
        )
        self._pool = urllib3.PoolManager(
            retries=retry, timeout=urllib3.Timeout(total=spec.timeout_seconds)
        )

    def send(self, notice: Notice) -> None:
        body = body_of(notice)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(body, self._secret),
            ID_HEADER: notice.id,
            "Idempotency-Key": notice.id,
            "User-Agent": "reconciler-notify/1",
        }
        try:
            answer = self._pool.request("POST", self.url, body=body, headers=headers)
        except urllib3.exceptions.HTTPError as exc:
            raise SinkError(f"{self.name}: {type(exc).__name__}") from None
        if not 200 <= answer.status < 300:
            raise SinkError(f"{self.name}: answered {answer.status}")


class JsonlSink:
    """Appends one line per notice; ids already in the file are not written again, so a crash
    between the append and the ledger's record cannot duplicate a line."""

    def __init__(self, spec: SinkSpec) -> None:
        self.name = spec.name
        self.path = Path(spec.target)
        self._written = self._ids_in_file()

    def _ids_in_file(self) -> set[str]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return set()
        except OSError as exc:
            raise SinkError(f"{self.name}: cannot read it ({exc.strerror})") from None
        ids: set[str] = set()
        for line in lines:
            try:
                ids.add(str(json.loads(line).get("id")))
            except (ValueError, AttributeError):
                continue  # a line cut short by a crash mid-append says nothing
        return ids

    def send(self, notice: Notice) -> None:
        if notice.id in self._written:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "ab") as handle:
                handle.write(body_of(notice) + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise SinkError(f"{self.name}: cannot append ({exc.strerror})") from None
        self._written.add(notice.id)


class CommandSink:
    """Runs the command with the notice's JSON on stdin; exit 0 means delivered."""

    def __init__(self, spec: SinkSpec, *, timeout_seconds: float = 60.0) -> None:
        self.name = spec.name
        self.command = list(spec.command)
        self.timeout = timeout_seconds
        self.env_names = spec.env

    def send(self, notice: Notice) -> None:
        try:
            done = subprocess.run(
                self.command,
                input=body_of(notice),
                capture_output=True,
                timeout=self.timeout,
                check=False,
                env=child_environment(notice, self.env_names),
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SinkError(f"{self.name}: {type(exc).__name__}: {exc}") from None
        if done.returncode != 0:
            tail = done.stderr.decode("utf-8", "replace").strip()[-300:]
            raise SinkError(f"{self.name}: exit {done.returncode}" + (f": {tail}" if tail else ""))


#: What a command gets from the watcher's environment without asking: enough to find programs
#: and read text, none of the credentials (Box, forge, webhook keys, sink secrets).
BASE_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")


def child_environment(notice: Notice, names: tuple[str, ...] = ()) -> dict[str, str]:
    """A command sink's environment: the base variables, those its ``env:`` list names, and
    RECONCILE_NOTICE_ID; never the rest of the watcher's."""
    wanted = (*BASE_ENVIRONMENT, *names)
    env = {name: os.environ[name] for name in wanted if name in os.environ}
    env["RECONCILE_NOTICE_ID"] = notice.id
    return env


def make_sinks(specs: tuple[SinkSpec, ...], env: Mapping[str, str]) -> list[Sink]:
    sinks: list[Sink] = []
    for spec in specs:
        if spec.kind == "http":
            sinks.append(HttpSink(spec, env[spec.secret_env]))
        elif spec.kind == "jsonl":
            sinks.append(JsonlSink(spec))
        else:
            sinks.append(CommandSink(spec))
    return sinks
