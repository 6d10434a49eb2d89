"""The one way reconciler colours text for a terminal: a tint by name, painted with click's ANSI
styles (``typer.style``), or left plain when colour is off."""

from __future__ import annotations

import typer

#: Tints that are not colours but weights.
_WEIGHTS = ("bold", "dim")


def paint(text: str, tint: str | None, *, color: bool, bold: bool = False) -> str:
    """``text`` in ``tint`` (a colour name such as ``green``, or ``bold`` / ``dim``)."""
    if not color or (tint is None and not bold):
        return text
    if tint in _WEIGHTS:
        return typer.style(text, bold=(bold or tint == "bold") or None, dim=tint == "dim" or None)
    return typer.style(text, fg=tint, bold=bold or None)
