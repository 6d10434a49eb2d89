"""Benchmark: validate N generated manifests (default 1,000) and print manifests per second.

    python benchmarks/validate_bench.py [N]

Each manifest resembles a real delivery (folders, a hub, four clients, approval globs); they
share the repo policy, so the cross-file and policy checks do their full work.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from reconciler.manifest import check

POLICY = """\
policy:
  allowed_domains: [acme.example, studio.example]
  max_role: { external: editor }
  protected: ["svc-reconciler@studio.example"]
"""

MANIFEST = """\
# yaml-language-server: $schema=../schemas/delivery.schema.json
version: 1
name: delivery-{n}
description: Generated delivery number {n}
folders: ["{folder}", "{folder2}"]
hubs: ["42037322"]
clients:
  - email: Person.{n}@acme.example
    role: viewer
  - email: lead.{n}@acme.example
    role: editor
    hub_role: editor
  - group: "11446498"
    role: previewer
  - user: "{user}"
    role: viewer uploader
    approver: false
approval:
  message: "Approve the content?"
  due_in_days: 7
  completion_rule: all_assignees
  include: ["**/*.jpg", "**/*.mp4"]
  exclude: ["_internal/**"]
notify: true
prune: false
"""


def write_corpus(root: Path, count: int) -> None:
    deliveries = root / "deliveries"
    deliveries.mkdir()
    for n in range(count):
        text = MANIFEST.format(n=n, folder=10_000 + n, folder2=90_000 + n, user=50_000 + n)
        (deliveries / f"delivery-{n:05d}.yaml").write_text(text, encoding="utf-8")
    (root / "reconcile.yaml").write_text(POLICY, encoding="utf-8")


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 1000
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        write_corpus(root, count)
        start = time.perf_counter()
        result = check([str(root / "deliveries")], str(root / "reconcile.yaml"))
        elapsed = time.perf_counter() - start
    if result.problems:
        print(f"unexpected problems, first: {result.problems[0]}", file=sys.stderr)
        return 1
    rate = count / elapsed
    print(
        f"validated {count} manifests in {elapsed:.3f}s: {rate:,.0f} manifests/s "
        f"({elapsed / count * 100:.3f}s per hundred)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
