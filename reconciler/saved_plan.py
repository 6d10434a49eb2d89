"""Reading a plan saved by ``reconcile plan --out``: any file, however malformed, is exit 3."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.errors import InputError, printable
from reconciler.manifest.files import NotReadable, read_regular

if TYPE_CHECKING:
    from reconciler.plan import Plan

#: A saved plan nests five levels; far deeper JSON is not a plan (and would exhaust the stack).
MAX_DEPTH = 32


def load_saved_plan(path: Path) -> Plan:
    """The plan in ``path``; InputError (exit 3) naming the file for anything else."""
    name = printable(str(path))
    try:
        raw = read_regular(str(path))
    except NotReadable as exc:
        raise InputError(f"{name}: cannot read the saved plan ({exc})") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read the saved plan ({exc.strerror})") from None
    try:
        document = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise InputError(f"{name}: not a JSON plan (nested too deeply)") from None
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError alike
        raise InputError(f"{name}: not a JSON plan ({printable(str(exc))})") from None
    if not isinstance(document, dict):
        raise InputError(f"{name}: not a JSON plan")
    if _depth(document) > MAX_DEPTH:
        raise InputError(f"{name}: not a JSON plan (nested more than {MAX_DEPTH} levels deep)")
    from reconciler.plan import Plan  # the plan model is only needed once the JSON is sound

    try:
        return Plan.from_dict(document)
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        # A field of the wrong shape (a text where an object belongs, ...): not a plan we wrote.
        raise InputError(f"{name}: saved plan is not readable: {printable(repr(exc))}") from None


def _depth(document: Any) -> int:
    """How deeply lists and objects nest, counted without recursion."""
    deepest = 0
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in _children(value))
    return deepest


def _children(value: dict[str, Any] | list[Any]) -> list[Any]:
    return list(value.values()) if isinstance(value, dict) else value
