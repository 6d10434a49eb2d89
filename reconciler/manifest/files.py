"""Which files are manifests, and reading one safely: regular files only, up to a size limit."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator

from reconciler.errors import UsageError, printable

MANIFEST_SUFFIXES = (".yaml", ".yml")
CONFIG_FILE_NAME = "reconcile.yaml"
#: Larger files are refused unread: the biggest real manifest is a few kilobytes.
MAX_FILE_BYTES = 10 * 1024 * 1024


class NotReadable(Exception):
    """A path that is not something a manifest can be (a folder, a FIFO, a device, too big)."""


def read_regular(path: str) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES; NotReadable or OSError if not."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then says what it is.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise NotReadable("this is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise NotReadable("not a regular file (a FIFO, socket or device is never read)")
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise NotReadable(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    return raw


def find_manifests(paths: Iterable[str]) -> list[str]:
    """Expand files and directories into manifest paths, as given, sorted and without repeats.

    Raises UsageError for a path that does not exist or a directory with no manifests.
    """
    found: list[str] = []
    seen: set[str] = set()
    for given in paths:
        if os.path.isdir(given):
            files = list(_walk(given))
            if not files:
                raise UsageError(f"no manifests (*.yaml, *.yml) found in {printable(given)}")
        elif os.path.exists(given):
            files = [given]
        else:
            raise UsageError(f"no such file or directory: {printable(given)}")
        for file in files:
            real = os.path.realpath(file)
            if real not in seen:
                seen.add(real)
                found.append(file)
    return found


def _walk(directory: str) -> Iterator[str]:
    base = os.path.normpath(directory)
    for root, dirs, files in os.walk(base):
        # Hidden directories (.git, .venv, ...) never hold deliveries.
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if (
                name.endswith(MANIFEST_SUFFIXES)
                and not name.startswith(".")
                and name != CONFIG_FILE_NAME
            ):
                yield os.path.join(root, name)
