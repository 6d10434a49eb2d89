"""Expiry, chasing and revoke as written in manifests and reconcile.yaml, built into the model."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reconciler.manifest import check

MANIFEST = """\
version: 1
name: acme
folders: ["100"]
expires: 2027-01-31
invitations: {resend_after_days: 7}
revoke: true
clients:
  - email: a@acme.example
    role: viewer
    expires_in_days: 30
  - email: b@acme.example
    role: viewer
"""


def test_expiry_chasing_and_revoke_are_read(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(MANIFEST, encoding="utf-8")
    config = tmp_path / "reconcile.yaml"
    config.write_text("invitations: {resend_after_days: 14, max_resends: 0}\n", encoding="utf-8")
    result = check([str(tmp_path / "acme.yaml")], str(config))
    assert result.problems == ()
    (acme,) = result.state.deliveries
    first, second = acme.clients
    assert acme.revoke is True
    assert acme.invitations is not None and acme.invitations.after_days == 7
    assert acme.invitations.max_resends == 2  # the default
    own, inherited = acme.expiry_of(first), acme.expiry_of(second)
    assert own is not None and (own.days, own.on) == (30, None)  # the client's wins
    assert inherited is not None and inherited.on == date(2027, 1, 31)
    assert acme.expiry is not None and acme.expiry.origin is not None
    assert (acme.expiry.origin.line, acme.expiry.origin.column) == (4, 10)
    chased = result.policy.invitations
    assert chased is not None and (chased.after_days, chased.max_resends) == (14, 0)


def test_expires_never_is_read_on_a_client_and_wins(tmp_path: Path) -> None:
    text = MANIFEST.replace("    expires_in_days: 30\n", "    expires: never\n")
    (tmp_path / "acme.yaml").write_text(text, encoding="utf-8")
    result = check([str(tmp_path / "acme.yaml")], None)
    assert result.problems == ()
    (acme,) = result.state.deliveries
    own = acme.expiry_of(acme.clients[0])
    assert own is not None and own.never and own.moment(None) is None
    assert own.origin is not None and (own.origin.line, own.origin.column) == (10, 14)
