"""A large repository loads whole: three hundred manifests, each its own delivery and folder.

How fast is measured by benchmarks/validate_bench.py, never asserted here.
"""

from __future__ import annotations

from pathlib import Path

from reconciler.manifest import check

REPO = Path(__file__).resolve().parents[2]


def test_three_hundred_manifests_load_as_three_hundred_deliveries(tmp_path: Path) -> None:
    template = (REPO / "deliveries" / "acme" / "spring-2026.yaml").read_text(encoding="utf-8")
    for n in range(300):
        text = template.replace("acme-spring-2026", f"delivery-{n}").replace(
            "213534631621", str(10_000 + n)
        )
        (tmp_path / f"d{n:03d}.yaml").write_text(text, encoding="utf-8")

    result = check([str(tmp_path)], str(REPO / "reconcile.yaml"))

    assert result.problems == ()
    names = sorted(d.name for d in result.state.deliveries)
    assert names == sorted(f"delivery-{n}" for n in range(300))
    assert {f for d in result.state.deliveries for f in d.folders} == {
        str(10_000 + n) for n in range(300)
    }
