"""Which file each exported manifest goes to: a delivery name from the item's name, unique in the
folder written to, and never a file that exists already."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import UsageError
from reconciler.manifest.dump import Export, manifest_files
from reconciler.model import ItemKind, ItemRef, LiveItem


def export(kind: ItemKind, box_id: str, name: str) -> Export:
    return Export(LiveItem(ItemRef(kind, box_id), name, owner_id="1"))


def test_names_come_from_the_items_and_a_name_taken_gets_the_id(tmp_path: Path) -> None:
    exports = [
        export(ItemKind.FOLDER, "11", "Acme Spring 2026"),
        export(ItemKind.FOLDER, "12", "Acme  spring 2026!"),
        export(ItemKind.HUB, "13", "Studio Hub"),
    ]
    assert manifest_files(exports, tmp_path, None) == [
        ("acme-spring-2026", tmp_path / "acme-spring-2026.yaml"),
        ("acme-spring-2026-12", tmp_path / "acme-spring-2026-12.yaml"),
        ("studio-hub", tmp_path / "studio-hub.yaml"),
    ]


def test_a_name_already_in_the_folder_is_not_reused(tmp_path: Path) -> None:
    (tmp_path / "acme-spring-2026.yml").write_text("", encoding="utf-8")
    [(name, path)] = manifest_files(
        [export(ItemKind.FOLDER, "11", "Acme Spring 2026")], tmp_path, None
    )
    assert (name, path.name) == ("acme-spring-2026-11", "acme-spring-2026-11.yaml")


def test_a_file_that_exists_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "kept.yaml").write_text("name: kept\n", encoding="utf-8")
    with pytest.raises(UsageError, match="exists already"):
        manifest_files([export(ItemKind.FOLDER, "11", "Anything")], tmp_path, "kept")
    assert (tmp_path / "kept.yaml").read_text(encoding="utf-8") == "name: kept\n"
