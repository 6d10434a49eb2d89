"""The review poll's cost in Box's request budget: a studio too large for it is told so."""

from __future__ import annotations

from reconciler.watch.passes import review_poll_cost


def test_a_large_studio_polling_every_review_is_warned_with_the_numbers_and_the_way_out() -> None:
    warning = review_poll_cost(10_000, 15)
    assert warning is not None
    assert "10,000 task lists every 15 minutes" in warning
    assert "about 40,000 calls an hour, 67%" in warning
    assert "admin_logs_streaming" in warning and "watch --listen" in warning


def test_a_small_studio_is_not_warned() -> None:
    assert review_poll_cost(100, 15) is None  # 400 calls an hour: under 1 % of the budget
    assert review_poll_cost(1_500, 15) is None  # exactly a tenth: still fine
    assert review_poll_cost(1_501, 15) is not None
