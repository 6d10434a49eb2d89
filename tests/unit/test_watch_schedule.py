"""The loop's timings on a fake clock: when it wakes for its timers, the review tick and a stream
followed again; how long it waits after failures in a row."""

from __future__ import annotations

from reconciler.manifest.service import WatchSettings
from reconciler.watch.clock import Backoff, Timer
from reconciler.watch.schedule import REVIEW_TICK, Schedule
from tests.unit.fakeclock import FakeClock


def test_a_timer_is_due_once_per_period() -> None:
    clock = FakeClock()
    timer = Timer(clock, 5.0)
    assert not timer.due()
    clock.now = 5.0
    assert timer.due()
    assert not timer.due()  # set again five seconds from now
    clock.now = 7.0
    timer.again(1.0)
    assert timer.at == 8.0 and not timer.passed()


def test_waits_after_failures_double_up_to_the_longest_and_a_success_resets_them() -> None:
    backoff = Backoff(5.0, 300.0)
    assert [backoff.failed() for _ in range(8)] == [5, 10, 20, 40, 80, 160, 300, 300]
    backoff.reset()
    assert backoff.peek() == 5.0


def test_the_loop_waits_until_its_first_timer_or_a_review_tick() -> None:
    clock = FakeClock()
    settings = WatchSettings(manifest_poll_seconds=5.0, long_poll_check_seconds=180.0)
    schedule = Schedule(clock, settings)
    assert schedule.timeout(None, ticking=False) == 5.0
    assert schedule.timeout(None, ticking=True) == REVIEW_TICK
    assert schedule.timeout(3.0, ticking=False) == 3.0  # the streams followed again first
    clock.now = 9.0
    assert schedule.timeout(None, ticking=False) == 0.0  # overdue: no wait at all
