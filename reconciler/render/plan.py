"""The plan in one of its formats (text, json, markdown), written to the stream it is given."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TextIO

from reconciler.errors import UsageError
from reconciler.plan import Plan
from reconciler.render import json, markdown, text


class Renderer(Protocol):
    def __call__(self, plan: Plan, stream: TextIO, *, color: bool = ...) -> None: ...


FORMATS: Mapping[str, Renderer] = {
    "text": text.render,
    "json": json.render,
    "markdown": markdown.render,
}


def render(plan: Plan, stream: TextIO, *, format: str = "text", color: bool = False) -> None:
    """Write ``plan`` in one of ``FORMATS``; colour applies to text only."""
    try:
        renderer = FORMATS[format]
    except KeyError:
        raise UsageError(f"unknown plan format {format!r}; choose from {sorted(FORMATS)}") from None
    renderer(plan, stream, color=color)
