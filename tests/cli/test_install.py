"""A regular install: the wheel carries every package and the example studio, so ``reconcile
demo`` and ``reconcile sandbox serve --seed sample`` work from an empty directory."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtual environment with the wheel built from this tree installed; its
    dependencies come from the test environment (so nothing is downloaded but the build's)."""
    work = tmp_path_factory.mktemp("install")
    wheels = work / "wheels"
    # Built from a copy, as a release is (the sdist first, the wheel from it): builds write in
    # the tree they build, and another test process may be building this one.
    source = work / "source"
    skipped = shutil.ignore_patterns(
        ".venv", ".git", "*.egg-info", "build", "dist", "__pycache__", ".*_cache", ".hypothesis"
    )
    shutil.copytree(ROOT, source, symlinks=True, ignore=skipped)
    build = [sys.executable, "-m", "build", "--outdir", str(wheels), str(source)]
    subprocess.run(build, check=True, capture_output=True, timeout=600)
    venv = work / "venv"
    # no pip of its own (seeding one is the slow part): the test environment's pip installs
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # A plain path in a .pth file: the test environment's libraries, but not its .pth files
    # (so not its editable install of this tree).
    Path(site, "test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(wheels.glob("box_reconciler-*.whl"))
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    install = [*pip, "install", "-q", "--no-deps", "--no-index", str(wheel)]
    subprocess.run(install, check=True, capture_output=True, timeout=300)
    yield venv


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOX_", "PYTHON"))}
    return {**env, "NO_COLOR": "1"}


@pytest.mark.slow
def test_the_installed_package_runs_the_demo_from_an_empty_directory(
    installed: Path, tmp_path: Path
) -> None:
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import reconciler; print(reconciler.__file__)"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(installed)), where

    done = subprocess.run(
        [str(installed / "bin" / "reconcile"), "demo"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "0 changes to add, 0 to change, 0 to remove" in done.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_the_installed_sandbox_serves_the_shipped_sample_studio(
    installed: Path, tmp_path: Path
) -> None:
    serve = [str(installed / "bin" / "reconcile"), "sandbox", "serve", "--port", "0"]
    process = subprocess.Popen(
        [*serve, "--seed", "sample"],
        cwd=tmp_path,
        env=clean_env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        found = re.search(r"BOX_BASE_URL=(\S+)", banner)
        assert found, banner
        me = requests.get(
            f"{found.group(1)}/2.0/users/me",
            headers={"Authorization": "Bearer sandbox"},
            timeout=10,
        )
        assert me.json()["login"] == "svc-reconciler@studio.example"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def installed_files(venv: Path) -> list[str]:
    site = next(venv.glob("lib/python*/site-packages"))
    return [str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()]


@pytest.mark.slow
def test_the_wheel_carries_the_license_and_the_typing_marker(installed: Path) -> None:
    files = installed_files(installed)
    assert "reconciler/py.typed" in files
    licenses = [
        f for f in files if re.fullmatch(r"box_reconciler-[^/]+\.dist-info/licenses/LICENSE", f)
    ]
    assert licenses, [f for f in files if "dist-info" in f]
    text = next(installed.glob(f"lib/python*/site-packages/{licenses[0]}")).read_text()
    assert "Apache License" in text and "Version 2.0" in text


@pytest.mark.slow
def test_the_source_distribution_carries_the_license(installed: Path) -> None:
    sdist_path = next((installed.parent / "wheels").glob("box_reconciler-*.tar.gz"))
    with tarfile.open(sdist_path) as sdist:
        names = {Path(*Path(n).parts[1:]).as_posix() for n in sdist.getnames()}
    assert {"LICENSE", "reconciler/py.typed"} <= names


@pytest.mark.slow
def test_the_installed_package_writes_a_studio_that_validates(
    installed: Path, tmp_path: Path
) -> None:
    reconcile = str(installed / "bin" / "reconcile")
    init = subprocess.run(
        [reconcile, "init", "studio"], cwd=tmp_path, env=clean_env(), capture_output=True, text=True
    )
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "studio" / ".github" / "workflows" / "reconcile.yml").is_file()
    checked = subprocess.run(
        [reconcile, "validate"],
        cwd=tmp_path / "studio",
        env=clean_env(),
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
