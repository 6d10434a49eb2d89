"""Which files are manifests: the files under the given paths, each folder and link looked at."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from reconciler.errors import UsageError, printable
from reconciler.manifest.config import is_config_name

MANIFEST_SUFFIXES = (".yaml", ".yml")
#: Why a manifest that resolves outside is refused; its content is never read, nor quoted.
OUTSIDE = (
    "this manifest is a link to a file outside the repository and the given paths; it is not read"
)


@dataclass
class Found:
    """The manifests under some paths, and every path there that could not be looked at."""

    files: list[str] = field(default_factory=list)
    #: (path, why): a folder that cannot be listed, a link that leads outside, ...
    refused: list[tuple[str, str]] = field(default_factory=list)


def find_manifests(paths: Iterable[str]) -> list[str]:
    """Expand files and directories into manifest paths, as given, sorted and without repeats.

    Raises UsageError for a path that does not exist or a directory with no manifests. Paths
    that could not be looked at are left out here: ``scan`` names them.
    """
    return scan(paths).files


def any_manifest(paths: Iterable[str]) -> bool:
    """Whether ``paths`` all exist and hold a manifest (or a path that may be one): False for a
    repository being set up, before its first delivery."""
    try:
        scan(paths)
    except UsageError:
        return False
    return True


def scan(paths: Iterable[str]) -> Found:
    """Like find_manifests, also naming each folder that cannot be listed and each manifest that
    resolves outside the repository and the given paths: nothing is skipped unseen."""
    given = list(paths)
    allowed = _allowed_roots(given)
    found = Found()
    for path in given:
        if os.path.isdir(path):
            before = len(found.files) + len(found.refused)
            _walk(os.path.normpath(path), found, set())
            if len(found.files) + len(found.refused) == before:
                raise UsageError(f"no manifests (*.yaml, *.yml) found in {printable(path)}")
        elif os.path.lexists(path):
            found.files.append(path)
        else:
            raise UsageError(f"no such file or directory: {printable(path)}")
    kept: list[str] = []
    seen: set[str] = set()
    for file in found.files:
        real = os.path.realpath(file)
        if not _inside(real, allowed):
            found.refused.append((file, OUTSIDE))
        elif real not in seen:
            seen.add(real)
            kept.append(file)
    found.files = kept
    return found


def _walk(directory: str, found: Found, visited: set[str]) -> None:
    real = os.path.realpath(directory)
    if real in visited:  # a link back up the tree
        return
    visited.add(real)
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as err:
        # A folder that cannot be listed may hold deliveries: never pass it by in silence.
        found.refused.append((directory, f"cannot list this folder: {_reason(err)}"))
        return
    folders: list[str] = []
    for entry in entries:
        if entry.name.startswith("."):  # .git, .venv, editors' files: never deliveries
            continue
        if is_config_name(entry.name):  # the config reader's to judge, whatever it is
            continue
        try:
            is_dir = entry.is_dir()  # follows a link, as os.walk's listing does
        except OSError as err:
            found.refused.append((entry.path, f"cannot look at this path: {_reason(err)}"))
            continue
        if is_dir:
            folders.append(entry.path)
        elif entry.name.endswith(MANIFEST_SUFFIXES):
            found.files.append(entry.path)
    for folder in folders:  # a folder's own files first, then its folders'
        _walk(folder, found, visited)


def _allowed_roots(given: list[str]) -> list[str]:
    """Where a manifest may resolve to: the repository around the working directory (or the
    working directory), and each given folder or given file's folder."""
    roots = [_repository_root(os.getcwd())]
    for path in given:
        folder = path if os.path.isdir(path) and not os.path.islink(path) else os.path.dirname(path)
        roots.append(os.path.realpath(folder or "."))
    return roots


def _repository_root(start: str) -> str:
    here = os.path.realpath(start)
    probe = here
    while True:
        if os.path.lexists(os.path.join(probe, ".git")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            return here
        probe = parent


def _inside(real: str, roots: list[str]) -> bool:
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _reason(err: OSError) -> str:
    return err.strerror or type(err).__name__
