"""``reconcile init`` writes a deliveries repository that validates as written, refuses to
replace files, and ``reconcile demo --keep`` leaves a studio whose printed commands run again."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import start_sandbox

REPO = Path(__file__).resolve().parents[2]


def reconcile(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BOX_")}
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=cwd,
        env={**clean, "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_init_writes_a_studio_that_validates(tmp_path: Path) -> None:
    done = reconcile(tmp_path, "init", "studio")
    assert done.returncode == 0, done.stderr
    studio = tmp_path / "studio"
    written = sorted(p.relative_to(studio).as_posix() for p in studio.rglob("*") if p.is_file())
    assert written == [
        ".github/workflows/reconcile.yml",
        ".gitignore",
        "README.md",
        "deliveries/acme/spring-2026.yaml",
        "reconcile.yaml",
        "schemas/config.schema.json",
        "schemas/delivery.schema.json",
    ]
    assert "cd studio && reconcile validate" in done.stdout
    checked = reconcile(studio, "validate")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_modeline_points_at_a_schema_the_studio_holds(tmp_path: Path) -> None:
    assert reconcile(tmp_path, "init").returncode == 0
    for name in ("reconcile.yaml", "deliveries/acme/spring-2026.yaml"):
        first = (tmp_path / name).read_text(encoding="utf-8").splitlines()[0]
        found = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert found, first
        schema = (tmp_path / name).parent / found.group(1)
        assert json.loads(schema.read_text(encoding="utf-8"))["$schema"], name


def schema_settings(schema: dict[str, Any], prefix: str = "") -> list[str]:
    """Every setting's name in the config schema, nested ones too."""
    found = []
    for name, spec in schema.get("properties", {}).items():
        found.append(prefix + name)
        found += schema_settings(spec, f"{prefix}{name}.")
        found += schema_settings(spec.get("items") or {}, f"{prefix}{name}[].")
    return found


def test_reconcile_yaml_names_every_setting_and_its_commented_ones_are_valid(
    tmp_path: Path,
) -> None:
    assert reconcile(tmp_path, "init").returncode == 0
    text = (tmp_path / "reconcile.yaml").read_text(encoding="utf-8")
    config_schema = json.loads((tmp_path / "schemas/config.schema.json").read_text("utf-8"))
    for setting in schema_settings(config_schema):
        leaf = setting.rpartition(".")[2].removesuffix("[]")
        assert re.search(rf"\b{leaf}:", text), f"{setting} is not in reconcile.yaml"
    # Uncommenting every setting gives a reconcile.yaml that still validates.
    uncommented = re.sub(r"(?m)^# (?=( *[a-z_]+:| +- ))", "", text)
    (tmp_path / "reconcile.yaml").write_text(uncommented, encoding="utf-8")
    assert set(yaml.safe_load(uncommented)) == set(config_schema["properties"])
    variables = dict.fromkeys(re.findall(r"\w+_env: (\w+)", uncommented), "s")
    checked = reconcile(tmp_path, "validate", env=variables)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_init_refuses_to_replace_files_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("ours\n", encoding="utf-8")
    refused = reconcile(tmp_path, "init", ".")
    assert refused.returncode == 3
    assert "README.md" in refused.stderr and "--force" in refused.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]  # nothing written

    forced = reconcile(tmp_path, "init", "--gitlab", "--force", ".")
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "README.md").read_text(encoding="utf-8") != "ours\n"
    assert (tmp_path / ".gitlab-ci.yml").is_file()
    assert not (tmp_path / ".github").exists()


@pytest.mark.slow
def test_the_commands_demo_keep_prints_run_again_in_the_studio_it_keeps(tmp_path: Path) -> None:
    done = reconcile(tmp_path, "demo", "--keep", "kept")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    lines = done.stdout[done.stdout.index("To type its commands again:") :].splitlines()[1:]
    commands = [line.split("#")[0].strip() for line in lines if line.startswith("  ")]
    assert commands[0].startswith("reconcile sandbox serve --seed sample")
    assert commands[1].startswith("export BOX_BASE_URL=")
    assert commands[2] == "cd kept"
    box = start_sandbox(sample_seed())
    try:
        env = {"BOX_BASE_URL": box.base_url, "BOX_DEVELOPER_TOKEN": "sandbox"}
        env["SANDBOX_ADMIN_TOKEN"] = "control-plane-token"
        for line in commands[3:]:
            for command in line.split(" && "):
                argv = shlex.split(command)
                assert argv[0] == "reconcile", line
                again = reconcile(tmp_path / "kept", *argv[1:], env=env)
                assert again.returncode == 0, command + "\n" + again.stdout + again.stderr
        assert "approved" in again.stdout or "accepted" in again.stdout
    finally:
        box.stop()


def sample_seed() -> dict[str, Any]:
    from reconciler.sandbox.seed import sample_seed as seed

    return seed()
