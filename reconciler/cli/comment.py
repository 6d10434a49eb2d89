"""``reconcile comment``: the plan as one sticky pull-request comment (or merge-request note)."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from reconciler import __version__
from reconciler.cli.app import app
from reconciler.cli.options import (
    AsUserOpt,
    BaseUrlOpt,
    ChangedSinceOpt,
    ConfigOpt,
    PathsArg,
    info,
    manifest_changes,
    open_session,
    save_plan,
    utf8,
)
from reconciler.errors import ForgeError, ManifestError, ReadError

if TYPE_CHECKING:
    from reconciler.forge.ci import Post
    from reconciler.render.comment import Context
    from reconciler.session import workflow

#: Big enough for any plan: the job summary takes up to 1 MiB.
UNCUT = 1 << 20


GitLabOpt = Annotated[
    bool,
    typer.Option(
        "--gitlab",
        help="Post a merge-request note (CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID, "
        "and a token in RECONCILE_GITLAB_TOKEN or GITLAB_TOKEN).",
    ),
]
RepoOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at run time (py3.10)
    typer.Option("--repo", metavar="OWNER/NAME", help="The GitHub repository.", show_default=False),
]
PrOpt = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option("--pr", metavar="N", help="The pull request number.", show_default=False),
]
ArtifactOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--out",
        metavar="FILE",
        help="Also save the JSON plan here (an artifact).",
        show_default=False,
    ),
]


@app.command(
    "comment", short_help="Post the plan as one sticky pull-request comment (GitHub, GitLab)."
)
def comment_command(
    paths: PathsArg = None,
    config: ConfigOpt = None,
    changed_since: ChangedSinceOpt = None,
    gitlab: GitLabOpt = False,
    repo: RepoOpt = None,
    pr: PrOpt = None,
    out: ArtifactOpt = None,
    base_url: BaseUrlOpt = None,
    as_user: AsUserOpt = None,
) -> None:
    """Post the plan as one pull-request comment, edited in place on every push.

    The comment is found again by its <!-- reconcile-plan --> marker. Invalid manifests make
    the comment the validation report, and the command exits 3. A pull request from a fork,
    whose token cannot write, gets the plan in the job summary and the log instead.

    \b
    Examples:
      reconcile comment --changed-since "$BASE_SHA" --out plan.json    # in GitHub Actions
      reconcile comment --repo octo/deliveries --pr 7                  # outside an event
      reconcile comment --gitlab --changed-since "$CI_MERGE_REQUEST_DIFF_BASE_SHA"

    GitHub: GITHUB_API_URL and GITHUB_TOKEN (pull-requests: write); the pull request of
    GITHUB_EVENT_PATH unless --repo and --pr are given.
    Exit codes: 0 posted, 1 Box or forge error, 3 invalid manifests or usage.
    """
    from reconciler.forge.ci import planned_commit, post_from_ci
    from reconciler.render.comment import Context, plan_comment

    env = os.environ
    if (repo is None) != (pr is None):
        raise typer.BadParameter("--repo and --pr go together")
    post = post_from_ci(env, gitlab, repo, pr)
    context = Context(
        version=__version__, time=datetime.now(timezone.utc), commit=planned_commit(env)
    )
    desired, context = _checked(paths, config, changed_since, context, post)
    session = open_session(desired, base_url, as_user)
    reading = session.read()
    if reading.left_out:  # a comment speaks for every delivery it names, or is not posted
        why = [line for left in reading.left_out for line in left.reasons]
        raise ReadError("Could not read from Box:\n  " + "\n  ".join(why))
    live = reading.live
    plan = session.plan(reading)
    context = replace(context, login=live.me.login)
    if out is not None:
        save_plan(plan, out)
    _publish(plan_comment(plan, context), plan_comment(plan, context, limit=UNCUT), post)


def _checked(
    paths: list[str] | None,
    config: str | None,
    changed_since: str | None,
    context: Context,
    post: Post,
) -> tuple[workflow.Desired, Context]:
    """The manifests to plan, narrowed with ``--changed-since``; invalid ones are posted as the
    validation report, then raised."""
    from reconciler.manifest import DEFAULT_PATHS, check
    from reconciler.manifest.git import only_affected
    from reconciler.render.comment import validation_comment
    from reconciler.session import workflow

    result = check(paths or list(DEFAULT_PATHS), config)
    changes = manifest_changes(paths, config, changed_since)
    if changes is not None:
        result = only_affected(result, changes)
        context = replace(context, changed_since=changes.ref, deleted=changes.deleted)
    if result.problems:
        body = validation_comment(result.problems, len(result.files), context)
        _publish(body, body, post)
        raise ManifestError(list(result.problems))
    desired = workflow.Desired(result.state, result.policy, result.files)
    if changes is not None:
        desired = workflow.narrow(desired, changes)
    return desired, context


def _publish(body: str, full: str, post: Post) -> None:
    """The comment to stdout and the thread; the whole plan to the job summary."""
    from reconciler.forge import post_sticky
    from reconciler.forge.ci import write_job_summary
    from reconciler.render.markdown import MARKER

    stdout = utf8(sys.stdout)
    stdout.write(body)
    stdout.flush()
    problem = write_job_summary(full, os.environ)
    if problem is not None:
        info(problem)
    thread = post.thread
    if thread is None:
        info(f"Not commenting ({post.why_not}): the plan is in the job summary and the log above.")
        return
    try:
        posted = post_sticky(thread, body, MARKER)
    except ForgeError as err:
        if post.refusal_expected and err.status in (401, 403, 404):
            info(
                f"Not commenting: {err}. A pull request from a fork gets a read-only token; "
                "the plan is in the job summary and the log above."
            )
            return
        raise
    verb = "Posted" if posted.created else "Updated"
    info(f"{verb} the plan comment on {thread.where} (comment {posted.comment.id}).")
