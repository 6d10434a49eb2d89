"""The ``notify:`` sinks of reconcile.yaml as typed specs, and the checks a schema cannot make:
every named environment variable set, a ``whsec_`` secret that decodes, the chat extra installed,
no SMTP password over an unencrypted connection to another machine.

The schema has already judged the shapes (with file:line); each problem here names the line too.
"""

from __future__ import annotations

import base64
import binascii
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.errors import Problem
from reconciler.manifest.load import Document
from reconciler.model import Origin
from reconciler.model.urls import without_userinfo

#: The notice kinds a sink can ask for with ``on:``; a decision counts as its decision.
NOTICE_KINDS = ("approved", "rejected", "acceptance", "invitation", "comment")
WEBHOOK_SECRET_PREFIX = "whsec_"
CHAT_INSTALL = "pip install 'box-reconciler[chat]'"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class EmailSpec:
    host: str
    port: int
    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    starttls: bool = False
    tls: bool = False
    username_env: str = ""
    password_env: str = ""


@dataclass(frozen=True)
class SinkSpec:
    """One ``notify:`` entry. ``name`` is its stable identity in the ledger (kind and target):
    it holds no secret (an Apprise URL is named by its variable)."""

    kind: str  # http | jsonl | command | email | apprise
    target: str  # the URL, the ledger path, the command line, the recipients, the variable
    origin: Origin
    secret_env: str = ""  # http: the signing secret; apprise: the URL
    command: tuple[str, ...] = ()
    env: tuple[str, ...] = ()  # variables a command sink is given beyond the minimal ones
    timeout_seconds: float = 10.0
    retries: int = 5
    backoff_seconds: float = 0.5
    on: frozenset[str] = frozenset(NOTICE_KINDS)
    email: EmailSpec | None = None

    @property
    def name(self) -> str:
        # Logged and stored in the ledger: a password in an http sink's URL is neither.
        target = without_userinfo(self.target) if self.kind == "http" else self.target
        return f"{self.kind}:{target}"


def webhook_key(secret: str) -> bytes | None:
    """The HMAC key a secret stands for: ``whsec_<base64>`` decoded (None when it does not
    decode), any other text as its UTF-8 bytes (what older receivers were given)."""
    if not secret.startswith(WEBHOOK_SECRET_PREFIX):
        return secret.encode("utf-8")
    try:
        key = base64.b64decode(secret[len(WEBHOOK_SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return None
    return key or None


def parse_sink(doc: Document, index: int, entry: dict[str, Any]) -> SinkSpec:
    kind = next(k for k in entry if k != "on")
    value = entry[kind]
    line, column = doc.position_of(["notify", index])
    origin = Origin(doc.file, line, column)
    on = frozenset(str(k) for k in entry.get("on") or NOTICE_KINDS)
    if kind == "http":
        return SinkSpec(
            "http",
            str(value["url"]),
            origin,
            secret_env=str(value["secret_env"]),
            timeout_seconds=float(value.get("timeout_seconds", 10.0)),
            retries=int(value.get("retries", 5)),
            backoff_seconds=float(value.get("backoff_seconds", 0.5)),
            on=on,
        )
    if kind == "jsonl":
        return SinkSpec("jsonl", str(value), origin, on=on)
    if kind == "email":
        email = _email(value)
        return SinkSpec(
            "email",
            ",".join(sorted(email.to)),
            origin,
            timeout_seconds=float(value.get("timeout_seconds", 10.0)),
            on=on,
            email=email,
        )
    if kind == "apprise":
        env = str(value["url_env"])
        return SinkSpec("apprise", env, origin, secret_env=env, on=on)
    command = tuple(str(part) for part in value)
    names = tuple(str(name) for name in entry.get("env") or ())
    return SinkSpec("command", " ".join(command), origin, command=command, env=names, on=on)


def _email(value: dict[str, Any]) -> EmailSpec:
    tls = bool(value.get("tls", False))
    starttls = bool(value.get("starttls", False))
    default_port = 465 if tls else 587 if starttls else 25
    return EmailSpec(
        host=str(value["host"]),
        port=int(value.get("port", default_port)),
        sender=str(value["from"]),
        to=tuple(str(a) for a in value["to"]),
        cc=tuple(str(a) for a in value.get("cc") or ()),
        starttls=starttls,
        tls=tls,
        username_env=str(value.get("username_env", "")),
        password_env=str(value.get("password_env", "")),
    )


def sink_problems(
    doc: Document, sinks: tuple[SinkSpec, ...], env: Mapping[str, str]
) -> list[Problem]:
    """What stops the sinks from working, each at its line in reconcile.yaml."""
    found: list[Problem] = []
    for index, sink in enumerate(sinks):
        found.extend(_problems_of(doc, index, sink, env))
    return found


def _unset(doc: Document, path: list[str | int], name: str, why: str) -> Problem:
    where = f"notify[{path[1]}].{'.'.join(str(p) for p in path[2:])}"
    return doc.problem(
        doc.position_of(path),
        "secret-not-set",
        f"the environment variable {name} ({where}) is not set; {why}",
    )


def _problems_of(
    doc: Document, index: int, sink: SinkSpec, env: Mapping[str, str]
) -> list[Problem]:
    found: list[Problem] = []
    if sink.kind == "http":
        path: list[str | int] = ["notify", index, "http", "secret_env"]
        secret = env.get(sink.secret_env, "")
        if not secret:
            found.append(
                _unset(doc, path, sink.secret_env, "the http sink signs every message with it")
            )
        elif webhook_key(secret) is None:
            found.append(
                doc.problem(
                    doc.position_of(path),
                    "secret-invalid",
                    f"the environment variable {sink.secret_env} starts with whsec_ but what "
                    "follows is not base64; make one with: python3 -c 'import base64, secrets; "
                    'print("whsec_" + base64.b64encode(secrets.token_bytes(32)).decode())\'',
                )
            )
    elif sink.kind == "apprise":
        path = ["notify", index, "apprise", "url_env"]
        if not env.get(sink.secret_env):
            found.append(_unset(doc, path, sink.secret_env, "it holds the Apprise URL to post to"))
        if importlib.util.find_spec("apprise") is None:
            found.append(
                doc.problem(
                    doc.position_of(["notify", index, "apprise"], key=True),
                    "extra-not-installed",
                    f"the apprise sink needs the chat extra: {CHAT_INSTALL}",
                )
            )
    elif sink.kind == "email" and sink.email is not None:
        found.extend(_email_problems(doc, index, sink.email, env))
    return found


def _email_problems(
    doc: Document, index: int, email: EmailSpec, env: Mapping[str, str]
) -> list[Problem]:
    found: list[Problem] = []
    for key, name in (("username_env", email.username_env), ("password_env", email.password_env)):
        if name and not env.get(name):
            found.append(
                _unset(doc, ["notify", index, "email", key], name, "the email sink logs in with it")
            )
    if (
        email.password_env
        and not (email.tls or email.starttls)
        and email.host not in LOOPBACK_HOSTS
    ):
        found.append(
            doc.problem(
                doc.position_of(["notify", index, "email", "password_env"], key=True),
                "plain-smtp-login",
                f"notify[{index}].email logs in to {email.host} without encryption: set "
                "starttls: true (port 587) or tls: true (port 465)",
            )
        )
    return found
