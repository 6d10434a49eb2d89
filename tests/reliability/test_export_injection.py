"""``reconcile export`` writes no YAML that came from Box: a display name with a line break, DEL,
a C1 control or a non-character stays one value or one comment, and reads back as written."""

from __future__ import annotations

import shutil

import pytest
import yaml

from tests.integration.conftest import ACME_FOLDER, CMO, Studio

#: The probe's name, cut to Box's 50 characters for a user's name.
INJECTION = "CMO\r    role: editor\r  - email: evil@acme.example"
ODD_NAMES = [
    INJECTION,
    "CMO\n  - email: evil@acme.example\n    role: editor",
    "Acme\x7f CMO",
    "Acme\x85 CMO\u2028  - email: evil@acme.example",
    "Acme CMO \ufffe",
    'Acme "CMO" \\ # not a comment',
]


def _export(studio: Studio) -> str:
    shutil.rmtree(studio.path("deliveries"))
    exported = studio.cli(
        "export", "--folder", ACME_FOLDER, "--name", "acme", "--out", "deliveries"
    )
    assert exported.code == 0, exported.text
    return studio.path("deliveries/acme.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ODD_NAMES, ids=[str(n) for n in range(len(ODD_NAMES))])
def test_a_client_name_writes_no_manifest_key(studio: Studio, name: str) -> None:
    assert studio.apply().code == 0
    cmo = studio.client("cmo-token")
    cmo.users.update_user_by_id(CMO, name=name)  # a client may rename themselves

    text = _export(studio)

    doc = yaml.safe_load(text)
    emails = [c.get("email") for c in doc["clients"]]
    assert "evil@acme.example" not in emails
    assert {"email": "cmo@acme.example", "role": "editor"} in doc["clients"]
    assert studio.cli("validate").code == 0
    plan = studio.cli("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.text
    assert "evil@" not in plan.text


def test_a_group_name_with_a_line_break_stays_a_comment(studio: Studio) -> None:
    assert studio.apply().code == 0
    admin = studio.client()
    group = next(g for g in admin.groups.get_groups().entries or [] if g.name == "Studio Producers")
    admin.groups.update_group_by_id(group.id, name="Producers\n  - email: evil@acme.example")

    text = _export(studio)

    assert "evil@acme.example" not in [c.get("email") for c in yaml.safe_load(text)["clients"]]
    assert studio.cli("plan", "--detailed-exitcode").code == 0
