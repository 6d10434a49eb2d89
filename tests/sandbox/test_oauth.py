"""The sandbox's token endpoint, driven by the SDK's own CCG and JWT authentication."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import jwt
import pytest
import requests
from box_sdk_gen import BoxAPIError, BoxCCGAuth, BoxClient, BoxJWTAuth, CCGConfig, JWTConfig
from box_sdk_gen.internal.utils import JwtAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from reconciler.sandbox.server import Sandbox
from reconciler.sandbox.state import App, User, iso
from tests.conftest import network_session

ENTERPRISE, SERVICE_ACCOUNT, ALICE, OUTSIDER = "900001", "10001", "20001", "20002"
CLIENT_ID, CLIENT_SECRET, KEY_ID, PASSPHRASE = "app-client-id", "app-secret", "key-1", "s3cret"
AUDIENCE = "https://api.box.com/oauth2/token"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def encrypted_pem(key: rsa.RSAPrivateKey) -> str:
    """As in a Box app's config.json: PKCS#8, encrypted with the passphrase."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE.encode()),
    ).decode()


@pytest.fixture
def box(sandbox: Sandbox, rsa_key: rsa.RSAPrivateKey) -> Iterator[Sandbox]:
    """An app of the enterprise, whose service account is the seed's admin, with one JWT key."""
    state = sandbox.state
    with state.lock:
        state.apps[CLIENT_ID] = App(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            enterprise_id=ENTERPRISE,
            service_account_id=SERVICE_ACCOUNT,
            public_keys={KEY_ID: public_pem(rsa_key)},
        )
        now = state.now()
        for user_id, login, enterprise in (
            (ALICE, "alice@example.com", ENTERPRISE),
            (OUTSIDER, "o@client.example", None),
        ):
            state.users[user_id] = User(
                id=user_id,
                login=login,
                name=login.split("@")[0],
                enterprise_id=enterprise,
                created_at=now,
                modified_at=now,
            )
    yield sandbox


def ccg_client(box: Sandbox, secret: str = CLIENT_SECRET, **subject: str) -> BoxClient:
    config = CCGConfig(client_id=CLIENT_ID, client_secret=secret, **subject)
    return BoxClient(auth=BoxCCGAuth(config), network_session=network_session(box.base_url))


def jwt_client(
    box: Sandbox,
    key: rsa.RSAPrivateKey,
    algorithm: JwtAlgorithm = JwtAlgorithm.RS256,
    **subject: str,
) -> BoxClient:
    config = JWTConfig(
        CLIENT_ID,
        CLIENT_SECRET,
        KEY_ID,
        encrypted_pem(key),
        PASSPHRASE,
        algorithm=algorithm,
        **subject,
    )
    return BoxClient(auth=BoxJWTAuth(config), network_session=network_session(box.base_url))


def token_request(box: Sandbox, **form: str) -> requests.Response:
    return requests.post(f"{box.base_url}/oauth2/token", data=form, timeout=5)


def assertion(key: rsa.RSAPrivateKey, **claims: object) -> str:
    body = {
        "iss": CLIENT_ID,
        "sub": ENTERPRISE,
        "box_sub_type": "enterprise",
        "aud": AUDIENCE,
        "jti": str(uuid.uuid4()),
        "exp": int(time.time()) + 30,
        **claims,
    }
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": KEY_ID})


def jwt_grant(box: Sandbox, signed: str) -> requests.Response:
    return token_request(
        box,
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=signed,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )


# --- client credentials --------------------------------------------------------------------


def test_ccg_for_the_enterprise_acts_as_the_service_account(box: Sandbox) -> None:
    assert ccg_client(box, enterprise_id=ENTERPRISE).users.get_user_me().id == SERVICE_ACCOUNT


def test_ccg_for_a_user_acts_as_that_user(box: Sandbox) -> None:
    assert ccg_client(box, user_id=ALICE).users.get_user_me().id == ALICE


def test_ccg_cannot_act_as_someone_outside_the_enterprise(box: Sandbox) -> None:
    response = token_request(
        box,
        grant_type="client_credentials",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        box_subject_type="user",
        box_subject_id=OUTSIDER,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_wrong_client_secret_is_an_invalid_client(box: Sandbox) -> None:
    with pytest.raises(BoxAPIError) as caught:
        ccg_client(box, secret="wrong", enterprise_id=ENTERPRISE).users.get_user_me()
    assert caught.value.response_info.status_code == 400
    assert caught.value.response_info.body["error"] == "invalid_client"


def test_a_token_reply_has_oauth_shape_and_lives_an_hour(box: Sandbox) -> None:
    response = token_request(
        box,
        grant_type="client_credentials",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        box_subject_type="enterprise",
        box_subject_id=ENTERPRISE,
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["token_type"], body["expires_in"], body["restricted_to"]) == ("bearer", 3600, [])
    stored = box.state.tokens[body["access_token"]]
    assert stored.user_id == SERVICE_ACCOUNT
    lifetime = datetime.fromisoformat(stored.expires_at or "") - datetime.now(timezone.utc)
    assert timedelta(minutes=59) < lifetime <= timedelta(hours=1)


def test_an_unknown_grant_type_is_unsupported(box: Sandbox) -> None:
    response = token_request(box, grant_type="password", client_id=CLIENT_ID)
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_an_expired_token_gets_401_and_the_sdk_fetches_a_new_one(box: Sandbox) -> None:
    client = ccg_client(box, enterprise_id=ENTERPRISE)
    client.users.get_user_me()
    with box.state.lock:
        (first,) = [t for t in box.state.tokens.values() if t.token != "sandbox"]
        first.expires_at = iso(datetime.now(timezone.utc) - timedelta(seconds=1))
    box.clear_request_log()
    assert client.users.get_user_me().id == SERVICE_ACCOUNT
    statuses = [(r["path"], r["status"]) for r in box.request_log()]
    assert statuses == [("/2.0/users/me", 401), ("/oauth2/token", 200), ("/2.0/users/me", 200)]


# --- JWT -----------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", [JwtAlgorithm.RS256, JwtAlgorithm.RS384, JwtAlgorithm.RS512])
def test_jwt_for_the_enterprise_acts_as_the_service_account(
    box: Sandbox, rsa_key: rsa.RSAPrivateKey, algorithm: JwtAlgorithm
) -> None:
    client = jwt_client(box, rsa_key, algorithm, enterprise_id=ENTERPRISE)
    assert client.users.get_user_me().id == SERVICE_ACCOUNT


def test_jwt_for_a_user_acts_as_that_user(box: Sandbox, rsa_key: rsa.RSAPrivateKey) -> None:
    assert jwt_client(box, rsa_key, user_id=ALICE).users.get_user_me().id == ALICE


def test_jwt_signed_with_another_key_is_refused(box: Sandbox) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = jwt_grant(box, assertion(stranger))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "another-app"},
        {"aud": "https://example.com/token"},
        {"exp": int(time.time()) - 60},
        {"exp": int(time.time()) + 3600},
        {"sub": "900002"},
        {"box_sub_type": "user", "sub": OUTSIDER},
    ],
    ids=["issuer", "audience", "expired", "exp-too-far", "other-enterprise", "outside-user"],
)
def test_jwt_claims_are_checked(box: Sandbox, rsa_key: rsa.RSAPrivateKey, claims: dict) -> None:
    response = jwt_grant(box, assertion(rsa_key, **claims))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_jwt_with_an_unknown_key_id_is_refused(box: Sandbox, rsa_key: rsa.RSAPrivateKey) -> None:
    signed = jwt.encode(
        {
            "iss": CLIENT_ID,
            "sub": ENTERPRISE,
            "box_sub_type": "enterprise",
            "aud": AUDIENCE,
            "exp": int(time.time()) + 30,
        },
        rsa_key,
        algorithm="RS256",
        headers={"kid": "key-2"},
    )
    response = jwt_grant(box, signed)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
