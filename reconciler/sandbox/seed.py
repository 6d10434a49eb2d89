"""Seed documents: the enterprise a sandbox starts with (YAML or JSON, see schemas/seed.schema.json)."""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.state import Enterprise, Folder, State, Token, User, utc_now, Clock

DEFAULT_ADMIN_TOKEN = "sandbox"
ROOT_FOLDER_ID = "0"


def default_seed(admin_token: str = DEFAULT_ADMIN_TOKEN) -> dict[str, Any]:
    """An enterprise with one admin service account whose developer token is ``admin_token``."""
    return {
        "enterprise": {"id": "900001", "name": "Sandbox Enterprise"},
        "users": [
            {
                "id": "10001",
                "login": "svc-reconciler@boxdevedition.com",
                "name": "Reconciler Service Account",
                "role": "admin",
                "service_account": True,
                "token": admin_token,
            }
        ],
    }


def build_state(doc: dict[str, Any], *, clock: Clock = utc_now) -> State:
    """Turn a seed document into a fresh state."""
    enterprise = doc.get("enterprise") or {}
    state = State(
        Enterprise(id=str(enterprise.get("id", "900001")), name=str(enterprise.get("name", "Sandbox Enterprise"))),
        clock=clock,
    )
    now = state.now()
    for row in doc.get("users", []):
        user = User(
            id=str(row["id"]),
            login=row["login"],
            name=row.get("name", row["login"].split("@")[0]),
            enterprise_id=state.enterprise.id,
            role=row.get("role", "user"),
            is_service_account=bool(row.get("service_account", False)),
            created_at=now,
            modified_at=now,
        )
        state.users[user.id] = user
        if row.get("token"):
            state.tokens[row["token"]] = Token(token=row["token"], user_id=user.id)
    owner = next(iter(state.users), "")
    state.folders[ROOT_FOLDER_ID] = Folder(
        id=ROOT_FOLDER_ID, name="All Files", parent_id=None, owner_id=owner, created_at=now, modified_at=now
    )
    state.reserve_ids(iter(state.users))
    return state
