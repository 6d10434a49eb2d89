"""The watcher names, at their manifest lines, the delivered folders another account owns."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from reconciler.manifest.service import WatchSettings
from reconciler.model import ItemKind, ItemRef, LiveItem, LiveState, LiveUser
from reconciler.session import workflow
from reconciler.watch.ownership import check_ownership, unowned

MANIFEST = Path(__file__).parent / "manifests" / "valid" / "minimal.yaml"
ME = LiveUser("10001", "studio@example.com")


def live_with_owner(owner: str) -> LiveState:
    ref = ItemRef(ItemKind.FOLDER, "1003")
    return LiveState(me=ME, items={ref: LiveItem(ref, "deliveries", owner)})


def test_a_folder_the_account_owns_needs_nothing() -> None:
    assert unowned(live_with_owner("10001")) == ()


def test_with_the_enterprise_stream_each_is_named_at_its_manifest_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    desired = workflow.load([str(MANIFEST)])
    with caplog.at_level(logging.INFO, logger="reconciler.watch.ownership"):
        found = check_ownership(
            live_with_owner("20002"), desired, WatchSettings(stream_type="admin_logs_streaming")
        )
    assert found == (ItemRef(ItemKind.FOLDER, "1003"),)
    (line,) = caplog.messages
    assert "minimal.yaml:3:" in line
    assert "folder 1003 is owned by user 20002" in line
    assert "the enterprise stream is read for them too" in line


def test_on_the_changes_stream_it_is_found_and_left_to_the_doctor_to_say(
    caplog: pytest.LogCaptureFixture,
) -> None:
    desired = workflow.load([str(MANIFEST)])
    with caplog.at_level(logging.INFO, logger="reconciler.watch.ownership"):
        found = check_ownership(live_with_owner("20002"), desired, WatchSettings())
    assert found == (ItemRef(ItemKind.FOLDER, "1003"),)
    assert caplog.messages == []


def test_nothing_to_say_without_a_stream() -> None:
    desired = workflow.load([str(MANIFEST)])
    assert (
        check_ownership(live_with_owner("20002"), desired, WatchSettings(stream_type="none")) == ()
    )
