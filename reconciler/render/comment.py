"""The sticky pull-request comment: the plan (or the validation report) as one Markdown body
that always fits in one GitHub comment, cut delivery by delivery when it would not."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from reconciler.errors import Problem
from reconciler.manifest.git import END_ON_PURPOSE, STAYS, DeletedManifest
from reconciler.plan import Plan
from reconciler.render.markdown import (
    MARKER,
    code_span,
    delivery_section,
    inline,
    unmanaged_section,
)
from reconciler.render.text import by_delivery, counts_words

#: GitHub refuses a comment body of 65,536 characters or more.
GITHUB_LIMIT = 65_536
#: Room kept below the limit for the line that says what was left out.
_RESERVE = 600


@dataclass(frozen=True)
class Context:
    """What the comment says about the run besides the plan."""

    version: str
    time: datetime
    commit: str | None = None
    login: str | None = None  # the Box account read (never a token)
    changed_since: str | None = None
    deleted: tuple[DeletedManifest, ...] = field(default=())
    #: where the whole plan can be read when the comment had to be cut
    full_plan_at: str = "the job summary and the `reconcile-plan` artifact"


def headline(plan: Plan) -> str:
    if not (plan.has_changes or plan.waiting):
        return "No changes."
    return counts_words(plan)


def plan_comment(plan: Plan, context: Context, limit: int = GITHUB_LIMIT) -> str:
    """The plan comment; sections that would pass ``limit`` are left out, and it says so."""
    head = "\n".join(_head(plan, context)) + "\n"
    foot = "\n".join(_footer(plan)) + "\n"
    sections = [
        "\n".join(delivery_section(delivery, changes)) + "\n"
        for delivery, changes in by_delivery(plan).items()
    ]
    unmanaged = "\n".join(unmanaged_section(plan))
    if unmanaged:
        sections.append(unmanaged + "\n")
    budget = limit - _RESERVE - len(head) - len(foot)
    kept: list[str] = []
    for section in sections:
        if len(section) > budget:
            break
        kept.append(section)
        budget -= len(section)
    body = head + "".join(kept)
    left_out = len(sections) - len(kept)
    if left_out:
        body += (
            f"\n> **{left_out} of {len(sections)} sections left out** to stay under GitHub's "
            f"{GITHUB_LIMIT:,}-character limit for one comment. The full plan is in "
            f"{context.full_plan_at}.\n"
        )
    return body + foot


def _head(plan: Plan, context: Context) -> Iterator[str]:
    yield MARKER
    yield f"## reconcile plan: {headline(plan)}"
    yield ""
    if plan.to_remove:
        yield "> [!CAUTION]"
        yield (
            f"> 🔴 **This plan removes {plan.to_remove} "
            f"{'access' if plan.to_remove == 1 else 'accesses'} from Box.** Check every `-` line."
        )
        yield ""
    yield from _deleted(context.deleted)
    yield _meta(context)
    if context.changed_since:
        yield ""
        yield (
            f"Planned: the deliveries changed since {code_span(context.changed_since[:12])} "
            "and every delivery that shares a folder, file or hub with them."
        )


def _deleted(deleted: Iterable[DeletedManifest]) -> Iterator[str]:
    for manifest in deleted:
        yield "> [!WARNING]"
        which = inline(manifest.path)
        if manifest.name:
            which = f"{which} (delivery {inline(manifest.name)})"
        yield f"> 🔴 **{which} was deleted: {STAYS} {END_ON_PURPOSE}**"
        yield ""


def _meta(context: Context) -> str:
    parts = []
    if context.commit:
        parts.append(f"commit {code_span(context.commit[:12])}")
    parts.append(f"reconciler {context.version}")
    if context.login:
        parts.append(f"Box account {code_span(context.login)}")
    parts.append(context.time.strftime("%Y-%m-%d %H:%M UTC"))
    return " · ".join(parts)


def _footer(plan: Plan) -> Iterator[str]:
    yield ""
    yield "---"
    if plan.has_changes:
        yield (
            "**Merging** this pull request applies these changes to Box (the merge run plans "
            "the merged commit again and applies that). Nothing changes in Box before then."
        )
    else:
        yield "Merging this pull request changes nothing in Box."


def validation_comment(
    problems: Iterable[Problem], files: int, context: Context, limit: int = GITHUB_LIMIT
) -> str:
    """The validation report as the comment: nothing was planned, and this is why."""
    rows = list(problems)
    broken = len({p.file for p in rows})
    head = [
        MARKER,
        "## reconcile: the manifests are invalid",
        "",
        f"**{len(rows)} {'problem' if len(rows) == 1 else 'problems'} in {broken} of {files} "
        "files.** Nothing was planned; fix these and push again.",
        "",
        _meta(context),
        "",
        "| where | problem |",
        "|---|---|",
    ]
    body = "\n".join(head) + "\n"
    shown = 0
    for problem in rows:
        where = code_span(f"{problem.file}:{problem.line}:{problem.column}", in_table=True)
        row = f"| {where} | {_cell(problem)} |\n"
        if len(body) + len(row) > limit - _RESERVE:
            break
        body += row
        shown += 1
    if shown < len(rows):
        body += f"\n> {len(rows) - shown} more problems left out; `reconcile validate` lists all.\n"
    return body


def _cell(problem: Problem) -> str:
    # Messages quote what people wrote (a key, a value): literal text, never Markdown.
    return f"{inline(problem.message)} {code_span(f'[{problem.code}]', in_table=True)}"
