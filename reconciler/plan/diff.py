"""What differs between two changes' fields or two plans, in words, found with deepdiff."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from deepdiff import DeepDiff
from deepdiff.helper import notpresent


class PlannedChange(Protocol):
    """What a plan's diff reads of a change (``plan.Change``)."""

    @property
    def key(self) -> object: ...

    def fingerprint(self) -> dict[str, Any]: ...

    def describe(self) -> str: ...


class ExecutablePlan(Protocol):
    """What a plan's diff reads of a plan (``plan.Plan``)."""

    def executable(self) -> Sequence[PlannedChange]: ...


def field_changes(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[tuple[str, Any, Any]]:
    """``(dotted field, before, after)`` for every leaf that differs between two mappings."""
    diff = _deep_diff(plain(before), plain(after))
    out: list[tuple[str, Any, Any]] = []
    for report in diff.values():
        for level in report:
            path = ".".join(str(p) for p in level.path(output_format="list"))
            t1 = None if _missing(level.t1) else level.t1
            t2 = None if _missing(level.t2) else level.t2
            out.append((path, t1, t2))
    return sorted(out, key=lambda row: row[0])


def _missing(value: Any) -> bool:
    return value is notpresent


def _deep_diff(old: Any, new: Any) -> Any:
    # Without threshold 0, deepdiff reports two mostly different mappings as one root change.
    return DeepDiff(old, new, view="tree", threshold_to_diff_deeper=0)


def plain(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else json.loads(json.dumps(dict(value), sort_keys=True))


def diff_plans(old: ExecutablePlan, new: ExecutablePlan) -> list[str]:
    """What differs between a saved plan and a fresh one, one sentence per difference."""
    old_by_id = {str(c.key): c for c in old.executable()}
    new_by_id = {str(c.key): c for c in new.executable()}
    diff = _deep_diff(
        {k: c.fingerprint() for k, c in old_by_id.items()},
        {k: c.fingerprint() for k, c in new_by_id.items()},
    )
    lines: list[str] = []
    for report in diff.values():
        for level in report:
            path = level.path(output_format="list")
            change_id = str(path[0])
            if len(path) == 1:
                if change_id in old_by_id:
                    lines.append(f"no longer planned: {old_by_id[change_id].describe()}")
                else:
                    lines.append(f"newly planned: {new_by_id[change_id].describe()}")
                continue
            where = ".".join(str(p) for p in path[1:])
            was = None if _missing(level.t1) else level.t1
            now = None if _missing(level.t2) else level.t2
            lines.append(
                f"changed: {new_by_id[change_id].describe()}: {where} was {_words(was)}, "
                f"now {_words(now)}"
            )
    return sorted(set(lines))


def _words(value: Any) -> str:
    return "nothing" if value is None else json.dumps(value, ensure_ascii=False)
