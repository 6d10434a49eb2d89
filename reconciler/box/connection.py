"""One run's connection to Box: the paced client every thread of the run shares."""

from __future__ import annotations

from dataclasses import dataclass

from box_sdk_gen import BoxClient

from reconciler.box.connect import BoxSettings, RequestPacer, make_client
from reconciler.box.reader import BoxReader
from reconciler.box.writer import BoxWriter
from reconciler.model import Policy


@dataclass
class Connection:
    """One run's Box client: paced to the policy's rate, shared by every thread of the run."""

    client: BoxClient

    @property
    def reader(self) -> BoxReader:
        return BoxReader(self.client)

    @property
    def writer(self) -> BoxWriter:
        return BoxWriter(self.client)


def connect(
    settings: BoxSettings, policy: Policy, *, retry_base_interval: float | None = None
) -> Connection:
    client = make_client(
        settings,
        pacer=RequestPacer(policy.max_requests_per_second),
        pool_size=max(policy.concurrency, 1) * 2,
        retry_base_interval=retry_base_interval,
    )
    return Connection(client)
