"""Gitignore-style globs on paths below a delivered folder (approval include and exclude)."""

from __future__ import annotations

import pytest

from reconciler.manifest import globs
from reconciler.manifest.globs import matches, selected

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


def count_character_tests(monkeypatch: pytest.MonkeyPatch, pattern: str, name: str) -> int:
    """How many times matching ``name`` tests one character against one pattern character."""
    calls = 0
    accepts = globs._Char.accepts

    def counted(self: globs._Char, char: str) -> bool:
        nonlocal calls
        calls += 1
        return accepts(self, char)

    monkeypatch.setattr(globs._Char, "accepts", counted)
    globs.compile_glob.cache_clear()
    assert not matches(pattern, name)
    return calls


def test_matching_work_grows_linearly_with_the_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """No catastrophic backtracking: ``*a*a...*b`` once cost minutes on a 40-character name."""
    pattern = "*a*a*a*a*a*a*a*a*a*a*b"
    small = count_character_tests(monkeypatch, pattern, "a" * 400)
    large = count_character_tests(monkeypatch, pattern, "a" * 4000)
    assert large <= 11 * small  # ten times the name, about ten times the work
    assert large <= len(pattern) * 4000


def test_validation_and_matching_share_one_compiler() -> None:
    assert globs.problem("[z-a].jpg") == "the range 'z-a' is reversed (write 'a-z')"
    assert not matches("[z-a].jpg", "m.jpg")
    assert globs.problem("shot[a-c].jpg") is None
    assert matches("shot[a-c].jpg", "SHOTB.JPG")
