"""Which comments on a file are by clients, newest first, and whether they wait for an answer."""

from __future__ import annotations

from reconciler.model import LiveComment
from reconciler.status.feedback import file_comments

CLIENT = frozenset({"20002"})
LOGINS = frozenset({"art@globex.example"})


def note(cid: str, author: str, login: str, at: str, reply_to: str | None = None) -> LiveComment:
    return LiveComment(cid, author, login, f"text {cid}", at, reply_to)


def test_client_comments_newest_first_in_utc() -> None:
    found = file_comments(
        [
            note("1", "20002", "bob@client.example", "2026-03-01T10:00:00-08:00"),
            note("2", "20009", "art@globex.example", "2026-03-01T09:00:00Z"),
            note("3", "10001", "studio@example.com", "2026-03-01T08:00:00Z"),
        ],
        CLIENT,
        LOGINS,
    )
    assert [(c.author, c.created_at) for c in found.by_clients] == [
        ("bob@client.example", "2026-03-01T18:00:00Z"),
        ("art@globex.example", "2026-03-01T09:00:00Z"),
    ]
    assert found.unanswered  # the studio wrote before the clients, not after


def test_a_later_reply_by_the_studio_answers_and_a_later_client_comment_reopens() -> None:
    first = note("1", "20002", "bob@client.example", "2026-03-01T09:00:00Z")
    reply = note("2", "10001", "studio@example.com", "2026-03-01T10:00:00Z", reply_to="1")
    assert not file_comments([first, reply], CLIENT, LOGINS).unanswered
    again = note("3", "20002", "bob@client.example", "2026-03-01T11:00:00Z")
    assert file_comments([first, reply, again], CLIENT, LOGINS).unanswered


def test_a_file_without_client_comments_has_nothing_to_answer() -> None:
    only_studio = [note("1", "10001", "studio@example.com", "2026-03-01T09:00:00Z")]
    found = file_comments(only_studio, CLIENT, LOGINS)
    assert found.by_clients == () and not found.unanswered
