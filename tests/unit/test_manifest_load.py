"""The YAML loader: positions of keys and items, duplicate keys, the safe subset, syntax errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.errors import UsageError
from reconciler.manifest.files import find_manifests
from reconciler.manifest.load import Mapping, Sequence, parse, read


def codes(text: str) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.code) for p in parse(text, "m.yaml").problems]


def test_positions_of_keys_values_and_items_are_one_based() -> None:
    doc = parse("a: 1\nlist:\n  - x\n  - {k: v}\n", "m.yaml")
    assert isinstance(doc.data, Mapping)
    assert doc.data.key_positions == {"a": (1, 1), "list": (2, 1)}
    assert doc.data.value_positions["a"] == (1, 4)
    items = doc.data["list"]
    assert isinstance(items, Sequence)
    assert items.item_positions == [(3, 5), (4, 5)]
    assert doc.position_of(["list", 1, "k"]) == (4, 9)
    assert doc.position_of(["list", 1, "k"], key=True) == (4, 6)


def test_position_of_a_missing_path_falls_back_to_the_nearest_node() -> None:
    doc = parse("a:\n  b: 1\n", "m.yaml")
    assert doc.position_of(["a", "zzz"]) == (2, 3)
    assert doc.position_of([]) == (1, 1)


def test_duplicate_keys_are_reported_at_the_second_one_and_the_first_is_kept() -> None:
    doc = parse("role: viewer\nname: x\nrole: editor\n", "m.yaml")
    assert [(p.line, p.column, p.code) for p in doc.problems] == [(3, 1, "duplicate-key")]
    assert "line 1" in doc.problems[0].message
    assert doc.data == {"role": "viewer", "name": "x"}


def test_keys_stay_as_written_so_yes_and_no_are_not_booleans() -> None:
    doc = parse("no: 1\n2: b\n~: c\n", "m.yaml")
    assert list(doc.data) == ["no", "2", "~"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: !!python/object:os.system x\n", [(1, 4, "yaml-unsupported-tag")]),
        ("a: !!binary aGk=\n", [(1, 4, "yaml-unsupported-tag")]),
        ("a: !custom x\n", [(1, 4, "yaml-unsupported-tag")]),
        ("a: !!set {x: null}\n", [(1, 4, "yaml-unsupported-tag")]),
        ("a: &x [1]\nb: *x\n", [(2, 4, "yaml-alias")]),
        ("? [a]\n: 1\n", [(1, 3, "invalid-key")]),
    ],
)
def test_only_the_safe_subset_is_accepted(text: str, expected: list[tuple[int, int, str]]) -> None:
    assert codes(text) == expected


def test_plain_scalars_keep_their_yaml_types_but_dates_stay_text() -> None:
    doc = parse("a: 1\nb: 1.5\nc: true\nd: null\ne: 2026-01-01\nf: !!str 12\n", "m.yaml")
    assert doc.data == {"a": 1, "b": 1.5, "c": True, "d": None, "e": "2026-01-01", "f": "12"}


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("a: [1, 2\nb: 3\n", 1, 4, "flow sequence"),
        ("a: b: c\n", 1, 5, "mapping values are not allowed"),
        ("a:\n\tb: 1\n", 2, 1, "tab"),
        ("a: 'unclosed\n", 1, 4, "quoted scalar"),
        ("a: 1\n---\nb: 2\n", 2, 1, "single document"),
        ("ok: 1\nbad: \x00\n", 2, 6, "#x0000"),
    ],
)
def test_syntax_errors_carry_their_position(text: str, line: int, column: int, words: str) -> None:
    (problem,) = parse(text, "m.yaml").problems
    assert (problem.line, problem.column, problem.code) == (line, column, "yaml-syntax")
    assert words in problem.message
    assert problem.message.startswith("YAML syntax error")


def test_empty_and_comment_only_files_are_reported() -> None:
    assert codes("") == [(1, 1, "empty-file")]
    assert codes("# only a comment\n") == [(1, 1, "empty-file")]


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    (problem,) = parse("[" * 5000 + "]" * 5000, "m.yaml").problems
    assert problem.code == "yaml-syntax"


def test_files_that_cannot_be_read_or_decoded_are_problems(tmp_path: Path) -> None:
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(b"a: 1\nb: \xff\xfe\n")
    (problem,) = read(str(junk)).problems
    assert (problem.line, problem.column, problem.code) == (2, 4, "not-utf8")

    directory_as_file = tmp_path / "dir.yaml"
    directory_as_file.mkdir()
    (problem,) = read(str(directory_as_file)).problems
    assert problem.code == "unreadable-file"


def test_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffa: 1\n".encode())
    assert read(str(path)).data == {"a": 1}


def test_directories_expand_to_their_manifests_in_order(tmp_path: Path) -> None:
    for name in ("b.yaml", "a/z.yml", "a/y.yaml", ".hidden/x.yaml", "notes.txt", "reconcile.yaml"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x: 1\n")
    root = str(tmp_path)
    found = find_manifests([root, os.path.join(root, "b.yaml")])
    assert found == [
        os.path.join(root, "b.yaml"),
        os.path.join(root, "a", "y.yaml"),
        os.path.join(root, "a", "z.yml"),
    ]


def test_missing_paths_and_empty_directories_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        find_manifests([str(tmp_path / "nope")])
    with pytest.raises(UsageError, match="no manifests"):
        find_manifests([str(tmp_path)])


def test_the_pure_python_fallback_reads_the_corpus_as_libyaml_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reconciler.manifest import load

    corpus = Path(__file__).parent / "manifests"
    texts = [p.read_bytes().decode("utf-8", "replace") for p in sorted(corpus.rglob("*.yaml"))]

    def outcome(text: str) -> tuple[object, list[tuple[int, int, str]]]:
        doc = parse(text, "m.yaml")
        return doc.data, [(p.line, p.column, p.code) for p in doc.problems]

    fast = [outcome(t) for t in texts]
    monkeypatch.setattr(load, "_Loader", load.PythonLoader)
    assert [outcome(t) for t in texts] == fast


@pytest.mark.parametrize("text", ["a: !!int abc\n", "a: !!bool maybe\n", "a: !!float x\n"])
def test_explicit_tags_with_values_that_do_not_fit_are_problems(text: str) -> None:
    assert codes(text) == [(1, 4, "yaml-bad-value")]
