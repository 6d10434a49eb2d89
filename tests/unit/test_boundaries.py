"""The import boundaries of ``[tool.importlinter]`` in pyproject.toml, checked by import-linter:
Box's SDK only under ``reconciler.box``; the sandbox importing nothing of the rest, so the client
and the sandbox cannot share a wrong guess about Box through common code; no import circles; and
the pipeline's layers, each importing only those below it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_package_keeps_its_import_boundaries() -> None:
    done = lint_imports(REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


LAYERS = ("cli", "watch", "render", "forge", "doctor", "notify", "session", "status", "applying")
LOWER = ("planning", "plan", "box", "manifest", "model")
TYPE_CHECKING_ONLY = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"


def test_a_crossed_boundary_is_named(tmp_path: Path) -> None:
    # A package of the same name, with the same contracts, where the CLI imports the SDK, the
    # sandbox imports the rest, two modules import each other (one only for type checking), and
    # the lowest layer imports one above it: each contract names what breaks it.
    package = tmp_path / "reconciler"
    parts = {f"{layer}/__init__.py": "" for layer in LAYERS + LOWER}
    parts.update(
        {
            "__init__.py": "",
            "__main__.py": "",
            "errors.py": "import reconciler.model\n",
            "box/connect.py": "import box_sdk_gen\n",
            "cli/__init__.py": "import box_sdk_gen\n",
            "sandbox/__init__.py": "from reconciler import errors\n",
            "plan/saved.py": "import reconciler.plan.change\n",
            "plan/change.py": TYPE_CHECKING_ONLY + "    import reconciler.plan.saved\n",
        }
    )
    for part, body in parts.items():
        (package / part).parent.mkdir(parents=True, exist_ok=True)
        (package / part).write_text(body, encoding="utf-8")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    done = lint_imports(tmp_path, {"PYTHONPATH": str(tmp_path)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "reconciler.cli -> box_sdk_gen" in done.stdout
    assert "reconciler.sandbox -> reconciler.errors" in done.stdout
    assert "No cycles are allowed in reconciler.plan." in done.stdout
    assert "reconciler.errors -> reconciler.model" in done.stdout
