"""The plan as one pull-request comment: a summary table, then one folded section per delivery."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TextIO

from reconciler.plan import Action, Change, Plan
from reconciler.render.text import (
    NO_CHANGES,
    by_delivery,
    by_item,
    change_line,
    counts_words,
    item_title,
    plan_line,
    unmanaged_line,
    unmanaged_title,
)

MARKER = "<!-- reconcile-plan -->"
#: GitHub refuses comments above 65,536 characters; stay clear of it with room for the note.
LIMIT = 65_000
TRUNCATED = (
    "> **This plan is too long for one comment and was cut here.** Run `reconcile plan` "
    "(or `--format json`) to see all of it."
)
_FENCE = "```"


def render(plan: Plan, stream: TextIO, *, color: bool = False) -> None:
    del color  # Markdown has no colour of its own; the diff fences colour the lines.
    stream.write(document(plan))


def document(plan: Plan, limit: int = LIMIT) -> str:
    text = "\n".join(_lines(plan)) + "\n"
    return text if len(text) < limit else _truncate(text, limit)


def _lines(plan: Plan) -> Iterator[str]:
    yield MARKER
    yield "## reconcile plan"
    yield ""
    if not plan.changes:
        yield NO_CHANGES
        return
    yield (
        "| delivery | changes to add | to change | to remove | to resend | waiting for acceptance "
        "| unmanaged |"
    )
    yield "|---|---:|---:|---:|---:|---:|---:|"
    for delivery in plan.deliveries():
        counts = Plan(tuple(c for c in plan.changes if c.delivery == delivery)).summary()
        yield f"| `{delivery}` | " + " | ".join(str(n) for n in counts.values()) + " |"
    if len(plan.deliveries()) > 1:
        yield "| **total** | " + " | ".join(f"**{n}**" for n in plan.summary().values()) + " |"
    yield ""
    yield f"**{plan_line(plan)}**" if (plan.has_changes or plan.waiting) else NO_CHANGES
    for delivery, changes in by_delivery(plan).items():
        yield from delivery_section(delivery, changes)
    yield from unmanaged_section(plan)


def unmanaged_section(plan: Plan) -> Iterator[str]:
    """One folded list of the collaborators no manifest declares (nothing when there are none)."""
    unmanaged = [c for c in plan.changes if c.action is Action.UNMANAGED]
    if unmanaged:
        yield ""
        title = unmanaged_title(unmanaged, "unmanaged ")
        yield f"<details><summary>{title}, left alone</summary>"
        yield ""
        yield _FENCE
        yield from (_safe(unmanaged_line(c)) for c in unmanaged)
        yield _FENCE
        yield ""
        yield "</details>"


def delivery_section(delivery: str, changes: list[Change]) -> Iterator[str]:
    """One delivery's changes as a folded diff block, its counts in the summary line."""
    counts = Plan(tuple(changes))
    yield ""
    yield f"<details><summary><b>{delivery}</b>: {counts_words(counts)}</summary>"
    yield ""
    yield f"{_FENCE}diff"
    for item, item_changes in by_item(changes).items():
        yield f"@@ {_safe(item_title(item, item_changes[0].item_name))} @@"
        for change in item_changes:
            # The diff fence colours lines by their first character: + green, - red, ! orange.
            line = change_line(change)
            if change.action in (Action.CHANGE, Action.RESEND):
                line = "!" + line[1:]
            elif change.action is Action.WAIT:
                line = "#" + line[1:]
            yield _safe(line)
    yield _FENCE
    yield ""
    yield "</details>"


def code_span(text: str, *, in_table: bool = False) -> str:
    """``text`` as one inline code span, whatever backticks it holds: the fence is one backtick
    longer than the longest run inside. In a table a pipe is escaped (GitHub ends a cell at a
    pipe even in code); a line break is a space, as in any code span."""
    text = " ".join(text.splitlines())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    if in_table:
        text = text.replace("|", "\\|")
    return f"{fence}{pad}{text}{pad}{fence}"


#: Characters that would start emphasis, a link, an image, HTML or a table cell in a line.
_INLINE = re.compile(r"([\\`*_\[\]<>|~&!#])")


def inline(text: str) -> str:
    """Text from file names, Box names or refs as literal Markdown: no emphasis, no link, no
    HTML, no table cell can start in it, and no line break."""
    return _INLINE.sub(r"\\\1", " ".join(text.splitlines()))


def _safe(line: str) -> str:
    """Names come from Box and manifests; a stray fence in one must not end the code block."""
    return line.replace(_FENCE, "'''")


def _truncate(text: str, limit: int) -> str:
    """Cut whole lines, close what is open (code fence, details) and say that it was cut."""
    budget = limit - len(TRUNCATED) - 64
    kept: list[str] = []
    used = 0
    in_fence = in_details = False
    for line in text.splitlines():
        if used + len(line) + 1 > budget:
            break
        kept.append(line)
        used += len(line) + 1
        if line.startswith(_FENCE):
            in_fence = not in_fence
        elif line.startswith("<details>"):
            in_details = True
        elif line == "</details>":
            in_details = False
    if in_fence:
        kept.append(_FENCE)
    if in_details:
        kept.extend(["", "</details>"])
    kept.extend(["", TRUNCATED])
    return "\n".join(kept) + "\n"
