"""Sandbox benchmark: per-request latency under parallel SDK clients, and raw request throughput.

    python benchmarks/sandbox_bench.py [--clients 32] [--requests 20] [--latency-ms 50]
                                       [--threads 4] [--seconds 3]

(a) latency: with ``latency_ms`` injected, parallel clients (each its own real ``box_sdk_gen``
client) should each see about that latency; a ratio well above 1 means requests queue in the
server. (b) throughput: no injected latency, keep-alive sessions in several threads, for a few
seconds. Not part of the test run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from box_sdk_gen import BaseUrls, BoxClient, BoxDeveloperTokenAuth, BoxRetryStrategy, NetworkSession

from reconciler.sandbox.faults import Faults
from reconciler.sandbox.seed import build_state, default_seed
from reconciler.sandbox.server import Sandbox

TOKEN = "sandbox"
LATENCY_TARGET = 1.2
THROUGHPUT_TARGET = 500


@dataclass(frozen=True)
class LatencyResult:
    clients: int
    requests: int
    latency_ms: float
    mean_ms: float
    p95_ms: float
    server_mean_ms: float  # from the sandbox's request log: arrival to answer, latency included

    @property
    def ratio(self) -> float:
        return self.mean_ms / self.latency_ms

    def line(self) -> str:
        return (
            f"latency: {self.clients} clients × {self.requests} requests at {self.latency_ms:g} ms"
            f" → mean {self.mean_ms:.1f} ms, p95 {self.p95_ms:.1f} ms"
            f" (ratio {self.ratio:.2f}, target ≤ {LATENCY_TARGET});"
            f" inside the server {self.server_mean_ms:.1f} ms"
        )


def sdk_client(base_url: str) -> BoxClient:
    session = NetworkSession(
        base_urls=BaseUrls(base_url=base_url, upload_url=f"{base_url}/api"),
        retry_strategy=BoxRetryStrategy(max_attempts=1),
    )
    return BoxClient(auth=BoxDeveloperTokenAuth(token=TOKEN), network_session=session)


def run_threads(count: int, work: Callable[[int], None]) -> None:
    """Run ``work(index)`` in ``count`` threads released together; re-raise the first failure."""
    start = threading.Barrier(count)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        start.wait()
        try:
            work(index)
        except BaseException as exc:  # reported on the main thread below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def measure_latency(
    box: Sandbox, clients: int, per_client: int, latency_ms: float
) -> LatencyResult:
    box.set_faults(Faults(latency_ms=latency_ms))
    sdks = [sdk_client(box.base_url) for _ in range(clients)]
    for sdk in sdks:  # open each keep-alive connection before timing
        sdk.users.get_user_me()
    box.clear_request_log()
    timings: list[list[float]] = [[] for _ in range(clients)]

    def work(index: int) -> None:
        for _ in range(per_client):
            started = time.perf_counter()
            sdks[index].users.get_user_me()
            timings[index].append((time.perf_counter() - started) * 1000)

    run_threads(clients, work)
    box.set_faults(Faults())
    samples = sorted(t for per in timings for t in per)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    server = statistics.fmean(entry["duration_ms"] for entry in box.request_log())
    return LatencyResult(clients, per_client, latency_ms, statistics.fmean(samples), p95, server)


def measure_throughput(box: Sandbox, threads: int, seconds: float) -> float:
    url = f"{box.base_url}/2.0/users/me"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    counts = [0] * threads
    deadline = time.perf_counter() + seconds

    def work(index: int) -> None:
        with requests.Session() as session:
            while time.perf_counter() < deadline:
                session.get(url, headers=headers, timeout=10).raise_for_status()
                counts[index] += 1

    started = time.perf_counter()
    run_threads(threads, work)
    return sum(counts) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=20, help="per client")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--threads", type=int, default=4, help="throughput client threads")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args(argv)

    seed = default_seed(TOKEN)
    with Sandbox(build_state(seed), reset_to=seed) as box:
        latency = measure_latency(box, args.clients, args.requests, args.latency_ms)
        print(latency.line())
        rate = measure_throughput(box, args.threads, args.seconds)
        print(f"throughput: {rate:.0f} requests/s (target ≥ {THROUGHPUT_TARGET})")
    ok = latency.ratio <= LATENCY_TARGET and rate >= THROUGHPUT_TARGET
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
