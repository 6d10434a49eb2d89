"""The doctor's checks of the event streams: the enterprise stream's empty page, the long-poll
server's reach from this host, and which ``watch.stream_type`` suits this account."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from reconciler.doctor.checks import Check, fail, ok, unknown
from reconciler.errors import BoxError

ENTERPRISE = "admin_logs_streaming"
LONG_POLLED = (
    "changes",
    "all",
    ENTERPRISE,
)  # with the enterprise stream, changes is long-polled too


@dataclass(frozen=True)
class Fitness:
    """What the other checks found, for the recommendation: None where they could not tell."""

    enterprise_readable: bool | None
    owns_all: bool | None
    long_poll_reachable: bool | None
    webhooks_manageable: bool | None


def empty_page(found: object, readable: bool | None) -> Check:
    """``found`` is an empty page's ``next_stream_position`` as Box sent it (``MISSING`` when
    it had none), a BoxError, or ``BUSY`` when every page read had events."""
    if not readable:
        return unknown("empty_page", "not checked: the account may not read the enterprise stream")
    if isinstance(found, BoxError):
        return unknown("empty_page", f"could not tell: {found.describe()}")
    if found is BUSY:
        return unknown(
            "empty_page",
            "every page read carried events (the enterprise is busy): no empty page seen",
            "run again at a quieter time",
        )
    position = None if found is MISSING else found
    if position is None or str(position) == "0":
        shown = "no next_stream_position" if position is None else "next_stream_position 0"
        return ok(
            "empty_page",
            f"an empty page carries {shown}: taken as a position it would replay every event "
            "Box keeps; the client keeps its position instead",
            next_stream_position=position,
            keeps_position=True,
        )
    return ok(
        "empty_page",
        f"an empty page carries the position to go on from ({position})",
        next_stream_position=position,
        keeps_position=False,
    )


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: every page read had events
BUSY = _Marker("BUSY")
#: the empty page had no next_stream_position at all
MISSING = _Marker("MISSING")


def long_poll(url: str | BoxError, why_not: str, stream_type: str) -> Check:
    """``why_not`` is "" when a connection to the long-poll server opened."""
    if isinstance(url, BoxError):
        return unknown("long_poll", f"could not ask Box for its long-poll server: {url.describe()}")
    host = urlsplit(url).netloc
    facts = {"url": _without_query(url), "host": host, "reachable": not why_not}
    if not why_not:
        return ok("long_poll", f"{host} answers from this host", **facts)
    detail = f"Box's long-poll server {host} is not reachable from this host: {why_not}"
    if stream_type not in LONG_POLLED:
        return ok(
            "long_poll",
            f"{detail}; watch.stream_type: {stream_type} does not long-poll",
            **facts,
        )
    return fail(
        "long_poll",
        f"{detail}; the SDK would retry silently forever",
        f"open egress from this host to {host} (Box's are *.realtime.services.box.net, port 80 "
        "and 443), or use webhooks (reconcile watch --listen with watch.stream_type: none), or "
        "watch.stream_type: admin_logs_streaming, whose stream is polled",
        **facts,
    )


def _without_query(url: str) -> str:
    """The long-poll URL without its query: the channel in it is this account's."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def workable(stream_type: str, fit: Fitness) -> bool | None:
    """Whether the watcher would hear what it needs on that stream; None when unknown."""
    if stream_type == "none":
        return True  # resyncs and, with --listen, webhooks
    if stream_type == ENTERPRISE:
        return fit.enterprise_readable
    if fit.owns_all is False or fit.long_poll_reachable is False:
        return False
    if fit.owns_all is None or fit.long_poll_reachable is None:
        return None
    return True


def recommend(fit: Fitness) -> tuple[str | None, str]:
    """The stream type for this account, and why."""
    if fit.enterprise_readable:
        return ENTERPRISE, (
            "the enterprise stream is readable: it carries decisions too, whoever owns the folders"
        )
    if workable("all", fit):
        return "all", (
            "the account owns every delivered item and reaches the long-poll server; all also "
            "says when a client opens a file, which the review poll reads first"
        )
    if fit.webhooks_manageable:
        return (
            "none",
            "webhooks: Box calls reconcile watch --listen (declare webhooks: in reconcile.yaml)",
        )
    if fit.enterprise_readable is None and fit.owns_all is None:
        return None, "the other checks could not tell"
    return "none", "no stream reaches this account: only the periodic resync sees changes"


def stream_type(configured: str, fit: Fitness) -> tuple[Check, str | None]:
    recommended, why = recommend(fit)
    facts = {"configured": configured, "recommended": recommended}
    if recommended is None:
        return unknown("stream_type", f"could not tell: {why}", **facts), None
    said = f"{recommended} ({why}); configured: {configured}"
    fits = workable(configured, fit)
    if fits is False:
        return (
            fail(
                "stream_type",
                f"{said}, which does not work for this account (see above)",
                f"set watch.stream_type: {recommended} in reconcile.yaml"
                + (" and run reconcile watch --listen" if recommended == "none" else ""),
                **facts,
            ),
            recommended,
        )
    if fits is None:
        return (
            unknown(
                "stream_type",
                f"{said}; whether {configured} works for this account could not be told "
                "(see the checks above)",
                "mend the checks above that failed or could not tell, then run reconcile doctor "
                "again",
                **facts,
            ),
            recommended,
        )
    return ok("stream_type", said, **facts), recommended
