"""State files of the wrong shape are a clear error naming the file (exit 3 at start), never read
as empty: a wrong-shaped object, ``null``/``[]``/``"x"``/``5``, a 100k-deep document, a folder,
a device, a FIFO, a corrupt ledger. And nothing is announced twice because of one."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import Studio
from tests.integration.watching import configure, decisions, reject

Make = Callable[[Path], None]


def _text(text: str) -> Make:
    return lambda path: path.write_text(text, encoding="utf-8")


SHAPES: dict[str, Make] = {
    "null": _text("null"),
    "list": _text("[]"),
    "string": _text('"x"'),
    "number": _text("5"),
    "wrong object": _text('{"sent": 5, "owed": []}'),
    "wrong entry": _text('{"sent": {}, "owed": {"n1": {"document": 1}}}'),
    "deep": _text("[" * 100_000 + "]" * 100_000),
    "folder": lambda path: path.mkdir(),
    "device": lambda path: path.symlink_to("/dev/zero"),
    "fifo": lambda path: os.mkfifo(path),
    "not json": _text("{sent: "),
}


def notify(studio: Studio) -> tuple[int, str]:
    done = studio.run("notify", "--state-dir", "state")
    return done.code, done.err


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_bad_legacy_ledger_is_named_and_nothing_is_announced(studio: Studio, shape: str) -> None:
    configure(studio)
    assert studio.apply().code == 0
    reject(studio, "cmo-token")
    (studio.workdir / "state").mkdir()
    SHAPES[shape](studio.path("state/notify.json"))

    code, err = notify(studio)

    assert code == 3, err
    assert "state/notify.json" in err
    assert "Traceback" not in err and "Internal error" not in err
    assert decisions(studio.path("decisions.jsonl")) == []


@pytest.mark.parametrize("shape", ["folder", "device", "fifo", "not a database"])
def test_a_bad_ledger_database_is_named(studio: Studio, shape: str) -> None:
    configure(studio)
    (studio.workdir / "state").mkdir()
    make = SHAPES.get(shape) or _text("this is not SQLite, it is text " * 100)
    make(studio.path("state/notify.db"))

    code, err = notify(studio)

    assert code == 3, err
    assert "state/notify.db" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("shape", ["null", "wrong object", "deep", "fifo", "device"])
def test_the_intake_memory_of_the_wrong_shape_stops_the_start(studio: Studio, shape: str) -> None:
    from tests.integration.test_webhooks import KEYS, free_port

    configure(studio)
    (studio.workdir / "state").mkdir()
    SHAPES[shape](studio.path("state/webhooks.json"))
    if shape == "wrong object":
        studio.path("state/webhooks.json").write_text('{"seen": [1, 2]}', encoding="utf-8")

    done = studio.run(
        "watch", "--state-dir", "state", "--listen", f"127.0.0.1:{free_port()}", env=KEYS
    )

    assert done.code == 3, done.err
    assert "state/webhooks.json" in done.err
    assert "Traceback" not in done.err


@pytest.mark.parametrize(
    "text", ['{"saved_at": 5, "positions": {}}', '{"positions": 7}', "[]", "null"]
)
def test_a_stream_place_of_the_wrong_shape_stops_the_start(studio: Studio, text: str) -> None:
    configure(studio)
    (studio.workdir / "state").mkdir()
    studio.path("state/stream.json").write_text(text, encoding="utf-8")

    done = studio.run("watch", "--state-dir", "state")

    assert done.code == 3, done.err
    assert "state/stream.json" in done.err
    assert "Traceback" not in done.err and "Internal error" not in done.err
