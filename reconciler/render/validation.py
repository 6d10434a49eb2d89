"""The validation report: every problem as FILE:LINE:COL: message [code] and a summary, or one
JSON document for CI annotation steps."""

from __future__ import annotations

from typing import TextIO

from reconciler.errors import Problem
from reconciler.manifest import Validation
from reconciler.render.colour import paint
from reconciler.render.json import write_json


def render_text(result: Validation, out: TextIO, *, color: bool = False) -> None:
    for problem in result.problems:
        out.write(_line(problem, color) + "\n")
    for warning in result.warnings:
        out.write(_line(warning, color, warning=True) + "\n")
    out.write(summary(result) + "\n")


def render_json(result: Validation, out: TextIO) -> None:
    document = {
        "valid": not result.problems,
        "manifests": list(result.files),
        "problems": [p.to_dict() for p in result.problems],
        "warnings": [w.to_dict() for w in result.warnings],
        "summary": summary(result),
    }
    write_json(document, out)


def summary(result: Validation) -> str:
    manifests = _count(len(result.files), "manifest")
    if not result.problems:
        noted = f", {_count(len(result.warnings), 'warning')}" if result.warnings else ""
        return f"OK: {manifests} valid, no problems{noted}."
    broken = len({p.file for p in result.problems})
    return f"Found {_count(len(result.problems), 'problem')} in {broken} of {manifests}" + (
        " (counting the config)." if broken > len(result.files) else "."
    )


def _line(problem: Problem, color: bool, *, warning: bool = False) -> str:
    where = paint(f"{problem.file}:{problem.line}:{problem.column}:", "bold", color=color)
    code = paint(f"[{problem.code}]", "yellow" if warning else "red", color=color)
    kind = paint("warning: ", "yellow", color=color) if warning else ""
    return f"{where} {kind}{problem.message} {code}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
