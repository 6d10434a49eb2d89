"""Gitignore-style globs on file paths below a delivered folder (``approval.include``/``exclude``).

A pattern is matched against the whole path, anchored at the delivered folder (as if it began
with ``/``). ``*``, ``?`` and ``[...]`` stay inside one folder name; a ``**`` segment spans folders:
``**/x`` matches ``x`` at any depth including the top, ``a/**/b`` matches ``a/b`` and ``a/x/y/b``,
``a/**`` matches everything inside ``a``. ``**`` inside a name acts as ``*``, as in gitignore.
A trailing ``/`` names folders only, and a ``[`` never closed or a reversed range (``[z-a]``)
makes the pattern invalid: neither matches any file, and ``reconcile validate`` says so (through
``problem``, which runs this module's own compiler). ``\\`` escapes a character.

Matching ignores case: Box refuses two names in a folder that differ only in case, and a camera's
``HERO.JPG`` is what ``**/*.jpg`` means to the person who wrote it.

Matching never backtracks more than one step: a name is matched against its pattern segment with
the classic one-star-remembered wildcard walk, and folders against ``**`` the same way, so the work
is bounded by (pattern length x path length), whatever the pattern (``*a*a*a*a*b`` included).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar


class GlobError(ValueError):
    """Why a pattern can never match a file."""


@dataclass(frozen=True)
class _Star:
    """``*`` inside a name, or ``**`` as a whole segment (any number of folders)."""


@dataclass(frozen=True)
class _Char:
    """One character: a literal, ``?`` (``anything``) or a ``[...]`` class."""

    literal: str = ""
    anything: bool = False
    ranges: tuple[tuple[str, str], ...] = ()
    negated: bool = False

    def accepts(self, char: str) -> bool:
        if self.anything:
            return True
        if not self.ranges:
            return char.lower() == self.literal
        variants = {char, char.lower(), char.upper()}
        inside = any(low <= c <= high for low, high in self.ranges for c in variants)
        return inside != self.negated


STAR = _Star()
_Name = tuple[_Star | _Char, ...]


@dataclass(frozen=True)
class Glob:
    """A compiled pattern: folder segments, each ``STAR`` (``**``) or a name's tokens."""

    segments: tuple[_Star | _Name, ...]

    def matches(self, path: str) -> bool:
        return _wildcard(self.segments, path.split("/"), _name_matches)


def problem(pattern: str) -> str | None:
    """Why ``pattern`` can never match a file, or None when it is a usable glob."""
    try:
        compile_glob(pattern)
    except GlobError as err:
        return str(err)
    return None


def matches(pattern: str, path: str) -> bool:
    """Whether the file at ``path`` ("sub/x.jpg") is selected by ``pattern``."""
    try:
        glob = compile_glob(pattern)
    except GlobError:
        return False
    return glob.matches(path)


def selected(path: str, include: Iterable[str], exclude: Iterable[str]) -> bool:
    """Included (by default everything) and not excluded."""
    patterns = tuple(include)
    if patterns and not any(matches(p, path) for p in patterns):
        return False
    return not any(matches(p, path) for p in exclude)


@lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> Glob:
    """The one compiler behind both matching and validation; raises GlobError."""
    if not pattern.strip():
        raise GlobError("it is empty")
    if pattern.endswith("/"):
        raise GlobError(
            "a trailing '/' matches folders only (write 'folder/**' for the files inside)"
        )
    if "//" in pattern:
        raise GlobError("'//' names a folder with no name")
    parts = _collapse(pattern.lstrip("/").split("/"))
    if any(part in (".", "..") for part in parts):
        raise GlobError("paths are below the delivered folder and never contain '.' or '..'")
    segments: list[_Star | _Name] = [STAR if part == "**" else _name(part) for part in parts]
    if segments[-1] is STAR:
        # "x/**" and "**" alone select what is inside: at least one more name.
        segments.append((STAR,))
    return Glob(tuple(segments))


def _collapse(segments: list[str]) -> list[str]:
    """``**/**`` means no more than ``**``."""
    out: list[str] = []
    for segment in segments:
        if not (segment == "**" and out and out[-1] == "**"):
            out.append(segment)
    return out


def _name(segment: str) -> _Name:
    """One folder or file name: ``*`` and ``?`` never cross a ``/``."""
    out: list[_Star | _Char] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            if not out or out[-1] is not STAR:  # "**" inside a name is one "*"
                out.append(STAR)
        elif char == "?":
            out.append(_Char(anything=True))
        elif char == "\\" and i + 1 < len(segment):
            i += 1
            out.append(_Char(literal=segment[i].lower()))
        elif char == "[":
            end = _class_end(segment, i)
            out.append(_char_class(segment[i + 1 : end]))
            i = end
        else:
            out.append(_Char(literal=char.lower()))
        i += 1
    return tuple(out)


def _class_end(segment: str, start: int) -> int:
    """Index of the ``]`` closing the class opened at ``start``; a ``]`` first is a member."""
    i = start + 1
    if i < len(segment) and segment[i] in "!^":
        i += 1
    if i < len(segment) and segment[i] == "]":
        i += 1
    end = segment.find("]", i)
    if end < 0:
        raise GlobError("a '[' opens a character class that is never closed")
    return end


def _char_class(body: str) -> _Char:
    negated = body[:1] in ("!", "^")
    if negated:
        body = body[1:]
    ranges: list[tuple[str, str]] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            low, high = body[i], body[i + 2]
            if low > high:
                raise GlobError(f"the range '{low}-{high}' is reversed (write '{high}-{low}')")
            ranges.append((low, high))
            i += 3
        else:
            ranges.append((body[i], body[i]))
            i += 1
    return _Char(ranges=tuple(ranges), negated=negated)


def _name_matches(pattern: _Star | _Name, name: str) -> bool:
    assert pattern is not STAR  # STAR segments are handled by the walk itself
    return _wildcard(pattern, name, _char_matches)  # type: ignore[arg-type]


def _char_matches(token: _Star | _Char, char: str) -> bool:
    return isinstance(token, _Char) and token.accepts(char)


Unit = TypeVar("Unit")
Token = TypeVar("Token")


def _wildcard(
    tokens: Sequence[Token], units: Sequence[Unit], accepts: Callable[[Token, Unit], bool]
) -> bool:
    """Whether ``units`` match ``tokens``, where ``STAR`` takes any run of units.

    Only the latest star is ever revisited: whatever an earlier star could have taken, the
    later one can take as well, so one remembered position is enough (no exponential search).
    """
    t = u = 0
    star_t, star_u = -1, 0
    while u < len(units):
        if t < len(tokens) and tokens[t] is STAR:
            star_t, star_u = t, u
            t += 1
        elif t < len(tokens) and accepts(tokens[t], units[u]):
            t += 1
            u += 1
        elif star_t >= 0:
            star_u += 1
            t, u = star_t + 1, star_u
        else:
            return False
    while t < len(tokens) and tokens[t] is STAR:
        t += 1
    return t == len(tokens)
