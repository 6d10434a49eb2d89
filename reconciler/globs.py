"""Gitignore-style globs on file paths below a delivered folder (``approval.include``/``exclude``).

A pattern is matched against the whole path, anchored at the delivered folder (as if it began
with ``/``). ``*``, ``?`` and ``[...]`` stay inside one folder name; a ``**`` segment spans folders:
``**/x`` matches ``x`` at any depth including the top, ``a/**/b`` matches ``a/b`` and ``a/x/y/b``,
``a/**`` matches everything inside ``a``. ``**`` inside a name acts as ``*``, as in gitignore.
A trailing ``/`` names folders only, and a ``[`` never closed makes the pattern invalid (as in
git): neither matches any file, and ``reconcile validate`` says so. ``\\`` escapes a character.

Matching ignores case: Box refuses two names in a folder that differ only in case, and a camera's
``HERO.JPG`` is what ``**/*.jpg`` means to the person who wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_NEVER = re.compile(r"(?!)")


def matches(pattern: str, path: str) -> bool:
    """Whether the file at ``path`` ("sub/x.jpg") is selected by ``pattern``."""
    return _compile(pattern).fullmatch(path) is not None


def selected(path: str, include: Iterable[str], exclude: Iterable[str]) -> bool:
    """Included (by default everything) and not excluded."""
    patterns = tuple(include)
    if patterns and not any(matches(p, path) for p in patterns):
        return False
    return not any(matches(p, path) for p in exclude)


@lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    if not pattern.strip() or pattern.endswith("/"):
        return _NEVER
    segments = _collapse(pattern.lstrip("/").split("/"))
    pieces: list[str] = []
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        if segment == "**":
            pieces.append(_any_folders(index, last))
            continue
        if index > 0 and segments[index - 1] != "**":
            pieces.append("/")
        name = _segment(segment)
        if name is None:
            return _NEVER
        pieces.append(name)
    return re.compile("".join(pieces), re.IGNORECASE | re.DOTALL)


def _collapse(segments: list[str]) -> list[str]:
    """``**/**`` means no more than ``**``."""
    out: list[str] = []
    for segment in segments:
        if not (segment == "**" and out and out[-1] == "**"):
            out.append(segment)
    return out


def _any_folders(index: int, last: int) -> str:
    if index == last == 0:
        return ".+"  # "**" alone: every file
    if index == 0:
        return "(?:[^/]+/)*"  # leading "**/": zero or more folders
    if index == last:
        return "/.+"  # trailing "/**": everything inside
    return "/(?:[^/]+/)*"  # "/**/": zero or more folders between


def _segment(segment: str) -> str | None:
    """One folder or file name: ``*`` and ``?`` never cross a ``/``; None if it is invalid."""
    out: list[str] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            while i + 1 < len(segment) and segment[i + 1] == "*":
                i += 1
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and i + 1 < len(segment):
            i += 1
            out.append(re.escape(segment[i]))
        elif char == "[":
            end = _class_end(segment, i)
            if end is None:
                return None
            out.append(_char_class(segment[i + 1 : end]))
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _class_end(segment: str, start: int) -> int | None:
    """Index of the ``]`` closing the class opened at ``start``; a ``]`` first is a member."""
    i = start + 1
    if i < len(segment) and segment[i] in "!^":
        i += 1
    if i < len(segment) and segment[i] == "]":
        i += 1
    end = segment.find("]", i)
    return None if end < 0 else end


def _char_class(body: str) -> str:
    negated = body[:1] in ("!", "^")
    if negated:
        body = body[1:]
    members = "".join("\\" + c if c in "\\^[]" else c for c in body)
    # A negated class must still not match the folder separator.
    return f"[^/{members}]" if negated else f"[{members}]"
