"""Property: whatever bytes or documents a manifest holds, validate answers with problems or OK.

It never raises, never prints a traceback, and exits 0 or 3.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.cli.app import main
from reconciler.manifest import validate

POLICY = str(Path(__file__).parent / "manifests" / "reconcile.yaml")
KEYS = [
    "version", "name", "description", "folders", "files", "hubs", "clients", "approval",
    "notify", "prune", "email", "user", "group", "role", "hub_role", "approver", "message",
    "due_in_days", "completion_rule", "include", "exclude",
]  # fmt: skip
WORDS = [
    "viewer", "editor", "co-owner", "previewer", "owner", "any_assignee", "all_assignees",
    "a@acme.example", "x@rival.example", "svc-reconciler@studio.example", "100", "1400000001",
    "**/*.jpg", "dir/", "", "acme-spring", "[", "11446498",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.sampled_from(WORDS),
    st.text(max_size=12),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner, max_size=6),
    ),
    max_leaves=30,
)
manifest_like = st.fixed_dictionaries(
    {"version": st.just(1), "name": st.sampled_from(["a", "b-2", "Bad Name"])},
    optional={key: documents for key in KEYS if key not in ("version", "name")},
)
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextlib.contextmanager
def manifest_file(content: bytes) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "delivery.yaml"
        path.write_bytes(content)
        yield str(path)


def run_cli(path: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["validate", path, "--config", POLICY])
        except SystemExit as exit_:
            code = exit_.code
        else:  # pragma: no cover - main always exits
            code = None
    return int(code) if isinstance(code, int) else -1, out.getvalue(), err.getvalue()


def assert_validates_cleanly(content: bytes) -> None:
    with manifest_file(content) as path:
        problems = validate([path], config_path=POLICY)
        assert all(p.file == path and p.line >= 1 and p.column >= 1 for p in problems)
        code, out, err = run_cli(path)
    assert code == (3 if problems else 0), (code, out, err)
    assert "Traceback" not in out + err
    assert "Internal error" not in err
    assert len(out.splitlines()) == len(problems) + 1  # every problem, then the summary


def dump(document: Any) -> bytes:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode()


@SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    assert_validates_cleanly(text.encode("utf-8", "surrogatepass"))


@SETTINGS
@given(st.binary(max_size=200))
def test_arbitrary_bytes(raw: bytes) -> None:
    assert_validates_cleanly(raw)


@SETTINGS
@given(documents)
def test_arbitrary_documents(document: Any) -> None:
    assert_validates_cleanly(dump(document))


@SETTINGS
@given(manifest_like)
def test_documents_shaped_like_manifests(document: dict[str, Any]) -> None:
    assert_validates_cleanly(dump(document))


@SETTINGS
@given(st.lists(st.sampled_from(["a: 1", "- x", "  b: [", "? c", "&a d", "*a", "!t e", "'", ":"])))
def test_yaml_fragments(lines: list[str]) -> None:
    assert_validates_cleanly("\n".join(lines).encode())
