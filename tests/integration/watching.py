"""Running ``reconcile watch`` for the integration tests: a real process (so it can be killed),
short intervals from reconcile.yaml, and waiting for Box or a sink to show the result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from reconciler.box.people import Person
from tests.integration.conftest import ACME_FOLDER, Studio

T = TypeVar("T")
SECRET = "billing-secret-for-tests"
NOTE = "The logo is cut off on the left"
#: what acme's approval rule selects in the sample studio
ACME_REVIEWED = frozenset({"1400000101", "1400000102", "1400000103", "1400000104", "1400000111"})


def configure(studio: Studio, *, url: str | None = None, **watch: Any) -> None:
    """Short intervals (the defaults are minutes and hours) and the sinks under test."""

    def change(doc: dict[str, Any]) -> None:
        doc["watch"] = {
            "coalesce_seconds": 0.2,
            "review_poll_minutes": 0.01,
            "manifest_poll_seconds": 0.2,
            "resync_minutes": 600,
            "event_poll_seconds": 0.2,
            "idle_event_poll_seconds": 0.2,
            **watch,
        }
        sinks: list[dict[str, Any]] = [{"jsonl": "decisions.jsonl"}]
        if url is not None:
            http = {"url": url, "secret_env": "BILLING_SECRET", "backoff_seconds": 0}
            sinks.append({"http": http})
        doc["notify"] = sinks

    studio.edit("reconcile.yaml", change)
    # The realtime server answers "reconnect" quickly, so a stopped watcher is never held.
    studio.control("PUT", "events", {"long_poll_timeout_s": 1})


class Watch:
    """``python -m reconciler watch`` in the studio's directory; stderr goes to a file."""

    def __init__(self, studio: Studio, *args: str, env: dict[str, str] | None = None) -> None:
        self.studio = studio
        self.log_path = studio.workdir / f"watch-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reconciler", "watch", "--state-dir", "state", *args],
            cwd=studio.workdir,
            env={**studio.env, "BILLING_SECRET": SECRET, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, text: str, timeout: float = 30.0) -> None:
        wait_until(lambda: text in self.log or None, timeout, f"{text!r} in the log", self)

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

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=30)
        finally:
            self._log.close()
        for secret in self.studio.secrets:
            assert secret not in self.log, "a token appeared in the watcher's log"
        return code


def wait_until(
    found: Callable[[], T | None], timeout: float, what: str, watch: Watch | None = None
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


os.environ.setdefault("PYTHONUNBUFFERED", "1")
