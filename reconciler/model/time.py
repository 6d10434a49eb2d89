"""Box's timestamps and ours: one reader and one writer, so every file, report and notice
speaks of a moment the same way.

- ``box_time`` reads what Box sends (ISO 8601 with ``Z`` or an offset) and what we wrote
  ourselves; a time without an offset is UTC, so every result compares with every other.
- ``stamp`` writes a moment in UTC with a ``Z``: to the second (Box's own form, used in reports,
  notices and the state directory), or to the microsecond (the notify ledger's retry times,
  whose stored files must keep reading as they were written).
- ``in_utc`` re-writes a Box time in UTC, so that the latest of several is the largest string.
"""

from __future__ import annotations

from datetime import datetime, timezone

#: Box's form: whole seconds in UTC, ``Z`` for the zone.
SECONDS = "%Y-%m-%dT%H:%M:%SZ"
#: The notify ledger's form: the same to the microsecond (always six digits).
MICROSECONDS = "%Y-%m-%dT%H:%M:%S.%fZ"


def box_time(text: str | None) -> datetime | None:
    """A Box timestamp (ISO 8601 with an offset or ``Z``) as an aware datetime; None if unreadable.

    A time without an offset is taken as UTC, so every result compares with every other.
    """
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return _aware(moment)


def stamp(moment: datetime, *, microseconds: bool = False) -> str:
    """``moment`` in UTC with a ``Z``, to the second unless ``microseconds`` is asked for.

    A naive moment is taken as UTC, as ``box_time`` reads one, so that
    ``box_time(stamp(m))`` is ``m`` to the second.
    """
    utc = _aware(moment).astimezone(timezone.utc)
    return utc.strftime(MICROSECONDS if microseconds else SECONDS)


def now_stamp() -> str:
    """This moment, as ``stamp`` writes it."""
    return stamp(datetime.now(timezone.utc))


def in_utc(text: str) -> str:
    """A Box time written again in UTC (Box sends local offsets such as ``-08:00``), so that
    the latest of several is the largest string; unreadable text is kept as Box sent it."""
    moment = box_time(text)
    return stamp(moment) if moment is not None else text


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
