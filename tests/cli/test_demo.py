"""``reconcile demo`` tells the whole story from the README's first line and exits 0."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo() -> subprocess.CompletedProcess[str]:
    """One run of the demo in this clone, without the caller's Box settings, read by every test."""
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
    return done


def test_demo_runs_the_whole_story(demo: subprocess.CompletedProcess[str]) -> None:
    done = demo
    out = done.stdout
    steps = [
        "1. Validate the manifests",
        "2. Plan",
        "3. Apply: invitations go out",
        "4. jane.doe@acme.example creates a Box account",
        "5. Apply again: hub membership and review tasks",
        "6. jane.doe@acme.example reviews the files",
        "7. Status",
        "8. Plan once more",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)
    # invitations went out and one stayed pending; the newcomer's work followed acceptance
    assert "invitation is pending until they accept" in out
    assert "hub member Jane.Doe@acme.example" in out
    assert "review task on 'hero.jpg' assigned to Jane.Doe@acme.example" in out
    assert "rejected  " in out and "approved  " in out
    # the final plan has nothing left to change, only waiting work
    final = out[out.index("8. Plan once more") :]
    assert "0 changes to add, 0 to change, 0 to remove" in final
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
    assert (
        "Box matches" in done.stdout or "0 changes to add, 0 to change, 0 to remove" in done.stdout
    )


PLAN_LINE = re.compile(
    r"^Plan: (\d+) changes? to add, (\d+) to change, (\d+) to remove, "
    r"(\d+) waiting for acceptance\.$",
    re.M,
)
APPLY_LINE = re.compile(
    r"^Apply complete: (\d+) changes? added, (\d+) changed, (\d+) removed, "
    r"(\d+) waiting for acceptance, (\d+) failed, (\d+) skipped\.$",
    re.M,
)


def test_demo_plan_and_apply_headlines_agree(demo: subprocess.CompletedProcess[str]) -> None:
    """Every apply in the demo accounts for each line of the plan it printed: adds, changes and
    removals are made or wait for acceptance, and the plan's waiting lines are still waiting."""
    done = demo
    runs = done.stdout.split("$ reconcile apply --yes")[1:]
    assert len(runs) == 2
    for run in runs:
        plan = [int(n) for n in PLAN_LINE.findall(run)[0]]
        added, changed, removed, waiting, failed, skipped = (
            int(n) for n in APPLY_LINE.findall(run)[0]
        )
        to_add, to_change, to_remove, plan_waiting = plan
        assert (failed, skipped) == (0, 0)
        assert added + changed + removed + waiting == sum(plan), run
        assert added <= to_add and (changed, removed) == (to_change, to_remove)
        assert waiting >= plan_waiting
        # what waits beyond the plan's own waiting lines is exactly what it ran on acceptance
        on_acceptance = re.search(r"^(\d+) of these changes runs? on acceptance", run, re.M)
        assert waiting - plan_waiting <= (int(on_acceptance[1]) if on_acceptance else 0)
    first, second = runs
    assert PLAN_LINE.findall(first)[0] == ("33", "0", "0", "0")
    assert APPLY_LINE.findall(first)[0] == ("24", "0", "0", "9", "0", "0")
    # the plan's one waiting line stands for the 3 files waiting on one client, and the apply
    # after it counts the same changes: 3 waiting for acceptance
    assert PLAN_LINE.findall(second)[0][3] == APPLY_LINE.findall(second)[0][3] == "3"
    # the plan was printed once: changes applied as planned are not listed a second time
    assert "✓ + cmo@acme.example" not in first
    assert "… + review task on 'look-01.jpg' assigned to art@globex.example" in first
