"""``reconcile demo`` tells the whole story from the README's first line and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_the_whole_story() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOX_")}
    env["NO_COLOR"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    steps = [
        "1. Validate the manifests",
        "2. Plan",
        "3. Apply: invitations go out",
        "4. jane.doe@acme.example creates a Box account",
        "5. Apply again: hub membership and approval tasks",
        "6. jane.doe@acme.example reviews the files",
        "7. Status",
        "8. Plan once more",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)
    # invitations went out and one stayed pending; the newcomer's work followed acceptance
    assert "invitation is pending until they accept" in out
    assert "hub member Jane.Doe@acme.example" in out
    assert "review of 'hero.jpg' assigned to Jane.Doe@acme.example" in out
    assert "rejected  " in out and "approved  " in out
    # the final plan has nothing left to change, only waiting work
    final = out[out.index("8. Plan once more") :]
    assert "0 to add, 0 to change, 0 to remove" in final
    assert "(exit code 0)" in final
    assert "\x1b[" not in out  # NO_COLOR: no escape sequences


def test_demo_works_outside_a_clone_whatever_box_settings_the_caller_has(tmp_path: Path) -> None:
    """From another directory, the demo still uses the project's example manifests; and the
    caller's own Box settings (as someone who also uses real Box has) are not the demo's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOX_")}
    env.update(
        BOX_CLIENT_ID="real-app",
        BOX_CLIENT_SECRET="real-secret",
        BOX_ENTERPRISE_ID="1",
        BOX_JWT_CONFIG=str(tmp_path / "config.json"),
        BOX_AS_USER="123",
        BOX_BASE_URL="http://127.0.0.1:9",
    )
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Box matches" in done.stdout or "0 to add, 0 to change, 0 to remove" in done.stdout
