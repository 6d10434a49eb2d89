"""How often the enterprise stream is read: often for active_minutes after a client acted."""

from __future__ import annotations

from reconciler.manifest.service import WatchSettings
from reconciler.watch.pace import Pace

SETTINGS = WatchSettings(event_poll_seconds=2, idle_event_poll_seconds=10, active_minutes=30)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_seldom_until_a_client_acts_then_often_for_the_active_window() -> None:
    clock = Clock()
    pace = Pace(lambda: SETTINGS, clock)
    assert pace.interval() == 10  # nobody has acted yet
    assert pace.acted() is True  # starts an active spell: read now
    assert pace.interval() == 2
    clock.now += 29 * 60
    assert pace.acted() is False  # already active: no extra read
    clock.now += 29 * 60
    assert pace.interval() == 2  # the window runs from the latest action
    clock.now += 61
    assert pace.interval() == 10


def test_no_active_window_means_always_seldom() -> None:
    settings = WatchSettings(active_minutes=0)
    pace = Pace(lambda: settings, Clock())
    assert pace.acted() is True
    assert pace.interval() == settings.idle_event_poll_seconds
