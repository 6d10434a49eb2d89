"""Typed payloads: the applier's readings of a change's sides, and their defaults."""

from __future__ import annotations

from reconciler.plan import payloads


def test_access_reads_role_and_expiry_and_defaults_the_role() -> None:
    assert payloads.access({"role": "viewer", "expires_in_days": 30}) == {
        "role": "viewer",
        "expires_in_days": 30,
    }
    assert payloads.access(None) == {"role": ""}
    # A cleared expiry is a key with None, not a missing key: the applier tells them apart.
    assert "expires_at" in payloads.access({"role": "viewer", "expires_at": None})


def test_waiting_counts_one_file_unless_told() -> None:
    assert payloads.waiting(None)["files"] == 1
    assert payloads.waiting({"files": 3})["files"] == 3


def test_task_and_webhook_sides_are_the_saved_dicts() -> None:
    side = {"message": "Approve?", "completion_rule": "any_assignee", "due_at": None}
    assert payloads.task_fields(side) == side
    assert payloads.webhook({"address": "https://x", "triggers": ["A"]})["triggers"] == ["A"]
