"""Which file is reconcile.yaml: one rule for validate, plan, the watcher's settings and the
manifest scan, whatever sits at that name."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.errors import ConfigError, ManifestError
from reconciler.manifest import load_config
from reconciler.manifest.config import CONFIG_FILE_NAME, config_file, read_config
from reconciler.manifest.files import find_manifests
from reconciler.manifest.service import Service, load_service

DELIVERY = """\
version: 1
name: acme-spring-2026
folders: ["213534631621"]
clients: [{email: jane@acme.example, role: viewer}]
"""

#: what sits at ./reconcile.yaml, and what reading it says (at reconcile.yaml:1:1)
NOT_A_CONFIG: dict[str, tuple[Callable[[Path], None], str]] = {
    "a directory": (lambda path: path.mkdir(), "this is a directory, not a file"),
    "a FIFO": (lambda path: os.mkfifo(path), "not a regular file"),
    "a link to nothing": (
        lambda path: path.symlink_to(path.parent / "gone.yaml"),
        "cannot read file: No such file or directory",
    ),
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_without_anything_of_that_name_there_is_no_config(repo: Path) -> None:
    assert config_file(None) is None
    assert read_config(None) is None
    assert load_service(None, {}) == Service()


def test_a_named_config_that_does_not_exist_is_a_config_error_everywhere(repo: Path) -> None:
    for reader in (config_file, read_config, load_config, lambda p: load_service(p, {})):
        with pytest.raises(ConfigError, match=r"config file not found: missing\.yaml$"):
            reader("missing.yaml")


def test_a_reconcile_yaml_file_is_the_config(repo: Path) -> None:
    (repo / CONFIG_FILE_NAME).write_text("concurrency: 4\n", encoding="utf-8")

    doc = read_config(None)

    assert doc is not None and doc.file == CONFIG_FILE_NAME and doc.problems == []
    assert doc.data == {"concurrency": 4}


@pytest.mark.parametrize(("make", "says"), NOT_A_CONFIG.values(), ids=NOT_A_CONFIG.keys())
def test_anything_else_named_reconcile_yaml_is_an_error_at_its_path(
    repo: Path, make: Callable[[Path], None], says: str
) -> None:
    make(repo / CONFIG_FILE_NAME)

    assert config_file(None) == CONFIG_FILE_NAME  # --changed-since watches it too
    _, problems = load_config(None)
    assert [(p.file, p.line, p.column, p.code) for p in problems] == [
        (CONFIG_FILE_NAME, 1, 1, "unreadable-file")
    ]
    assert says in problems[0].message
    # The watcher's settings once passed such a config over for the defaults.
    with pytest.raises(ManifestError) as raised:
        load_service(None, {})
    assert [p.file for p in raised.value.problems] == [CONFIG_FILE_NAME]


def test_the_scan_never_takes_a_file_or_folder_named_reconcile_yaml_for_manifests(
    repo: Path,
) -> None:
    (repo / "deliveries").mkdir()
    (repo / "deliveries" / "acme.yaml").write_text(DELIVERY, encoding="utf-8")
    (repo / CONFIG_FILE_NAME).mkdir()
    (repo / CONFIG_FILE_NAME / "inside.yaml").write_text(DELIVERY, encoding="utf-8")
    (repo / "deliveries" / CONFIG_FILE_NAME).write_text("concurrency: 4\n", encoding="utf-8")

    assert find_manifests(["."]) == [os.path.join(".", "deliveries", "acme.yaml")]
