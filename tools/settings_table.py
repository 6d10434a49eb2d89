"""Write the table of docs/settings.md from reconcile.yaml's JSON Schema, so the page and the
schema (which `reconcile validate` enforces) never say different things.

    python tools/settings_table.py          # rewrite the table in place
    python tools/settings_table.py --check  # exit 1 when the page is out of date
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "settings.md"
SCHEMA = ROOT / "schemas" / "config.schema.json"
HEADER = "| setting | meaning |\n|---|---|\n"


def rows(spec: dict[str, Any], prefix: str = "") -> list[str]:
    """One row per setting, parents before their keys, in the schema's order."""
    found = []
    for key, sub in (spec.get("properties") or {}).items():
        text = " ".join(str(sub.get("description", "")).split()).replace("|", "\\|")
        found.append(f"| `{prefix}{key}` | {text} |\n")
        found += rows(sub, f"{prefix}{key}.")
        items = sub.get("items")
        if isinstance(items, dict):
            found += rows(items, f"{prefix}{key}[].")
    return found


def rendered(page: str, schema: dict[str, Any]) -> str:
    """``page`` with its table (from the header to the first line that is not a row) redone."""
    start = page.index(HEADER)
    lines = page[start + len(HEADER) :].splitlines(keepends=True)
    kept = 0
    while kept < len(lines) and lines[kept].startswith("|"):
        kept += 1
    return page[:start] + HEADER + "".join(rows(schema)) + "".join(lines[kept:])


def main(argv: list[str]) -> int:
    page = PAGE.read_text(encoding="utf-8")
    fresh = rendered(page, json.loads(SCHEMA.read_text(encoding="utf-8")))
    if "--check" in argv:
        if fresh != page:
            print(f"{PAGE} is out of date: run python tools/settings_table.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
