"""``reconcile validate`` (and ``apply --plan``) on hostile or careless input: every problem is
exit 3 at its file and line, never an internal error, a hang or a forged line of output."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli.app import main

MANIFEST = """\
version: 1
name: acme-spring-2026
folders: ["213534631621"]
clients:
  - email: jane@acme.example
    role: viewer
approval:
  due_in_days: {due}
  include: [{include}]
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with one valid manifest, run from its root."""
    (tmp_path / "deliveries").mkdir()
    write_manifest(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_manifest(repo: Path, *, due: str = "7", include: str = '"**/*.jpg"') -> None:
    text = MANIFEST.format(due=due, include=include)
    (repo / "deliveries" / "acme.yaml").write_text(text, encoding="utf-8")


def validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code, out, err = run(["validate", *args], capsys)
    assert "Traceback" not in err and "Internal error" not in err, err
    return code, out.splitlines()[:-1]  # the problem lines, without the summary


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "+.Inf"])
@pytest.mark.parametrize(
    ("config", "line"),
    [
        ("safety:\n  max_removal_fraction: {}\n", "reconcile.yaml:2:25:"),
        ("max_requests_per_second: {}\n", "reconcile.yaml:1:26:"),
        ("safety:\n  max_removals: {}\n", "reconcile.yaml:2:17:"),
    ],
)
def test_non_finite_numbers_in_the_config_are_refused_at_their_line(
    repo: Path, capsys: pytest.CaptureFixture[str], value: str, config: str, line: str
) -> None:
    (repo / "reconcile.yaml").write_text(config.format(value), encoding="utf-8")

    code, problems = validate(capsys)

    assert code == 3
    assert problems == [
        f"{line} '{value}' is not a finite number; write a number such as 0.25 [yaml-bad-value]"
    ]


def test_a_non_finite_number_in_a_manifest_is_refused_at_its_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_manifest(repo, due=".nan")

    code, problems = validate(capsys)

    assert code == 3
    assert [p.split(" ", 1)[0] for p in problems] == ["deliveries/acme.yaml:8:16:"]


def test_a_rate_below_the_documented_floor_is_refused_at_its_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "reconcile.yaml").write_text("max_requests_per_second: 1.0e-300\n", encoding="utf-8")

    code, problems = validate(capsys)

    assert code == 3
    assert problems == [
        "reconcile.yaml:1:26: max_requests_per_second: expected at least 0.1, found the number "
        "1e-300 [invalid-value]"
    ]


def test_whole_number_floats_are_the_integers_they_are(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "reconcile.yaml").write_text(
        "safety: {max_removals: 0.0}\nconcurrency: 4.0\n", encoding="utf-8"
    )
    write_manifest(repo, due="7.0")

    assert validate(capsys) == (0, [])

    write_manifest(repo, due="7.5")
    code, problems = validate(capsys)
    assert code == 3
    assert problems == [
        "deliveries/acme.yaml:8:16: approval.due_in_days: expected a whole number, found the "
        "number 7.5 [wrong-type]"
    ]


# --- globs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("[z-a].jpg", "the range 'z-a' is reversed (write 'a-z')"),
        ("shots/[9-0]*", "the range '9-0' is reversed (write '0-9')"),
        ("[abc", "a '[' opens a character class that is never closed"),
    ],
)
def test_a_glob_the_matcher_cannot_compile_is_refused_at_its_line(
    repo: Path, capsys: pytest.CaptureFixture[str], pattern: str, reason: str
) -> None:
    write_manifest(repo, include=f'"**/*.mp4", "{pattern}"')

    code, problems = validate(capsys)

    assert code == 3
    assert problems == [
        f"deliveries/acme.yaml:9:25: approval.include: the pattern '{pattern}' can never match a "
        f"file: {reason} [glob-never-matches]"
    ]


# --- what is read ----------------------------------------------------------------------------


def test_a_fifo_among_the_manifests_is_refused_not_waited_on(repo: Path) -> None:
    os.mkfifo(repo / "deliveries" / "pipe.yaml")

    # In a subprocess: a reconciler that opened the FIFO would block; the timeout ends the test.
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 3, done.stderr
    assert done.stdout.splitlines()[0] == (
        "deliveries/pipe.yaml:1:1: not a regular file (a FIFO, socket or device is never read) "
        "[unreadable-file]"
    )


def test_a_device_as_the_config_is_refused_not_read(repo: Path) -> None:
    # In a subprocess with a memory ceiling: a reconciler reading /dev/zero would run out of it.
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", "--config", "/dev/zero"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30)),
    )

    assert done.returncode == 3, done.stderr
    assert done.stdout.splitlines()[0] == (
        "/dev/zero:1:1: not a regular file (a FIFO, socket or device is never read) "
        "[unreadable-file]"
    )


def test_a_file_over_ten_megabytes_is_refused_naming_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = repo / "deliveries" / "huge.yaml"
    huge.write_text("# padding\n" * (1_100_000), encoding="utf-8")

    code, problems = validate(capsys)

    assert code == 3
    assert problems == ["deliveries/huge.yaml:1:1: the file is larger than 10 MB [unreadable-file]"]


@pytest.mark.parametrize("make", ["empty file", "directory"])
def test_a_reconcile_yaml_that_is_not_a_config_is_an_error_whatever_it_is(
    repo: Path, capsys: pytest.CaptureFixture[str], make: str
) -> None:
    config = repo / "reconcile.yaml"
    if make == "directory":
        config.mkdir()
    else:
        config.write_text("# nothing yet\n", encoding="utf-8")

    code, problems = validate(capsys)

    assert code == 3
    assert len(problems) == 1
    assert problems[0].startswith("reconcile.yaml:1:1: ")


def test_a_saved_plan_nested_too_deeply_is_invalid_input(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = repo / "plan.json"
    plan.write_text('{"changes": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")

    code, _, err = run(["apply", "--plan", str(plan)], capsys)

    assert code == 3
    assert err == f"Error: {plan}: not a JSON plan (nested too deeply)\n"


# --- positions -------------------------------------------------------------------------------


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_unicode_line_separators_do_not_shift_line_numbers(
    repo: Path, capsys: pytest.CaptureFixture[str], separator: str
) -> None:
    text = MANIFEST.format(due="7", include='"**/*.jpg"')
    text = text.replace("version: 1", f"# notes{separator}more notes{separator}\nversion: 1")
    text = text.replace("role: viewer", "role: veiwer")
    (repo / "deliveries" / "acme.yaml").write_text(text, encoding="utf-8")

    code, problems = validate(capsys)

    assert code == 3
    assert [p.split(" ", 1)[0] for p in problems] == ["deliveries/acme.yaml:7:11:"]


def test_nesting_too_deep_is_placed_where_it_gets_too_deep(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["description:"] + [f"{'  ' * depth}- " for depth in range(1, 200)]
    (repo / "deliveries" / "deep.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    code, problems = validate(capsys)

    assert code == 3
    assert problems == [
        "deliveries/deep.yaml:65:129: YAML nesting is too deep: more than 64 levels of lists and "
        "mappings [yaml-syntax]"
    ]


# --- names -----------------------------------------------------------------------------------

NAMES = [
    (b"esc\x1b[2Jname.yaml", "esc\\x1b[2Jname.yaml"),
    (b"two\nfake.yaml:1:1: forged.yaml", "two\\nfake.yaml:1:1: forged.yaml"),
    (b"latin1-caf\xe9.yaml", "latin1-caf\\xe9.yaml"),
]


@pytest.mark.parametrize(("raw", "shown"), NAMES, ids=["escape", "newline", "not-utf8"])
@pytest.mark.parametrize("output", ["text", "json"])
def test_file_names_are_escaped_in_every_problem(
    repo: Path, raw: bytes, shown: str, output: str
) -> None:
    (repo / "deliveries" / "acme.yaml").unlink()
    (repo / "deliveries").joinpath(os.fsdecode(raw)).write_bytes(b"version: 1\nname: Bad\n")

    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", "--format", output],
        cwd=repo,
        capture_output=True,
        timeout=60,
    )

    assert done.returncode == 3
    text = done.stdout.decode("utf-8")  # strict: the output is UTF-8 whatever the names
    assert b"\x1b" not in done.stdout
    if output == "json":
        document = json.loads(text)
        assert document["manifests"] == [f"deliveries/{shown}"]
        assert {p["file"] for p in document["problems"]} == {f"deliveries/{shown}"}
    else:
        problem_lines = text.splitlines()[:-1]
        assert problem_lines
        assert all(line.startswith(f"deliveries/{shown}:") for line in problem_lines)
