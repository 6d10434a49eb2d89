"""Read the comments on files from Box, for ``status``: one listing (by offset pages) per file."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from reconciler.box.reader import BoxReader, _parallel
from reconciler.box.wire import raw_json
from reconciler.model import LiveComment

PAGE = 1000  # Box's most comments per page
FIELDS = ["type", "id", "is_reply_comment", "message", "created_by", "created_at", "item"]


def parse_comment(raw: dict[str, object]) -> LiveComment:
    author = raw.get("created_by")
    author = author if isinstance(author, dict) else {}
    item = raw.get("item")
    item = item if isinstance(item, dict) else {}
    return LiveComment(
        id=str(raw.get("id", "")),
        author_id=str(author.get("id") or ""),
        author_login=str(author.get("login") or ""),
        message=str(raw.get("message") or ""),
        created_at=str(raw.get("created_at") or ""),
        reply_to=str(item["id"]) if item.get("type") == "comment" and item.get("id") else None,
    )


def comments_page(reader: BoxReader, file_id: str, offset: int) -> dict[str, object]:
    return raw_json(
        reader._call(
            f"list the comments of file {file_id}",
            lambda: reader.client.comments.get_file_comments(
                file_id, fields=FIELDS, limit=PAGE, offset=offset
            ),
        )
    )


def file_comments(reader: BoxReader, file_id: str) -> tuple[LiveComment, ...]:
    """Every comment and reply on one file, as Box lists them."""
    found: list[LiveComment] = []
    while True:
        page = comments_page(reader, file_id, len(found))
        entries = page.get("entries")
        entries = entries if isinstance(entries, list) else []
        found.extend(parse_comment(e) for e in entries if isinstance(e, dict))
        total = page.get("total_count")
        if not entries or not isinstance(total, int) or len(found) >= total:
            return tuple(found)


def read_comments(
    reader: BoxReader, file_ids: Iterable[str], *, concurrency: int = 8
) -> dict[str, tuple[LiveComment, ...]]:
    """The comments of each file, read in parallel."""
    unique = sorted(set(file_ids))
    listings = _parallel(concurrency, [partial(file_comments, reader, fid) for fid in unique])
    return dict(zip(unique, listings, strict=True))
