"""Running ``reconcile watch`` (or any command) for the integration tests: a real process (so it
can be signalled and killed), short intervals from reconcile.yaml, the sandbox's answers held
for as long as a test needs a moment to last, and waiting for Box or a sink to show the result."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any, TypeVar

from box_sdk_gen import UpdateTaskAssignmentByIdResolutionState

from reconciler.box.people import Person
from tests.integration.conftest import ACME_FOLDER, SERVICE_ACCOUNT, Studio

T = TypeVar("T")
#: bounds a failure only: a test releases what it held long before
HOLD_LIMIT_S = 60.0
SECRET = "billing-secret-for-tests"
NOTE = "The logo is cut off on the left"
#: what acme's approval rule selects in the sample studio
ACME_REVIEWED = frozenset({"1400000101", "1400000102", "1400000103", "1400000104", "1400000111"})


def configure(studio: Studio, *, url: str | None = None, **watch: Any) -> None:
    """Short intervals (the defaults are minutes and hours) and the sinks under test; a
    setting given as None is left to the watcher's default. The stream is ``changes`` unless
    given: the account's stream that says least (no openings, no decisions)."""

    def change(doc: dict[str, Any]) -> None:
        doc["watch"] = {
            "stream_type": "changes",
            "coalesce_seconds": 0.2,
            "review_poll_minutes": 0.01,
            "manifest_poll_seconds": 0.2,
            "resync_minutes": 600,
            "event_poll_seconds": 0.2,
            "idle_event_poll_seconds": 0.2,
            **watch,
        }
        # A setting given as None is left out: the watcher's own default applies.
        doc["watch"] = {k: v for k, v in doc["watch"].items() if v is not None}
        sinks: list[dict[str, Any]] = [{"jsonl": "decisions.jsonl"}]
        if url is not None:
            http = {"url": url, "secret_env": "BILLING_SECRET", "backoff_seconds": 0}
            sinks.append({"http": http})
        doc["notify"] = sinks

    studio.edit("reconcile.yaml", change)
    # The realtime server answers "reconnect" quickly, so a stopped watcher is never held.
    studio.control("PUT", "events", {"long_poll_timeout_s": 1})


class Reconcile:
    """``python -m reconciler ARGS`` in the studio's directory, its stdout and stderr in files
    that a test reads as they grow."""

    def __init__(
        self,
        studio: Studio,
        *args: str,
        env: dict[str, str] | None = None,
        preexec_fn: Callable[[], object] | None = None,
    ) -> None:
        self.studio = studio
        stamp = time.monotonic_ns()
        self.log_path = studio.workdir / f"{args[0]}-{stamp}.log"
        self.out_path = studio.workdir / f"{args[0]}-{stamp}.out"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in finish()
        self._out = open(self.out_path, "wb")  # noqa: SIM115 - closed in finish()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reconciler", *args],
            cwd=studio.workdir,
            env={**studio.env, **(env or {})},
            stdout=self._out,
            stderr=self._log,
            preexec_fn=preexec_fn,
        )

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    @property
    def out(self) -> str:
        return self.out_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, text: str, timeout: float = 30.0) -> None:
        wait_until(lambda: text in self.log or None, timeout, f"{text!r} in the log", self)

    def __enter__(self) -> Reconcile:
        return self

    def __exit__(self, *_: object) -> None:
        """Killed if still running (a test that failed half way), its files closed."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()
        self._out.close()

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.finish()

    def finish(self, timeout: float = 60.0) -> int:
        """Its exit code, once it ends; a token in its output fails the test."""
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            self._log.close()
            self._out.close()
        for secret in self.studio.secrets:
            assert secret not in self.log + self.out, "a token appeared in reconcile's output"
        return code


class Watch(Reconcile):
    """``python -m reconciler watch`` in the studio's directory; stderr goes to a file."""

    def __init__(
        self,
        studio: Studio,
        *args: str,
        env: dict[str, str] | None = None,
        preexec_fn: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(
            studio,
            *("watch", "--state-dir", "state", *args),
            env={"BILLING_SECRET": SECRET, **(env or {})},
            preexec_fn=preexec_fn,
        )

    def settle(self, stream_type: str = "changes", timeout: float = 30.0) -> None:
        """Wait until the watcher has handled every event its stream holds so far (its stored
        position is the stream's latest), so what a test does next is a burst of its own."""
        client = self.studio.client()

        def caught_up() -> bool:
            latest = client.events.get_events(stream_type=stream_type, stream_position="now")
            place = self.studio.workdir / "state" / "stream.json"
            if not place.exists():
                return False
            positions = json.loads(place.read_text(encoding="utf-8")).get("positions") or {}
            return str(positions.get(stream_type)) == str(latest.next_stream_position)

        wait_until(caught_up, timeout, "the watcher to catch up with the stream", self)


class HeldAnswers:
    """The sandbox's answers to the requests ``picked`` chooses (by method and path, when the
    answer is ready), held back until ``release()``: the request is done in Box, its caller
    waits. A moment of a run that lasts as long as a test needs it to, where an injected
    latency lasts only so long. Released, and the sandbox's observer put back, on leaving."""

    def __init__(self, studio: Studio, picked: Callable[[str, str], bool]) -> None:
        self.box = studio.box
        self.picked = picked
        #: set once an answer is being held
        self.held = threading.Event()
        self._released = threading.Event()
        self._observer = studio.box.response_observer

    def __enter__(self) -> HeldAnswers:
        self.box.response_observer = self._observe
        return self

    def __exit__(self, *_: object) -> None:
        self.release()
        self.box.response_observer = self._observer

    def release(self) -> None:
        self._released.set()

    def _observe(self, method: str, rule: str, path: str, status: int, body: Any) -> None:
        if self._observer is not None:
            self._observer(method, rule, path, status, body)
        if not self._released.is_set() and self.picked(method, path):
            self.held.set()
            self._released.wait(HOLD_LIMIT_S)


def wait_until(
    found: Callable[[], T | None], timeout: float, what: str, watch: Reconcile | None = None
) -> T:
    """Poll until ``found`` gives something; fail naming ``what`` (and the watcher's log)."""
    deadline = time.monotonic() + timeout
    while True:
        value = found()
        if value:
            return value
        if watch is not None and watch.process.poll() is not None:
            raise AssertionError(f"the watcher exited ({watch.process.returncode}):\n{watch.log}")
        if time.monotonic() > deadline:
            log = watch.log if watch is not None else ""
            raise AssertionError(f"timed out waiting for {what}\n{log}")
        time.sleep(0.05)


def assigned_files(studio: Studio, user_id: str) -> set[str]:
    state = studio.state()
    ours = {t["id"] for t in state["tasks"] if t["created_by_id"] == "10001"}
    return {
        a["file_id"]
        for a in state["task_assignments"]
        if a["task_id"] in ours and a["assigned_to_id"] == user_id
    }


def reject(studio: Studio, token: str, file_id: str | None = None, note: str = NOTE) -> str:
    """A client rejects one of their open files (the first, or ``file_id``) with a note."""
    person = Person(studio.box.base_url, token)
    open_ones = person.my_assignments(ACME_FOLDER)
    file, assignment = next((f, a) for f, a in open_ones if file_id in (None, f.id))
    person.resolve(assignment.id, "rejected", note)
    return file.id


def ledger(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def decisions(path: Path) -> list[dict[str, Any]]:
    return [d for d in ledger(path) if d["type"] == "decision"]


# -- people deciding in Box, and what Box holds (read from the sandbox, not through reconciler) --


def user_id(studio: Studio, login: str) -> str:
    """The Box user id of a login (an invited person has one only once they sign up)."""
    wanted = login.casefold()
    return next(u["id"] for u in studio.state()["users"] if u["login"].casefold() == wanted)


def review_assignment(studio: Studio, assignee: str, file_id: str) -> str:
    """The id of ``assignee``'s open review assignment on ``file_id``, on a task the reconciler
    made."""
    state = studio.state()
    ours = {t["id"] for t in state["tasks"] if t["created_by_id"] == SERVICE_ACCOUNT}
    found = [
        a["id"]
        for a in state["task_assignments"]
        if a["task_id"] in ours
        and a["file_id"] == file_id
        and a["assigned_to_id"] == assignee
        and a["resolution_state"] == "incomplete"
    ]
    assert found, f"no open review of file {file_id} assigned to user {assignee}"
    return str(found[0])


def decide(
    studio: Studio, token: str, assignment_id: str, decision: str, message: str | None = None
) -> None:
    """Press Approve or Reject in Box with the person's own token (``decision`` is "approved",
    "rejected" or, to take it back, "incomplete")."""
    state = UpdateTaskAssignmentByIdResolutionState(decision)
    studio.client(token).task_assignments.update_task_assignment_by_id(
        assignment_id, resolution_state=state, message=message
    )


def open_file(studio: Studio, token: str, file_id: str) -> None:
    """Open a file to look at it, with the person's own token, as a client does before deciding
    on it (a download: Box tells the file's owner, on its ``all`` stream)."""
    content = studio.client(token).downloads.download_file(file_id)
    assert content is not None and content.read()


def doubled_reviews(studio: Studio) -> list[str]:
    """Files with more than one review task of the reconciler's, and (file, person) pairs with
    more than one review assignment on them: each is another email to a client."""
    state = studio.state()
    ours = {
        t["id"]: t["file_id"]
        for t in state["tasks"]
        if t["created_by_id"] == SERVICE_ACCOUNT and t["action"] == "review"
    }
    tasks = Counter(ours.values())
    pairs = Counter(
        (a["file_id"], a["assigned_to_id"])
        for a in state["task_assignments"]
        if a["task_id"] in ours
    )
    return [f"file {f}: {n} review tasks" for f, n in sorted(tasks.items()) if n > 1] + [
        f"file {f}, user {who}: {n} review assignments"
        for (f, who), n in sorted(pairs.items())
        if n > 1
    ]


# -- webhooks at ``watch --listen`` --

#: the sandbox signs its webhook deliveries with these keys unless told otherwise
WEBHOOK_KEYS = {
    "BOX_WEBHOOK_PRIMARY_KEY": "sandbox-primary-key",
    "BOX_WEBHOOK_SECONDARY_KEY": "sandbox-secondary-key",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listen_for_webhooks(studio: Studio) -> list[str]:
    """Declare webhooks in reconcile.yaml at a free loopback port; the ``watch`` arguments that
    take their deliveries there (the same port after a restart: the webhooks name it)."""
    port = free_port()
    hooks = {"address": f"http://127.0.0.1:{port}/box"}
    studio.edit("reconcile.yaml", lambda doc: doc.update(webhooks=hooks))
    return ["--listen", f"127.0.0.1:{port}"]


def notices_recorded(studio: Studio, ids: list[str], sinks: int = 2) -> bool:
    """The state dir says every one of ``sinks`` sinks took each notice of ``ids`` (what a kill
    may not cost: a notice sent but not yet written down may be sent again, same id)."""
    sent = sent_by_sink(studio.path("state"))
    return len(sent) == sinks and all(set(ids) <= taken for taken in sent.values())


def sent_by_sink(state: Path) -> dict[str, set[str]]:
    """What the notify ledger in a state dir says each sink took: its SQLite database, or the
    JSON file it used to be."""
    database = state / "notify.db"
    if database.exists():
        try:
            with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
                rows = db.execute("SELECT sink, id FROM sent").fetchall()
        except sqlite3.Error:
            return {}
        found: dict[str, set[str]] = {}
        for sink, ident in rows:
            found.setdefault(str(sink), set()).add(str(ident))
        return found
    try:
        doc = json.loads((state / "notify.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): set(v) for k, v in (doc.get("sent") or {}).items()}


os.environ.setdefault("PYTHONUNBUFFERED", "1")
