"""Box connection settings from the environment, and the SDK client built from them."""

from __future__ import annotations

import difflib
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from box_sdk_gen import (
    BaseUrls,
    BoxCCGAuth,
    BoxClient,
    BoxDeveloperTokenAuth,
    BoxJWTAuth,
    BoxRetryStrategy,
    CCGConfig,
    JWTConfig,
    NetworkSession,
)
from box_sdk_gen.networking.box_network_client import BoxNetworkClient
from cryptography.exceptions import UnsupportedAlgorithm
from requests.adapters import HTTPAdapter

from reconciler.errors import ConfigError
from reconciler.model.urls import without_userinfo

log = logging.getLogger(__name__)

REAL_BOX_API = "https://api.box.com"
REAL_BOX_UPLOAD = "https://upload.box.com/api"
REAL_BOX_OAUTH = "https://account.box.com/api/oauth2"

#: Every BOX_* variable reconcile reads; any other is most likely a typo of one of these.
KNOWN_VARIABLES = (
    "BOX_DEVELOPER_TOKEN",
    "BOX_CLIENT_ID",
    "BOX_CLIENT_SECRET",
    "BOX_ENTERPRISE_ID",
    "BOX_JWT_CONFIG",
    "BOX_BASE_URL",
    "BOX_AS_USER",
    "BOX_RETRY_BASE_INTERVAL",
    "BOX_WEBHOOK_PRIMARY_KEY",
    "BOX_WEBHOOK_SECONDARY_KEY",
)

CREDENTIAL_HELP = (
    "Set one of: BOX_DEVELOPER_TOKEN; or BOX_CLIENT_ID, BOX_CLIENT_SECRET and "
    "BOX_ENTERPRISE_ID (client credentials); or BOX_JWT_CONFIG (the JSON file the Box "
    "developer console downloads). Set BOX_BASE_URL to point at a sandbox "
    "(e.g. http://127.0.0.1:8080)."
)


@dataclass(frozen=True)
class BoxSettings:
    """How to reach Box. ``repr`` never shows secrets."""

    base_url: str = REAL_BOX_API
    developer_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    enterprise_id: str | None = None
    jwt_config: Path | None = None
    as_user: str | None = None
    #: seconds before the SDK's first retry of a failed read (doubling each time); Box's
    #: ``Retry-After`` wins whenever Box sends one
    retry_base_interval: float = 1.0

    def __repr__(self) -> str:
        return (
            f"BoxSettings(base_url={without_userinfo(self.base_url)!r}, auth={self.auth_kind!r}, "
            f"as_user={self.as_user!r})"
        )

    @property
    def auth_kind(self) -> str:
        if self.developer_token:
            return "developer-token"
        if self.jwt_config:
            return "jwt"
        return "client-credentials"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in any output."""
        return tuple(s for s in (self.developer_token, self.client_secret) if s)


def settings_from_env(env: Mapping[str, str], **overrides: str | None) -> BoxSettings:
    """Read BOX_* settings; missing or contradictory ones give a ConfigError naming what to set."""
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in env.items()}
    for warning in unknown_variables(values):
        log.warning("%s", warning)
    values.update({k: v for k, v in overrides.items() if v is not None})
    token = values.get("BOX_DEVELOPER_TOKEN") or None
    ccg = {
        "BOX_CLIENT_ID": values.get("BOX_CLIENT_ID") or None,
        "BOX_CLIENT_SECRET": values.get("BOX_CLIENT_SECRET") or None,
        "BOX_ENTERPRISE_ID": values.get("BOX_ENTERPRISE_ID") or None,
    }
    jwt = values.get("BOX_JWT_CONFIG") or None
    base_url = _base_url(values.get("BOX_BASE_URL") or None)
    chosen = [name for name, on in (("BOX_DEVELOPER_TOKEN", token), ("BOX_JWT_CONFIG", jwt)) if on]
    has_ccg = any(ccg.values())
    if has_ccg and not jwt:
        chosen.append("BOX_CLIENT_ID/BOX_CLIENT_SECRET/BOX_ENTERPRISE_ID")
    if not chosen:
        raise ConfigError(_no_credentials(base_url))
    if len(chosen) > 1:
        named = [
            name for name in ("BOX_DEVELOPER_TOKEN", "BOX_JWT_CONFIG", *ccg) if values.get(name)
        ]
        raise ConfigError(
            f"Contradictory Box credentials: {_words(named)} {'is' if len(named) == 1 else 'are'} "
            f"set, which are {len(chosen)} ways to sign in; keep one. {CREDENTIAL_HELP}"
        )
    if has_ccg and not jwt:
        missing = [k for k, v in ccg.items() if not v]
        if missing:
            raise ConfigError(
                f"Client-credentials auth needs {', '.join(missing)} as well. {CREDENTIAL_HELP}"
            )
    _check_header_safe("BOX_DEVELOPER_TOKEN", token)
    _check_header_safe("BOX_AS_USER", values.get("BOX_AS_USER") or None)
    jwt_path = Path(jwt) if jwt else None
    if jwt_path is not None and not jwt_path.is_file():
        raise ConfigError(f"BOX_JWT_CONFIG points at {jwt_path}, which is not a readable file.")
    return BoxSettings(
        base_url=base_url,
        retry_base_interval=_retry_base_interval(values.get("BOX_RETRY_BASE_INTERVAL")),
        developer_token=token,
        client_id=ccg["BOX_CLIENT_ID"],
        client_secret=ccg["BOX_CLIENT_SECRET"],
        enterprise_id=ccg["BOX_ENTERPRISE_ID"],
        jwt_config=jwt_path,
        as_user=values.get("BOX_AS_USER") or None,
    )


def unknown_variables(env: Mapping[str, str]) -> list[str]:
    """A warning for each BOX_* variable reconcile does not read, naming the likely one: a
    typo such as BOX_URL would otherwise be ignored, and the run would go to Box itself."""
    warnings = []
    for name in sorted(k for k in env if k.startswith("BOX_") and k not in KNOWN_VARIABLES):
        close = difflib.get_close_matches(name, KNOWN_VARIABLES, n=1, cutoff=0.6)
        hint = (
            f"; did you mean {close[0]}?"
            if close
            else f" (reconcile reads {_words(list(KNOWN_VARIABLES))})"
        )
        if close == ["BOX_BASE_URL"] and not env.get("BOX_BASE_URL"):
            hint += f" Without it, reconcile talks to Box itself ({REAL_BOX_API})."
        warnings.append(f"{name} is set but reconcile does not read it{hint}")
    return warnings


def _words(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _check_header_safe(name: str, value: str | None) -> None:
    """Values sent as HTTP headers must be printable ASCII: anything else (a curly quote pasted
    with the token, say) cannot be sent at all. The value itself is never shown: it is a secret."""
    if value is None:
        return
    bad = next((i for i, ch in enumerate(value) if not (ch.isascii() and ch.isprintable())), None)
    if bad is not None:
        raise ConfigError(
            f"{name} has a character that cannot be sent to Box (at position {bad + 1}): "
            "only printable ASCII is allowed; copy the value again."
        )


def _base_url(value: str | None) -> str:
    """BOX_BASE_URL as the SDK needs it: an http(s) URL without the ``/2.0`` API prefix."""
    if value is None:
        return REAL_BOX_API
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"BOX_BASE_URL={value!r} is not a URL: it must start with http:// or https:// "
            "(e.g. http://127.0.0.1:8080 for a sandbox)."
        )
    base_url = value.rstrip("/")
    return base_url[: -len("/2.0")] if base_url.endswith("/2.0") else base_url


def _no_credentials(base_url: str) -> str:
    """What to set, given what is set: pointed at a sandbox, its token is what is missing."""
    if base_url != REAL_BOX_API:
        return (
            f"No Box credentials found. BOX_BASE_URL is {without_userinfo(base_url)}: for a "
            "sandbox, set "
            "BOX_DEVELOPER_TOKEN to one of its tokens (the sample studio's is 'sandbox': "
            f"export BOX_DEVELOPER_TOKEN=sandbox). For Box itself: {CREDENTIAL_HELP}"
        )
    return f"No Box credentials found. {CREDENTIAL_HELP}"


def _retry_base_interval(value: str | None) -> float:
    if not value:
        return 1.0
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 60:
        raise ConfigError(
            f"BOX_RETRY_BASE_INTERVAL must be a number of seconds from 0 to 60, not {value!r}."
        )
    return seconds


class RequestPacer:
    """A client-side limit on requests per second, shared by every thread of a run."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            if self.interval <= 0:
                return
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        delay = start - now
        if delay > 0:
            time.sleep(delay)


class _PacedSession(requests.Session):
    """A requests session that waits for the pacer before every request, retries included."""

    def __init__(self, pacer: RequestPacer, pool_size: int) -> None:
        super().__init__()
        self.pacer = pacer
        adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        self.pacer.wait()
        return super().request(*args, **kwargs)


NOT_IMPLEMENTED = 501
TOKEN_PATH = "/oauth2/token"


class WriteSafeRetryStrategy(BoxRetryStrategy):
    """The SDK retries every method on 5xx, POST included, which can store a write twice.

    Reads keep the SDK's retries. Writes are retried only on 429 (Box did not process them);
    after a 5xx or a dropped connection the applier reads Box again before trying once more.
    501 Not Implemented is final for every method: asking again cannot change the answer.
    """

    def should_retry(self, fetch_options: Any, fetch_response: Any, attempt_number: int) -> bool:
        method = str(getattr(fetch_options, "method", "GET")).upper()
        status = int(getattr(fetch_response, "status", 0))
        if status == NOT_IMPLEMENTED:
            return False
        if (
            method != "GET"
            and not _is_token_request(fetch_options)
            and (status >= 500 or status == 0)
        ):
            return False
        return bool(super().should_retry(fetch_options, fetch_response, attempt_number))


def _is_token_request(fetch_options: Any) -> bool:
    """The SDK's CCG and JWT auth fetch tokens through the client's own network session, so
    they meet this strategy too. Asking for a token twice stores nothing: retry it like a read."""
    url = str(getattr(fetch_options, "url", "") or "")
    return urlsplit(url).path.rstrip("/").endswith(TOKEN_PATH)


def _base_urls(base_url: str) -> BaseUrls:
    if base_url == REAL_BOX_API:
        return BaseUrls(
            base_url=REAL_BOX_API, upload_url=REAL_BOX_UPLOAD, oauth_2_url=REAL_BOX_OAUTH
        )
    return BaseUrls(
        base_url=base_url, upload_url=f"{base_url}/api", oauth_2_url=f"{base_url}/oauth2"
    )


def _auth(settings: BoxSettings) -> Any:
    if settings.developer_token:
        return BoxDeveloperTokenAuth(token=settings.developer_token)
    if settings.jwt_config is not None:
        try:
            config = JWTConfig.from_config_file(config_file_path=str(settings.jwt_config))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"{settings.jwt_config}: not a Box JWT configuration file ({type(exc).__name__})."
            ) from None
        _check_private_key(settings.jwt_config, config)
        return BoxJWTAuth(config=config)
    return BoxCCGAuth(
        config=CCGConfig(
            client_id=settings.client_id or "",
            client_secret=settings.client_secret or "",
            enterprise_id=settings.enterprise_id,
        )
    )


def _check_private_key(path: Path, config: JWTConfig) -> None:
    """Decrypt the key now, with the SDK's own decryptor, so that a key that does not parse (or
    a wrong passphrase) is a settings problem naming the file, not a failure at the first call."""
    try:
        config.private_key_decryptor.decrypt_private_key(
            config.private_key, config.private_key_passphrase
        )
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ConfigError(
            f"{path}: the private key (boxAppSettings.appAuth.privateKey) cannot be read with "
            f"its passphrase ({type(exc).__name__}); download the configuration file again."
        ) from None


def make_client(
    settings: BoxSettings,
    *,
    pacer: RequestPacer | None = None,
    pool_size: int = 16,
    max_attempts: int = 5,
    retry_base_interval: float | None = None,
) -> BoxClient:
    """The one BoxClient of a run: paced, write-safe retries, As-User when asked.

    ``retry_base_interval`` defaults to the settings' (``BOX_RETRY_BASE_INTERVAL``, else 1 s).
    """
    if retry_base_interval is None:
        retry_base_interval = settings.retry_base_interval
    session = _PacedSession(pacer or RequestPacer(0), pool_size)
    network = NetworkSession(
        base_urls=_base_urls(settings.base_url),
        network_client=BoxNetworkClient(requests_session=session),
        retry_strategy=WriteSafeRetryStrategy(
            max_attempts=max_attempts, retry_base_interval=retry_base_interval
        ),
    )
    client = BoxClient(auth=_auth(settings), network_session=network)
    if settings.as_user:
        client = client.with_as_user_header(settings.as_user)
    return client
