"""Gitignore-style globs on paths below a delivered folder (approval include and exclude)."""

from __future__ import annotations

import pytest

from reconciler.globs import matches, selected

CASES = [
    # (pattern, path, matches?)
    ("**/*.jpg", "hero.jpg", True),  # "**/" is zero folders too
    ("**/*.jpg", "shots/day1/hero.jpg", True),
    ("**/*.jpg", "hero.jpg.txt", False),
    ("*.jpg", "hero.jpg", True),
    ("*.jpg", "shots/hero.jpg", False),  # "*" stays inside one folder
    ("shots/*", "shots/hero.jpg", True),
    ("shots/*", "shots/day1/hero.jpg", False),
    ("shots/*.jpg", "shots/.jpg", True),
    ("_internal/**", "_internal/notes.txt", True),
    ("_internal/**", "_internal/a/b/c.jpg", True),
    ("_internal/**", "_internal", False),  # "x/**" is what is inside x
    ("_internal/**", "public/_internal/x.jpg", False),  # anchored at the delivered folder
    ("**/_internal/**", "public/_internal/x.jpg", True),
    ("a/**/b.jpg", "a/b.jpg", True),
    ("a/**/b.jpg", "a/x/y/b.jpg", True),
    ("a/**/b.jpg", "ab.jpg", False),
    ("**/**/b.jpg", "b.jpg", True),
    ("**", "any/thing/at/all.mov", True),
    ("/hero.jpg", "hero.jpg", True),  # a leading "/" anchors, as everything is anchored
    ("shot?.jpg", "shot1.jpg", True),
    ("shot?.jpg", "shot12.jpg", False),
    ("a?b", "a/b", False),  # "?" never matches the folder separator
    ("shot[12].jpg", "shot2.jpg", True),
    ("shot[12].jpg", "shot3.jpg", False),
    ("shot[!12].jpg", "shot3.jpg", True),
    ("shot[!12].jpg", "shot1.jpg", False),
    ("shot[0-9].jpg", "shot7.jpg", True),
    ("a[!x]b", "a/b", False),  # nor does a negated class
    ("shot[1.jpg", "shot[1.jpg", False),  # an unclosed "[" matches nothing, as in git
    (r"shot\[1.jpg", "shot[1.jpg", True),
    ("a**b.jpg", "axyb.jpg", True),  # "**" inside a name is a plain "*"
    ("a**b.jpg", "ax/yb.jpg", False),
    (r"\*.jpg", "*.jpg", True),
    (r"\*.jpg", "hero.jpg", False),
    ("selects/", "selects/hero.jpg", False),  # a trailing "/" names folders only
    ("", "hero.jpg", False),
    ("**/*.jpg", "HERO.JPG", True),  # Box names clash regardless of case
    ("hero.jpg", "hero.jpg", True),
    ("hero.jpg", "old/hero.jpg", False),
    ("my file (1).jpg", "my file (1).jpg", True),  # regex characters are literal
    ("my file (1).jpg", "my file 1.jpg", False),
]


@pytest.mark.parametrize(
    ("pattern", "path", "expected"), CASES, ids=[f"{p}~{s}" for p, s, _ in CASES]
)
def test_gitignore_semantics(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


def test_no_include_selects_everything_not_excluded() -> None:
    assert selected("notes.txt", (), ())
    assert not selected("_internal/notes.txt", (), ("_internal/**",))


def test_include_then_exclude() -> None:
    include, exclude = ("**/*.jpg", "**/*.mp4"), ("_internal/**",)
    picked = [
        p
        for p in ("hero.jpg", "spot.mp4", "notes.txt", "shots/a.jpg", "_internal/raw.jpg")
        if selected(p, include, exclude)
    ]
    assert picked == ["hero.jpg", "spot.mp4", "shots/a.jpg"]
