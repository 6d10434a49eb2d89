"""``reconcile validate``: schema, cross-file and policy checks of the manifests, no Box calls."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from reconciler.cli.app import app
from reconciler.cli.options import (
    ChangedSinceOpt,
    ConfigOpt,
    PathsArg,
    manifest_changes,
    use_color,
    utf8,
)
from reconciler.errors import ExitCode
from reconciler.manifest import DEFAULT_PATHS, check
from reconciler.render.validation import render_json, render_text


class OutputFormat(str, Enum):
    TEXT = "text"
    JSON = "json"


@app.command(short_help="Check the manifests (schema, cross-file, policy); no Box calls.")
def validate(
    paths: PathsArg = None,
    config: ConfigOpt = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="text for people, json for machines.")
    ] = OutputFormat.TEXT,
    changed_since: ChangedSinceOpt = None,
) -> None:
    """Check manifests against the schema, each other and the repo policy. No Box calls.

    Prints every problem as FILE:LINE:COL: message, then a summary. Exit 0 when clean, 3 when
    any problem was found.

    \b
    Examples:
      reconcile validate                               # every manifest under deliveries/
      reconcile validate deliveries/acme --format json # for a CI annotation step
      reconcile validate --config ci/reconcile.yaml
      reconcile validate --changed-since origin/main   # what a pull request touches
    """
    result = check(paths or list(DEFAULT_PATHS), config)
    changes = manifest_changes(paths, config, changed_since)
    if changes is not None:
        from reconciler.manifest.git import only_affected

        result = only_affected(result, changes)
    out = utf8(sys.stdout)
    if output is OutputFormat.JSON:
        render_json(result, out)
    else:
        render_text(result, out, color=use_color(out))
    if result.problems:
        raise typer.Exit(ExitCode.INVALID_INPUT)
