"""The one doubling wait between retries: what the notify ledger, the watcher's failed passes
and an event stream that keeps ending each wait, failure after failure."""

from __future__ import annotations

from datetime import timedelta

from reconciler.model import backoff
from reconciler.notify.ledger import FIRST_WAIT, LONGEST_WAIT
from reconciler.watch.clock import RETRY_FIRST, RETRY_LONGEST, Backoff


def test_the_wait_doubles_after_each_failure_up_to_the_longest() -> None:
    waits = [backoff(n, first=RETRY_FIRST, longest=RETRY_LONGEST) for n in range(1, 10)]
    assert waits == [5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0, 300.0]


def test_the_ledger_waits_in_timedelta_from_five_seconds_to_half_an_hour() -> None:
    waits = [backoff(n, first=FIRST_WAIT, longest=LONGEST_WAIT) for n in range(1, 11)]
    assert [int(w.total_seconds()) for w in waits] == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 1800]
    assert all(isinstance(w, timedelta) for w in waits)


def test_no_failure_yet_is_the_first_wait() -> None:
    assert backoff(0, first=RETRY_FIRST, longest=RETRY_LONGEST) == RETRY_FIRST


def test_a_first_wait_above_the_longest_is_cut_to_it() -> None:
    assert backoff(1, first=600.0, longest=RETRY_LONGEST) == RETRY_LONGEST


def test_a_count_that_grew_for_days_stays_at_the_longest() -> None:
    # 5 s doubled 44 times no longer fits a timedelta: the wait stops growing at the cap first.
    assert backoff(45, first=FIRST_WAIT, longest=LONGEST_WAIT) == LONGEST_WAIT
    assert backoff(100_000, first=FIRST_WAIT, longest=LONGEST_WAIT) == LONGEST_WAIT
    assert backoff(100_000, first=RETRY_FIRST, longest=RETRY_LONGEST) == RETRY_LONGEST


def test_the_watcher_waits_by_the_same_rule_and_starts_over_after_a_success() -> None:
    waits = Backoff()
    assert waits.peek() == RETRY_FIRST
    assert [waits.failed() for _ in range(8)] == [5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0]
    waits.reset()
    assert waits.failed() == RETRY_FIRST
