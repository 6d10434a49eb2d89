"""The watcher's own state: a burst of hints taken as one, the state directory (atomic, locked),
the stored stream position and when it is too old to resume from."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from reconciler.errors import UsageError
from reconciler.model import ItemKind, ItemRef
from reconciler.statedir import StateDir
from reconciler.watch.hints import Hint, HintQueue
from reconciler.watch.stream import load_place, save_place

A, B = ItemRef(ItemKind.FOLDER, "1"), ItemRef(ItemKind.FILE, "2")


def test_a_burst_of_hints_is_taken_as_one_batch_with_the_last_position() -> None:
    queue = HintQueue()
    queue.put(Hint.about([A], position="10"))
    later = threading.Timer(0.05, lambda: queue.put(Hint.about([B], position="11")))
    later.start()
    batch = queue.take(window=0.3, timeout=1.0)
    later.join()
    assert batch is not None
    assert (batch.items, batch.position, batch.count) == ({A, B}, "11", 2)
    assert queue.take(window=0.0, timeout=0.01) is None  # nothing left over


def test_a_resync_hint_marks_the_whole_batch() -> None:
    queue = HintQueue()
    queue.put(Hint.about([A]))
    queue.put(Hint(source="stream", resync=True, reason="event stream ended"))
    batch = queue.take(window=0.0, timeout=1.0)
    assert batch is not None and batch.resync and batch.reasons == ["event stream ended"]


def test_closing_the_queue_wakes_a_waiting_taker() -> None:
    queue = HintQueue()
    threading.Timer(0.05, queue.close).start()
    assert queue.take(window=0.0, timeout=30.0) is None


def test_state_files_are_replaced_whole(tmp_path: Path) -> None:
    with StateDir.open(tmp_path / "state") as state:
        state.write("notify.json", {"sent": {"jsonl:x": ["a"]}})
        state.write("notify.json", {"sent": {"jsonl:x": ["a", "b"]}})
        assert state.read("notify.json") == {"sent": {"jsonl:x": ["a", "b"]}}
        assert state.read("never-written.json") == {}
        leftovers = [p.name for p in (tmp_path / "state").iterdir() if p.suffix == ".tmp"]
        assert leftovers == []


def test_one_state_dir_serves_one_process(tmp_path: Path) -> None:
    with StateDir.open(tmp_path) as _, pytest.raises(UsageError, match="another reconcile"):
        StateDir.open(tmp_path)
    StateDir.open(tmp_path).close()  # free again once the first one closed


def test_a_stored_position_resumes_only_within_retention_and_on_the_same_stream(
    tmp_path: Path,
) -> None:
    saved = datetime(2026, 3, 1, tzinfo=timezone.utc)
    with StateDir.open(tmp_path) as state:
        assert load_place(state) is None
        save_place(state, "changes", "1234", now=saved)
        place = load_place(state)
    assert place is not None and place.position == "1234"
    days = timedelta(days=21)
    assert place.usable("changes", days, saved + timedelta(days=20))
    assert not place.usable("changes", days, saved + timedelta(days=22))
    assert not place.usable("admin_logs_streaming", days, saved + timedelta(days=1))
