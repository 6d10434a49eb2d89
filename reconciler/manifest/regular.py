"""Reading one file safely: a regular file only, up to a size limit (a FIFO would block a read
forever, a device never ends)."""

from __future__ import annotations

import os
import stat

#: Larger files are refused unread: the biggest real manifest is a few kilobytes.
MAX_FILE_BYTES = 10 * 1024 * 1024


class NotReadable(Exception):
    """A path that is not something a manifest can be (a folder, a FIFO, a device, too big)."""


def read_regular(path: str, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; NotReadable or OSError if not."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then says what it is.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)  # looked at before fdopen, which refuses a directory in words of its own
        if stat.S_ISDIR(mode):
            raise NotReadable("this is a directory, not a file")
        raise NotReadable("not a regular file (a FIFO, socket or device is never read)")
    with os.fdopen(fd, "rb") as handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise NotReadable(f"the file is larger than {limit // (1024 * 1024)} MB")
    return raw
