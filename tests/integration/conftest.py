"""A studio to run the real ``reconcile`` command against: the sample studio in a sandbox, the
example manifests in a scratch directory, and helpers to change Box behind the reconciler's back.

Every run of the command is checked for the reconciler's token: it must never appear in stdout,
stderr or a journal.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from box_sdk_gen import BoxClient

from reconciler.cli.app import main
from reconciler.sandbox.server import Sandbox
from tests.conftest import CONTROL_HEADERS, sdk_client

REPO = Path(__file__).resolve().parents[2]
SAMPLE_STUDIO = REPO / "reconciler" / "sandbox" / "sample_studio.yaml"
MANIFESTS = Path(__file__).resolve().parent / "manifests"

ACME_FOLDER = "213534631621"
GLOBEX_FOLDER = "213534631700"
INITECH_FILE = "1400000001"
ACME_HUB = "42037322"
SERVICE_ACCOUNT = "10001"
CMO = "20001"  # cmo@acme.example, who has a Box account already


@dataclass(frozen=True)
class Result:
    """What one run of the command left behind."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


class Studio:
    """The sample studio in a sandbox, and a directory with manifests that the command runs in."""

    def __init__(self, box: Sandbox, workdir: Path, token: str, seed: dict[str, Any]) -> None:
        self.box = box
        self.workdir = workdir
        self.token = token
        #: every token the seed hands out; none may ever show up in what the reconciler prints
        self.secrets = [
            str(u["token"]) for k in ("users", "external_users") for u in seed[k] if "token" in u
        ]

    # -- the command --

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "BOX_BASE_URL": self.box.base_url,
            "BOX_DEVELOPER_TOKEN": self.token,
            "BOX_RETRY_BASE_INTERVAL": "0",
            "NO_COLOR": "1",
            "TERM": "dumb",
        }

    def cli(self, *args: str) -> Result:
        """Run ``reconcile ARGS`` in this process (fast): stdout and stderr captured apart."""
        out, err = io.StringIO(), io.StringIO()
        saved_env, saved_cwd = dict(os.environ), Path.cwd()
        os.environ.update(self.env)
        os.chdir(self.workdir)
        try:
            with redirect_stdout(out), redirect_stderr(err), pytest.raises(SystemExit) as done:
                main(list(args))
        finally:
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
        return self._checked(Result(int(done.value.code or 0), out.getvalue(), err.getvalue()))

    def run(self, *args: str, env: dict[str, str] | None = None, stdin: str = "") -> Result:
        """Run ``python -m reconciler ARGS`` in a subprocess, as a user or CI would."""
        done = subprocess.run(
            [sys.executable, "-m", "reconciler", *args],
            cwd=self.workdir,
            env={**self.env, **(env or {})},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return self._checked(Result(done.returncode, done.stdout, done.stderr))

    def _checked(self, result: Result) -> Result:
        for secret in self.secrets:
            assert secret not in result.text, "a token appeared in the command's output"
        return result

    def apply(self, *args: str) -> Result:
        return self.cli("apply", "--yes", *args)

    def assert_converged(self) -> None:
        """Plan again: nothing left to change (waiting work is no change)."""
        again = self.cli("plan", "--detailed-exitcode")
        assert again.code == 0, f"Box does not match the manifests after apply:\n{again.text}"

    # -- the manifests --

    def path(self, relative: str) -> Path:
        return self.workdir / relative

    def edit(self, relative: str, change: Callable[[dict[str, Any]], None]) -> None:
        """Load a manifest (or reconcile.yaml), change it, and write it back."""
        target = self.path(relative)
        doc = yaml.safe_load(target.read_text(encoding="utf-8"))
        change(doc)
        target.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")

    # -- Box, behind the reconciler's back --

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            f"{self.box.base_url}/_sandbox/{path}",
            data=data,
            method=method,
            headers=CONTROL_HEADERS,
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def state(self) -> dict[str, Any]:
        return dict(self.control("GET", "state"))

    def faults(self, **settings: Any) -> None:
        self.control("PUT", "faults", settings)

    def no_faults(self) -> None:
        self.control("DELETE", "faults")

    def quirks(self, **readings: str) -> None:
        """Where Box is undocumented, which reading the sandbox acts out (``PUT
        /_sandbox/quirks``), e.g. ``task_listing="mini"``."""
        try:
            self.control("PUT", "quirks", readings)
        except urllib.error.HTTPError as refused:
            raise AssertionError(
                f"the sandbox cannot act out {readings} (PUT /_sandbox/quirks answered "
                f"{refused.code}): the client cannot be tested under that reading of Box"
            ) from None

    def sign_up(self, login: str) -> str:
        """An invited person creates a Box account and accepts; returns their token."""
        token = str(self.control("POST", "signup", {"login": login, "accept": True})["token"])
        self.secrets.append(token)
        return token

    def requests(self) -> list[dict[str, Any]]:
        return list(self.control("GET", "requests")["entries"])

    def client(self, token: str | None = None) -> BoxClient:
        return sdk_client(self.box.base_url, token or self.token)

    def collaborations(self, item_id: str) -> list[dict[str, Any]]:
        return [c for c in self.state()["collaborations"] if c["item_id"] == item_id]

    def hub_members(self, hub_id: str = ACME_HUB) -> list[dict[str, Any]]:
        return [c for c in self.state()["hub_collaborations"] if c["hub_id"] == hub_id]


def duplicates(state: dict[str, Any]) -> list[tuple[str, ...]]:
    """(item, principal) pairs that hold more than one collaboration, hubs included."""
    seen: Counter[tuple[str, ...]] = Counter()
    for c in state["collaborations"]:
        who = c["accessible_by_id"] or (c["invite_email"] or "").casefold()
        seen[(c["item_type"], c["item_id"], c["accessible_by_type"] or "user", who)] += 1
    for c in state["hub_collaborations"]:
        seen[("hub", c["hub_id"], c["accessible_by_type"], c["accessible_by_id"])] += 1
    return sorted(k for k, n in seen.items() if n > 1)


def sample_seed(token: str) -> dict[str, Any]:
    """The sample studio, with a service-account token nobody could mistake for other text."""
    seed = yaml.safe_load(SAMPLE_STUDIO.read_text(encoding="utf-8"))
    for user in seed["users"]:
        if user["id"] == SERVICE_ACCOUNT:
            user["token"] = token
    return dict(seed)


def open_studio(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> Studio:
    """The sample studio in a fresh sandbox, and a copy of its manifests to run in."""
    token = f"tok-{secrets.token_hex(12)}"
    seed = sample_seed(token)
    box = sandbox_factory(seed)
    workdir = tmp_path / "repo"
    shutil.copytree(MANIFESTS / "studio", workdir)
    return Studio(box, workdir, token, seed)


@pytest.fixture
def studio(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> Studio:
    return open_studio(sandbox_factory, tmp_path)
