"""Developer tool: cut the subset of Box's OpenAPI description that the sandbox serves.

    python tools/extract_openapi.py box-openapi/openapi.json \
        box-openapi/openapi-v2025.0.json

(both files from a checkout of Box's box/box-openapi repository)

writes ``tests/box_openapi/box-openapi.json``: the operations under the path prefixes below, every
``components`` entry they reference (transitively), and nothing else. Descriptions, examples and
``x-`` extensions are dropped to keep the file small; validation keywords are kept as they are.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: spec version (``info.version``) -> path prefixes the sandbox serves from that document
PREFIXES: dict[str, tuple[str, ...]] = {
    "2024.0": (
        "/users",
        "/groups",
        "/group_memberships",
        "/folders",
        "/files",
        "/collaborations",
        "/tasks",
        "/task_assignments",
        "/comments",
        "/webhooks",
        "/events",
        "/oauth2/token",
    ),
    "2025.0": (
        "/hubs",
        "/enterprise_hubs",
        "/hub_collaborations",
        "/hub_items",
    ),
}
#: annotations: they do not change what validates, and they are most of the file's size
DROPPED_KEYS = ("description", "example", "examples", "summary", "externalDocs", "tags")
#: maps whose keys are names chosen by the spec's authors, never keywords
NAME_MAPS = ("properties", "patternProperties", "schemas", "parameters", "headers", "mapping")
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "tests" / "box_openapi" / "box-openapi.json"


def is_served(path: str, prefixes: tuple[str, ...]) -> bool:
    # "/files/{file_id}#get_shared_link" and the like are alternative views of one HTTP path
    # (told apart by query parameters); the plain path already describes the operation.
    if "#" in path:
        return False
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def strip(node: Any, *, names: bool = False) -> Any:
    """Drop annotations; inside a map of names (``properties``, ...) keep every key."""
    if isinstance(node, list):
        return [strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    kept: dict[str, Any] = {}
    for key, value in node.items():
        if not names and (key in DROPPED_KEYS or key.startswith("x-")):
            continue
        kept[key] = strip(value, names=not names and key in NAME_MAPS)
    return kept


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def referenced_components(spec: dict[str, Any], roots: Any) -> dict[str, dict[str, Any]]:
    """Every ``#/components/<section>/<name>`` reachable from ``roots``."""
    found: dict[str, dict[str, Any]] = {}
    pending = list(refs(roots))
    while pending:
        ref = pending.pop()
        if not ref.startswith("#/components/"):
            raise SystemExit(f"unsupported $ref {ref!r}")
        section, name = ref.removeprefix("#/components/").split("/", 1)
        if name in found.get(section, {}):
            continue
        target = spec["components"][section][name]
        found.setdefault(section, {})[name] = target
        pending.extend(refs(target))
    return found


def extract(specs: list[dict[str, Any]]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    components: dict[str, dict[str, Any]] = {}
    for spec in specs:
        version = spec["info"]["version"]
        prefixes = PREFIXES.get(version)
        if prefixes is None:
            raise SystemExit(f"no path prefixes configured for spec version {version}")
        selected = {p: item for p, item in spec["paths"].items() if is_served(p, prefixes)}
        for path, item in selected.items():
            if path in paths:
                raise SystemExit(f"{path} is described by two documents")
            paths[path] = strip(item)
        for section, entries in referenced_components(spec, selected).items():
            merged = components.setdefault(section, {})
            for name, value in entries.items():
                value = strip(value)
                if name in merged and merged[name] != value:
                    # The 2025.0 document repeats a few base schemas (User--Mini, ...) with
                    # only annotation differences; the first document's copy wins.
                    print(
                        f"note: {section}/{name} differs between documents; kept the first",
                        file=sys.stderr,
                    )
                    continue
                merged[name] = value
    return {
        "openapi": specs[0]["openapi"],
        "info": {
            "title": "Box Platform API (subset served by the reconciler sandbox)",
            "version": "+".join(s["info"]["version"] for s in specs),
            "license": specs[0]["info"].get("license", {}),
        },
        "servers": specs[0].get("servers", []),
        "paths": dict(sorted(paths.items())),
        "components": {k: dict(sorted(v.items())) for k, v in sorted(components.items())},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "specs", nargs="+", type=Path, help="Box OpenAPI documents (openapi.json, ...)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    specs = [json.loads(p.read_text(encoding="utf-8")) for p in args.specs]
    subset = extract(specs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(subset, separators=(",", ":"), sort_keys=False) + "\n", encoding="utf-8"
    )
    counts = {s: len(v) for s, v in subset["components"].items()}
    print(f"wrote {args.out}: {len(subset['paths'])} paths, components {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
