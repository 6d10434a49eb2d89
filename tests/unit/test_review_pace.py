"""The review poll's pace: newest reviews first, old ones rarely, never above the budget."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from reconciler.model import LiveAssignment, LiveFile, LiveTask
from reconciler.watch.passes import behind_warning, open_review
from reconciler.watch.reviews import OpenReview, ReviewPace, interval

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def review(file_id: str, minutes_ago: float, *reviewers: str) -> OpenReview:
    """A review assigned ``minutes_ago``, every reviewer still to decide."""
    when = START - timedelta(minutes=minutes_ago)
    return OpenReview(file_id, when, frozenset(reviewers), frozenset(reviewers))


def test_a_review_assigned_minutes_ago_is_read_far_more_often_than_an_old_one() -> None:
    assert interval(0, 900) == 5.0
    assert interval(60 * 60, 900) == 600.0  # an hour old: every ten minutes
    assert interval(24 * 3600, 900) == 900.0  # a day old: every review_poll_minutes


def test_fresh_files_are_due_again_within_seconds_old_ones_wait() -> None:
    clock = Clock()
    pace = ReviewPace(100, 900, now=clock)
    pace.update([review("fresh", 0), review("old", 24 * 60)])
    assert pace.due() == []  # both were just read by the pass that found them
    clock.advance(6)
    assert pace.due() == ["fresh"]
    clock.advance(900)
    assert pace.due() == ["fresh", "old"]  # the newest first


def test_the_budget_is_never_exceeded_and_the_newest_go_first() -> None:
    clock = Clock()
    pace = ReviewPace(60, 900, now=clock)  # one call a second on average
    pace.update([review(f"f{n:03}", n) for n in range(300)])
    clock.advance(1000)  # everything is due
    first = pace.due()
    assert len(first) == 10  # ten seconds' worth at once, no more
    assert first == [f"f{n:03}" for n in range(10)]  # assigned most recently first
    assert pace.due() == []  # the budget is spent
    clock.advance(5)
    assert len(pace.due()) == 5  # five seconds buy five calls
    for _ in range(60):
        clock.advance(1)
        pace.due()
    assert pace.calls_in_last(59.5) == 60  # a minute: the budget, not more
    assert pace.behind() == 300 - 75


def test_a_hint_about_a_reviewer_makes_their_files_due_at_once() -> None:
    clock = Clock()
    pace = ReviewPace(100, 900, now=clock)
    pace.update([review("a1", 30, "u-ann"), review("a2", 30, "u-ann"), review("b1", 1, "u-bob")])
    assert pace.hurry("u-ann") == 2
    assert pace.due(scheduled=False) == ["a1", "a2"]
    assert pace.hurry("u-nobody-knows") == 3  # the decision could be anywhere
    assert sorted(pace.due(scheduled=False)) == ["a1", "a2", "b1"]


def test_a_file_a_client_opened_is_read_before_the_fresh_reviews_nobody_opened() -> None:
    clock = Clock()
    pace = ReviewPace(60, 900, now=clock)  # ten reads at once at most
    # a client accepted an hour ago; 300 reviews were assigned since, nobody opened them
    pace.update([review("opened", 60)] + [review(f"f{n:03}", n / 100) for n in range(300)])
    clock.advance(1000)
    assert pace.opened(["opened", "not-under-review"]) == 1
    assert pace.due()[0] == "opened"  # ahead of reviews assigned seconds ago
    clock.advance(6)  # the budget refills with six reads
    assert "opened" not in pace.due()  # read again after OPENED_EVERY, not every few seconds
    clock.advance(10)
    assert pace.due()[0] == "opened"  # within the minute, ahead of the rest again
    clock.advance(700)  # opened long ago: one review among the rest, read by its age
    later = pace.due()
    assert "opened" not in later and len(later) == 10


def test_an_opened_file_stops_going_first_once_the_openers_decision_comes_after_it() -> None:
    clock = Clock()
    pace = ReviewPace(60, 900, now=clock)
    pace.update([review("opened", 60, "u-ann")])
    clock.advance(30)
    assert pace.opened(["opened"], by="u-ann") == 1
    clock.advance(10)
    # a read found Ann's decision (the review is "decided lately", after the opening), and a
    # second later another client's review is assigned
    decided = OpenReview("opened", clock.now, frozenset({"u-ann"}))
    clock.advance(1)
    pace.update([decided, OpenReview("new", clock.now, frozenset({"u-bob"}), frozenset({"u-bob"}))])
    clock.advance(6)
    assert pace.due() == ["new", "opened"]  # the newest first: nothing goes ahead of it now


def test_one_clients_decision_does_not_cancel_another_clients_opening_of_the_same_file() -> None:
    # Two clients review one file. Both open it; Ann decides first. Bob is still looking at
    # it: the file keeps going ahead of reviews decided or assigned since, until Bob decides.
    clock = Clock()
    pace = ReviewPace(60, 900, now=clock)
    pace.update([review("shared", 10, "u-ann", "u-bob")])
    pace.opened(["shared"], by="u-ann")
    clock.advance(20)
    pace.opened(["shared"], by="u-bob")
    clock.advance(5)
    ann_decided = OpenReview(
        "shared", clock.now, frozenset({"u-ann", "u-bob"}), frozenset({"u-bob"})
    )
    clock.advance(1)
    others = [review(f"f{n}", 0, "u-someone") for n in range(30)]
    others = [OpenReview(r.file_id, clock.now, r.reviewers, r.waiting) for r in others]
    pace.update([ann_decided, *others], read_now=["shared"])
    clock.advance(16)
    assert pace.due()[0] == "shared"  # ahead of thirty reviews assigned after Ann's decision
    bob_decided = OpenReview("shared", clock.now, frozenset({"u-ann", "u-bob"}))
    clock.advance(1)
    newer = [OpenReview(r.file_id, clock.now, r.reviewers, r.waiting) for r in others]
    pace.update([bob_decided, *newer], read_now=["shared"])
    clock.advance(16)
    assert pace.due()[0] != "shared"  # both decided: one recent decision among the rest


def test_an_opening_by_someone_who_reviews_nothing_there_is_not_followed() -> None:
    # The studio's own producer previews a delivered file: no decision of theirs is coming.
    clock = Clock()
    pace = ReviewPace(60, 900, now=clock)
    pace.update([review("delivered", 60, "u-client")])
    assert pace.opened(["delivered"], by="u-producer") == 0
    assert pace.opened(["delivered"], by="u-client") == 1


def test_files_no_longer_open_are_forgotten() -> None:
    clock = Clock()
    pace = ReviewPace(100, 900, now=clock)
    pace.update([review("a", 0), review("b", 0)])
    pace.update([review("b", 0)])
    clock.advance(60)
    assert pace.open_files == 1
    assert pace.due() == ["b"]


def test_the_warning_when_behind_says_how_long_and_the_ways_out() -> None:
    warning = behind_warning(1000, 100)
    assert "1,000 files" in warning and "about 10 minutes" in warning
    assert "admin_logs_streaming" in warning and "--listen" in warning
    assert "watch.review_calls_per_minute" in warning


def test_a_client_assigned_late_on_an_old_task_makes_the_review_fresh() -> None:
    # The task was made a week ago for the first client; the second accepted a minute ago and
    # was assigned on the same task: the file is read as often as a review a minute old.
    cmo = LiveAssignment("a1", "u-cmo", "cmo@acme.example", "approved")
    jane = LiveAssignment(
        "a2", "u-jane", "jane@acme.example", "incomplete", assigned_at="2026-03-02T08:59:00Z"
    )
    task = LiveTask(
        "t1", "f1", "review", "m", "all_assignees", None, "me", (cmo, jane), "2026-02-23T09:00:00Z"
    )
    found = open_review("f1", LiveFile("f1", "a.jpg", "a.jpg", "300", (task,)), START)
    assert found.since == datetime(2026, 3, 2, 8, 59, tzinfo=timezone.utc)
    assert found.reviewers == {"u-cmo", "u-jane"}
    assert found.waiting == {"u-jane"}  # the CMO has decided
    # Box gives no assigned_at: the task's own time; no time at all: when the watcher saw it.
    unknown = LiveTask("t1", "f1", "review", "m", "all_assignees", None, "me", (cmo,), None)
    bare = LiveAssignment("a3", "u-x", "x@acme.example", "incomplete")
    older = LiveTask(
        "t1", "f1", "review", "m", "all_assignees", None, "me", (bare,), "2026-02-23T09:00:00Z"
    )
    assert open_review("f1", LiveFile("f1", "a.jpg", "a.jpg", "300", (older,)), START).since == (
        datetime(2026, 2, 23, 9, 0, tzinfo=timezone.utc)
    )
    # ... unless the watcher saw that assignment appear while it ran: then since it appeared.
    appeared = {"a3": datetime(2026, 3, 2, 8, 58, tzinfo=timezone.utc)}
    file = LiveFile("f1", "a.jpg", "a.jpg", "300", (older,))
    assert open_review("f1", file, START, appeared).since == appeared["a3"]
    assert open_review("f1", LiveFile("f1", "a.jpg", "a.jpg", "300", (unknown,)), START).since == (
        START
    )
