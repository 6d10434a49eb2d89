"""The state directory of ``reconcile watch`` and ``reconcile notify``: one owner at a time,
JSON documents written atomically (a crash leaves the old file or the new one, never half).

A state file is read strictly: a special file, a file too large, JSON that is not an object,
or an object of the wrong shape is a StateError naming the file, never "empty". A write that
fails (a full disk, a read-only mount) does not stop the process: the document stays in memory
as the last good state, is tried again every ``RETRY_SECONDS`` and at close, and ``health()``
says so until it is saved.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from reconciler.errors import InputError, ReconcilerError, UsageError, printable
from reconciler.manifest.regular import NotReadable, read_regular
from reconciler.model import now_stamp

log = logging.getLogger(__name__)

DEFAULT_STATE_DIR = ".reconcile"
#: A state file larger than this is refused unread (a year of notices is a few megabytes).
MAX_STATE_BYTES = 256 * 1024 * 1024
RETRY_SECONDS = 2.0


class StateError(InputError):
    """A state file that cannot be read, or holds something other than what was written."""


class UnsavedState(ReconcilerError):
    """State that could still not be written when the state directory was closed."""


class StateDir:
    """An open state directory, locked against a second watcher or notifier on the same one."""

    def __init__(self, path: Path, lock: IO[str]) -> None:
        self.path = path
        self._lock = lock
        self._writing = threading.RLock()
        self._pending: dict[str, Callable[[], None]] = {}  # name -> the save still to do
        self._failing: dict[str, str] = {}  # name -> why its last write failed
        self._since: str | None = None
        self._retrying: threading.Thread | None = None
        self._closed = threading.Event()

    @classmethod
    def open(cls, path: str | Path) -> StateDir:
        root = Path(path)
        try:
            root.mkdir(parents=True, exist_ok=True)
            lock = open(root / "lock", "a+", encoding="utf-8")  # noqa: SIM115 - held until close
        except OSError as exc:
            raise UsageError(f"--state-dir {root}: cannot use it ({exc.strerror})") from None
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise UsageError(
                f"--state-dir {root}: another reconcile watch or notify is using it"
            ) from None
        return cls(root, lock)

    def close(self) -> None:
        """Try unsaved state once more, then release the directory. Raises UnsavedState when
        some could still not be written."""
        self._closed.set()
        left = self.flush()
        fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)
        self._lock.close()
        if left:
            raise UnsavedState(
                f"{self.path}: could not save {', '.join(sorted(left))} "
                f"({'; '.join(sorted(set(left.values())))}); the next start repeats what that "
                "state would have remembered"
            )

    def __enter__(self) -> StateDir:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def read(self, name: str) -> dict[str, Any]:
        """The JSON object ``name``; empty only when the file does not exist.

        Raises StateError naming the file for anything else that is not a JSON object.
        """
        path = self.path / name
        try:
            raw = read_regular(str(path), limit=MAX_STATE_BYTES)
        except FileNotFoundError:
            return {}
        except NotReadable as exc:
            raise StateError(f"{_shown(path)}: not a state file: {exc}") from None
        except OSError as exc:
            raise StateError(f"{_shown(path)}: cannot read it ({exc.strerror})") from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise StateError(f"{_shown(path)}: not a state file ({printable(why)})") from None
        if not isinstance(data, dict):
            raise StateError(
                f"{_shown(path)}: not a state file: a JSON object was expected, not "
                f"{_kind(data)}; move it away to start afresh"
            )
        return data

    def wrong_shape(self, name: str, what: str) -> StateError:
        """The error for a state file whose object does not hold what this version writes."""
        return StateError(
            f"{_shown(self.path / name)}: not a state file this version wrote ({what}); "
            "move it away to start afresh"
        )

    def write(self, name: str, document: dict[str, Any]) -> bool:
        """Write to a temporary file beside the target, sync it, then rename over the target.

        False when it failed: the document is kept and tried again (see the module's text).
        """
        text = json.dumps(document, indent=1, sort_keys=True)
        return self.save(name, lambda: _write_atomically(self.path, name, text))

    def save(self, name: str, action: Callable[[], None]) -> bool:
        """Run ``action``, which saves ``name`` and raises OSError when it cannot; when it
        fails it is run again later (the latest action for a name replaces an older one)."""
        with self._writing:
            self._pending[name] = action
            return self._save(name)

    def flush(self) -> dict[str, str]:
        """Try every unsaved document again; what still fails, and why."""
        with self._writing:
            for name in list(self._pending):
                self._save(name)
            return dict(self._failing)

    def health(self) -> dict[str, Any]:
        """``{"writes": "ok"}``, or which files could not be saved since when, and why."""
        with self._writing:
            if not self._failing:
                return {"writes": "ok"}
            return {"writes": "failing", "since": self._since, "failing": dict(self._failing)}

    def _save(self, name: str) -> bool:
        try:
            self._pending[name]()
        except OSError as exc:
            why = exc.strerror or type(exc).__name__
            if self._failing.get(name) != why:
                log.error(
                    "could not save %s (%s): kept in memory, trying again every %ss",
                    _shown(self.path / name),
                    why,
                    RETRY_SECONDS,
                )
            self._failing[name] = why
            self._since = self._since or now_stamp()
            self._start_retrying()
            return False
        del self._pending[name]
        if self._failing.pop(name, None) is not None:
            log.warning("saved %s again", _shown(self.path / name))
        if not self._failing:
            self._since = None
        return True

    def _start_retrying(self) -> None:
        if self._retrying is not None and self._retrying.is_alive():
            return
        self._retrying = threading.Thread(target=self._retry, name="state-retry", daemon=True)
        self._retrying.start()

    def _retry(self) -> None:
        while not self._closed.wait(RETRY_SECONDS):
            if not self.flush():
                return


def _write_atomically(root: Path, name: str, text: str) -> None:
    target = root / name
    fd, temporary = tempfile.mkstemp(dir=root, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _shown(path: Path) -> str:
    return printable(str(path))


def _kind(data: object) -> str:
    names: dict[type, str] = {list: "a list", str: "a string", bool: "true or false"}
    if data is None:
        return "null"
    return names.get(type(data), "a number")
