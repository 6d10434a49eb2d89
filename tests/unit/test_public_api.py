"""The package root offers the library's verbs, and importing the sandbox does not load the SDK."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import reconciler

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_verbs_are_there() -> None:
    for name in ("load", "connect", "read", "make_plan", "apply", "check_apply", "Plan", "Change"):
        assert callable(getattr(reconciler, name)), name


def test_the_readme_shows_the_library_as_the_package_does() -> None:
    def example(text: str) -> list[str]:
        return [" ".join(line.split()) for line in text.splitlines() if "= reconciler." in line]

    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert reconciler.__doc__ is not None
    assert [example(b) for b in blocks] == [example(reconciler.__doc__)]
    for line in example(reconciler.__doc__):
        verb = re.search(r"reconciler\.(\w+)\(", line)
        assert verb is not None and callable(getattr(reconciler, verb.group(1)))


def test_the_sandbox_does_not_load_the_sdk_or_the_reconciler() -> None:
    probe = (
        "import sys, reconciler.sandbox.server, reconciler.sandbox.services;"
        "print(sorted(m for m in sys.modules if m.startswith(('box_sdk_gen', 'reconciler.'))"
        " and not m.startswith(('reconciler.sandbox', 'reconciler.schemas'))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_public_names_have_their_real_types_for_a_type_checker(tmp_path: Path) -> None:
    """The names load lazily at run time; a type checker still sees each one's own signature."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import reconciler\nreveal_type(reconciler.load)\nreveal_type(reconciler.Plan)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", str(probe)],
        cwd=README.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    revealed = [line for line in done.stdout.splitlines() if "Revealed type" in line]
    assert len(revealed) == 2, done.stdout
    assert all('"Any"' not in line for line in revealed), revealed
    assert "reconciler.session.workflow.Desired" in revealed[0]
    assert "reconciler.plan.plan.Plan" in revealed[1]
