"""The one JSON writer: every JSON document reconciler prints or saves goes through
``write_json``, so the same data always gives the same bytes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # validate writes JSON too, and must not load the planner to do it
    from reconciler.plan import Plan


def write_json(document: Any, stream: TextIO) -> None:
    """Write ``document`` to ``stream`` as indented JSON with sorted keys and a closing newline.

    Indented and sorted so that a saved plan or report reads, and diffs, line by line in review;
    sorted keys also make the bytes depend on the data alone, never on how a dict was built.
    ``ensure_ascii=False`` keeps names such as "Café" legible instead of ``\\u00e9`` escapes
    (streams and files are UTF-8). The newline ends the file as POSIX tools expect.
    """
    json.dump(document, stream, indent=2, sort_keys=True, ensure_ascii=False)
    stream.write("\n")


def render(plan: Plan, stream: TextIO, *, color: bool = False) -> None:
    """The versioned ``Plan.to_dict()`` document: ``plan --format json`` and ``plan --out``."""
    del color  # JSON is for machines and saved plans: never coloured.
    write_json(plan.to_dict(), stream)
