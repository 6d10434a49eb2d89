"""Seed documents: the enterprise a sandbox starts with (YAML or JSON; schemas/seed.schema.json)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from reconciler.sandbox.defaults import DEFAULT_ADMIN_TOKEN
from reconciler.sandbox.errors import BadRequest
from reconciler.sandbox.quirks import checked_quirks, set_quirks
from reconciler.sandbox.state import (
    App,
    Clock,
    Enterprise,
    File,
    Folder,
    Group,
    Hub,
    HubItem,
    Membership,
    State,
    Token,
    User,
    utc_now,
)

ROOT_FOLDER_ID = "0"
DEFAULT_ENTERPRISE = {"id": "900001", "name": "Sandbox Enterprise"}

Doc = dict[str, Any]


def default_seed(admin_token: str = DEFAULT_ADMIN_TOKEN) -> Doc:
    """An enterprise with one admin service account whose developer token is ``admin_token``."""
    return {
        "enterprise": dict(DEFAULT_ENTERPRISE),
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


# --- validation ----------------------------------------------------------------------------


@cache
def seed_validator() -> Draft202012Validator:
    text = resources.files("reconciler.schemas").joinpath("seed.schema.json").read_text("utf-8")
    return Draft202012Validator(json.loads(text))


def location(path: Iterable[Any]) -> str:
    """``$.folders[0].files[2].name`` for a jsonschema error path."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def schema_problem(error: ValidationError) -> str:
    return f"seed {location(error.absolute_path)}: {error.message}"


def validate_seed(doc: object) -> None:
    """Refuse a seed that does not follow the schema or contradicts itself (BadRequest)."""
    if not isinstance(doc, dict):
        raise BadRequest("The seed must be a mapping (a JSON object)", code="invalid_seed")
    error = best_match(seed_validator().iter_errors(doc))
    if error is not None:
        raise BadRequest(schema_problem(error), code="invalid_seed")
    problems = list(consistency_problems(doc))
    if problems:
        raise BadRequest("; ".join(problems), code="invalid_seed")


def folder_rows(folders: list[Doc], where: str) -> Iterator[tuple[str, Doc]]:
    """Every folder of the tree with its location, depth first."""
    for index, folder in enumerate(folders):
        here = f"{where}[{index}]"
        yield here, folder
        yield from folder_rows(folder.get("folders", []), f"{here}.folders")


def duplicates(values: Iterable[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def consistency_problems(doc: Doc) -> Iterator[str]:
    """What the schema cannot say: unique ids, logins and tokens, and references that resolve."""
    people = [*doc.get("users", []), *doc.get("external_users", [])]
    user_ids = {p["id"] for p in people}
    for label, values in (
        ("user id", [p["id"] for p in people]),
        ("login", [p["login"].casefold() for p in people]),
        ("token", [p["token"] for p in people if "token" in p]),
        ("group id", [g["id"] for g in doc.get("groups", [])]),
        ("group name", [g["name"].casefold() for g in doc.get("groups", [])]),
        ("hub id", [h["id"] for h in doc.get("hubs", [])]),
        ("app client_id", [a["client_id"] for a in doc.get("apps", [])]),
    ):
        for value in duplicates(values):
            yield f"seed: {label} '{value}' is used more than once"
    folders = list(folder_rows(doc.get("folders", []), "$.folders"))
    files = [
        (f"{where}.files[{i}]", file)
        for where, folder in folders
        for i, file in enumerate(folder.get("files", []))
    ]
    item_ids = [f["id"] for _, f in folders] + [f["id"] for _, f in files]
    for value in duplicates(item_ids):
        yield f"seed: item id '{value}' is used more than once (folders and files share ids)"
    for where, folder in folders:
        if folder["id"] == ROOT_FOLDER_ID:
            yield f"seed {where}.id: '0' is the root folder \"All Files\"; use another id"
        names = [
            item["name"].casefold()
            for item in [*folder.get("folders", []), *folder.get("files", [])]
        ]
        for name in duplicates(names):
            yield f"seed {where}: two items are named '{name}' (names are unique in a folder)"
    yield from unknown_user_refs(doc, folders, files, user_ids)
    known_items = {("folder", f["id"]) for _, f in folders} | {("file", f["id"]) for _, f in files}
    for h, hub in enumerate(doc.get("hubs", [])):
        for i, item in enumerate(hub.get("items", [])):
            if (item["type"], item["id"]) not in known_items:
                kind, ident = item["type"], item["id"]
                yield f"seed $.hubs[{h}].items[{i}]: no seeded {kind} with id '{ident}'"
    managed = {u["id"]: u for u in doc.get("users", [])}
    for a, app in enumerate(doc.get("apps", [])):
        account = managed.get(app["service_account"])
        if account is None or not account.get("service_account"):
            yield (
                f"seed $.apps[{a}].service_account: '{app['service_account']}' is not a seeded "
                "user with service_account: true"
            )


def unknown_user_refs(
    doc: Doc, folders: list[tuple[str, Doc]], files: list[tuple[str, Doc]], user_ids: set[str]
) -> Iterator[str]:
    refs: list[tuple[str, str]] = []
    for g, group in enumerate(doc.get("groups", [])):
        for key in ("members", "admins"):
            refs += [(f"$.groups[{g}].{key}[{i}]", u) for i, u in enumerate(group.get(key, []))]
    refs += [(f"{where}.owner", f["owner"]) for where, f in [*folders, *files] if "owner" in f]
    refs += [(f"$.hubs[{h}].owner", hub["owner"]) for h, hub in enumerate(doc.get("hubs", []))]
    for where, user_id in refs:
        if user_id not in user_ids:
            yield f"seed {where}: no seeded user with id '{user_id}'"


#: ``--seed sample``: the sample studio shipped with the package (the demo's, and the one the
#: example manifests under deliveries/ are written for)
SAMPLE = "sample"


def sample_seed() -> Doc:
    """The sample studio that ships with the package."""
    resource = resources.files("reconciler.sandbox").joinpath("sample_studio.yaml")
    doc = yaml.safe_load(resource.read_text("utf-8"))
    validate_seed(doc)
    return dict(doc)


def load_seed_file(path: Path) -> Doc:
    """Read and validate a seed file (YAML, of which JSON is a subset); BadRequest when wrong.

    ``sample`` (when no file has that name) is the shipped sample studio.
    """
    if str(path) == SAMPLE and not path.exists():
        return sample_seed()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadRequest(f"{path}: cannot read the seed file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise BadRequest(f"{path}: the seed file is not UTF-8 text") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML or JSON"
        raise BadRequest(f"{path}{where}: {problem}") from None
    try:
        validate_seed(doc)
    except BadRequest as exc:
        raise BadRequest(f"{path}: {exc.message}", code=exc.code) from None
    return dict(doc)  # validate_seed has checked it is a mapping


# --- building ------------------------------------------------------------------------------


def build_state(doc: Doc, *, clock: Clock = utc_now) -> State:
    """Turn a (valid) seed document into a fresh state."""
    enterprise = {**DEFAULT_ENTERPRISE, **(doc.get("enterprise") or {})}
    keys = enterprise.get("webhook_signature_keys") or {}
    state = State(
        Enterprise(
            id=str(enterprise["id"]),
            name=str(enterprise["name"]),
            collaboration_expiry=bool(enterprise.get("collaboration_expiry", False)),
            **{
                f"{which}_signature_key": keys[which]
                for which in ("primary", "secondary")
                if which in keys
            },
        ),
        clock=clock,
    )
    add_people(state, doc.get("users", []), managed=True)
    add_people(state, doc.get("external_users", []), managed=False)
    now = state.now()
    root_owner = next(iter(state.users), "")
    state.folders[ROOT_FOLDER_ID] = Folder(
        id=ROOT_FOLDER_ID,
        name="All Files",
        parent_id=None,
        owner_id=root_owner,
        created_at=now,
        modified_at=now,
    )
    for folder in doc.get("folders", []):
        add_folder(state, folder, ROOT_FOLDER_ID, str(folder.get("owner", root_owner)))
    add_groups(state, doc.get("groups", []))
    add_hubs(state, doc.get("hubs", []))
    for app in doc.get("apps", []):
        state.apps[app["client_id"]] = App(
            client_id=app["client_id"],
            client_secret=app["client_secret"],
            enterprise_id=state.enterprise.id,
            service_account_id=app["service_account"],
            public_keys=dict(app.get("public_keys", {})),
        )
    state.reserve_ids(seeded_ids(state))
    # generated only now, so that they can never collide with an id the seed gives
    for file in state.files.values():
        file.version_id = state.new_id()
    add_memberships(state, doc.get("groups", []))
    # last: an expiry policy in the seed counts from the end of seeding
    set_quirks(state, checked_quirks(doc.get("quirks") or {}))
    return state


def add_people(state: State, rows: list[Doc], *, managed: bool) -> None:
    now = state.now()
    for row in rows:
        user = User(
            id=str(row["id"]),
            login=row["login"],
            name=row.get("name", row["login"].split("@")[0]),
            enterprise_id=state.enterprise.id if managed else None,
            role=row.get("role", "user") if managed else "user",
            is_service_account=bool(row.get("service_account", False)),
            auto_accept=bool(row.get("auto_accept", True)),
            aliases=[str(a) for a in row.get("aliases", [])],
            created_at=now,
            modified_at=now,
        )
        state.users[user.id] = user
        if row.get("token"):
            state.tokens[row["token"]] = Token(token=row["token"], user_id=user.id)


def add_folder(state: State, row: Doc, parent_id: str, inherited_owner: str) -> None:
    now = state.now()
    owner = str(row.get("owner", inherited_owner))
    folder = Folder(
        id=row["id"],
        name=row["name"],
        parent_id=parent_id,
        owner_id=owner,
        description=row.get("description", ""),
        created_at=now,
        modified_at=now,
        created_by_id=owner,
    )
    state.folders[folder.id] = folder
    for file_row in row.get("files", []):
        file_owner = str(file_row.get("owner", owner))
        # content is not stored; the sha1 stands for a fixed, id-derived content
        state.files[file_row["id"]] = File(
            id=file_row["id"],
            name=file_row["name"],
            parent_id=folder.id,
            owner_id=file_owner,
            size=int(file_row.get("size", 0)),
            sha1=hashlib.sha1(f"seed:{file_row['id']}".encode()).hexdigest(),
            description=file_row.get("description", ""),
            created_at=now,
            modified_at=now,
            created_by_id=file_owner,
        )
    for child in row.get("folders", []):
        add_folder(state, child, folder.id, owner)


def add_groups(state: State, rows: list[Doc]) -> None:
    now = state.now()
    for row in rows:
        group = Group(
            id=row["id"],
            name=row["name"],
            description=row.get("description", ""),
            invitability_level=row.get("invitability_level", "admins_only"),
            member_viewability_level=row.get("member_viewability_level", "admins_only"),
            created_at=now,
            modified_at=now,
        )
        state.groups[group.id] = group


def add_memberships(state: State, rows: list[Doc]) -> None:
    now = state.now()
    for row in rows:
        admins = set(row.get("admins", []))
        members = [*row.get("members", []), *sorted(admins - set(row.get("members", [])))]
        for user_id in members:
            membership = Membership(
                id=state.new_id(),
                user_id=user_id,
                group_id=row["id"],
                role="admin" if user_id in admins else "member",
                created_at=now,
                modified_at=now,
            )
            state.memberships[membership.id] = membership


def add_hubs(state: State, rows: list[Doc]) -> None:
    now = state.now()
    for row in rows:
        hub = Hub(
            id=row["id"],
            title=row["title"],
            owner_id=row["owner"],
            description=row.get("description", ""),
            created_at=now,
            updated_at=now,
            updated_by_id=row["owner"],
        )
        state.hubs[hub.id] = hub
        for item in row.get("items", []):
            state.hub_items.append(
                HubItem(hub_id=hub.id, item_type=item["type"], item_id=item["id"])
            )


def seeded_ids(state: State) -> Iterator[str]:
    for table in (state.users, state.groups, state.folders, state.files, state.hubs):
        yield from table
