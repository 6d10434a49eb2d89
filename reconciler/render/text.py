"""The human plan, in Terraform's vocabulary, grouped by delivery and item."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from reconciler.model import ItemRef
from reconciler.plan import Action, Change, Kind, Plan
from reconciler.render.colour import paint
from reconciler.render.words import INVITED, WAITING, plural

SYMBOLS: Mapping[Action, str] = {
    Action.ADD: "+",
    Action.CHANGE: "~",
    Action.REMOVE: "-",
    Action.RESEND: "↻",
    Action.WAIT: "…",
    Action.UNMANAGED: "?",
}
LEGEND = f"Legend: + add  ~ change  - remove  … {WAITING} ({INVITED})  ? unmanaged (left alone)"
LEGEND_RESEND = "  ↻ invitation sent again"
NO_CHANGES = "No changes. Box matches the manifests."

COLORS: Mapping[Action, str] = {
    Action.ADD: "green",
    Action.CHANGE: "yellow",
    Action.REMOVE: "red",
    Action.RESEND: "yellow",
    Action.WAIT: "cyan",
    Action.UNMANAGED: "dim",
}


def render(plan: Plan, stream: TextIO, *, color: bool = False) -> None:
    for text in lines(plan, color=color):
        stream.write(text + "\n")


def lines(plan: Plan, *, color: bool = False) -> Iterator[str]:
    if not plan.changes:
        yield NO_CHANGES
        return
    yield LEGEND + (LEGEND_RESEND if plan.to_resend else "")
    for delivery, changes in by_delivery(plan).items():
        yield ""
        yield paint(delivery, "bold", color=color)
        for item, item_changes in by_item(changes).items():
            yield f"  {item_title(item, item_changes[0].item_name)}"
            for change in item_changes:
                yield "    " + paint(change_line(change), COLORS[change.action], color=color)
    unmanaged = [c for c in plan.changes if c.action is Action.UNMANAGED]
    if unmanaged:
        yield ""
        yield f"Note: {unmanaged_title(unmanaged)} reported and left alone:"
        for change in unmanaged:
            yield "  " + paint(unmanaged_line(change), COLORS[Action.UNMANAGED], color=color)
    yield ""
    yield plan_line(plan) if (plan.has_changes or plan.waiting) else NO_CHANGES
    if plan.waiting and not plan.has_changes:
        yield nothing_to_do(plan)
    if on_acceptance_words(plan):
        yield on_acceptance_words(plan)


def plan_line(plan: Plan) -> str:
    return f"Plan: {counts_words(plan)}."


def counts_words(plan: Plan) -> str:
    """The plan's headline counts, in changes (the unit named once, at the first count); every
    one of them is accounted for in the apply report."""
    resend = f"{plan.to_resend} to resend, " if plan.to_resend else ""
    return (
        f"{plural(plan.to_add, 'change')} to add, {plan.to_change} to change, "
        f"{plan.to_remove} to remove, {resend}{plan.waiting} {WAITING}"
    )


def nothing_to_do(plan: Plan) -> str:
    """What a plan whose only lines wait says: nothing to apply now, and what it waits for."""
    waits = "waits" if plan.waiting == 1 else "wait"
    return (
        f"Nothing to do now: Box matches the manifests; {plural(plan.waiting, 'change')} "
        f"{waits} until the invitations are accepted."
    )


def on_acceptance_words(plan: Plan) -> str:
    """How many of the changes run only if their invitation is accepted by the time they run."""
    count = sum(1 for c in plan.changes if c.on_acceptance and c.action.executable)
    if not count:
        return ""
    if count == 1:
        return (
            "1 of these changes runs on acceptance: if its invitation is still pending, "
            f"apply reports it as {WAITING}."
        )
    return (
        f"{count} of these changes run on acceptance: if their invitation is still pending, "
        f"apply reports them as {WAITING}."
    )


def by_delivery(plan: Plan) -> dict[str, list[Change]]:
    """Managed lines per delivery, in plan order (unmanaged ones are a note of their own)."""
    out: dict[str, list[Change]] = {}
    for change in plan.changes:
        if change.action is not Action.UNMANAGED:
            out.setdefault(change.delivery, []).append(change)
    return dict(sorted(out.items()))


def by_item(changes: list[Change]) -> dict[ItemRef, list[Change]]:
    """Changes per item, items in the order their first change is applied."""
    out: dict[ItemRef, list[Change]] = {}
    for change in changes:
        out.setdefault(change.item, []).append(change)
    return out


def item_title(item: ItemRef, name: str) -> str:
    named = f" {name!r}" if name else ""
    return f"{item.kind.value}{named} ({item.id})"


def change_line(change: Change) -> str:
    parts = [f"{SYMBOLS[change.action]} {subject(change)}"]
    details = [field_words(change), "on acceptance" if change.on_acceptance else ""]
    if any(details):
        parts.append(f" ({', '.join(d for d in details if d)})")
    if change.action in (Action.REMOVE, Action.WAIT, Action.RESEND):
        parts.append(f"  [{change.reason}]")
    elif change.origin:
        parts.append(f"  # {change.origin}")
    return "".join(parts)


def unmanaged_line(change: Change) -> str:
    fields = field_words(change)
    return (
        f"{SYMBOLS[change.action]} {subject(change)}{f' ({fields})' if fields else ''} "
        f"on {item_title(change.item, change.item_name)}: {change.reason}"
    )


def subject(change: Change) -> str:
    """Who or what a line is about; hub lines say so, since a hub is not a folder."""
    who = str(change.principal) if change.principal is not None else ""
    file = change.file_name or change.file
    on_file = f" on {file!r}" if file else ""
    if change.kind is Kind.TASK:
        return f"review task{on_file}"
    if change.kind is Kind.TASK_ASSIGNMENT:
        # A line without a file stands for every file that waits on this person.
        return f"review task{on_file} assigned to {who}" if file else f"review tasks for {who}"
    if change.kind is Kind.HUB_COLLABORATION:
        return f"hub member {who}"
    if change.kind is Kind.WEBHOOK:
        return "webhook"
    return who


def field_words(change: Change) -> str:
    """``role: viewer → editor`` for changes; the side that exists for adds and removes."""
    if change.kind is Kind.TASK and change.action is Action.ADD:
        return task_words(change.after or {})
    if change.kind is Kind.TASK_ASSIGNMENT and change.action is not Action.CHANGE:
        return ""  # the subject names file and person; a wait's reason counts the files
    if change.action is Action.CHANGE:
        return ", ".join(
            f"{name}: {_value(old)} → {_value(new)}" for name, old, new in _changed_fields(change)
        )
    shown: Mapping[str, Any] | None = (
        change.after if change.action in (Action.ADD, Action.WAIT, Action.RESEND) else change.before
    )
    if not shown:
        shown = change.before or {}
    return ", ".join(f"{name}: {_value(value)}" for name, value in sorted(shown.items()))


def task_words(task: Mapping[str, Any]) -> str:
    """A new review task as its assignees will see it: message, completion rule, due date."""
    words = [json.dumps(str(task.get("message", "")), ensure_ascii=False)]
    if task.get("completion_rule"):
        words.append(str(task["completion_rule"]))
    days = task.get("due_in_days")
    if days is not None:
        words.append(f"due {days} day{'' if days == 1 else 's'} after creation")
    return ", ".join(words)


def unmanaged_title(changes: list[Change], adjective: str = "") -> str:
    """``3 collaborators``, and the files whose extra review tasks are left alone, if any."""
    tasks = sum(1 for c in changes if c.kind in (Kind.TASK, Kind.TASK_ASSIGNMENT))
    people = len(changes) - tasks
    parts = [plural(people, f"{adjective}collaborator")] if people else []
    if tasks:
        parts.append(f"{plural(tasks, 'file')} with extra review tasks")
    return " and ".join(parts)


def _changed_fields(change: Change) -> list[tuple[str, Any, Any]]:
    """Each differing field; a list (a webhook's triggers) whole, before and after, rather
    than element by element as the diff finds it."""
    before: Mapping[str, Any] = change.before or {}
    after: Mapping[str, Any] = change.after or {}
    out: list[tuple[str, Any, Any]] = []
    for name, old, new in change.field_changes():
        top = name.split(".", 1)[0].split("[", 1)[0]
        if isinstance(before.get(top), (list, tuple)) or isinstance(after.get(top), (list, tuple)):
            if all(seen != top for seen, _, _ in out):
                out.append((top, before.get(top), after.get(top)))
            continue
        out.append((name, old, new))
    return out


def _value(value: Any) -> str:
    """A value as a person reads it: ``none``, or a list as ``A, B``."""
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) if value else "none"
    return str(value)


def phrase(change: Change) -> str:
    """One change in the plan's words with where it happens, for lines outside the plan's tree:
    ``+ hub member jane@… (role: viewer) on hub 'Portal' (42) for acme``."""
    fields = field_words(change)
    symbol = f"{SYMBOLS[change.action]} " if change.action.executable else ""
    return (
        f"{symbol}{subject(change)}{f' ({fields})' if fields else ''} "
        f"on {item_title(change.item, change.item_name)} for {change.delivery}"
    )
