"""The package root offers the library's verbs, and importing the sandbox does not load the SDK."""

from __future__ import annotations

import subprocess
import sys

import reconciler


def test_the_verbs_are_there() -> None:
    for name in ("load", "connect", "read", "make_plan", "apply", "Plan", "Change"):
        assert callable(getattr(reconciler, name)), name


def test_the_sandbox_does_not_load_the_sdk_or_the_reconciler() -> None:
    probe = (
        "import sys, reconciler.sandbox.server, reconciler.sandbox.services;"
        "print(sorted(m for m in sys.modules if m.startswith(('box_sdk_gen', 'reconciler.'))"
        " and not m.startswith(('reconciler.sandbox', 'reconciler.schemas'))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
