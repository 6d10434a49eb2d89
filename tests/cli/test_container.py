"""The container image of ``reconcile watch``: its Containerfile's essentials checked without an
engine, and the image built and run against a sandbox where Docker or Podman is available."""

from __future__ import annotations

import json
import shlex
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ADMIN_TOKEN, start_sandbox

REPO = Path(__file__).resolve().parents[2]
CONTAINERFILE = REPO / "Containerfile"
STATE_DIR = "/var/lib/reconcile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, found = "", []
    for raw in CONTAINERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            joined += line[:-1] + " "
            continue
        word, _, rest = (joined + line).partition(" ")
        found.append((word.upper(), rest.strip()))
        joined = ""
    return found


def last(name: str) -> str:
    values = [rest for word, rest in instructions() if word == name]
    assert values, f"the Containerfile has no {name}"
    return values[-1]


def test_it_runs_as_a_user_that_is_not_root() -> None:
    words = [w for w, _ in instructions()]
    user = last("USER").split(":")[0]
    assert user not in ("root", "0", "")
    # Nothing runs as root after the switch.
    assert "RUN" not in words[words.index("USER") :]


def test_the_state_dir_is_a_volume_and_is_what_watch_uses() -> None:
    assert STATE_DIR in json.loads(last("VOLUME"))
    entrypoint = json.loads(last("ENTRYPOINT"))  # exec form: signals reach reconcile itself
    assert entrypoint[:2] == ["reconcile", "watch"]
    assert entrypoint[entrypoint.index("--state-dir") + 1] == STATE_DIR


def test_the_intake_port_is_exposed_and_checked_for_health() -> None:
    command = json.loads(last("CMD"))
    port = command[command.index("--listen") + 1].rpartition(":")[2]
    assert last("EXPOSE") == port
    assert f"127.0.0.1:{port}/healthz" in last("HEALTHCHECK")
    assert last("STOPSIGNAL") == "SIGTERM"  # what watch stops cleanly on


def test_no_credential_is_baked_into_the_image() -> None:
    baked = " ".join(rest for word, rest in instructions() if word in ("ENV", "ARG"))
    for name in ("BOX_DEVELOPER_TOKEN", "BOX_CLIENT_SECRET", "BOX_JWT_CONFIG", "BOX_WEBHOOK_"):
        assert name not in baked


def test_what_the_package_links_to_is_copied_into_the_build() -> None:
    """The package ships schemas/, deliveries/ and reconcile.yaml through links below
    reconciler/; a build context without their targets installs a package without them."""
    copied = {
        source.rstrip("/")
        for word, rest in instructions()
        if word == "COPY"
        for source in rest.split()[:-1]
    }
    links = [p for p in (REPO / "reconciler").rglob("*") if p.is_symlink()]
    assert links
    for link in links:
        target = link.resolve().relative_to(REPO)
        assert target.parts[0] in copied, f"{link.relative_to(REPO)} -> {target} is not copied"


def engine() -> tuple[str | None, str]:
    """A container engine that answers, or None and why not."""
    for name in ("docker", "podman"):
        path = shutil.which(name)
        if path and subprocess.run([path, "info"], capture_output=True, timeout=30).returncode == 0:
            return path, ""
    return None, "no container engine (docker or podman with a running daemon) on this machine"


def base_image_missing(found: str) -> str:
    """Why the Containerfile's base image is not at hand (empty when it is): podman answers
    ``info`` without a daemon or a registry, so a working engine does not mean a build can run."""
    image = last("FROM").split()[0]
    if subprocess.run([found, "image", "inspect", image], capture_output=True).returncode == 0:
        return ""
    pulled = subprocess.run([found, "pull", image], capture_output=True, text=True, timeout=600)
    if pulled.returncode == 0:
        return ""
    lines = (pulled.stderr or pulled.stdout).strip().splitlines() or ["no output"]
    return f"the base image {image} cannot be pulled ({lines[-1]})"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_image_builds_and_watches_a_sandbox(tmp_path: Path) -> None:
    found, why = engine()
    if found is None:
        pytest.skip(why)
    missing = base_image_missing(found)
    if missing:
        pytest.skip(missing)
    tag = f"reconcile-test:{int(time.time())}"
    build = subprocess.run(
        [found, "build", "-t", tag, "-f", str(CONTAINERFILE), str(REPO)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert build.returncode == 0, build.stderr
    box = start_sandbox()
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "deliveries", repo / "deliveries")
    shutil.copy(REPO / "reconcile.yaml", repo / "reconcile.yaml")
    name = f"reconcile-test-{int(time.time())}"
    # The host's network: 8080 (the image's default) is the sandbox's default port too.
    port = free_port()
    env = {
        "BOX_BASE_URL": box.base_url,
        "BOX_DEVELOPER_TOKEN": ADMIN_TOKEN,
        "BOX_WEBHOOK_PRIMARY_KEY": "sandbox-primary-key",
        "BOX_WEBHOOK_SECONDARY_KEY": "sandbox-secondary-key",
    }
    run = [found, "run", "-d", "--name", name, "--network", "host", "-v", f"{repo}:/repo:ro"]
    for key, value in env.items():
        run += ["-e", f"{key}={value}"]
    try:
        started = subprocess.run(
            [*run, tag, "--listen", f"0.0.0.0:{port}"], capture_output=True, text=True, timeout=60
        )
        assert started.returncode == 0, started.stderr
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and health is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    health = json.loads(r.read())
            except OSError:
                time.sleep(0.5)
        logs = subprocess.run([found, "logs", name], capture_output=True, text=True).stderr
        assert health is not None and health["status"] == "ok", logs
        assert "full reconcile (start)" in logs
        user = subprocess.run(
            [found, "exec", name, "id", "-u"], capture_output=True, text=True, timeout=30
        )
        assert user.stdout.strip() == "10001"
        stopped = subprocess.run([found, "stop", "-t", "30", name], capture_output=True)
        assert stopped.returncode == 0
        code = subprocess.run(
            [found, "inspect", "-f", "{{.State.ExitCode}}", name], capture_output=True, text=True
        )
        assert code.stdout.strip() == "0", shlex.join(run)
    finally:
        subprocess.run([found, "rm", "-f", name], capture_output=True)
        box.stop()
