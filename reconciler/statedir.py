"""The state directory of ``reconcile watch`` and ``reconcile notify``: one owner at a time,
JSON documents written atomically (a crash leaves the old file or the new one, never half)."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Any

from reconciler.errors import UsageError

DEFAULT_STATE_DIR = ".reconcile"


class StateDir:
    """An open state directory, locked against a second watcher or notifier on the same one."""

    def __init__(self, path: Path, lock: IO[str]) -> None:
        self.path = path
        self._lock = lock

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
        fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)
        self._lock.close()

    def __enter__(self) -> StateDir:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def read(self, name: str) -> dict[str, Any]:
        """The JSON document ``name``; empty when it was never written."""
        try:
            data = json.loads((self.path / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError as exc:
            raise UsageError(f"{self.path / name}: not a state file ({exc})") from None
        return data if isinstance(data, dict) else {}

    def write(self, name: str, document: dict[str, Any]) -> None:
        """Write to a temporary file beside the target, sync it, then rename over the target."""
        target = self.path / name
        fd, temporary = tempfile.mkstemp(dir=self.path, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
