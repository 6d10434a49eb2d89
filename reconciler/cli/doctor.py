"""``reconcile doctor``: read-only checks of the Box account the config reaches."""

from __future__ import annotations

import os
from enum import Enum
from typing import Annotated

import typer

from reconciler.cli.app import app
from reconciler.cli.options import (
    AsUserOpt,
    BaseUrlOpt,
    ConfigOpt,
    PathsArg,
    box_settings,
    info,
    load_desired,
    product_stream,
)
from reconciler.errors import ExitCode


class DoctorFormat(str, Enum):
    TEXT = "text"
    JSON = "json"


@app.command("doctor", short_help="Check the Box account: rights, ownership, streams, clock.")
def doctor_command(
    paths: PathsArg = None,
    config: ConfigOpt = None,
    base_url: BaseUrlOpt = None,
    as_user: AsUserOpt = None,
    output: Annotated[
        DoctorFormat, typer.Option("--format", help="text for people, json for machines.")
    ] = DoctorFormat.TEXT,
) -> None:
    """Check, read-only, what the Box account of this config can do, each as ✔ (ok), ✘ (fails)
    or ? (could not tell) with a line of detail and, when not ✔, the fix.

    The checks: the credentials work, and who the account is; it may read the enterprise
    stream and manage webhooks; it owns every delivered folder and file (on the changes stream
    collaboration events reach the owner only); what a task listing returns without and with
    fields; what an empty page of the enterprise stream carries as next_stream_position; Box's
    long-poll server is reachable from this host; this host's clock against Box's Date; the
    webhooks in use against Box's 1,000 per application and user; and the watch.stream_type
    that suits this account. Writes nothing to Box. In a repository with no manifests yet (no
    deliveries/, or nothing in it), it checks the account alone.

    \b
    Examples (against 'reconcile sandbox serve --seed sample', in this repository):
      export BOX_BASE_URL=http://127.0.0.1:8080 BOX_DEVELOPER_TOKEN=sandbox
      reconcile doctor                        # every check, with the fixes
      reconcile doctor --format json          # the same, as one JSON document
      reconcile doctor --as-user 10002        # as Maya: no admin, owns no delivered folder

    Exit codes: 0 nothing failed, 1 a check failed, 3 invalid input (manifests, config or
    Box settings).
    """
    from reconciler.doctor import diagnose
    from reconciler.manifest.service import load_service
    from reconciler.render.doctor import render
    from reconciler.session import workflow

    if workflow.has_deliveries(paths):
        desired, _ = load_desired(paths, config, None)
    else:
        desired = workflow.load_settings_only(config)
        info("No manifests under deliveries/ yet: checking the account alone.")
    service = load_service(config, os.environ)
    settings = box_settings(base_url, as_user)
    connection = workflow.connect(settings, desired.policy)
    diagnosis = diagnose(
        connection,
        desired.state,
        service,
        as_user=settings.as_user,
        concurrency=desired.policy.concurrency,
    )
    stdout, color = product_stream()
    render(diagnosis, stdout, format=output.value, color=color)
    stdout.flush()
    if not diagnosis.ok:
        raise typer.Exit(ExitCode.ERROR)
