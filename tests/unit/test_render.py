"""Renderers against golden files (fixed ids, no clock), colour on demand, markdown size limit.

Regenerate the golden files after an intended change with ``UPDATE_GOLDEN=1 pytest <this file>``
and review the diff.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest

from reconciler.errors import UsageError
from reconciler.model import ItemKind, ItemRef, Principal
from reconciler.plan import Action, Change, Kind, Plan
from reconciler.plan.saved import plan_from_dict
from reconciler.render import markdown
from reconciler.render.plan import FORMATS, render

GOLDEN = Path(__file__).parent / "golden"
FOLDER = ItemRef(ItemKind.FOLDER, "213534631621")
FILE = ItemRef(ItemKind.FILE, "1337")
HUB = ItemRef(ItemKind.HUB, "42037322")
JANE = Principal.email("Jane.Doe@acme.example")
CMO = Principal.email("cmo@acme.example")
ANSI = re.compile(r"\033\[[0-9;]*m")


def sample_plan() -> Plan:
    invite = Change(
        Action.ADD,
        Kind.COLLABORATION,
        "acme-spring-2026",
        FOLDER,
        JANE,
        "not yet invited",
        item_name="Spring 2026",
        after={"role": "viewer"},
        origin="deliveries/acme.yaml:12",
        notify=True,
    )
    return Plan(
        (
            invite,
            Change(
                Action.CHANGE,
                Kind.COLLABORATION,
                "acme-spring-2026",
                FOLDER,
                CMO,
                "role in Box differs from the manifest",
                item_name="Spring 2026",
                before={"role": "viewer"},
                after={"role": "editor"},
                origin="deliveries/acme.yaml:14",
                box_ids={"collaboration_id": "9001"},
            ),
            Change(
                Action.REMOVE,
                Kind.COLLABORATION,
                "acme-spring-2026",
                FOLDER,
                Principal.email("old@acme.example"),
                "not declared by any manifest (pending); acme-spring-2026 prunes",
                item_name="Spring 2026",
                before={"role": "viewer"},
                box_ids={"collaboration_id": "9002"},
            ),
            Change(
                Action.ADD,
                Kind.HUB_COLLABORATION,
                "acme-spring-2026",
                HUB,
                JANE,
                "on acceptance of the invitation created in this plan (hubs need a Box account)",
                item_name="Acme portal",
                after={"role": "viewer"},
                origin="deliveries/acme.yaml:12",
                on_acceptance=True,
                depends_on=(invite.key,),
            ),
            Change(
                Action.WAIT,
                Kind.HUB_COLLABORATION,
                "globex-q2",
                HUB,
                Principal.email("ceo@globex.example"),
                "waiting for the invitation to be accepted: "
                "hubs take only people with a Box account",
                item_name="Acme portal",
                after={"role": "editor"},
                origin="deliveries/globex.yaml:9",
            ),
            Change(
                Action.ADD,
                Kind.COLLABORATION,
                "globex-q2",
                FILE,
                Principal.group("11446498"),
                "not yet a collaborator",
                item_name="spot-30s.mp4",
                after={"role": "viewer"},
                origin="deliveries/globex.yaml:11",
                notify=False,
            ),
            Change(
                Action.UNMANAGED,
                Kind.COLLABORATION,
                "globex-q2",
                FILE,
                Principal.email("bob@elsewhere.example"),
                "not declared by any manifest; left alone (prune is off)",
                item_name="spot-30s.mp4",
                before={"role": "editor"},
                box_ids={"collaboration_id": "9003"},
            ),
        )
    )


def rendered(plan: Plan, fmt: str, *, color: bool = False) -> str:
    stream = io.StringIO()
    render(plan, stream, format=fmt, color=color)
    return stream.getvalue()


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("fmt", "golden"), [("text", "plan.txt"), ("json", "plan.json"), ("markdown", "plan.md")]
)
def test_sample_plan_matches_golden(fmt: str, golden: str) -> None:
    check_golden(golden, rendered(sample_plan(), fmt))


@pytest.mark.parametrize(
    ("fmt", "golden"), [("text", "empty.txt"), ("json", "empty.json"), ("markdown", "empty.md")]
)
def test_empty_plan_matches_golden(fmt: str, golden: str) -> None:
    check_golden(golden, rendered(Plan(), fmt))


def test_text_says_no_changes_when_empty() -> None:
    assert rendered(Plan(), "text") == "No changes. Box matches the manifests.\n"


def test_text_with_only_unmanaged_lines_still_says_no_changes() -> None:
    only_unmanaged = Plan(tuple(c for c in sample_plan().changes if c.action is Action.UNMANAGED))
    out = rendered(only_unmanaged, "text")
    assert "bob@elsewhere.example" in out
    assert out.rstrip().endswith("No changes. Box matches the manifests.")


def test_text_has_colour_only_when_asked() -> None:
    plain = rendered(sample_plan(), "text")
    coloured = rendered(sample_plan(), "text", color=True)
    assert not ANSI.search(plain)
    assert "\033[32m+ Jane.Doe@acme.example" in coloured  # adds in green
    assert "\033[31m- old@acme.example" in coloured  # removes in red
    assert ANSI.sub("", coloured) == plain


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_colour_never_reaches_machine_formats(fmt: str) -> None:
    assert rendered(sample_plan(), fmt, color=True) == rendered(sample_plan(), fmt)


def test_json_is_the_saved_plan_document() -> None:
    document = json.loads(rendered(sample_plan(), "json"))
    assert document == sample_plan().to_dict()
    assert plan_from_dict(document) == sample_plan()


def big_plan(people: int) -> Plan:
    return Plan(
        tuple(
            Change(
                Action.ADD,
                Kind.COLLABORATION,
                f"delivery-{n % 7}",
                FOLDER,
                Principal.email(f"person{n:05d}@acme.example"),
                "not yet invited",
                item_name="Spring 2026",
                after={"role": "viewer"},
                origin=f"deliveries/d{n % 7}.yaml:{n}",
            )
            for n in range(people)
        )
    )


def test_markdown_stays_under_the_comment_limit_with_a_note() -> None:
    out = rendered(big_plan(3000), "markdown")
    assert len(out) < 65_000
    assert out.startswith("<!-- reconcile-plan -->\n")
    assert out.rstrip().endswith(markdown.TRUNCATED)
    assert out.count("```") % 2 == 0  # no code block left open
    assert out.count("<details>") == out.count("</details>")
    assert "| `delivery-0` | " in out  # the summary comes first and survives the cut


def test_markdown_of_a_plan_that_fits_is_not_cut() -> None:
    out = rendered(big_plan(40), "markdown")
    assert markdown.TRUNCATED not in out
    assert out.count("person000") == 40


def test_markdown_cut_closes_what_is_open_at_any_limit() -> None:
    text = markdown.document(big_plan(200), limit=1500 + 97 * 7)
    assert text.endswith(markdown.TRUNCATED + "\n")
    assert text.count("```") % 2 == 0
    assert text.count("<details>") == text.count("</details>")


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown plan format"):
        render(Plan(), io.StringIO(), format="yaml")
    assert sorted(FORMATS) == ["json", "markdown", "text"]
