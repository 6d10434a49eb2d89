"""The invalid manifest corpus: each case names the exact place of every problem and its words."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import ManifestError
from reconciler.manifest import validate
from reconciler.session.workflow import load

CORPUS = Path(__file__).parent / "manifests"
INVALID = CORPUS / "invalid"
POLICY = str(CORPUS / "reconcile.yaml")

# case -> [(file inside the case, line, column, code, words the message must contain)]
CASES: dict[str, list[tuple[str, int, int, str, tuple[str, ...]]]] = {
    "unknown-key-top.yaml": [
        ("", 4, 1, "unknown-key", ("descripton", "did you mean 'description'"))
    ],
    "unknown-key-client.yaml": [
        ("", 8, 5, "unknown-key", ("aprover", "clients[0]", "did you mean 'approver'"))
    ],
    "unknown-key-approval.yaml": [
        ("", 10, 3, "unknown-key", ("due_days", "approval", "did you mean 'due_in_days'"))
    ],
    "duplicate-key.yaml": [("", 8, 5, "duplicate-key", ("'role'", "line 7"))],
    # The unclosed '[' is on line 4; PyYAML notices it on line 5.
    "yaml-syntax.yaml": [("", 4, 10, "yaml-syntax", ("flow sequence", "noticed at line 5", "']'"))],
    "yaml-missing-colon.yaml": [
        ("", 3, 1, "yaml-syntax", ("expected ':'", "simple key", "noticed at line 4"))
    ],
    "yaml-tab.yaml": [("", 6, 1, "yaml-syntax", ("tab", "spaces"))],
    "yaml-alias.yaml": [("", 5, 8, "yaml-alias", ("aliases", "not supported"))],
    "yaml-python-tag.yaml": [("", 4, 14, "yaml-unsupported-tag", ("!!python/object/apply",))],
    "missing-name.yaml": [("", 2, 1, "missing-key", ("'name'",))],
    "missing-version.yaml": [("", 2, 1, "missing-key", ("'version'",))],
    "wrong-version.yaml": [("", 2, 10, "invalid-value", ("version", "expected 1", "2"))],
    "bad-name.yaml": [("", 3, 7, "invalid-value", ("name", "lowercase", "'Acme Spring 2026'"))],
    "unquoted-id.yaml": [("", 4, 11, "wrong-type", ("folders[0]", "text", '"213534631621"'))],
    "folders-not-list.yaml": [("", 4, 10, "wrong-type", ("folders", "a list", "'100'"))],
    "bad-role.yaml": [("", 7, 11, "invalid-value", ("clients[0].role", "veiwer", "'viewer'"))],
    "expires-not-a-day.yaml": [("", 5, 10, "invalid-date", ("expires", "'2027-02-30'"))],
    "expires-not-iso.yaml": [("", 5, 10, "invalid-value", ("expires", "YYYY-MM-DD"))],
    "expires-not-never.yaml": [
        ("", 8, 14, "invalid-value", ("clients[0].expires", "or never", "'forever'"))
    ],
    "expires-both.yaml": [("", 9, 5, "exclusive-keys", ("expires or expires_in_days",))],
    "invitations-bad.yaml": [
        ("", 5, 34, "invalid-value", ("resend_after_days", "at least 1")),
        ("", 5, 37, "unknown-key", ("max_resend", "did you mean 'max_resends'")),
    ],
    "revoke-not-bool.yaml": [("", 5, 9, "wrong-type", ("revoke", "true or false"))],
    "owner-role.yaml": [("", 7, 11, "invalid-value", ("role", "'owner'", "co-owner"))],
    "bad-hub-role.yaml": [("", 8, 15, "invalid-value", ("hub_role", "previewer", "co-owner"))],
    "missing-role.yaml": [("", 6, 5, "missing-key", ("'role'", "clients[0]"))],
    "no-principal.yaml": [("", 6, 5, "missing-key", ("clients[0]", "'email'", "'group'"))],
    "two-principals.yaml": [("", 7, 5, "conflicting-keys", ("'email' and 'user'", "exactly one"))],
    "client-not-mapping.yaml": [("", 6, 5, "wrong-type", ("clients[0]", "mapping", "a@acme"))],
    "invalid-email.yaml": [("", 6, 12, "invalid-email", ("jane.doe.acme.example",))],
    "role-on-file.yaml": [
        ("", 7, 11, "role-not-allowed-on-file", ("previewer", "single files", "editor or viewer"))
    ],
    "group-approver.yaml": [("", 10, 15, "group-cannot-approve", ("group", "approver"))],
    "approval-without-approvers.yaml": [
        ("", 11, 1, "approval-without-approvers", ("no client can approve",))
    ],
    "duplicate-client.yaml": [("", 8, 12, "duplicate-client", ("listed twice", "line 6"))],
    "glob-trailing-slash.yaml": [("", 9, 25, "glob-never-matches", ("'selects/'", "folders only"))],
    "glob-empty.yaml": [("", 9, 13, "glob-never-matches", ("approval.exclude", "empty"))],
    "glob-unclosed-class.yaml": [("", 9, 13, "glob-never-matches", ("shot[12.jpg", "'['"))],
    "empty-delivery.yaml": [("", 3, 7, "empty-delivery", ("shares nothing",))],
    "no-clients.yaml": [("", 3, 7, "empty-delivery", ("no clients",))],
    "bad-completion-rule.yaml": [
        ("", 9, 20, "invalid-value", ("completion_rule", "did you mean 'any_assignee'"))
    ],
    "due-zero.yaml": [("", 9, 16, "invalid-value", ("due_in_days", "at least 1"))],
    "approver-not-bool.yaml": [("", 8, 15, "wrong-type", ("approver", "true or false", "'no'"))],
    "duplicate-folder.yaml": [("", 4, 25, "duplicate-item", ("'100'", "twice"))],
    "domain-not-allowed.yaml": [
        ("", 6, 12, "domain-not-allowed", ("rival.example", "allowed_domains"))
    ],
    "role-above-max.yaml": [("", 7, 11, "role-above-max", ("external", "'editor'", "co-owner"))],
    "hub-role-above-max.yaml": [("", 8, 15, "role-above-max", ("hub_role", "co-owner"))],
    "protected-downgrade.yaml": [("", 9, 11, "protected-principal", ("protected", "'viewer'"))],
    "not-a-mapping.yaml": [("", 2, 1, "wrong-type", ("mapping", "a list"))],
    "empty-file.yaml": [("", 1, 1, "empty-file", ("no YAML content",))],
    "null-document.yaml": [("", 2, 1, "wrong-type", ("the top level", "mapping", "nothing"))],
    "binary-junk.yaml": [("", 3, 7, "not-utf8", ("UTF-8",))],
    "several.yaml": [
        ("", 3, 7, "invalid-value", ("name", "'Several_Problems'")),
        ("", 6, 12, "invalid-email", ("not-an-email",)),
        ("", 9, 11, "invalid-value", ("role", "'admin'")),
        ("", 10, 5, "unknown-key", ("hub_rol", "did you mean 'hub_role'")),
        ("", 11, 8, "wrong-type", ("prune", "true or false", "'maybe'")),
    ],
    "duplicate-name": [("b.yaml", 3, 7, "duplicate-name", ("shared-name", "a.yaml:3:7"))],
    "conflicting-roles": [
        (
            "b.yaml",
            7,
            11,
            "conflicting-roles",
            ("Jane.Doe@acme.example", "'editor'", "'viewer'", "a.yaml:7:11", "conflict-a"),
        )
    ],
}


def test_every_corpus_file_has_a_case() -> None:
    on_disk = {p.name for p in INVALID.iterdir()}
    assert on_disk == set(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_manifest_is_reported_at_the_offending_value(case: str) -> None:
    path = INVALID / case
    problems = validate([str(path)], config_path=POLICY)

    expected = CASES[case]
    where = [(p.file, p.line, p.column, p.code) for p in problems]
    assert where == [
        (str(path / f) if f else str(path), ln, col, code) for f, ln, col, code, _ in expected
    ]
    for problem, (*_, words) in zip(problems, expected, strict=True):
        for word in words:
            assert word in problem.message, f"{word!r} not in {problem}"


@pytest.mark.parametrize("case", ["several.yaml", "conflicting-roles", "binary-junk.yaml"])
def test_load_raises_with_every_problem(case: str) -> None:
    with pytest.raises(ManifestError) as caught:
        load([str(INVALID / case)], config_path=POLICY)
    assert len(caught.value.problems) == len(CASES[case])
    assert str(caught.value).splitlines() == [str(p) for p in caught.value.problems]


def test_problems_come_in_a_stable_order_whatever_the_order_of_paths() -> None:
    paths = [str(INVALID / name) for name in sorted(CASES)]
    forward = validate(paths, config_path=POLICY)
    backward = validate(list(reversed(paths)), config_path=POLICY)
    assert forward == backward
    assert forward == sorted(forward)
