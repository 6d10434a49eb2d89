"""The declared webhooks as a plan (named cases), and ``webhooks:`` in reconcile.yaml: the
default triggers, and problems named at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import ManifestError, UsageError
from reconciler.manifest.service import DEFAULT_TRIGGERS, load_service
from reconciler.model import Delivery, DesiredState, ItemKind, ItemRef, LiveWebhook, WebhookSpec
from reconciler.plan import Action, Kind
from reconciler.planning.webhooks import ENDED, plan_webhooks
from reconciler.watch.intake import parse_listen

ADDRESS = "https://hooks.example/box"
SPEC = WebhookSpec(ADDRESS, ("FILE.UPLOADED", "TASK_ASSIGNMENT.UPDATED"), "reconcile.yaml:9:3")
STATE = DesiredState(
    (
        Delivery("acme", "acme.yaml", folders=("100", "110")),
        Delivery("globex", "globex.yaml", folders=("200",), files=("900",)),
        Delivery("also-acme", "also.yaml", folders=("100",)),
    )
)


def hook(ident: str, folder: str, address: str = ADDRESS, *triggers: str) -> LiveWebhook:
    return LiveWebhook(ident, ItemRef(ItemKind.FOLDER, folder), address, triggers or SPEC.triggers)


CASES = {
    "nothing there: one add per delivered folder, files get none": (
        [],
        [("add", "acme", "100"), ("add", "acme", "110"), ("add", "globex", "200")],
    ),
    "all there as declared: no changes": (
        [hook("1", "100"), hook("2", "110"), hook("3", "200")],
        [],
    ),
    "other triggers: changed in place": (
        [hook("1", "100", ADDRESS, "FILE.UPLOADED"), hook("2", "110"), hook("3", "200")],
        [("change", "acme", "100")],
    ),
    "another address: changed in place": (
        [hook("1", "100", "https://old.example/box"), hook("2", "110"), hook("3", "200")],
        [("change", "acme", "100")],
    ),
    "a folder no delivery declares, at our address: removed": (
        [hook("1", "100"), hook("2", "110"), hook("3", "200"), hook("4", "300")],
        [("remove", ENDED, "300")],
    ),
    "a folder no delivery declares, elsewhere: left alone": (
        [hook("1", "100"), hook("2", "110"), hook("3", "200"), hook("4", "300", "https://x/y")],
        [],
    ),
    "two on one folder (a hand-made state): the older kept, the other removed": (
        [hook("1", "100"), hook("7", "100"), hook("2", "110"), hook("3", "200")],
        [("remove", "acme", "100")],
    ),
}


@pytest.mark.parametrize(("live", "expected"), list(CASES.values()), ids=list(CASES))
def test_plan(live: list[LiveWebhook], expected: list[tuple[str, str, str]]) -> None:
    plan = plan_webhooks(SPEC, STATE, live)
    assert [(c.action.value, c.delivery, c.item.id) for c in plan.changes] == expected
    assert all(c.kind is Kind.WEBHOOK for c in plan.changes)
    for change in plan.changes:
        if change.action is Action.CHANGE:
            assert change.webhook_id == "1"
            assert change.after == {"address": ADDRESS, "triggers": list(SPEC.triggers)}
        if change.action is Action.REMOVE:
            assert change.webhook_id in ("4", "7")
    assert plan_webhooks(SPEC, STATE, list(reversed(live))).checksum() == plan.checksum()


def test_the_plan_shows_triggers_as_a_person_reads_them() -> None:
    from reconciler.render.text import lines

    added = plan_webhooks(SPEC, STATE, [hook("2", "110"), hook("3", "200")])
    changed = plan_webhooks(
        SPEC,
        STATE,
        [hook("1", "100", ADDRESS, "FILE.UPLOADED"), hook("2", "110"), hook("3", "200")],
    )
    shown = "\n".join([*lines(added), *lines(changed)])
    assert "triggers: FILE.UPLOADED, TASK_ASSIGNMENT.UPDATED" in shown
    assert "~ webhook (triggers: FILE.UPLOADED → FILE.UPLOADED, TASK_ASSIGNMENT.UPDATED)" in shown
    assert "['" not in shown, shown  # never a Python list


def config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "reconcile.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_default_triggers_are_what_the_watcher_acts_on(tmp_path: Path) -> None:
    spec = load_service(config(tmp_path, f"webhooks:\n  address: {ADDRESS}\n"), {}).webhooks
    assert spec is not None and spec.triggers == DEFAULT_TRIGGERS
    assert spec.origin is not None and spec.origin.endswith("reconcile.yaml:2:3")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        pytest.param("webhooks:\n  triggers: [FILE.UPLOADED]\n", 2, "address", id="no address"),
        pytest.param(
            f"webhooks:\n  address: {ADDRESS}\n  triggers: [FILE.PREVIEWED]\n",
            3,
            "FILE.PREVIEWED",
            id="a trigger the watcher has no use for",
        ),
        pytest.param(f"webhooks:\n  address: {ADDRESS}\n  triggers: []\n", 3, "", id="no triggers"),
        pytest.param(
            "webhooks:\n  address: http://hooks.example/box\n", 2, "https", id="plain http"
        ),
        pytest.param(
            f"webhooks:\n  address: {ADDRESS}\n  secret: x\n", 3, "secret", id="an unknown key"
        ),
    ],
)
def test_problems_name_the_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    with pytest.raises(ManifestError) as caught:
        load_service(config(tmp_path, text), {})
    problem = caught.value.problems[0]
    assert (Path(problem.file).name, problem.line) == ("reconcile.yaml", line)
    assert words in problem.message


def test_plain_http_is_taken_on_loopback(tmp_path: Path) -> None:
    text = "webhooks:\n  address: http://127.0.0.1:8080/box\n"
    assert load_service(config(tmp_path, text), {}).webhooks is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        (":9000", ("127.0.0.1", 9000)),
        ("[::1]:80", ("::1", 80)),
        ("0.0.0.0:0", ("0.0.0.0", 0)),
    ],
)
def test_listen_addresses(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text) == expected


@pytest.mark.parametrize("text", ["8080", "host:", "host:http", "host:70000"])
def test_listen_mistakes_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="HOST:PORT"):
        parse_listen(text)
