"""``watch:`` and ``notify:`` in reconcile.yaml: defaults, overrides, and located problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import ManifestError
from reconciler.manifest.service import Service, WatchSettings, load_service


def config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "reconcile.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_without_sections_the_defaults_hold(tmp_path: Path) -> None:
    assert load_service(config(tmp_path, "concurrency: 4\n"), {}) == Service()
    assert WatchSettings().webhook_clock_skew_seconds == 60
    skew = load_service(config(tmp_path, "watch:\n  webhook_clock_skew_seconds: 5\n"), {})
    assert skew.watch.webhook_clock_skew_seconds == 5
    assert WatchSettings().resync_minutes == 360 and not WatchSettings().stream_carries_decisions


def test_sections_are_read(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        "watch:\n  stream_type: admin_logs_streaming\n  resync_minutes: 30\n"
        "notify:\n"
        "  - http: {url: 'https://billing.example/box', secret_env: BILLING}\n"
        "  - jsonl: out/decisions.jsonl\n"
        "  - command: [mail-team, --urgent]\n",
    )
    service = load_service(path, {"BILLING": "s3cret"})
    assert service.watch.stream_carries_decisions and service.watch.resync_minutes == 30
    assert [s.name for s in service.sinks] == [
        "http:https://billing.example/box",
        "jsonl:out/decisions.jsonl",
        "command:mail-team --urgent",
    ]
    assert (service.sinks[1].origin.line, service.sinks[2].command) == (
        6,
        ("mail-team", "--urgent"),
    )


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        pytest.param("watch:\n  stream_type: sync\n", 2, "stream_type", id="an unknown stream"),
        pytest.param("watch:\n  resync_minutes: 0\n", 2, "resync_minutes", id="no resync"),
        pytest.param(
            "watch:\n  stream_type: none\n  webhook_clock_skew_seconds: -1\n",
            3,
            "webhook_clock_skew_seconds",
            id="a negative clock skew",
        ),
        pytest.param(
            "watch:\n  webhook_clock_skew_seconds: 3600\n",
            2,
            "webhook_clock_skew_seconds",
            id="a clock skew past Box's ten minutes",
        ),
        pytest.param(
            "notify:\n  - http: {url: 'https://x.example'}\n", 2, "secret_env", id="no secret"
        ),
        pytest.param(
            "notify:\n  - jsonl: a\n    command: [b]\n",
            3,
            "exactly one",
            id="two sinks in one entry",
        ),
        pytest.param(
            "notify:\n  - http: {url: 'https://x.example', secret_env: UNSET_ONE}\n",
            2,
            "UNSET_ONE",
            id="a secret that is not set",
        ),
    ],
)
def test_problems_name_the_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    with pytest.raises(ManifestError) as caught:
        load_service(config(tmp_path, text), {})
    problem = caught.value.problems[0]
    assert (Path(problem.file).name, problem.line) == ("reconcile.yaml", line)
    assert words in problem.message
