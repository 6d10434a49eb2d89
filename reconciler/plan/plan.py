"""The plan: changes in apply order, their counts, the checksum a saved plan is checked by, and
the safety checks run before anything is applied."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import StalePlan, UnsafePlan
from reconciler.model import ItemRef, Policy
from reconciler.plan.change import FORMAT_VERSION, Action, Change, Kind
from reconciler.plan.diff import diff_plans


@dataclass(frozen=True)
class Plan:
    """Changes in apply order (the order is part of the plan), with counts and a checksum.

    ``collaborators`` (live collaborators per item, when the plan was made from a live read)
    is what the safety check weighs removals against; ``basis`` holds the very snapshots and
    policy the planner made it from. Neither is part of the saved form.
    """

    changes: tuple[Change, ...] = ()
    collaborators: Mapping[ItemRef, int] = field(default_factory=dict, compare=False)
    basis: tuple[object, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        # The full content breaks ties, so even duplicate keys cannot make order depend on input.
        ordered = sorted(
            self.changes, key=lambda c: (c.sort_key(), json.dumps(c.to_dict(), sort_keys=True))
        )
        object.__setattr__(self, "changes", tuple(ordered))

    def executable(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action.executable)

    def count(self, action: Action) -> int:
        """Changes of ``action``, each line counted as the changes it stands for."""
        return sum(c.stands_for for c in self.changes if c.action is action)

    @property
    def to_add(self) -> int:
        return self.count(Action.ADD)

    @property
    def to_change(self) -> int:
        return self.count(Action.CHANGE)

    @property
    def to_remove(self) -> int:
        return self.count(Action.REMOVE)

    @property
    def to_resend(self) -> int:
        return self.count(Action.RESEND)

    @property
    def waiting(self) -> int:
        return self.count(Action.WAIT)

    @property
    def unmanaged(self) -> int:
        return self.count(Action.UNMANAGED)

    @property
    def has_changes(self) -> bool:
        return any(c.action.executable for c in self.changes)

    def summary(self) -> dict[str, int]:
        return {
            "to_add": self.to_add,
            "to_change": self.to_change,
            "to_remove": self.to_remove,
            "to_resend": self.to_resend,
            "waiting": self.waiting,
            "unmanaged": self.unmanaged,
        }

    def deliveries(self) -> tuple[str, ...]:
        return tuple(sorted({c.delivery for c in self.changes}))

    def checksum(self) -> str:
        canonical = json.dumps(
            sorted(
                (c.fingerprint() for c in self.executable()), key=lambda f: (f["id"], f["action"])
            ),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def made_from(self, *inputs: object) -> bool:
        """Whether the planner made this plan from these very objects (planning is pure, so
        planning them again would give this plan)."""
        return len(inputs) == len(self.basis) > 0 and all(
            a is b for a, b in zip(inputs, self.basis, strict=True)
        )

    def check_safety(self, policy: Policy) -> None:
        """Refuse removals above ``safety.max_removals`` or an item's ``max_removal_fraction``.

        The fraction applies only to items with at least four live collaborators, so removing
        one of two people is not a mass removal.
        """
        removals = [c for c in self.changes if c.action is Action.REMOVE]
        if len(removals) > policy.max_removals:
            raise UnsafePlan(
                f"the plan has {len(removals)} change{'' if len(removals) == 1 else 's'} to "
                "remove, more than "
                f"safety.max_removals = {policy.max_removals}; use --force to apply it anyway"
            )
        per_item = Counter(
            c.item for c in removals if c.kind in (Kind.COLLABORATION, Kind.HUB_COLLABORATION)
        )
        for item, removed in sorted(per_item.items()):
            total = self.collaborators.get(item, 0)
            if total >= 4 and removed / total > policy.max_removal_fraction:
                raise UnsafePlan(
                    f"the plan removes {removed} of the {total} collaborators of {item}, more "
                    f"than safety.max_removal_fraction = {policy.max_removal_fraction:g}; "
                    "use --force to apply it anyway"
                )

    def check_current(self, fresh: Plan) -> None:
        """Refuse to apply this saved plan when it no longer matches what Box and the manifests
        ask for (``fresh``, planned just now)."""
        if self.checksum() == fresh.checksum():
            return
        differences = diff_plans(self, fresh) or ["the planned changes differ"]
        raise StalePlan(
            "the saved plan no longer matches Box and the manifests; plan again. What changed:\n"
            + "\n".join(f"  {line}" for line in differences)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "checksum": self.checksum(),
            "summary": self.summary(),
            "changes": [c.to_dict() for c in self.changes],
        }
