"""The enterprise tools/run_sdk_suite.py seeds serves Box's SDK tests as Box's CI account does.

Box's tests build their clients from ``JWT_CONFIG_BASE_64`` (the app's downloaded configuration)
and act as the service account or, with ``USER_ID``, as an enterprise co-admin.
"""

from __future__ import annotations

import base64
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from box_sdk_gen import BoxClient, BoxJWTAuth, JWTConfig

from reconciler.sandbox.seed import validate_seed
from reconciler.sandbox.server import Sandbox
from tests.conftest import network_session

TOOL = Path(__file__).resolve().parents[2] / "tools" / "run_sdk_suite.py"


@pytest.fixture(scope="module")
def suite() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_sdk_suite", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("run_sdk_suite", module)
    spec.loader.exec_module(module)
    return module


def clients(suite: ModuleType, box: Sandbox, config_b64: str) -> tuple[BoxClient, BoxClient]:
    config = JWTConfig.from_config_json_string(base64.b64decode(config_b64).decode())
    session = network_session(box.base_url)
    service = BoxClient(auth=BoxJWTAuth(config=config), network_session=session)
    co_admin_auth = BoxJWTAuth(config=config).with_user_subject(suite.CO_ADMIN_ID)
    return service, BoxClient(auth=co_admin_auth, network_session=session)


def test_the_seed_is_valid(suite: ModuleType) -> None:
    validate_seed(suite.seed(suite.key_pair()[1]))


def test_the_app_config_signs_in_as_the_service_account_and_the_co_admin(
    suite: ModuleType, sandbox_factory: Callable[..., Sandbox]
) -> None:
    private_pem, public_pem = suite.key_pair()
    box = sandbox_factory(suite.seed(public_pem))
    service, co_admin = clients(suite, box, suite.jwt_config(private_pem))
    assert service.users.get_user_me().id == suite.SERVICE_ACCOUNT_ID
    me = co_admin.users.get_user_me()
    assert (me.id, me.role.value) == (suite.CO_ADMIN_ID, "coadmin")
    # the co-admin administers users, as the SDK's tests need
    created = co_admin.users.create_user("Someone", login="someone@sdk-suite.example")
    co_admin.users.delete_user_by_id(created.id)
