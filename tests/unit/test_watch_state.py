"""The watcher's own state: a burst of hints taken as one, the state directory (atomic, locked),
the stored stream position and when it is too old to resume from."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from reconciler.errors import UsageError
from reconciler.model import ItemKind, ItemRef
from reconciler.notify.statedir import StateDir
from reconciler.watch.hints import Batch, Hint, HintQueue
from reconciler.watch.stream import load_place, save_place
from tests.unit.fakeclock import FakeClock

A, B, C = ItemRef(ItemKind.FOLDER, "1"), ItemRef(ItemKind.FILE, "2"), ItemRef(ItemKind.FILE, "3")


def test_a_burst_of_hints_is_taken_as_one_batch_with_the_last_position() -> None:
    clock = FakeClock()
    queue = HintQueue(clock)
    queue.put(Hint.about([A], stream="changes", position="10"))
    clock.at(0.05, lambda: queue.put(Hint.about([B], stream="changes", position="11")))
    clock.at(0.5, lambda: queue.put(Hint.about([C], stream="changes", position="12")))
    batch = queue.take(window=0.3, timeout=1.0)
    assert batch is not None
    assert (batch.items, batch.positions, batch.count) == ({A, B}, {"changes": "11"}, 2)
    assert clock.now == pytest.approx(0.3)  # gathered for the whole window
    after = queue.take(window=0.0, timeout=1.0)  # a hint after the window: the next burst
    assert after is not None and after.items == {C}
    assert queue.take(window=0.0, timeout=0.01) is None  # nothing left over


def test_a_page_read_whole_is_its_own_burst_and_a_streamed_hint_still_gathers() -> None:
    clock = FakeClock()
    queue = HintQueue(clock)
    page = Hint.about([A], stream="admin_logs_streaming", position="7", whole_page=True)
    queue.put(page)
    clock.at(0.3, lambda: queue.put(Hint.about([B], stream="changes")))
    first = queue.take(window=30.0, timeout=1.0)
    assert first is not None and first.items == {A}
    assert first.positions == {"admin_logs_streaming": "7"}
    assert clock.now == 0.0  # not held for the window: the page is whole
    streamed = queue.take(window=0.0, timeout=1.0)
    assert streamed is not None and streamed.items == {B}
    # A streamed hint first: the burst is gathered for the window, the page joins it.
    queue.put(Hint.about([B], stream="changes", position="12"))
    clock.at(clock.now + 0.05, lambda: queue.put(page))
    both = queue.take(window=0.5, timeout=1.0)
    assert both is not None and both.items == {A, B}
    assert both.positions == {"changes": "12", "admin_logs_streaming": "7"}


def test_a_resync_hint_marks_the_whole_batch() -> None:
    queue = HintQueue(FakeClock())
    queue.put(Hint.about([A]))
    queue.put(Hint(source="stream", resync=True, reason="event stream ended"))
    batch = queue.take(window=0.0, timeout=1.0)
    assert batch is not None and batch.resync and batch.reasons == ["event stream ended"]


def test_with_no_hint_the_taker_returns_none_at_its_timeout() -> None:
    clock = FakeClock()
    assert HintQueue(clock).take(window=1.0, timeout=5.0) is None
    assert clock.now == 5.0


def test_closing_the_queue_wakes_a_waiting_taker() -> None:
    clock = FakeClock()
    queue = HintQueue(clock)
    clock.at(0.05, queue.close)
    assert queue.take(window=0.0, timeout=30.0) is None
    assert clock.now == pytest.approx(0.05)  # woken by the close, not by the timeout


def test_another_thread_wakes_a_taker_with_a_hint_or_a_close() -> None:
    """As the feeds' threads and a signal handler do: a real notify, time standing still."""
    clock = FakeClock(hold=True)
    queue = HintQueue(clock)
    taken: list[Batch | None] = []

    def take() -> None:
        taken.append(queue.take(window=0.0, timeout=30.0))

    for wake in (lambda: queue.put(Hint.about([A])), queue.close):
        clock.waiting.clear()
        taker = threading.Thread(target=take, daemon=True)
        taker.start()
        assert clock.waiting.wait(30), "the taker never waited"
        wake()
        taker.join(30)
        assert not taker.is_alive(), "the taker was not woken"
    first, second = taken
    assert first is not None and first.items == {A}
    assert second is None
    assert clock.now == 0.0


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
        save_place(state, {"changes": "1234"}, now=saved)
        place = load_place(state)
    assert place is not None and place.positions == {"changes": "1234"}
    days = timedelta(days=21)
    assert place.usable(["changes"], days, saved + timedelta(days=20))
    assert not place.usable(["changes"], days, saved + timedelta(days=22))
    assert not place.usable(["admin_logs_streaming"], days, saved + timedelta(days=1))
    # The enterprise stream is followed with the changes stream: both positions are needed.
    assert not place.usable(["admin_logs_streaming", "changes"], days, saved)


def test_both_positions_are_kept_and_the_one_stream_form_still_reads(tmp_path: Path) -> None:
    saved = datetime(2026, 3, 1, tzinfo=timezone.utc)
    both = {"admin_logs_streaming": "1733000000000", "changes": "2871"}
    with StateDir.open(tmp_path) as state:
        save_place(state, both, now=saved)
        place = load_place(state)
        assert place is not None and place.positions == both
        assert place.usable(list(both), timedelta(days=21), saved)
        older = {"stream_type": "changes", "position": "99", "saved_at": "2026-03-01T00:00:00Z"}
        (tmp_path / "stream.json").write_text(json.dumps(older), encoding="utf-8")
        place = load_place(state)
    assert place is not None and place.positions == {"changes": "99"}
    assert place.saved_at == saved
