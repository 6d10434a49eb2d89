"""Only reconciler/box/ imports the Box SDK: one place where Box's types and errors meet ours."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "reconciler"


def sdk_imports(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        if any(name == "box_sdk_gen" or name.startswith("box_sdk_gen.") for name in names):
            lines.append(node.lineno)
    return lines


def test_only_the_box_package_imports_the_sdk() -> None:
    outside = {
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in PACKAGE.rglob("*.py")
        if "box" not in path.relative_to(PACKAGE).parts[:1]
        for line in sdk_imports(path)
    }
    assert outside == set()


def test_the_box_package_does_import_it() -> None:
    assert sdk_imports(PACKAGE / "box" / "connect.py")
