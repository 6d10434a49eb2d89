"""A webhook delivery's signature and age, as Box's guide defines them: HMAC-SHA256 of the raw
body and the timestamp header, by either key; at most ten minutes old; and, because Box bounds
only the past, a small allowance for a sender's clock ahead of ours."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta, timezone

import pytest

from reconciler.box.webhooks import verify

NOW = datetime(2026, 12, 7, 12, 0, 0, tzinfo=timezone.utc)
BODY = '{"type":"webhook_event","id":"e1","trigger":"FILE.UPLOADED","note":"café"}'.encode()


def headers(key: str = "primary-key", *, at: datetime = NOW, body: bytes = BODY) -> dict[str, str]:
    stamp = at.isoformat().replace("+00:00", "Z")
    digest = hmac.new(key.encode(), body + stamp.encode(), hashlib.sha256).digest()
    return {
        "BOX-DELIVERY-TIMESTAMP": stamp,
        "BOX-SIGNATURE-PRIMARY": base64.b64encode(digest).decode(),
        "BOX-SIGNATURE-SECONDARY": "not-it",
        "BOX-SIGNATURE-VERSION": "1",
        "BOX-SIGNATURE-ALGORITHM": "HmacSHA256",
    }


@pytest.mark.parametrize(
    ("name", "offset", "skew", "accepted"),
    [
        ("now", timedelta(0), 60, True),
        ("30 s ahead", timedelta(seconds=30), 60, True),
        ("60 s ahead", timedelta(seconds=60), 60, True),
        ("61 s ahead", timedelta(seconds=61), 60, False),
        ("2 min ahead", timedelta(minutes=2), 60, False),
        ("30 s ahead, no allowance", timedelta(seconds=30), 0, False),
        ("2 min ahead, allowance 5 min", timedelta(minutes=2), 300, True),
        ("9 min old", -timedelta(minutes=9), 60, True),
        ("10 min old", -timedelta(minutes=10), 60, True),
        ("11 min old", -timedelta(minutes=11), 60, False),
        ("11 min old, large allowance", -timedelta(minutes=11), 600, False),
    ],
)
def test_the_age_of_a_delivery(name: str, offset: timedelta, skew: float, accepted: bool) -> None:
    signed = headers(at=NOW + offset)
    assert verify(BODY, signed, "primary-key", "", future_skew=skew, now=NOW) is accepted, name


def test_either_key_in_either_place_and_nothing_else() -> None:
    assert verify(BODY, headers("primary-key"), "primary-key", "secondary-key", now=NOW)
    assert verify(BODY, headers("secondary-key"), "primary-key", "secondary-key", now=NOW)
    assert not verify(BODY, headers("a-guess"), "primary-key", "secondary-key", now=NOW)
    tampered = BODY.replace(b"UPLOADED", b"DELETED")
    assert not verify(tampered, headers("primary-key"), "primary-key", "", now=NOW)


def test_header_names_are_case_insensitive_and_a_bad_timestamp_is_refused() -> None:
    lower = {k.lower(): v for k, v in headers().items()}
    assert verify(BODY, lower, "primary-key", "", now=NOW)
    broken = {**headers(), "BOX-DELIVERY-TIMESTAMP": "yesterday"}
    assert not verify(BODY, broken, "primary-key", "", now=NOW)
    missing = {k: v for k, v in headers().items() if k != "BOX-DELIVERY-TIMESTAMP"}
    assert not verify(BODY, missing, "primary-key", "", now=NOW)
    unknown = {**headers(), "BOX-SIGNATURE-ALGORITHM": "HmacSHA1"}
    assert not verify(BODY, unknown, "primary-key", "", now=NOW)
