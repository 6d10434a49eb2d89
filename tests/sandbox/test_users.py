"""The users service through the real SDK: me, search and paging, create, read, update, delete."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from box_sdk_gen import BoxAPIError, BoxClient, GetUsersUserType

from reconciler.sandbox.seed import default_seed
from reconciler.sandbox.server import Sandbox
from tests.conftest import ADMIN_TOKEN, control, sdk_client

MEMBER_TOKEN = "member-token"


@pytest.fixture
def staff(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """The admin service account plus five managed users; Ann has a token and is not an admin."""
    doc = default_seed(ADMIN_TOKEN)
    for index, (name, login) in enumerate(
        [
            ("Ann Archer", "ann@corp.example"),
            ("Andy Abel", "andy@corp.example"),
            ("Bea Baker", "bea@corp.example"),
            ("Cy Cole", "cy@corp.example"),
            ("Dee Dunn", "annex@corp.example"),
        ]
    ):
        doc["users"].append({"id": str(20001 + index), "login": login, "name": name})
    doc["users"][1]["token"] = MEMBER_TOKEN
    return sandbox_factory(doc)


@pytest.fixture
def admin(staff: Sandbox) -> BoxClient:
    return sdk_client(staff.base_url)


def sign_up(box: Sandbox, login: str) -> str:
    """An external person gets a free Box account; returns their user id."""
    response = control(box, "POST", "signup", json={"login": login})
    response.raise_for_status()
    return str(response.json()["user"]["id"])


def api_error(call: Callable[[], object]) -> BoxAPIError:
    with pytest.raises(BoxAPIError) as caught:
        call()
    return caught.value


# --- /users/me -----------------------------------------------------------------------------


def test_me_is_the_token_owner(admin: BoxClient) -> None:
    me = admin.users.get_user_me()
    assert (me.id, me.login, me.role.value if me.role else None) == (
        "10001",
        "svc-reconciler@boxdevedition.com",
        "admin",
    )
    assert me.enterprise is not None and me.enterprise.id == "900001"


def test_me_with_fields_returns_mini_fields_plus_those_asked(admin: BoxClient) -> None:
    me = admin.users.get_user_me(fields=["job_title"])
    assert set(me.raw_data) == {"type", "id", "name", "login", "job_title"}


# --- GET /users ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "filter_term", "user_type", "expected"),
    [
        ("prefix of a name", "an", None, ["Ann Archer", "Andy Abel", "Dee Dunn"]),
        ("prefix of a login", "bea@", None, ["Bea Baker"]),
        ("case does not matter", "CY", None, ["Cy Cole"]),
        ("managed only", "ann", GetUsersUserType.MANAGED, ["Ann Archer", "Dee Dunn"]),
        ("external needs the exact login", "ext", GetUsersUserType.EXTERNAL, []),
        ("external by exact login", "ext@client.example", GetUsersUserType.EXTERNAL, ["ext"]),
        (
            "all includes an exact external login",
            "ext@client.example",
            GetUsersUserType.ALL,
            ["ext"],
        ),
    ],
)
def test_list_users_filters(
    staff: Sandbox,
    admin: BoxClient,
    name: str,
    filter_term: str,
    user_type: GetUsersUserType | None,
    expected: list[str],
) -> None:
    sign_up(staff, "ext@client.example")
    found = admin.users.get_users(filter_term=filter_term, user_type=user_type)
    assert [u.name for u in found.entries or []] == expected, name


def test_list_users_offset_paging(admin: BoxClient) -> None:
    first = admin.users.get_users(limit=2)
    second = admin.users.get_users(limit=2, offset=2)
    last = admin.users.get_users(limit=2, offset=4)
    assert (first.total_count, first.limit, second.offset) == (6, 2, 2)
    ids = [u.id for page in (first, second, last) for u in page.entries or []]
    assert ids == ["10001", "20001", "20002", "20003", "20004", "20005"]


def test_list_users_marker_paging_visits_everyone_once(admin: BoxClient) -> None:
    seen: list[str] = []
    page = admin.users.get_users(usemarker=True, limit=4)
    seen += [u.id for u in page.entries or []]
    while page.next_marker:
        page = admin.users.get_users(usemarker=True, marker=page.next_marker, limit=4)
        seen += [u.id for u in page.entries or []]
    assert seen == ["10001", "20001", "20002", "20003", "20004", "20005"]


def test_offset_beyond_box_maximum_is_400(admin: BoxClient) -> None:
    error = api_error(lambda: admin.users.get_users(offset=10_001))
    assert error.response_info.status_code == 400


def test_non_admin_may_not_list_users(staff: Sandbox) -> None:
    error = api_error(lambda: sdk_client(staff.base_url, token=MEMBER_TOKEN).users.get_users())
    assert error.response_info.status_code == 403


# --- POST /users ---------------------------------------------------------------------------


def test_create_user_then_read_it_back(admin: BoxClient) -> None:
    created = admin.users.create_user("Eve Evans", login="eve@corp.example", job_title="Auditor")
    assert created.login == "eve@corp.example"
    fetched = admin.users.get_user_by_id(created.id)
    assert (fetched.name, fetched.job_title, fetched.status.value if fetched.status else None) == (
        "Eve Evans",
        "Auditor",
        "active",
    )


def test_create_user_with_a_used_login_is_409(admin: BoxClient) -> None:
    error = api_error(lambda: admin.users.create_user("Ann Again", login="ANN@corp.example"))
    assert (error.response_info.status_code, error.response_info.code) == (
        409,
        "user_login_already_used",
    )


def test_non_admin_may_not_create_users(staff: Sandbox) -> None:
    member = sdk_client(staff.base_url, token=MEMBER_TOKEN)
    error = api_error(lambda: member.users.create_user("Mallory", login="mallory@corp.example"))
    assert error.response_info.status_code == 403


# --- GET | PUT | DELETE /users/{id} --------------------------------------------------------


def test_get_unknown_user_is_404(admin: BoxClient) -> None:
    error = api_error(lambda: admin.users.get_user_by_id("31337"))
    assert (error.response_info.status_code, error.response_info.code) == (404, "not_found")


def test_update_user(admin: BoxClient) -> None:
    updated = admin.users.update_user_by_id("20003", name="Bea Baker-Smith", job_title="Lead")
    assert (updated.name, updated.job_title) == ("Bea Baker-Smith", "Lead")
    assert admin.users.get_user_by_id("20003").name == "Bea Baker-Smith"


def test_update_a_field_the_sandbox_does_not_keep_is_501(staff: Sandbox) -> None:
    once = sdk_client(staff.base_url, max_attempts=1)  # the SDK would retry a 5xx
    error = api_error(lambda: once.users.update_user_by_id("20003", is_sync_enabled=False))
    assert error.response_info.status_code == 501
    assert "is_sync_enabled" in error.message


def test_delete_user(admin: BoxClient) -> None:
    admin.users.delete_user_by_id("20004")
    error = api_error(lambda: admin.users.get_user_by_id("20004"))
    assert error.response_info.status_code == 404
    assert "Cy Cole" not in [u.name for u in admin.users.get_users().entries or []]


def test_deleted_user_token_stops_working(staff: Sandbox, admin: BoxClient) -> None:
    admin.users.delete_user_by_id("20001")
    response = requests.get(
        f"{staff.base_url}/2.0/users/me",
        headers={"Authorization": f"Bearer {MEMBER_TOKEN}"},
        timeout=5,
    )
    assert response.status_code == 401
