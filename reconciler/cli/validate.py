"""``reconcile validate``: schema, cross-file and policy checks of the manifests, no Box calls."""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated, TextIO

import typer

from reconciler.cli.app import app
from reconciler.cli.options import ConfigOpt, PathsArg, use_color, utf8
from reconciler.errors import Problem
from reconciler.manifest import DEFAULT_PATHS, Validation, check

#: Exit code for manifests with problems (the documented exit code for invalid input).
INVALID_EXIT_CODE = 3


class OutputFormat(str, Enum):
    TEXT = "text"
    JSON = "json"


@app.command()
def validate(
    paths: PathsArg = None,
    config: ConfigOpt = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="text for people, json for machines.")
    ] = OutputFormat.TEXT,
) -> None:
    """Check manifests against the schema, each other and the repo policy. No Box calls.

    Prints every problem as FILE:LINE:COL: message, then a summary. Exit 0 when clean, 3 when
    any problem was found.

    \b
    Examples:
      reconcile validate                               # every manifest under deliveries/
      reconcile validate deliveries/acme --format json # for a CI annotation step
      reconcile validate --config ci/reconcile.yaml
    """
    result = check(paths or list(DEFAULT_PATHS), config)
    out = utf8(sys.stdout)
    if output is OutputFormat.JSON:
        render_json(result, out)
    else:
        render_text(result, out, color=use_color(out))
    if result.problems:
        raise typer.Exit(INVALID_EXIT_CODE)


def render_text(result: Validation, out: TextIO, *, color: bool) -> None:
    for problem in result.problems:
        out.write(_line(problem, color) + "\n")
    out.write(summary(result) + "\n")


def _line(problem: Problem, color: bool) -> str:
    where = f"{problem.file}:{problem.line}:{problem.column}:"
    code = f"[{problem.code}]"
    if color:
        where = typer.style(where, bold=True)
        code = typer.style(code, fg=typer.colors.RED)
    return f"{where} {problem.message} {code}"


def summary(result: Validation) -> str:
    manifests = _count(len(result.files), "manifest")
    if not result.problems:
        return f"OK: {manifests} valid, no problems."
    broken = len({p.file for p in result.problems})
    return f"Found {_count(len(result.problems), 'problem')} in {broken} of {manifests}" + (
        " (counting the config)." if broken > len(result.files) else "."
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def render_json(result: Validation, out: TextIO) -> None:
    document = {
        "valid": not result.problems,
        "manifests": list(result.files),
        "problems": [p.to_dict() for p in result.problems],
        "summary": summary(result),
    }
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")
