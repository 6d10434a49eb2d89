"""The plan as JSON: the versioned ``Plan.to_dict()`` document, indented, keys sorted."""

from __future__ import annotations

import json
from typing import TextIO

from reconciler.plan import Plan


def render(plan: Plan, stream: TextIO, *, color: bool = False) -> None:
    del color  # JSON is for machines and saved plans: never coloured.
    json.dump(plan.to_dict(), stream, indent=2, sort_keys=True, ensure_ascii=False)
    stream.write("\n")
