"""A full disk under the state directory is a condition to survive: the watcher stays up, keeps
taking Box's deliveries, says so on ``/healthz``, and once space returns saves what it held, so
no notice is lost or sent twice, across a restart too."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import ACME_FOLDER, CMO, Studio
from tests.integration.test_webhooks import Listening, acceptance_payload, signed
from tests.integration.watching import (
    ACME_REVIEWED,
    Watch,
    assigned_files,
    configure,
    reject,
    wait_until,
)
from tests.receiver import Receiver

del ACME_FOLDER


@pytest.fixture
def small_disk(studio: Studio) -> Iterator[Path]:
    """``state/`` as a 4 MB tmpfs (root only), unmounted afterwards."""
    mount = shutil.which("mount")
    if os.geteuid() != 0 or mount is None:
        pytest.skip("mounting a small tmpfs needs root")
    state = studio.path("state")
    state.mkdir()
    done = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(state)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield state
    finally:
        subprocess.run(["umount", "-l", str(state)], check=False)


def fill(folder: Path) -> Path:
    """Write until the file system says it is full; returns the filler."""
    filler = folder / "filler"
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_a_full_state_disk_loses_and_repeats_nothing(
    studio: Studio, small_disk: Path, tmp_path: Path
) -> None:
    receiver = Receiver()
    watching: list[Watch] = []
    try:
        configure(studio, url=receiver.url)
        listening = Listening(studio, watching)
        watch = listening.start()
        wait_until(lambda: assigned_files(studio, CMO) == ACME_REVIEWED or None, 30, "tasks", watch)
        watch.settle()

        filler = fill(small_disk)
        first = reject(studio, "cmo-token")
        wait_until(lambda: receiver.accepted("decision") or None, 30, "the first decision", watch)
        failing = wait_until(
            lambda: (listening.health() or {}).get("state", {}).get("failing"),
            30,
            "the health endpoint to report the failing writes",
            watch,
        )
        body = acceptance_payload()
        taken = listening.post(body, signed(body))  # answered although its id cannot be saved
        assert watch.process.poll() is None, watch.log

        filler.unlink()
        wait_until(
            lambda: (listening.health() or {}).get("state", {}).get("writes") == "ok" or None,
            30,
            "the writes to succeed again",
            watch,
        )
        second = reject(studio, "cmo-token")
        wait_until(lambda: len(receiver.accepted("decision")) >= 2 or None, 30, "the second", watch)
        assert watch.stop() == 0, watch.log

        again = Watch(studio, "--listen", f"127.0.0.1:{listening.port}", env=_keys())
        watching.append(again)
        again.wait_for_log("full reconcile (start)")
        again.wait_for_log("reconciled ")
        again.wait_for_log("review poll")  # what a restart would announce again, it has now
        assert again.stop(signal.SIGTERM) == 0, again.log
    finally:
        for each in watching:
            each.stop(signal.SIGKILL)
        receiver.stop()

    assert taken == 200
    assert "notify.db" in str(failing) or "stream.json" in str(failing)
    ids = [r.document["file"]["id"] for r in receiver.accepted("decision")]
    assert sorted(ids) == sorted([first, second]), ids  # each once: none lost, none twice
    assert "Traceback" not in watch.log


def _keys() -> dict[str, str]:
    from tests.integration.test_webhooks import KEYS

    return KEYS
