"""What Box sent, as it sent it: the JSON behind an SDK object."""

from __future__ import annotations

from typing import Any


def raw_json(obj: Any) -> dict[str, Any]:
    """The JSON Box sent: enums and unknown values come through as the wire strings."""
    raw = getattr(obj, "raw_data", None)
    return raw if isinstance(raw, dict) else {}
