"""The studio's words shared by every report: counts with their plurals, and the one meaning of
*waiting* (an invitation sent, not yet accepted)."""

from __future__ import annotations

#: What the plan, the apply report and status call work that waits on an invitation.
WAITING = "waiting for acceptance"
#: A person invited who has not accepted yet, in the words a studio uses.
INVITED = "invited — not yet accepted"
#: A review task assigned to a client who has not decided yet.
TO_REVIEW = "to review"

_IRREGULAR = {"delivery": "deliveries", "was": "were", "is": "are", "waits": "wait"}


def plural(count: int, word: str) -> str:
    """``1 delivery``, ``3 deliveries``, ``0 folders``."""
    return f"{count} {word if count == 1 else plural_of(word)}"


def plural_of(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")
