"""``reconcile export`` says what it left out and why: a file below an exported folder that is
shared on its own (a collaboration made on the file) has no place in a folder's manifest."""

from __future__ import annotations

from box_sdk_gen import (
    CreateCollaborationAccessibleBy,
    CreateCollaborationAccessibleByTypeField,
    CreateCollaborationItem,
    CreateCollaborationItemTypeField,
    CreateCollaborationRole,
)

from tests.integration.conftest import ACME_FOLDER, Studio

HERO = "1400000101"
DETAIL = "1400000111"  # retouched/detail-01.jpg


def share_file(studio: Studio, file_id: str, login: str) -> None:
    studio.client().user_collaborations.create_collaboration(
        CreateCollaborationItem(type=CreateCollaborationItemTypeField.FILE, id=file_id),
        CreateCollaborationAccessibleBy(
            type=CreateCollaborationAccessibleByTypeField.USER, login=login
        ),
        CreateCollaborationRole.VIEWER,
    )


def test_a_file_shared_on_its_own_is_named_as_left_out_with_why(studio: Studio) -> None:
    assert studio.apply().code == 0
    share_file(studio, DETAIL, "freelancer@retouch.example")

    exported = studio.cli("export", "--folder", ACME_FOLDER, "--out", "exported")

    assert exported.code == 0, exported.text
    assert (
        f"Left out file 'retouched/detail-01.jpg' ({DETAIL}): it is shared on its own with "
        "freelancer@retouch.example" in exported.err
    ), exported.err
    assert "list it under files:" in exported.err
    # Files shared only through the folder are in the manifest, not reported.
    assert f"({HERO})" not in exported.err
    assert "Exported 1 manifest to exported" in exported.err
