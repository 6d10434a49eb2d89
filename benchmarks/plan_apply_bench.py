"""Benchmark ``reconcile plan`` and ``reconcile apply`` at scale against a sandbox with latency.

Two scenarios, run one after the other on the same sandbox:

  collaborations  N deliveries, each a folder with 3 email clients; half of the clients already
                  have a Box account (accepted at once), half do not (pending invitations)
  tasks           the same deliveries gain an approval rule: one review task on each of the
                  F files of every folder, assigned to every client who has accepted

For each, ``plan`` then ``apply`` run as real ``reconcile`` commands (subprocesses, so the peak
memory printed is the reconciler's alone). It prints API calls against the minimum the work
needs (from the sandbox's request log), wall time against the ideal (calls x latency /
concurrency), and peak memory. Targets: calls <= 1.05x the minimum, wall time <= 1.5x the ideal.

    python benchmarks/plan_apply_bench.py                 # 500 deliveries, 20 files, 50 ms
    python benchmarks/plan_apply_bench.py --deliveries 50 --files 5   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONCURRENCY = 8
TOKEN = "sandbox"
ME = "10001"


def seed(deliveries: int, files: int) -> dict[str, Any]:
    folders = []
    external = []
    for d in range(deliveries):
        folders.append(
            {
                "id": str(300_000 + d),
                "name": f"Delivery {d:04d}",
                "owner": ME,
                "files": [
                    {"id": str(5_000_000 + d * 100 + f), "name": f"shot-{f:02d}.jpg", "size": 1000}
                    for f in range(files)
                ],
            }
        )
        for c in range(3):
            if (d * 3 + c) % 2 == 0:  # half the clients already have a Box account
                external.append(
                    {
                        "id": str(700_000 + d * 3 + c),
                        "login": client_email(d, c),
                        "name": f"Client {d}-{c}",
                    }
                )
    return {
        "enterprise": {"id": "900001", "name": "Benchmark Studio"},
        "users": [
            {
                "id": ME,
                "login": "svc-reconciler@studio.example",
                "name": "Reconciler",
                "role": "admin",
                "service_account": True,
                "token": TOKEN,
            }
        ],
        "external_users": external,
        "folders": [{"id": "200000", "name": "Deliveries", "owner": ME, "folders": folders}],
    }


def client_email(delivery: int, client: int) -> str:
    return f"c{delivery}-{client}@client{delivery % 10}.example"


def write_manifests(root: Path, deliveries: int, *, approval: bool) -> None:
    out = root / "deliveries"
    out.mkdir(parents=True, exist_ok=True)
    for d in range(deliveries):
        clients = "\n".join(f"  - email: {client_email(d, c)}\n    role: viewer" for c in range(3))
        rule = '\napproval:\n  message: "Approve the content?"\n' if approval else ""
        (out / f"d{d:04d}.yaml").write_text(
            f'version: 1\nname: delivery-{d:04d}\nfolders: ["{300_000 + d}"]\n'
            f"clients:\n{clients}\nnotify: false\n{rule}",
            encoding="utf-8",
        )
    (root / "reconcile.yaml").write_text(
        f"concurrency: {CONCURRENCY}\n"
        "max_requests_per_second: 1000   # the ideal below ignores Box's rate limit\n",
        encoding="utf-8",
    )


class Sandbox:
    """``reconcile sandbox serve`` in its own process."""

    def __init__(self, seed_file: Path) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reconciler",
                "sandbox",
                "serve",
                "--port",
                str(port),
                "--seed",
                str(seed_file),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                self.control("GET", "requests")
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("the sandbox did not start")

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/_sandbox/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=600) as answer:
            raw = answer.read()
        return json.loads(raw) if raw else None

    def requests(self) -> list[dict[str, Any]]:
        return list(self.control("GET", "requests")["entries"])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Run:
    command: str
    exit_code: int
    seconds: float
    peak_mib: float
    calls: int
    errors: int


def run(sandbox: Sandbox, cwd: Path, argv: list[str]) -> Run:
    sandbox.control("DELETE", "requests")
    env = {**os.environ, "BOX_BASE_URL": sandbox.url, "BOX_DEVELOPER_TOKEN": TOKEN, "NO_COLOR": "1"}
    started = time.monotonic()
    # stderr to a file, not a pipe: a long error report must not block the child
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "reconciler", *argv],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 2):
            errors.seek(0)
            print(errors.read().decode()[-2000:], file=sys.stderr)
    log = sandbox.requests()
    return Run(
        command="reconcile " + " ".join(argv),
        exit_code=code,
        seconds=seconds,
        peak_mib=usage.ru_maxrss / 1024,
        calls=len(log),
        errors=sum(1 for r in log if r["status"] >= 400),
    )


def report(run: Run, minimum: int, latency_ms: float) -> None:
    ideal = minimum * latency_ms / 1000 / CONCURRENCY
    calls, wall = run.calls / minimum, run.seconds / ideal
    print(f"  {run.command}  (exit {run.exit_code}, {run.errors} error answers)")
    print(f"    API calls    {run.calls:>7} vs minimum {minimum:>7}   ratio {calls:.3f} (<= 1.05)")
    wall_line = f"{run.seconds:>7.1f} s vs ideal {ideal:>5.1f} s   ratio {wall:.2f} (<= 1.5)"
    print(f"    wall time    {wall_line}")
    print(f"    peak memory  {run.peak_mib:>7.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    n, f = args.deliveries, args.files
    accepted = sum(1 for d in range(n) for c in range(3) if (d * 3 + c) % 2 == 0)

    with tempfile.TemporaryDirectory(prefix="reconcile-bench-") as tmp:
        root = Path(tmp)
        seed_file = root / "seed.json"
        seed_file.write_text(json.dumps(seed(n, f)), encoding="utf-8")
        sandbox = Sandbox(seed_file)
        try:
            sandbox.control("PUT", "faults", {"latency_ms": args.latency_ms})
            print(
                f"{n} deliveries x 3 clients ({accepted} with a Box account), {f} files each; "
                f"latency {args.latency_ms:g} ms, concurrency {CONCURRENCY}"
            )

            print("collaborations:")
            write_manifests(root, n, approval=False)
            reads = 1 + 2 * n  # who am I; per folder: its name and owner, its collaborations
            report(run(sandbox, root, ["plan", "--detailed-exitcode"]), reads, args.latency_ms)
            report(run(sandbox, root, ["apply", "--yes"]), reads + 3 * n, args.latency_ms)

            print("tasks:")
            write_manifests(root, n, approval=True)
            reads = 1 + n * (2 + 1 + f)  # ... plus per folder its listing, per file its tasks
            writes = n * f + accepted * f  # one task per file, one assignment per accepted client
            report(run(sandbox, root, ["plan", "--detailed-exitcode"]), reads, args.latency_ms)
            report(run(sandbox, root, ["apply", "--yes"]), reads + writes, args.latency_ms)
            converged = run(sandbox, root, ["plan", "--detailed-exitcode"])
            print(f"  then {converged.command}: exit {converged.exit_code} (0: nothing left to do)")
        finally:
            sandbox.stop()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(the benchmark process itself peaked at {own:.0f} MiB)")


if __name__ == "__main__":
    main()
