"""The sticky comment's Markdown: headline, run details, red removals, the cut, validation."""

from __future__ import annotations

from datetime import datetime, timezone

from reconciler.errors import Problem
from reconciler.manifest.git import DeletedManifest
from reconciler.model import ItemKind, ItemRef, Principal
from reconciler.plan import Action, Change, Kind, Plan
from reconciler.render.comment import Context, plan_comment, validation_comment
from reconciler.render.markdown import MARKER

FOLDER = ItemRef(ItemKind.FOLDER, "213534631621")
WHEN = datetime(2026, 5, 4, 9, 30, tzinfo=timezone.utc)
CONTEXT = Context(version="9.9.9", time=WHEN, commit="0123456789abcdef", login="svc@studio.example")


def change(delivery: str, who: str, action: Action = Action.ADD) -> Change:
    return Change(
        action,
        Kind.COLLABORATION,
        delivery,
        FOLDER,
        Principal.email(who),
        "reason " + "x" * 60,
        item_name="Spring 2026",
        before={"role": "viewer"} if action is Action.REMOVE else None,
        after={"role": "viewer"} if action is Action.ADD else None,
    )


def test_headline_and_run_details_come_first() -> None:
    plan = Plan((change("acme", "a@acme.example"), change("acme", "b@acme.example")))

    text = plan_comment(plan, CONTEXT)

    lines = text.splitlines()
    assert lines[0] == MARKER
    assert lines[1] == (
        "## reconcile plan: 2 changes to add, 0 to change, 0 to remove, 0 waiting for acceptance"
    )
    assert (
        "commit `0123456789ab` · reconciler 9.9.9 · Box account `svc@studio.example` · "
        "2026-05-04 09:30 UTC"
    ) in lines
    assert "<details><summary><b>acme</b>" in text
    assert lines[-1].startswith("**Merging**")


def test_no_changes_says_so_and_what_merging_does() -> None:
    text = plan_comment(Plan(()), CONTEXT)

    assert "## reconcile plan: No changes." in text
    assert "Merging this pull request changes nothing in Box." in text


def test_removals_get_a_red_caution() -> None:
    plan = Plan((change("acme", "gone@acme.example", Action.REMOVE),))

    text = plan_comment(plan, CONTEXT)

    assert "> [!CAUTION]" in text
    assert "🔴 **This plan removes 1 access from Box.**" in text


def test_deleted_manifests_are_warned_about() -> None:
    context = Context(
        version="9", time=WHEN, deleted=(DeletedManifest("deliveries/a.yaml", "acme"),)
    )

    text = plan_comment(Plan(()), context)

    assert "> [!WARNING]" in text
    assert "deliveries/a.yaml (delivery acme) was deleted" in text


def test_cut_delivery_by_delivery_under_the_limit() -> None:
    plan = Plan(
        tuple(change(f"d{n:03d}", f"p{k}@acme.example") for n in range(200) for k in range(8))
    )
    whole = plan_comment(plan, CONTEXT, limit=10**7)

    text = plan_comment(plan, CONTEXT)

    assert len(whole) > 65_536
    assert len(text) < 65_536
    kept = text.count("<details>")
    assert 0 < kept < 200
    assert f"**{200 - kept} of 200 sections left out**" in text
    assert text.count("<details>") == text.count("</details>")
    assert text.rstrip().endswith("Nothing changes in Box before then.")


def test_validation_comment_is_a_located_table() -> None:
    problems = [
        Problem("deliveries/a.yaml", 4, 3, "schema", "role: 'owner' | is not allowed"),
        Problem("deliveries/b.yaml", 1, 1, "yaml", "not a mapping"),
    ]

    text = validation_comment(problems, 3, CONTEXT)

    assert text.startswith(MARKER)
    assert "**2 problems in 2 of 3 files.**" in text
    assert "| `deliveries/a.yaml:4:3` | role: 'owner' \\| is not allowed `[schema]` |" in text
