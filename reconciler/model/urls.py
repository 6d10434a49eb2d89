"""URLs as they may be shown or stored: without the user and password a URL can carry."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def without_userinfo(url: str) -> str:
    """``url`` with any ``user:password@`` taken out (``***@`` in its place), so a log line, an
    error or a ledger key never holds a credential; other text is returned as it is."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))
