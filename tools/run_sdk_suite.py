"""Developer tool: run Box's own SDK integration tests against ``reconcile sandbox serve``.

    python tools/run_sdk_suite.py /tmp/boxsdk-tests          # the folder that holds test/
    python tools/run_sdk_suite.py /tmp/boxsdk-tests users.py folders.py -- -x -vv

It fetches nothing: give it a copy of box/box-python-sdk's ``test/`` folder (for instance
``git archive HEAD test | tar -x -C /tmp/boxsdk-tests`` in a clone; the hub tests were taken out
upstream in 2025, so take ``test/hubs.py`` and ``test/hub_collaborations.py`` from the commit
before that). It starts one sandbox on 127.0.0.1 seeded with an enterprise, its service account,
a JWT app and an enterprise co-admin (``USER_ID``, as in Box's own CI), sets the variables the
tests read (``JWT_CONFIG_BASE_64``, ``USER_ID``, ``ENTERPRISE_ID``, ``CLIENT_ID``,
``CLIENT_SECRET``), runs pytest on each file in turn with tools/sdk_suite_plugin.py (which points
the SDK's default base URLs at the sandbox), and prints passed/failed/skipped per file.

As in Box's CI, where the whole suite runs against one account, the files share that sandbox in
the order given: ``events.py`` reads what earlier files did (``users.py`` deletes a user,
``tasks.py`` uploads a file), so it comes last.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

#: the SDK test files for what the sandbox emulates
FILES = (
    "users.py",
    "groups.py",
    "memberships.py",
    "folders.py",
    "list_collaborations.py",
    "user_collaborations.py",
    "tasks.py",
    "task_assignments.py",
    "hubs.py",
    "hub_collaborations.py",
    "webhooks.py",
    "events.py",
)

ENTERPRISE_ID = "900001"
SERVICE_ACCOUNT_ID = "10001"
CO_ADMIN_ID = "10002"
HUB_ID = "70001"
CLIENT_ID = "sdk-suite-app"
CLIENT_SECRET = "sdk-suite-secret"
KEY_ID = "sdk-suite-key"
PASSPHRASE = "sdk-suite-passphrase"  # the console's downloads are encrypted too
TOOLS = Path(__file__).resolve().parent
STARTUP_TIMEOUT_S = 30.0


@dataclass
class Outcome:
    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    note: str = ""


def key_pair() -> tuple[str, str]:
    """A fresh RSA key: (encrypted private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE.encode()),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def seed(public_pem: str) -> dict[str, Any]:
    return {
        "enterprise": {"id": ENTERPRISE_ID, "name": "SDK Suite Enterprise"},
        "users": [
            {
                "id": SERVICE_ACCOUNT_ID,
                "login": "AutomationUser_1@boxdevedition.com",
                "name": "SDK Suite Service Account",
                "role": "admin",
                "service_account": True,
            },
            {
                "id": CO_ADMIN_ID,
                "login": "co-admin@sdk-suite.example",
                "name": "SDK Suite Co-Admin",
                "role": "coadmin",
            },
        ],
        # Box's CI account has hubs already; the hub collaboration test takes the first
        "hubs": [{"id": HUB_ID, "title": "SDK Suite Hub", "owner": CO_ADMIN_ID}],
        "apps": [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "service_account": SERVICE_ACCOUNT_ID,
                "public_keys": {KEY_ID: public_pem},
            }
        ],
    }


def jwt_config(private_pem: str) -> str:
    """The app's configuration, as the Box developer console downloads it, in base64."""
    config = {
        "boxAppSettings": {
            "clientID": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
            "appAuth": {"publicKeyID": KEY_ID, "privateKey": private_pem, "passphrase": PASSPHRASE},
        },
        "enterpriseID": ENTERPRISE_ID,
    }
    return base64.b64encode(json.dumps(config).encode()).decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the sandbox exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/_sandbox/state", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the sandbox did not answer on {base_url}")


def counts(junit: Path, name: str) -> Outcome:
    outcome = Outcome(name)
    if not junit.exists():
        outcome.note = "pytest wrote no report"
        return outcome
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("skipped") is not None:
            outcome.skipped += 1
        elif case.find("failure") is not None or case.find("error") is not None:
            outcome.failed += 1
        else:
            outcome.passed += 1
    return outcome


class SharedSandbox:
    """``reconcile sandbox serve`` on a free local port, for the whole run."""

    def __init__(self, seed_file: Path) -> None:
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "reconciler", "sandbox", "serve"]
        self.server = subprocess.Popen(
            [*command, "--port", str(port), "--seed", str(seed_file)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def __enter__(self) -> SharedSandbox:
        try:
            wait_until_up(self.base_url, self.server)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.server.terminate()
        self.server.wait(timeout=10)


def run_file(
    tests: Path, name: str, base_url: str, work: Path, env: dict[str, str], extra: list[str]
) -> Outcome:
    """One test file, in a pytest of its own, against the run's sandbox."""
    if not (tests / "test" / name).exists():
        return Outcome(name, note="not in the given test folder")
    junit = work / f"{name}.xml"
    plugins = ["-p", "sdk_suite_plugin", "-p", "no:cacheprovider"]
    pytest = [sys.executable, "-m", "pytest", *plugins]
    options = ["-q", "--rootdir", str(tests), "-c", os.devnull, f"--junitxml={junit}"]
    subprocess.run(
        [*pytest, *options, f"test/{name}", *extra],
        cwd=tests,
        env={**env, "SANDBOX_BASE_URL": base_url},
        check=False,
    )
    return counts(junit, name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tests", type=Path, help="the folder that holds the SDK's test/ folder")
    parser.add_argument("files", nargs="*", help=f"test files to run (default: {len(FILES)})")
    args, extra = parser.parse_known_args()
    tests = args.tests.resolve()
    if not (tests / "test" / "commons.py").exists():
        raise SystemExit(f"{tests}: no test/commons.py here (give the folder that holds test/)")
    extra = [arg for arg in extra if arg != "--"]
    private_pem, public_pem = key_pair()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TOOLS), str(tests)]),
        "JWT_CONFIG_BASE_64": jwt_config(private_pem),
        "USER_ID": CO_ADMIN_ID,
        "ENTERPRISE_ID": ENTERPRISE_ID,
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
    }
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="sdk-suite-") as work:
        seed_file = Path(work) / "seed.json"
        seed_file.write_text(json.dumps(seed(public_pem)), encoding="utf-8")
        with SharedSandbox(seed_file) as sandbox:
            for name in args.files or FILES:
                outcomes.append(run_file(tests, name, sandbox.base_url, Path(work), env, extra))
    print(f"\n{'file':<28}{'passed':>8}{'failed':>8}{'skipped':>9}")
    for o in outcomes:
        print(f"{o.name:<28}{o.passed:>8}{o.failed:>8}{o.skipped:>9}  {o.note}".rstrip())
    total = Outcome("total")
    for o in outcomes:
        total.passed, total.failed = total.passed + o.passed, total.failed + o.failed
        total.skipped += o.skipped
    print(f"{total.name:<28}{total.passed:>8}{total.failed:>8}{total.skipped:>9}")
    return 1 if total.failed else 0


if __name__ == "__main__":
    sys.exit(main())
