"""Validation keeps up with a large repo: far less than a second per hundred manifests."""

from __future__ import annotations

import time
from pathlib import Path

from reconciler.manifest import check

REPO = Path(__file__).resolve().parents[2]


def test_three_hundred_manifests_validate_well_under_a_second_per_hundred(tmp_path: Path) -> None:
    template = (REPO / "deliveries" / "acme" / "spring-2026.yaml").read_text(encoding="utf-8")
    for n in range(300):
        text = template.replace("acme-spring-2026", f"delivery-{n}").replace(
            "213534631621", str(10_000 + n)
        )
        (tmp_path / f"d{n:03d}.yaml").write_text(text, encoding="utf-8")

    start = time.perf_counter()
    result = check([str(tmp_path)], str(REPO / "reconcile.yaml"))
    elapsed = time.perf_counter() - start

    assert result.problems == ()
    assert len(result.state.deliveries) == 300
    # Measured at ~0.06 s per hundred; the bound leaves room for a busy shared machine.
    assert elapsed / 3 < 0.5, f"{elapsed / 3:.3f}s per hundred manifests"
