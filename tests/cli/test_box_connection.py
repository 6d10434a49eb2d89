"""How the command reaches Box: client-credentials tokens retried like every other call, Box's
own reason when it refuses them, and connection settings that cannot work refused up front."""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.sandbox.server import Sandbox
from tests.integration.conftest import MANIFESTS, SERVICE_ACCOUNT, Studio, open_studio, sample_seed

APP_ID, APP_SECRET = "reconciler-app", f"app-secret-{secrets.token_hex(8)}"
#: faults drawn from this seed hit exactly the first request of a run (the token request) at
#: this rate, and none of the next 400
FIRST_REQUEST_ONLY = {"seed": 3823, "error_rate": 0.005, "error_status": 500}


@pytest.fixture
def studio(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> Studio:
    return open_studio(sandbox_factory, tmp_path)


def ccg_studio(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> Studio:
    token = f"tok-{secrets.token_hex(12)}"
    seed = sample_seed(token)
    seed["apps"] = [
        {"client_id": APP_ID, "client_secret": APP_SECRET, "service_account": SERVICE_ACCOUNT}
    ]
    workdir = tmp_path / "repo"
    shutil.copytree(MANIFESTS / "studio", workdir)
    studio = Studio(sandbox_factory(seed), workdir, token, seed)
    studio.secrets.append(APP_SECRET)
    return studio


def ccg_env(studio: Studio, secret: str = APP_SECRET) -> dict[str, str]:
    return {
        "BOX_DEVELOPER_TOKEN": "",
        "BOX_CLIENT_ID": APP_ID,
        "BOX_CLIENT_SECRET": secret,
        "BOX_ENTERPRISE_ID": str(studio.state()["enterprise"]["id"]),
    }


def test_a_5xx_from_the_token_endpoint_is_retried(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    studio = ccg_studio(sandbox_factory, tmp_path)
    env = ccg_env(studio)
    studio.control("DELETE", "requests")
    studio.faults(**FIRST_REQUEST_ONLY)

    result = studio.run("plan", env=env)

    assert result.code == 0, result.text
    tokens = [(r["method"], r["path"], r["status"]) for r in studio.requests()][:2]
    assert tokens == [("POST", "/oauth2/token", 500), ("POST", "/oauth2/token", 200)]


def test_refused_client_credentials_say_why_in_boxs_words(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    studio = ccg_studio(sandbox_factory, tmp_path)

    result = studio.run("plan", env=ccg_env(studio, secret="not-the-secret-9c1e"))

    assert result.code == 1, result.text
    assert "The client credentials are invalid" in result.err
    assert "invalid_client" in result.err
    assert "HTTP 400" not in result.err
    assert "Traceback" not in result.err
    assert "not-the-secret-9c1e" not in result.text


def test_a_developer_token_that_cannot_be_sent_exits_3_naming_the_setting(
    studio: Studio,
) -> None:
    result = studio.run("plan", env={"BOX_DEVELOPER_TOKEN": "tok-caf\u00e9-\u2019quoted"})

    assert result.code == 3, result.text
    assert "BOX_DEVELOPER_TOKEN" in result.err
    assert "Traceback" not in result.err
    assert "quoted" not in result.text
    assert studio.requests() == []


def test_a_jwt_config_whose_key_does_not_parse_exits_3_naming_the_file(
    studio: Studio, tmp_path: Path
) -> None:
    config = tmp_path / "box-config.json"
    app_auth = {"publicKeyID": "k1", "privateKey": "-----BEGIN nonsense", "passphrase": "pw"}
    config.write_text(
        json.dumps(
            {
                "boxAppSettings": {"clientID": APP_ID, "clientSecret": "s", "appAuth": app_auth},
                "enterpriseID": "900001",
            }
        ),
        encoding="utf-8",
    )

    result = studio.run("plan", env={"BOX_DEVELOPER_TOKEN": "", "BOX_JWT_CONFIG": str(config)})

    assert result.code == 3, result.text
    assert str(config) in result.err
    assert "private key" in result.err
    assert "Traceback" not in result.err
    assert studio.requests() == []
