"""Box's timestamps: the one reader (``box_time``) and the one writer (``stamp``), the UTC form
reports sort by, and the notify ledger's microsecond form. (``status --since`` reads its time
with ``box_time`` too; tests/integration/test_status.py drives it through the command, since
importing a command module here would change the order of the top-level help.)"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from reconciler.model import box_time, in_utc, stamp

UTC = timezone.utc
PACIFIC = timezone(timedelta(hours=-8))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2026-03-01T09:00:00Z", datetime(2026, 3, 1, 9, tzinfo=UTC), id="Z"),
        pytest.param("2026-03-01T09:00:00+00:00", datetime(2026, 3, 1, 9, tzinfo=UTC), id="+00:00"),
        pytest.param(
            "2026-03-01T10:00:00-08:00", datetime(2026, 3, 1, 10, tzinfo=PACIFIC), id="offset"
        ),
        pytest.param(
            "2026-03-01T09:00:00.123456Z",
            datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=UTC),
            id="microseconds",
        ),
        pytest.param(" 2026-03-01T09:00:00Z\n", datetime(2026, 3, 1, 9, tzinfo=UTC), id="spaces"),
        pytest.param("2026-03-01T09:00:00", datetime(2026, 3, 1, 9, tzinfo=UTC), id="naive is UTC"),
        pytest.param("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC), id="a day is midnight UTC"),
    ],
)
def test_box_time_reads_box_and_our_own_forms_as_aware(text: str, expected: datetime) -> None:
    found = box_time(text)
    assert found == expected
    assert found is not None and found.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("text", [None, "", "   ", "yesterday", "2026-13-01T09:00:00Z", "2026-03"])
def test_box_time_is_none_for_what_it_cannot_read(text: str | None) -> None:
    assert box_time(text) is None


def test_stamp_writes_utc_to_the_second_with_a_z() -> None:
    assert stamp(datetime(2026, 3, 1, 9, 5, 7, 999999, tzinfo=UTC)) == "2026-03-01T09:05:07Z"
    assert stamp(datetime(2026, 3, 1, 22, tzinfo=PACIFIC)) == "2026-03-02T06:00:00Z"
    assert stamp(datetime(2026, 3, 1, 9)) == "2026-03-01T09:00:00Z"  # naive: UTC, as read


def test_stamp_and_box_time_round_trip() -> None:
    moment = datetime(2026, 3, 1, 10, 30, 15, tzinfo=PACIFIC)
    assert box_time(stamp(moment)) == moment
    assert stamp(box_time("2026-03-01T10:30:15-08:00") or moment) == "2026-03-01T18:30:15Z"


def test_the_ledger_form_keeps_six_digits_of_microseconds_and_reads_back() -> None:
    moment = datetime(2026, 3, 1, 9, 0, 5, 120, tzinfo=UTC)
    assert stamp(moment, microseconds=True) == "2026-03-01T09:00:05.000120Z"
    assert stamp(moment.replace(microsecond=0), microseconds=True) == "2026-03-01T09:00:05.000000Z"
    assert box_time(stamp(moment, microseconds=True)) == moment
    # a ledger written before keeps reading as it was written
    assert box_time("2026-03-01T09:00:05.500000Z") == moment.replace(microsecond=500000)


def test_in_utc_rewrites_box_offsets_and_keeps_what_it_cannot_read() -> None:
    assert in_utc("2026-03-01T10:00:00-08:00") == "2026-03-01T18:00:00Z"
    assert in_utc("2026-03-01T09:00:00Z") == "2026-03-01T09:00:00Z"
    assert in_utc("not a time") == "not a time"
    assert in_utc("") == ""
