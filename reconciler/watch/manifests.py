"""Noticing that the manifests or reconcile.yaml changed on disk: a fingerprint of the files
found (names, sizes, modification times), cheap enough to take every few seconds."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable

from reconciler.errors import ReconcilerError
from reconciler.manifest import DEFAULT_PATHS
from reconciler.manifest.config import CONFIG_FILE_NAME
from reconciler.manifest.files import find_manifests


def fingerprint(paths: Iterable[str] | None, config_path: str | None) -> str:
    try:
        files = find_manifests(list(paths or DEFAULT_PATHS))
    except ReconcilerError:  # a directory gone mid-edit is a change, not a crash
        files = []
    digest = hashlib.sha256()
    for name in [*sorted(files), config_path or CONFIG_FILE_NAME]:
        try:
            info = os.stat(name)
        except OSError:
            digest.update(f"{name}\0missing\n".encode())
            continue
        digest.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()
