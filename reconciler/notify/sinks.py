"""The sinks a notice is delivered to: a JSON-lines ledger and a command here; an HTTP receiver
(Standard Webhooks, ``webhook``), email (``mail``) and chat through Apprise (``chat``) beside.

Every sink either delivers or raises SinkError; the ledger keeps what was delivered and tries
the rest again later. Each has an ``on``: the notice kinds it wants (see ``Notice.topic``).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from reconciler.errors import SinkError
from reconciler.manifest.service import SinkSpec
from reconciler.notify.notices import Notice

log = logging.getLogger(__name__)


class Sink(Protocol):
    name: str
    on: frozenset[str]

    def send(self, notice: Notice) -> None: ...


def wants(sink: Sink, notice: Notice) -> bool:
    return notice.topic in sink.on


class JsonlSink:
    """Appends one line per notice; ids already in the file are not written again, so a crash
    between the append and the ledger's record cannot duplicate a line."""

    def __init__(self, spec: SinkSpec) -> None:
        self.name = spec.name
        self.on = spec.on
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
                handle.write(notice.body() + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise SinkError(f"{self.name}: cannot append ({exc.strerror})") from None
        self._written.add(notice.id)


class CommandSink:
    """Runs the command with the notice's JSON on stdin; exit 0 means delivered."""

    def __init__(self, spec: SinkSpec, *, timeout_seconds: float = 60.0) -> None:
        self.name = spec.name
        self.on = spec.on
        self.command = list(spec.command)
        self.timeout = timeout_seconds
        self.env_names = spec.env

    def send(self, notice: Notice) -> None:
        try:
            done = subprocess.run(
                self.command,
                input=notice.body(),
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
    """The sinks of ``notify:``; the config's loader has checked that each variable is set."""
    from reconciler.notify.chat import AppriseSink
    from reconciler.notify.mail import EmailSink
    from reconciler.notify.webhook import HttpSink

    sinks: list[Sink] = []
    for spec in specs:
        if spec.kind == "http":
            sinks.append(HttpSink(spec, env[spec.secret_env]))
        elif spec.kind == "jsonl":
            sinks.append(JsonlSink(spec))
        elif spec.kind == "email":
            sinks.append(EmailSink(spec, env))
        elif spec.kind == "apprise":
            sinks.append(AppriseSink(spec, env[spec.secret_env]))
        else:
            sinks.append(CommandSink(spec))
    return sinks
