"""The README's walkthrough, run as a newcomer pastes it: its shell blocks in order, in a fresh
directory, against ``reconcile sandbox serve --seed sample``. The approval reaches the billing
receiver (``start billing:``), the rejection reaches it too and arrives as an email in the
local mailbox, and status names the rejected file."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytest.importorskip("aiosmtpd")  # the walkthrough's first line installs both
pytest.importorskip("standardwebhooks")

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
#: The ports the README prints, each replaced by a free one: the sandbox, the mailbox, billing.
PORTS = ("8080", "8025", "8088")
#: Lines a test does not run: the environment has the packages; the test stops its processes.
NOT_RUN = ("pip install ", "kill ")
#: Long enough for a loaded machine; what is waited for is a condition, not a time.
PATIENCE_S = 180.0


def walkthrough_blocks(text: str) -> list[str]:
    """The ``sh`` blocks of the README's walkthrough section, in order."""
    start = text.index("\n## Walkthrough")
    end = text.index("\n## ", start + 1)
    return re.findall(r"```sh\n(.*?)```", text[start:end], flags=re.S)


def steps(block: str) -> Iterator[str]:
    """Each command of a block: a line, or a line with its here-document."""
    lines = iter(block.splitlines())
    for line in lines:
        if not line.strip():
            continue
        heredoc = re.search(r"<<'?(\w+)'?", line)
        if heredoc:
            body = [line]
            for following in lines:
                body.append(following)
                if following.strip() == heredoc.group(1):
                    break
            yield "\n".join(body)
        else:
            yield line


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.1)


@dataclass
class Shell:
    """A newcomer's terminal: one directory and environment carried from command to command
    (``cd``, ``export`` and plain assignments alike), and the commands left in the background."""

    cwd: Path
    env: dict[str, str]
    logs: Path
    background: dict[str, tuple[subprocess.Popen[bytes], Path]] = field(default_factory=dict)

    def run(self, step: str) -> str:
        state = self.logs / "state"
        script = f"set -ea\n{step}\npwd > {state}.cwd\nenv -0 > {state}.env\n"
        done = subprocess.run(
            ["bash", "-c", script], cwd=self.cwd, env=self.env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{step}\nexit {done.returncode}\n{done.stdout}{done.stderr}"
        self.cwd = Path(Path(f"{state}.cwd").read_text(encoding="utf-8").strip())
        pairs = Path(f"{state}.env").read_text(encoding="utf-8").split("\0")
        self.env = dict(p.split("=", 1) for p in pairs if "=" in p)
        return done.stdout

    def start(self, step: str) -> None:
        command = step.split(" #", 1)[0].rstrip().removesuffix("&").rstrip()
        name = command.split()[1] if command.startswith("python3") else command
        log = self.logs / f"{len(self.background)}.log"
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=self.cwd,
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.background[name] = (process, log)
        for port in re.findall(r"\b(\d{4,5})\b", command):
            wait_for(lambda port=port: self.listening(int(port), process), f"{command} listens")

    @staticmethod
    def listening(port: int, process: subprocess.Popen[bytes]) -> bool:
        assert process.poll() is None, f"exited with {process.returncode}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    def output(self, name_part: str) -> str:
        (log,) = [log for name, (_, log) in self.background.items() if name_part in name]
        return log.read_text(encoding="utf-8", errors="replace")

    def every_output(self) -> str:
        """What each background command printed, for a failure's message."""
        return "\n".join(
            f"--- {name}:\n{log.read_text(encoding='utf-8', errors='replace')[-6000:]}"
            for name, (_, log) in self.background.items()
        )

    def stop(self) -> dict[str, int | None]:
        """SIGTERM to each (what ``kill $(jobs -p)`` sends); their exit codes."""
        for process, _ in self.background.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        codes: dict[str, int | None] = {}
        for name, (process, _) in self.background.items():
            try:
                codes[name] = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                codes[name] = process.wait()
        return codes


def a_fresh_shell(tmp_path: Path) -> Shell:
    """A clean environment (no Box settings of this machine), this checkout's ``reconcile`` and
    ``python3`` first on PATH, and the clone's examples/ beside the directory the walkthrough
    starts in (it runs ``../examples/billing/receiver.py`` from the studio)."""
    home = tmp_path / "clone"
    home.mkdir()
    (home / "examples").symlink_to(REPO / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOX_", "SANDBOX_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("NO_COLOR", None)
    logs = tmp_path / "logs"
    logs.mkdir()
    return Shell(cwd=home, env=env, logs=logs)


def test_the_walkthrough_reaches_billing_and_the_team(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    for port in PORTS:
        text = re.sub(rf"\b{port}\b", str(free_port()), text)
    blocks = walkthrough_blocks(text)
    assert len(blocks) >= 6
    shell = a_fresh_shell(tmp_path)
    printed: list[str] = []
    try:
        for block in blocks:
            for step in steps(block):
                if step.startswith(NOT_RUN):
                    continue
                if step.split(" #", 1)[0].rstrip().endswith("&"):
                    shell.start(step)
                else:
                    printed.append(shell.run(step))
            if "sandbox review" in block:
                try:
                    the_decisions_arrive(shell)
                except AssertionError as missing:
                    raise AssertionError(f"{missing}\n{shell.every_output()}") from None
        status = printed[-2:]
        assert "1 rejected file" in status[0] and "spot-30s.mp4" in status[0], status[0]
        header, *rows = status[1].splitlines()
        assert header.startswith("delivery,client,") and "resolved_at" in header
        assert any(",hero.jpg,approved,true," in row for row in rows), rows
    finally:
        codes = shell.stop()
    assert codes.get("reconcile watch") == 0, shell.output("reconcile watch")


def the_decisions_arrive(shell: Shell) -> None:
    billing = "https://app.box.com/file/1400000101"
    wait_for(
        # Either approval may be the one that made the file approved: pasted together, both
        # fall in the same second, and Box times decisions to the second.
        lambda: (
            re.search(
                rf"start billing: acme-spring-2026 (cmo|jane\.doe)@acme\.example hero\.jpg "
                rf"{re.escape(billing)}",
                shell.output("receiver.py"),
                flags=re.IGNORECASE,
            )
            is not None
        ),
        "the approval reaches the billing receiver",
    )
    wait_for(
        lambda: (
            "alert the team: acme-spring-2026 cmo@acme.example spot-30s.mp4 - make the text"
            in shell.output("receiver.py")
        ),
        "the rejection reaches the billing receiver",
    )
    wait_for(
        lambda: "Subject: Rejected by cmo@acme.example: spot-30s.mp4" in shell.output("mailbox"),
        "the rejection email arrives in the mailbox",
    )
    mail = shell.output("mailbox")
    assert "make the text larger" in mail and "https://app.box.com/file/1400000104" in mail
    assert shell.output("receiver.py").count("start billing:") == 1
