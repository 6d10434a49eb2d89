"""``reconcile export`` round trips: what Box has, written as manifests, plans to no changes."""

from __future__ import annotations

import shutil

import yaml

from tests.integration.conftest import ACME_FOLDER, ACME_HUB, GLOBEX_FOLDER, Studio

STUDIO_ROOT = "213534600000"


def _start_from_export(studio: Studio, *args: str) -> list[str]:
    """Apply the sample manifests, forget them, and export Box into deliveries/ again."""
    assert studio.apply().code == 0
    shutil.rmtree(studio.path("deliveries"))
    exported = studio.cli("export", *args, "--out", "deliveries")
    assert exported.code == 0, exported.text
    return exported.out.split()


def test_export_of_folders_and_a_hub_plans_no_changes(studio: Studio) -> None:
    studio.sign_up("jane.doe@acme.example")  # one accepted newcomer, art@globex stays pending
    files = _start_from_export(
        studio, "--folder", ACME_FOLDER, "--folder", GLOBEX_FOLDER, "--hub", ACME_HUB
    )

    assert len(files) == 3
    assert studio.cli("validate").code == 0
    plan = studio.cli("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.text


def test_exported_manifest_names_clients_as_the_planner_finds_them(studio: Studio) -> None:
    (path,) = _start_from_export(studio, "--folder", ACME_FOLDER, "--name", "acme")

    text = studio.path(path).read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    assert text.startswith("# yaml-language-server: $schema=../schemas/delivery.schema.json\n")
    assert doc["name"] == "acme"
    assert doc["folders"] == [ACME_FOLDER]
    by_key = {next(iter(c.values())).casefold(): c for c in doc["clients"]}
    assert by_key["jane.doe@acme.example"]["role"] == "viewer"  # pending: by the email invited
    assert by_key["cmo@acme.example"]["role"] == "editor"  # accepted: by login
    assert by_key["11446498"] == {"group": "11446498", "role": "previewer"}
    assert '"11446498"  # Studio Producers' in text
    assert "# pending invitation" in text
    approval = doc["approval"]
    assert approval["message"] == "Approve the content?"
    assert approval["due_in_days"] == 7
    assert "_internal/raw-notes.jpg" not in approval["include"]
    assert "hero.jpg" in approval["include"]
    assert studio.cli("plan", "--detailed-exitcode").code == 0


def test_recursive_export_finds_every_collaborated_folder(studio: Studio) -> None:
    files = _start_from_export(studio, "--folder", STUDIO_ROOT, "--recursive")

    folders = sorted(yaml.safe_load(studio.path(f).read_text())["folders"][0] for f in files)
    assert folders == sorted([ACME_FOLDER, GLOBEX_FOLDER])
    assert studio.cli("plan", "--detailed-exitcode").code == 0


def test_a_client_never_assigned_is_exported_as_no_approver(studio: Studio) -> None:
    studio.edit(
        "deliveries/globex/lookbook.yaml",
        lambda doc: doc["clients"].append({"user": "10003", "role": "viewer", "approver": False}),
    )
    (path,) = _start_from_export(studio, "--folder", GLOBEX_FOLDER)

    doc = yaml.safe_load(studio.path(path).read_text())
    leo = next(c for c in doc["clients"] if "leo" in str(c.get("email", "")))
    assert leo["approver"] is False
    assert studio.cli("plan", "--detailed-exitcode").code == 0


def test_export_never_replaces_a_file(studio: Studio) -> None:
    assert studio.apply().code == 0
    first = studio.cli("export", "--folder", ACME_FOLDER, "--name", "acme", "--out", "x")
    again = studio.cli("export", "--folder", ACME_FOLDER, "--name", "acme", "--out", "x")

    assert first.code == 0, first.text
    assert first.out.split() == ["x/acme.yaml"]
    assert again.code == 3
    assert "exists already" in again.err


def test_a_login_the_policy_would_refuse_is_exported_by_user_id(studio: Studio) -> None:
    studio.edit(
        "deliveries/globex/lookbook.yaml",
        lambda doc: doc["clients"].append({"user": "10003", "role": "viewer"}),
    )
    assert studio.apply().code == 0
    studio.edit(
        "reconcile.yaml",
        lambda doc: doc["policy"]["allowed_domains"].remove("studio.example"),
    )
    shutil.rmtree(studio.path("deliveries"))

    exported = studio.cli("export", "--folder", GLOBEX_FOLDER, "--out", "deliveries")

    (path,) = exported.out.split()
    text = studio.path(path).read_text(encoding="utf-8")
    assert '- user: "10003"  # leo@studio.example' in text
    assert studio.cli("validate").code == 0
    assert studio.cli("plan", "--detailed-exitcode").code == 0
