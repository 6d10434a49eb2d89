"""The reading rule: a delivery naming an item Box does not give is left out, and so is every
delivery sharing an item with it (planned without it, a shared folder could be pruned of the
left-out delivery's clients); unrelated deliveries carry on."""

from __future__ import annotations

from pathlib import Path

from reconciler.model import ItemKind, ItemRef, LiveState, LiveUser
from reconciler.session import workflow

DELIVERY = """\
version: 1
name: {name}
folders: {folders}
prune: true
clients:
  - email: client-{name}@acme.example
    role: viewer
"""


def test_a_missing_folder_leaves_out_its_delivery_and_those_sharing_with_it(
    tmp_path: Path,
) -> None:
    for name, folders in (("acme", '["1", "2"]'), ("acme-extra", '["2"]'), ("globex", '["3"]')):
        (tmp_path / f"{name}.yaml").write_text(DELIVERY.format(name=name, folders=folders))
    desired = workflow.load([str(tmp_path)])
    missing = ItemRef(ItemKind.FOLDER, "1")
    live = LiveState(
        me=LiveUser("10001", "svc@studio.example"),
        unreadable={missing: "acme.yaml:3:10: folder 1 was not found"},
    )

    kept, failed = workflow.readable_part(desired, live)

    assert [d.name for d in kept.state.deliveries] == ["globex"]
    assert failed["acme"] == ["acme.yaml:3:10: folder 1 was not found"]
    (why,) = failed["acme-extra"]
    assert "acme-extra.yaml:3:" in why
    assert "folder 2 is shared with delivery acme, which is left out" in why
