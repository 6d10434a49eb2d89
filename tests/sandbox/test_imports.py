"""The sandbox's modules import each other without loops, and nothing else of reconciler."""

from __future__ import annotations

import ast
from pathlib import Path

import reconciler

SANDBOX = Path(reconciler.__file__).parent / "sandbox"
PREFIX = "reconciler.sandbox"


def module_name(path: Path) -> str:
    parts = path.relative_to(SANDBOX.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sandbox_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SANDBOX.rglob("*.py"))}


def imported(path: Path, known: set[str]) -> set[str]:
    """Every reconciler module ``path`` imports, at the top, in functions or for type checking."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from package import module`` imports the module; ``from module import name``
            # imports the module itself
            subs = {f"{node.module}.{alias.name}" for alias in node.names}
            found.update((subs & known) or {node.module})
    return {name for name in found if name.startswith("reconciler")}


def import_graph() -> dict[str, set[str]]:
    modules = sandbox_modules()
    return {name: imported(path, set(modules)) for name, path in modules.items()}


def cycle_from(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A path start -> ... -> start through the graph, if there is one."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for target in sorted(graph.get(node, set())):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


def test_the_graph_sees_the_imports_the_sandbox_has() -> None:
    graph = import_graph()
    assert "reconciler.sandbox.services.webhooks" in graph["reconciler.sandbox.services"]
    assert "reconciler.sandbox.routing" in graph["reconciler.sandbox.services.oauth"]
    assert "reconciler.sandbox.control" in graph["reconciler.sandbox.server"]


def test_a_loop_would_be_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycle_from(graph, "a") == ["a", "b", "c", "a"]
    assert cycle_from(graph, "d") is None


def test_the_sandbox_has_no_import_loop() -> None:
    graph = import_graph()
    loops = [loop for name in graph if (loop := cycle_from(graph, name)) is not None]
    assert loops == []


def test_the_sandbox_imports_nothing_else_from_reconciler() -> None:
    outside = {
        (name, target)
        for name, targets in import_graph().items()
        for target in targets
        if not target.startswith(PREFIX)
    }
    assert outside == set()
