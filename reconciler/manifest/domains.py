"""Warnings about email domains that look like a slip of the keyboard (``acme.exmaple``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from reconciler.errors import Problem
from reconciler.model import Delivery, Origin, Policy, PrincipalKind

TYPO = "domain-typo"


def likely_typos(deliveries: Iterable[Delivery], policy: Policy, config: str) -> list[Problem]:
    """Each client email whose domain is one slip away from a domain the repo uses more often,
    or from one in ``policy.allowed_domains``; a warning, since the domain may well be real."""
    written = [
        (c.principal.key.rpartition("@")[2], c.origin or Origin(d.file, 1, 1))
        for d in deliveries
        for c in d.clients
        if c.principal.kind is PrincipalKind.EMAIL and "@" in c.principal.key
    ]
    uses = Counter(domain for domain, _ in written)
    first: dict[str, Origin] = {}
    for domain, spot in sorted(written, key=lambda w: w[1]):
        first.setdefault(domain, spot)
    allowed = {d.strip().casefold() for d in policy.allowed_domains}
    return [
        Problem(spot.file, spot.line, spot.column, TYPO, message)
        for domain, spot in sorted(written, key=lambda w: w[1])
        if domain not in allowed
        for message in _typo_of(domain, uses, first, allowed, config)
    ]


def _typo_of(
    domain: str,
    uses: Counter[str],
    first: dict[str, Origin],
    allowed: set[str],
    config: str,
) -> Iterator[str]:
    for known in sorted(allowed):
        if _near(domain, known):
            yield (
                f"the domain '{domain}' looks like a typo of '{known}' "
                f"(policy.allowed_domains of {config})"
            )
            return
    for known in sorted(uses):
        if known != domain and uses[known] > uses[domain] and _near(domain, known):
            yield f"the domain '{domain}' looks like a typo of '{known}' (used at {first[known]})"
            return


def _near(a: str, b: str) -> bool:
    """One edit apart (two for long names): a letter added, dropped, changed or swapped."""
    if a == b:
        return False
    limit = 2 if min(len(a), len(b)) >= 12 else 1
    return abs(len(a) - len(b)) <= limit and _distance(a, b) <= limit


def _distance(a: str, b: str) -> int:
    """Edit distance counting a swap of neighbours as one edit (optimal string alignment)."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
