"""Benchmark ``reconcile watch`` against a sandbox with latency: how soon an acceptance gets its
tasks, what idle watching costs, what one acceptance costs, how soon a decision reaches a sink.

The studio of ``plan_apply_bench.py`` (N deliveries x 3 email clients, F files each, approval
rule on; half the clients have a Box account), served by ``reconcile sandbox serve`` in its own
process with ``latency_ms`` injected; ``reconcile watch`` runs as a subprocess. It prints:

  (a) acceptance -> all that client's assignments made: p50 and p95 over A acceptances
      (a pending client signs up and accepts; timed until the watcher's log reports the pass
      over that delivery with its assignments applied)                      target p95 < 5 s
  (b) API calls during I seconds of idle watching, against one full plan's calls
                                                   target < 1% (of 10 idle minutes at full scale)
  (c) API calls spent on one acceptance, against what that delivery needs (its reads: me,
      folder, collaborations, listing, one task list per file; its writes: one assignment per
      file)                                                                  target <= 1.2x
  (d) decision -> the jsonl sink, p95 over the decisions made. Each client who accepted in
      (a) rejects a file. With the enterprise stream it is read every event_poll_seconds; with
      --active-minutes 0 every decision is the first thing anyone did for a while and waits
      for idle_event_poll_seconds instead                                 target p95 < 5 s
      With ``--stream changes`` (which carries no assignment updates) decisions come by the
      review poll, newest reviews first within watch.review_calls_per_minute (--review-budget);
      the review poll's calls per 10 minutes are printed against that budget. Each client opens
      (downloads) the file 0..--looking s before deciding: ``--stream all`` hears of that (Box
      tells the owner), and the review poll reads that file first      target p95 <= 60 s
  (e) with --webhooks: no event stream, a webhook declared on every delivered folder and
      ``watch --listen``; (a) and (c) then come by COLLABORATION.ACCEPTED, and decision -> the
      jsonl sink by TASK_ASSIGNMENT.UPDATED                                 target p95 < 2 s

    python benchmarks/watch_bench.py                                  # 500 x 20, 50 ms, 50
    python benchmarks/watch_bench.py --deliveries 50 --files 5 --acceptances 20 --idle 60 \
        --active-minutes 0                                            # decisions after quiet
    python benchmarks/watch_bench.py --deliveries 50 --files 5 --acceptances 10 --idle 60
    python benchmarks/watch_bench.py --deliveries 50 --files 5 --acceptances 10 --idle 10 --webhooks
    python benchmarks/watch_bench.py --stream changes --idle 60         # decisions by review poll
    python benchmarks/watch_bench.py --stream all --idle 10             # ... led by openings
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plan_apply_bench import TOKEN, Sandbox, client_email, seed, write_manifests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reconciler.box.people import Person
from reconciler.model import LiveAssignment, LiveFile


def pending_clients(deliveries: int) -> list[tuple[int, str]]:
    """(delivery, email) of the clients without a Box account (their invitations stay pending)."""
    return [(d, client_email(d, c)) for d in range(deliveries) for c in range(3) if (d * 3 + c) % 2]


#: the sandbox's signature keys (its defaults)
KEYS = {
    "BOX_WEBHOOK_PRIMARY_KEY": "sandbox-primary-key",
    "BOX_WEBHOOK_SECONDARY_KEY": "sandbox-secondary-key",
}


class Watcher:
    def __init__(self, root: Path, url: str, listen: str | None = None) -> None:
        self.log_path = root / "watch.log"
        self.log_file = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        env = {**os.environ, "BOX_BASE_URL": url, "BOX_DEVELOPER_TOKEN": TOKEN, "NO_COLOR": "1"}
        extra = ["--listen", listen] if listen else []
        if listen:
            env.update(KEYS)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reconciler", "watch", "--state-dir", "state", *extra],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log_file,
        )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, pattern: str, after: int = 0, timeout: float = 3600) -> int:
        """Until ``pattern`` appears in the log past offset ``after``; returns the new offset."""
        deadline = time.monotonic() + timeout
        compiled = re.compile(pattern)
        while time.monotonic() < deadline:
            text = self.log()
            found = compiled.search(text, after)
            if found:
                return found.end()
            if self.process.poll() is not None:
                raise SystemExit(f"the watcher exited:\n{text[-3000:]}")
            time.sleep(0.02)
        raise SystemExit(f"timed out waiting for {pattern!r}:\n{self.log()[-3000:]}")

    def passes_done(self, quiet: float = 15.0) -> None:
        """Until the watcher has started no pass for ``quiet`` seconds and finished the last:
        the echoes of what the start pass wrote (Box's events about the invitations it sent)
        come back as hints, and the passes they start belong to the start, not to idling."""
        seen, since = -1, time.monotonic()
        while time.monotonic() - since < quiet:
            lines = re.findall(r"INFO (reconciling|reconciled) ", self.log())
            if len(lines) != seen or (lines and lines[-1] == "reconciling"):
                seen, since = len(lines), time.monotonic()
            time.sleep(0.5)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=120)
        self.log_file.close()


def configure(root: Path, args: argparse.Namespace) -> None:
    config = root / "reconcile.yaml"
    listen = args.listen
    watch = f"watch:\n  stream_type: {args.stream}\n"
    for key, value in (
        ("event_poll_seconds", args.event_poll),
        ("idle_event_poll_seconds", args.idle_poll),
        ("active_minutes", args.active_minutes),
        ("review_calls_per_minute", args.review_budget),
    ):
        if value is not None:
            watch += f"  {key}: {value}\n"
    if listen:
        # Webhooks alone: no stream, no review poll; a short burst window, since a delivery
        # is one hint, not one of a burst of stream events.
        watch = (
            "watch:\n  stream_type: none\n  review_poll_minutes: 600\n  coalesce_seconds: 0.2\n"
            f"webhooks:\n  address: http://{listen}/box\n"
        )
    config.write_text(
        config.read_text(encoding="utf-8") + watch + "notify:\n  - jsonl: decisions.jsonl\n",
        encoding="utf-8",
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def work(log: list[dict[str, Any]]) -> int:
    """Calls other than following the stream (which never stops while the watcher runs)."""
    return sum(1 for r in log if "/events" not in r["path"] and "/subscribe" not in r["path"])


def settle(sandbox: Sandbox, quiet: float = 3.0, *, polled: bool = False) -> None:
    """Until the watcher's reads and writes have not grown for ``quiet`` seconds; with the
    review poll (``polled``), which reads task and comment lists all the time, the other calls."""
    seen, since = -1, time.monotonic()
    while time.monotonic() - since < quiet:
        log = sandbox.requests()
        count = work(log) - (review_poll_reads(log) if polled else 0)
        if count != seen:
            seen, since = count, time.monotonic()
        time.sleep(0.5)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def api_calls(log: list[dict[str, Any]]) -> int:
    return sum(1 for r in log if not r["path"].startswith("/_sandbox"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--acceptances", type=int, default=50)
    parser.add_argument("--idle", type=float, default=600.0, help="seconds of idle watching")
    parser.add_argument("--stream", default="admin_logs_streaming")
    parser.add_argument(
        "--event-poll", type=float, help="watch.event_poll_seconds (default: the product's)"
    )
    parser.add_argument(
        "--idle-poll", type=float, help="watch.idle_event_poll_seconds (default: the product's)"
    )
    parser.add_argument(
        "--active-minutes", type=float, help="watch.active_minutes (default: the product's)"
    )
    parser.add_argument(
        "--review-budget",
        type=float,
        help="watch.review_calls_per_minute (default: the product's)",
    )
    parser.add_argument(
        "--decision-window",
        type=float,
        default=300.0,
        help="with the review poll, clients decide at random moments of this many seconds",
    )
    parser.add_argument(
        "--looking",
        type=float,
        default=60.0,
        help="with the review poll, each client opens the file a random 0..LOOKING s before "
        "deciding on it (Box tells the owner's all stream; changes never hears of it)",
    )
    parser.add_argument(
        "--decision-timeout",
        type=float,
        default=1800.0,
        help="seconds to wait for one decision before counting it as missed",
    )
    parser.add_argument(
        "--jitter",
        type=float,
        default=5.0,
        help="each acceptance and decision waits a random 0..JITTER s first, so it falls at "
        "any moment of the watcher's poll cycle, as a person's does",
    )
    parser.add_argument("--seed", type=int, default=1, help="of the random waits")
    parser.add_argument(
        "--webhooks", action="store_true", help="webhooks at watch --listen, no event stream"
    )
    args = parser.parse_args()
    args.listen = f"127.0.0.1:{free_port()}" if args.webhooks else None
    root = Path(tempfile.mkdtemp(prefix="watch-bench-"))
    (root / "seed.json").write_text(json.dumps(seed(args.deliveries, args.files)), "utf-8")
    write_manifests(root, args.deliveries, approval=True)
    configure(root, args)
    args.rng = random.Random(args.seed)
    sandbox = Sandbox(root / "seed.json")
    (root / "sandbox.url").write_text(sandbox.url, encoding="utf-8")
    sandbox.control("PUT", "faults", {"latency_ms": args.latency_ms})
    print(
        f"{args.deliveries} deliveries x 3 clients, {args.files} files each; latency "
        f"{args.latency_ms} ms; "
        + (
            f"webhooks at {args.listen}, no event stream"
            if args.listen
            else f"stream {args.stream} ({polls(args)})"
        )
        + f"; random wait before each action 0..{args.jitter:g} s"
    )
    try:
        return measure(args, root, sandbox)
    finally:
        sandbox.stop()


def polls(args: argparse.Namespace) -> str:
    given = [
        f"{name} {value:g}"
        for name, value in (
            ("event_poll_seconds", args.event_poll),
            ("idle_event_poll_seconds", args.idle_poll),
            ("active_minutes", args.active_minutes),
            ("review_calls_per_minute", args.review_budget),
        )
        if value is not None
    ]
    return ", ".join(given) or "default polls"


def measure(args: argparse.Namespace, root: Path, sandbox: Sandbox) -> int:
    sandbox.control("DELETE", "requests")
    watcher = Watcher(root, sandbox.url, args.listen)
    started = time.monotonic()
    offset = watcher.wait_for(r"reconciled .*: (changes: \d+ applied|nothing to do)")
    # The events of the start's own invitations come back and are read: part of what the start
    # costs, not of idle watching.
    watcher.passes_done()
    settle(sandbox, polled=review_poll_runs(args))
    start_calls = api_calls(sandbox.requests())
    print(f"start: full reconcile in {time.monotonic() - started:.1f} s, {start_calls} calls")
    # One full plan's calls: me, per delivery folder + collaborations + listing, per file tasks.
    full_plan = 1 + args.deliveries * (3 + args.files)
    sandbox.control("DELETE", "requests")
    time.sleep(args.idle)
    log = sandbox.requests()
    idle = api_calls(log)
    scaled = idle * 600.0 / args.idle
    print(
        f"(b) idle {args.idle:.0f} s: {idle} calls (x{600.0 / args.idle:.1f} = {scaled:.0f} per "
        f"10 min) vs one full plan {full_plan}: {100 * scaled / full_plan:.2f}% (target < 1%)"
        + (
            f"; of them {task_lists(log)} task lists and {comment_lists(log)} comment lists "
            f"read by the review poll ({review_poll_reads(log) * 60.0 / args.idle:.0f} a minute, "
            f"budget {review_budget(args):g}), {idle - review_poll_reads(log)} other calls"
            if review_poll_runs(args)
            else ""
        )
    )
    latencies: list[float] = []
    costs: list[int] = []
    following: list[int] = []  # calls that follow the stream meanwhile (GET /events, long poll)
    accepted: list[tuple[int, str]] = []  # (delivery, token) of who signed up
    for delivery, login in pending_clients(args.deliveries)[: args.acceptances]:
        sandbox.control("DELETE", "requests")
        time.sleep(args.rng.uniform(0, args.jitter))
        began = time.monotonic()
        signed = sandbox.control("POST", "signup", {"login": login, "accept": True})
        accepted.append((delivery, str(signed["token"])))
        offset = watcher.wait_for(
            rf"reconciled delivery-{delivery:04d}: changes: [1-9]\d* applied", offset
        )
        latencies.append(time.monotonic() - began)
        settle(sandbox, quiet=3.0, polled=review_poll_runs(args))
        log = sandbox.requests()
        # With the review poll, its reads meanwhile are left out: all task and comment lists
        # but the delivery's own (one of each per file, read by the pass).
        pass_reads = args.files * (2 if polled(args) else 1)  # tasks, and comments on changes
        costs.append(
            work(log) - (review_poll_reads(log) - pass_reads if review_poll_runs(args) else 0)
        )
        following.append(api_calls(log) - work(log))
    # me, folder, collaborations, listing, a task list per file; an assignment per file; and
    # where no stream says that a client commented, a comment list per file
    needs = (1 + 3 + args.files) + args.files + (args.files if polled(args) else 0)
    print(
        f"(a) acceptance -> assignments over {len(latencies)}: p50 "
        f"{statistics.median(latencies):.2f} s, p95 {percentile(latencies, 0.95):.2f} s "
        "(target p95 < 5 s)"
    )
    print(
        f"(c) calls per acceptance: median {statistics.median(costs):.0f}, max {max(costs)} vs "
        f"the delivery's reads and writes {needs}: {statistics.median(costs) / needs:.2f}x "
        f"(target <= 1.2x); besides, {statistics.median(following):.0f} calls following the "
        "stream meanwhile"
        + ("; the review poll's reads meanwhile left out" if review_poll_runs(args) else "")
    )
    decide(args, root, accepted, sandbox)
    watcher.stop()
    return 0


#: the product's default review poll budget (watch.review_calls_per_minute)
DEFAULT_REVIEW_BUDGET = 100.0


def review_poll_calls(log: list[dict[str, Any]], seconds: float, budget: float | None) -> None:
    """Task and comment lists read while the decisions were made (the review poll's reads; the
    passes that brought decisions read none), per 10 minutes, against the budget."""
    reads = review_poll_reads(log)
    per_10 = reads * 600.0 / max(seconds, 1.0)
    allowed = (budget or DEFAULT_REVIEW_BUDGET) * 10
    print(
        f"    review poll: {task_lists(log)} task lists and {comment_lists(log)} comment lists "
        f"read in {seconds:.0f} s = {per_10:.0f} calls per 10 min vs the budget {allowed:.0f} "
        f"per 10 min ({100 * per_10 / allowed:.0f}%)"
    )


def review_budget(args: argparse.Namespace) -> float:
    return float(args.review_budget or DEFAULT_REVIEW_BUDGET)


TASK_LIST = r"/2\.0/files/[^/]+/tasks"
COMMENT_LIST = r"/2\.0/files/[^/]+/comments"


def task_lists(log: list[dict[str, Any]]) -> int:
    return sum(1 for r in log if r["method"] == "GET" and re.fullmatch(TASK_LIST, r["path"]))


def comment_lists(log: list[dict[str, Any]]) -> int:
    return sum(1 for r in log if r["method"] == "GET" and re.fullmatch(COMMENT_LIST, r["path"]))


def review_poll_reads(log: list[dict[str, Any]]) -> int:
    """What the review poll reads all the time: a file's tasks, and its comments (the changes
    stream never says that a client commented)."""
    return task_lists(log) + comment_lists(log)


def polled(args: argparse.Namespace) -> bool:
    """Decisions come by the review poll: a stream without assignment updates, no webhooks."""
    return args.stream != "admin_logs_streaming" and not args.listen


def review_poll_runs(args: argparse.Namespace) -> bool:
    """The watcher reads open reviews on its budget: without the enterprise stream, webhooks
    included (there it is the safety net beside TASK_ASSIGNMENT.UPDATED)."""
    return args.stream != "admin_logs_streaming" or bool(args.listen)


def decide_together(
    args: argparse.Namespace, root: Path, accepted: list[tuple[int, str]], sandbox: Sandbox
) -> None:
    """Each client who signed up opens a file (downloads it: Box tells the owner's ``all``
    stream) and rejects it a random 0..``--looking`` seconds later, at a random moment of the
    next ``--decision-window`` seconds, each at their own pace; time each decision until the
    jsonl sink has it. (One after another, decisions that wait minutes for the review poll
    would take hours.)"""
    ledger = root / "decisions.jsonl"
    plan: list[tuple[float, str, Person, LiveFile, LiveAssignment]] = []
    for delivery, token in accepted:
        person = Person(sandbox_url(root), token)
        mine = person.my_assignments(str(300_000 + delivery))
        if mine:
            decide_at = args.rng.uniform(args.looking, args.decision_window + args.looking)
            open_at = decide_at - args.rng.uniform(0, args.looking)
            plan.append((open_at, "open", person, *mine[0]))
            plan.append((decide_at, "decide", person, *mine[0]))
    plan.sort(key=lambda p: p[0])
    sandbox.control("DELETE", "requests")  # from here on, the watcher's calls only
    start = time.monotonic()
    began: dict[str, float] = {}
    waits: dict[str, float] = {}
    window = args.decision_window + args.looking
    while (plan or len(waits) < len(began)) and time.monotonic() - start < (
        window + args.decision_timeout
    ):
        now = time.monotonic() - start
        while plan and plan[0][0] <= now:
            _, action, person, file, assignment = plan.pop(0)
            if action == "open":
                person.open_file(file.id)
                continue
            person.resolve(assignment.id, "rejected", "bench")
            began[assignment.id] = time.monotonic()
        for assignment_id in arrived(ledger):
            if assignment_id in began and assignment_id not in waits:
                waits[assignment_id] = time.monotonic() - began[assignment_id]
        time.sleep(0.05)
    missed = len(began) - len(waits)
    if waits:
        values = list(waits.values())
        print(
            f"(d) decision -> jsonl sink over {len(values)} (made within "
            f"{args.decision_window:g} s of each other, each 0..{args.looking:g} s after the "
            f"client opened the file): p50 {statistics.median(values):.2f} s, "
            f"p95 {percentile(values, 0.95):.2f} s, max {max(values):.2f} s (target p95 <= 60 s)"
            + (f"; {missed} not arrived within {args.decision_timeout:g} s" if missed else "")
        )
    review_poll_calls(sandbox.requests(), time.monotonic() - start, args.review_budget)


def arrived(ledger: Path) -> set[str]:
    """Ids of the review assignments whose decision the jsonl sink holds."""
    if not ledger.exists():
        return set()
    lines = ledger.read_text(encoding="utf-8").splitlines()
    found = (json.loads(line) for line in lines if line.strip())
    return {str(d.get("assignment_id")) for d in found if d.get("type") == "decision"}


def decide(
    args: argparse.Namespace, root: Path, accepted: list[tuple[int, str]], sandbox: Sandbox
) -> None:
    """Each client who signed up rejects one file; time until the jsonl sink has it."""
    if polled(args):
        decide_together(args, root, accepted, sandbox)
        return
    label = "(e) webhook decision" if args.listen else "(d) decision"
    target = 2 if args.listen else 60 if polled(args) else 5
    missed = 0
    ledger = root / "decisions.jsonl"
    waits: list[float] = []
    for delivery, token in accepted:
        person = Person(sandbox_url(root), token)
        mine = person.my_assignments(str(300_000 + delivery))
        if not mine:
            continue
        before = decisions(ledger)
        time.sleep(args.rng.uniform(0, args.jitter))
        began = time.monotonic()
        person.resolve(mine[0][1].id, "rejected", "bench")
        while decisions(ledger) <= before and time.monotonic() - began < args.decision_timeout:
            time.sleep(0.02)
        if decisions(ledger) <= before:
            missed += 1
            continue
        waits.append(time.monotonic() - began)
    if waits:
        print(
            f"{label} -> jsonl sink over {len(waits)}: p50 {statistics.median(waits):.2f} s,"
            f" p95 {percentile(waits, 0.95):.2f} s, max {max(waits):.2f} s (target p95 "
            f"{'<=' if polled(args) else '<'} {target} s)"
            + (f"; {missed} not arrived within {args.decision_timeout:g} s" if missed else "")
        )


def decisions(ledger: Path) -> int:
    if not ledger.exists():
        return 0
    return ledger.read_text(encoding="utf-8").count('"type": "decision"')


def sandbox_url(root: Path) -> str:
    return (root / "sandbox.url").read_text(encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
