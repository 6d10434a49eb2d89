"""The invitation ledger: what the reconciler keeps in Box about the invitations it sent.

Box keeps no history on a collaboration: an invitation deleted and sent again is a new
collaboration with a new id and ``created_at``, and the old one cannot be read back. So the
reconciler writes its own note on the item, in Box's free-form metadata (``global.properties``,
key ``reconcilerInvitations``, a JSON text): per invited email, when it was first sent and how
often it was sent again. Nothing is kept on disk; a fresh clone on another machine sees the same.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from box_sdk_gen import (
    BoxClient,
    CreateFileMetadataByIdScope,
    CreateFolderMetadataByIdScope,
    GetFileMetadataByIdScope,
    GetFolderMetadataByIdScope,
    UpdateFileMetadataByIdRequestBody,
    UpdateFileMetadataByIdRequestBodyOpField,
    UpdateFileMetadataByIdScope,
    UpdateFolderMetadataByIdRequestBody,
    UpdateFolderMetadataByIdRequestBodyOpField,
    UpdateFolderMetadataByIdScope,
)

from reconciler.box.errors import call
from reconciler.errors import NotFound
from reconciler.model import InvitationRecord, ItemKind, ItemRef

KEY = "reconcilerInvitations"
TEMPLATE = "properties"
Ledger = dict[str, InvitationRecord]


def parse(raw: Mapping[str, Any]) -> Ledger:
    """The ledger in a metadata instance; an unreadable note counts as empty."""
    try:
        entries = json.loads(str(raw.get(KEY) or "{}"))
    except json.JSONDecodeError:
        return {}
    out: Ledger = {}
    for email, entry in entries.items() if isinstance(entries, dict) else ():
        if isinstance(entry, dict) and isinstance(entry.get("invited_at"), str):
            resends = entry.get("resends", 0)
            out[email.casefold()] = InvitationRecord(
                entry["invited_at"], resends if isinstance(resends, int) else 0
            )
    return out


def dump(ledger: Ledger) -> str:
    return json.dumps(
        {k: {"invited_at": v.invited_at, "resends": v.resends} for k, v in sorted(ledger.items())},
        separators=(",", ":"),
    )


def read(client: BoxClient, item: ItemRef) -> tuple[Ledger, bool]:
    """The ledger on an item and whether the metadata instance exists at all."""
    what = f"read the invitation ledger of {item.kind.value} {item.id}"
    try:
        if item.kind is ItemKind.FOLDER:
            found = call(
                what,
                lambda: client.folder_metadata.get_folder_metadata_by_id(
                    item.id, GetFolderMetadataByIdScope.GLOBAL, TEMPLATE
                ),
            )
        else:
            found = call(
                what,
                lambda: client.file_metadata.get_file_metadata_by_id(
                    item.id, GetFileMetadataByIdScope.GLOBAL, TEMPLATE
                ),
            )
    except NotFound:
        return {}, False
    raw = getattr(found, "raw_data", None)
    return parse(raw if isinstance(raw, dict) else {}), True


def write(client: BoxClient, item: ItemRef, ledger: Ledger, *, exists: bool) -> None:
    """Store the whole ledger: create the instance, or add/replace the one key in it."""
    what = f"record the invitation ledger on {item.kind.value} {item.id}"
    text = dump(ledger)
    call(what, lambda: _store(client, item, text, exists))


def _store(client: BoxClient, item: ItemRef, text: str, exists: bool) -> Any:
    # The SDK has one manager per item type, with types of its own for the same request.
    if item.kind is ItemKind.FOLDER:
        folders = client.folder_metadata
        if not exists:
            scope = CreateFolderMetadataByIdScope.GLOBAL
            return folders.create_folder_metadata_by_id(item.id, scope, TEMPLATE, {KEY: text})
        op = UpdateFolderMetadataByIdRequestBody(
            op=UpdateFolderMetadataByIdRequestBodyOpField.ADD, path=f"/{KEY}", value=text
        )
        scope_u = UpdateFolderMetadataByIdScope.GLOBAL
        return folders.update_folder_metadata_by_id(item.id, scope_u, TEMPLATE, [op])
    files = client.file_metadata
    if not exists:
        scope_f = CreateFileMetadataByIdScope.GLOBAL
        return files.create_file_metadata_by_id(item.id, scope_f, TEMPLATE, {KEY: text})
    file_op = UpdateFileMetadataByIdRequestBody(
        op=UpdateFileMetadataByIdRequestBodyOpField.ADD, path=f"/{KEY}", value=text
    )
    scope_fu = UpdateFileMetadataByIdScope.GLOBAL
    return files.update_file_metadata_by_id(item.id, scope_fu, TEMPLATE, [file_op])
