"""Users: the enterprise's managed users, external people with Box accounts, and their views."""

from __future__ import annotations

from reconciler.sandbox.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    NotImplementedInSandbox,
    invalid_parameter,
)
from reconciler.sandbox.routing import JSON, Call, Reply, Route, page, pick_fields
from reconciler.sandbox.services.events import record_user_deleted
from reconciler.sandbox.state import ADMIN_ROLES, State, User, is_admin

USER_MINI = ("type", "id", "name", "login")


# --- views ---------------------------------------------------------------------------------


def user_mini(user: User) -> JSON:
    return {"type": "user", "id": user.id, "name": user.name, "login": user.login}


def user_collaborator(user: User) -> JSON:
    """The ``User--Collaborations`` shape used in ``accessible_by``, ``created_by``, ..."""
    return {**user_mini(user), "is_active": user.status == "active"}


def someone(state: State, user_id: str) -> JSON:
    """A user mini, also for a user deleted since (Box keeps showing the id)."""
    user = state.users.get(user_id)
    if user is None:
        return {"type": "user", "id": user_id, "name": "", "login": ""}
    return user_mini(user)


def user_full(state: State, user: User) -> JSON:
    enterprise = (
        {"type": "enterprise", "id": state.enterprise.id, "name": state.enterprise.name}
        if user.enterprise_id
        else None
    )
    return {
        "type": "user",
        "id": user.id,
        "name": user.name,
        "login": user.login,
        "created_at": user.created_at,
        "modified_at": user.modified_at,
        "language": user.language,
        "timezone": user.timezone,
        "space_amount": user.space_amount,
        "space_used": user.space_used,
        "max_upload_size": 2147483648,
        "status": user.status,
        "job_title": user.job_title,
        "phone": user.phone,
        "address": user.address,
        "avatar_url": f"https://app.box.com/api/avatar/large/{user.id}",
        "notification_email": None,
        "role": user.role,
        "enterprise": enterprise,
        "is_platform_access_only": user.is_service_account,
        "is_external_collab_restricted": False,
        "is_exempt_from_device_limits": False,
        "is_exempt_from_login_verification": False,
        "can_see_managed_users": user.role in ADMIN_ROLES,
        "is_sync_enabled": True,
        "my_tags": [],
        "hostname": "https://app.box.com/",
    }


def user_view(call: Call, user: User) -> JSON:
    return pick_fields(user_full(call.state, user), USER_MINI, call.fields())


# --- state operations ----------------------------------------------------------------------


def get_user(state: State, user_id: str) -> User:
    user = state.users.get(user_id)
    if user is None:
        raise NotFound(
            f"Not Found: user '{user_id}'",
            context_info=invalid_parameter("user", user_id, f"Invalid value 'u_{user_id}'."),
        )
    return user


def find_by_login(state: State, login: str) -> User | None:
    """The account an address reaches: its primary login, or one of its email aliases."""
    wanted = login.strip().casefold()
    for user in state.users.values():
        if user.login.casefold() == wanted or wanted in (a.casefold() for a in user.aliases):
            return user
    return None


def require_admin(actor: User) -> None:
    if not is_admin(actor):
        raise Forbidden()


def create_user(state: State, actor: User, body: JSON) -> User:
    require_admin(actor)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("'name' is required", context_info=invalid_parameter("name", name))
    login = body.get("login")
    is_app_user = bool(body.get("is_platform_access_only"))
    if login is None and is_app_user:
        login = f"AppUser_{state.next_id + 1}@boxdevedition.com"
    if not isinstance(login, str) or "@" not in login:
        raise BadRequest(
            "'login' must be an email address", context_info=invalid_parameter("login", login)
        )
    if find_by_login(state, login) is not None:
        raise Conflict(
            "User with the specified login already exists", code="user_login_already_used"
        )
    role = body.get("role", "user")
    if role not in ("coadmin", "user"):
        raise BadRequest("Invalid role", context_info=invalid_parameter("role", role))
    now = state.now()
    user = User(
        id=state.new_id(),
        login=login,
        name=name.strip(),
        enterprise_id=state.enterprise.id,
        role=role,
        status=str(body.get("status", "active")),
        created_at=now,
        modified_at=now,
        job_title=str(body.get("job_title", "")),
        phone=str(body.get("phone", "")),
        address=str(body.get("address", "")),
        language=str(body.get("language", "en")),
        timezone=str(body.get("timezone", "America/Los_Angeles")),
    )
    state.users[user.id] = user
    return user


UPDATABLE = ("name", "job_title", "phone", "address", "language", "timezone", "status", "role")


def update_user(state: State, actor: User, user: User, body: JSON) -> User:
    if actor.id != user.id:
        require_admin(actor)
    unsupported = set(body) - set(UPDATABLE) - {"login"}
    if unsupported:
        raise NotImplementedInSandbox(
            f"Updating user field(s) {', '.join(sorted(unsupported))} is not implemented "
            "by the sandbox"
        )
    if "login" in body and body["login"] != user.login:
        raise NotImplementedInSandbox("Changing a user's login is not implemented by the sandbox")
    if "status" in body and body["status"] not in ("active", "inactive"):
        raise BadRequest("Invalid status", context_info=invalid_parameter("status", body["status"]))
    if "role" in body and body["role"] not in ("coadmin", "user"):
        raise BadRequest("Invalid role", context_info=invalid_parameter("role", body["role"]))
    for key in UPDATABLE:
        if key in body:
            setattr(user, key, body[key])
    user.modified_at = state.now()
    return user


def delete_user(state: State, actor: User, user: User, *, force: bool) -> None:
    require_admin(actor)
    owns = any(f.owner_id == user.id for f in state.folders.values() if f.id != "0")
    if owns and not force:
        raise BadRequest("User has content; delete with force=true", code="user_not_empty")
    del state.users[user.id]
    for token in [t for t in state.tokens.values() if t.user_id == user.id]:
        del state.tokens[token.token]
    for membership in [m for m in state.memberships.values() if m.user_id == user.id]:
        del state.memberships[membership.id]


def visible_users(state: State, actor: User, filter_term: str | None, user_type: str) -> list[User]:
    """Managed users match a prefix of name or login; external people only their exact login."""
    term = (filter_term or "").strip().casefold()
    found: list[User] = []
    for user in sorted(state.users.values(), key=lambda u: int(u.id) if u.id.isdigit() else 0):
        managed = user.enterprise_id == state.enterprise.id
        if managed and user_type in ("all", "managed"):
            if (
                not term
                or user.name.casefold().startswith(term)
                or user.login.casefold().startswith(term)
            ):
                found.append(user)
        elif (
            not managed
            and user_type in ("all", "external")
            and term
            and user.login.casefold() == term
        ):
            found.append(user)
    return found


# --- handlers ------------------------------------------------------------------------------


def handle_me(call: Call) -> Reply:
    return Reply(200, user_view(call, call.actor))


def handle_list(call: Call) -> Reply:
    require_admin(call.actor)
    user_type = call.param("user_type") or "all"
    if user_type not in ("all", "managed", "external"):
        raise BadRequest(
            "Invalid user_type", context_info=invalid_parameter("user_type", user_type)
        )
    users = visible_users(call.state, call.actor, call.param("filter_term"), user_type)
    fields = call.fields()
    entries = [pick_fields(user_full(call.state, u), USER_MINI, fields) for u in users]
    return Reply(200, page(call, entries))


def handle_create(call: Call) -> Reply:
    user = create_user(call.state, call.actor, call.json())
    return Reply(201, user_view(call, user))


def handle_get(call: Call) -> Reply:
    user = get_user(call.state, call.args["user_id"])
    return Reply(200, user_view(call, user))


def handle_update(call: Call) -> Reply:
    user = get_user(call.state, call.args["user_id"])
    update_user(call.state, call.actor, user, call.json())
    return Reply(200, user_view(call, user))


def handle_delete(call: Call) -> Reply:
    user = get_user(call.state, call.args["user_id"])
    delete_user(call.state, call.actor, user, force=call.flag("force"))
    record_user_deleted(call.state, call.actor, user)
    return Reply(204)


ROUTES = [
    Route("GET", "/2.0/users/me", handle_me, params=("fields",)),
    Route(
        "GET",
        "/2.0/users",
        handle_list,
        params=("filter_term", "user_type", "fields", "offset", "limit", "usemarker", "marker"),
    ),
    Route("POST", "/2.0/users", handle_create, params=("fields",), writes=True),
    Route("GET", "/2.0/users/<user_id>", handle_get, params=("fields",)),
    Route("PUT", "/2.0/users/<user_id>", handle_update, params=("fields",), writes=True),
    Route("DELETE", "/2.0/users/<user_id>", handle_delete, params=("notify", "force"), writes=True),
]
