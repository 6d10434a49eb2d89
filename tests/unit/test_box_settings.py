"""Box connection settings from the environment: one clear error for missing or mixed settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.box.connect import REAL_BOX_API, settings_from_env
from reconciler.errors import ConfigError


def test_developer_token_and_sandbox_base_url() -> None:
    settings = settings_from_env(
        {"BOX_DEVELOPER_TOKEN": "tok", "BOX_BASE_URL": "http://127.0.0.1:8080/2.0/"}
    )
    assert settings.auth_kind == "developer-token"
    assert settings.base_url == "http://127.0.0.1:8080"


def test_real_box_is_the_default() -> None:
    assert settings_from_env({"BOX_DEVELOPER_TOKEN": "tok"}).base_url == REAL_BOX_API


def test_nothing_set_says_what_to_set() -> None:
    with pytest.raises(ConfigError) as err:
        settings_from_env({})
    text = str(err.value)
    for name in ("BOX_DEVELOPER_TOKEN", "BOX_CLIENT_ID", "BOX_JWT_CONFIG", "BOX_BASE_URL"):
        assert name in text


def test_two_kinds_of_credentials_are_contradictory() -> None:
    with pytest.raises(ConfigError, match="Contradictory"):
        settings_from_env({"BOX_DEVELOPER_TOKEN": "tok", "BOX_CLIENT_ID": "id"})


def test_client_credentials_name_the_missing_part() -> None:
    with pytest.raises(ConfigError, match="BOX_ENTERPRISE_ID"):
        settings_from_env({"BOX_CLIENT_ID": "id", "BOX_CLIENT_SECRET": "secret"})


def test_jwt_config_must_be_a_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a readable file"):
        settings_from_env({"BOX_JWT_CONFIG": str(tmp_path / "missing.json")})


def test_secrets_never_show_in_repr() -> None:
    settings = settings_from_env(
        {"BOX_CLIENT_ID": "id", "BOX_CLIENT_SECRET": "s3cr3t", "BOX_ENTERPRISE_ID": "1"}
    )
    assert "s3cr3t" not in repr(settings)
    assert settings.secrets == ("s3cr3t",)


def test_as_user_is_carried() -> None:
    assert settings_from_env({"BOX_DEVELOPER_TOKEN": "t", "BOX_AS_USER": "42"}).as_user == "42"


def test_not_implemented_is_never_retried() -> None:
    """The sandbox answers 501 for what it does not emulate; asking again cannot help."""
    from types import SimpleNamespace

    from reconciler.box.connect import WriteSafeRetryStrategy

    strategy = WriteSafeRetryStrategy(max_attempts=5)
    get = SimpleNamespace(method="GET", auth=None)
    post = SimpleNamespace(method="POST", auth=None)
    assert strategy.should_retry(get, SimpleNamespace(status=501, headers={}), 1) is False
    assert strategy.should_retry(get, SimpleNamespace(status=503, headers={}), 1) is True
    assert strategy.should_retry(post, SimpleNamespace(status=503, headers={}), 1) is False
    assert strategy.should_retry(post, SimpleNamespace(status=429, headers={}), 1) is True


def test_a_box_variable_reconcile_does_not_read_is_warned_about_with_the_likely_name(
    caplog: pytest.LogCaptureFixture,
) -> None:
    env = {"BOX_DEVELOPER_TOKEN": "t", "BOX_URL": "http://127.0.0.1:8080", "BOX_ASUSER": "7"}
    with caplog.at_level("WARNING"):
        settings = settings_from_env(env)
    assert settings.base_url == REAL_BOX_API
    warned = [r.getMessage() for r in caplog.records]
    assert any("BOX_ASUSER" in w and "did you mean BOX_AS_USER?" in w for w in warned), warned
    url = next(w for w in warned if w.startswith("BOX_URL"))
    assert "did you mean BOX_BASE_URL?" in url and REAL_BOX_API in url


def test_contradictory_credentials_name_exactly_the_variables_that_are_set() -> None:
    with pytest.raises(ConfigError) as err:
        settings_from_env({"BOX_DEVELOPER_TOKEN": "t", "BOX_CLIENT_SECRET": "s"})
    first = str(err.value).split(". ")[0]
    assert "BOX_DEVELOPER_TOKEN and BOX_CLIENT_SECRET are set" in first
    assert "BOX_CLIENT_ID" not in first and "BOX_ENTERPRISE_ID" not in first
