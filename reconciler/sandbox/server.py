"""The sandbox's HTTP side: admission, faults, the request log and dispatch to the routes.

``Sandbox`` owns one ``State`` and serves it on 127.0.0.1 (never another interface), in a
background thread, so tests and ``reconcile demo`` can start one on an ephemeral port:

    with Sandbox(build_state(default_seed())) as box:
        ...  # point the SDK's BaseUrls at box.base_url; the admin's token is "sandbox"
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

from werkzeug.exceptions import MethodNotAllowed as WzMethodNotAllowed
from werkzeug.exceptions import NotFound as WzNotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer
from werkzeug.wrappers import Request, Response

from reconciler.sandbox import control, services
from reconciler.sandbox.callers import anonymous, as_user, authenticate
from reconciler.sandbox.errors import (
    Forbidden,
    InternalError,
    MethodNotAllowed,
    NotFound,
    NotImplementedInSandbox,
    SandboxError,
)
from reconciler.sandbox.expiry import sweep
from reconciler.sandbox.faults import FaultInjector, Faults
from reconciler.sandbox.http import (
    LOOPBACK_NAMES,
    POLL_INTERVAL_S,
    allowed_host,
    close_connections,
    host_is_served,
    serve,
)
from reconciler.sandbox.routing import (
    Call,
    Reply,
    Route,
    ServiceHooks,
    box_route,
    check_params,
    is_public,
)
from reconciler.sandbox.state import State
from reconciler.sandbox.wire import check_box_version, error_reply, read_body, to_response

log = logging.getLogger(__name__)

REQUEST_LOG_LIMIT = 100_000


@dataclass
class RequestRecord:
    method: str
    path: str
    status: int
    user_id: str | None
    as_user: str | None
    duration_ms: float
    request_id: str
    injected: str | None = None  # "error", "rate_limit" or "fail_after_commit"


class Sandbox:
    """A Box API emulator served on 127.0.0.1."""

    def __init__(
        self,
        state: State,
        *,
        hooks: ServiceHooks | None = None,
        state_file: Path | None = None,
        reset_to: dict[str, Any] | None = None,
        response_observer: Callable[[str, str, str, int, Any], None] | None = None,
        admin_token: str | None = None,
        allowed_hosts: tuple[str, ...] = (),
    ) -> None:
        self.state = state
        self.hooks = hooks or services.default_hooks()
        self.state_file = state_file
        #: with it, every control-plane call must send it (``Authorization: Bearer ...``)
        self.admin_token = admin_token
        #: Host names served beside 127.0.0.1 and localhost (``http.allowed_host`` forms)
        self.allowed_hosts = tuple(allowed_host(h) for h in allowed_hosts)
        self.reset_to = reset_to if reset_to is not None else state.to_dict()
        self.injector = FaultInjector()
        # bounded: a long-running `serve` must not grow without end; tests clear it long before
        self.requests: deque[RequestRecord] = deque(maxlen=REQUEST_LOG_LIMIT)
        self._requests_lock = threading.Lock()
        #: tests hook this to check every response against Box's OpenAPI description
        self.response_observer = response_observer
        self._control_routes = control.routes(self)
        self._map, self._routes = self._build_map()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- lifecycle --

    def _start_background(self) -> None:
        self._stopping.clear()
        for job in self.hooks.background:
            threading.Thread(
                target=job,
                args=(lambda: self.state, self._stopping, self.persist),
                name="box-sandbox-background",
                daemon=True,
            ).start()

    def start(self, port: int = 0) -> str:
        self._server = serve(self.wsgi, port, clock=lambda: self.state.clock())
        self._start_background()
        # A short poll interval: stop() waits for the serving loop to notice, and tests stop
        # a sandbox each.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL_S},
            name="box-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        self._stopping.set()
        self.state.event_log.interrupt()  # long polls answer now instead of holding their threads
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            close_connections(self._server)
            self._server = None

    def serve_forever(self, port: int) -> None:
        self._server = serve(self.wsgi, port, clock=lambda: self.state.clock())
        self._start_background()
        self._server.serve_forever()

    @property
    def port(self) -> int:
        assert self._server is not None, "the sandbox is not started"
        return int(self._server.server_port)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- state --

    def replace_state(self, state: State) -> None:
        with self.state.lock:
            self.state.event_log.interrupt()
            self.state = state
            self.persist()

    def persist(self) -> None:
        if self.state_file is not None:
            self.state.save(self.state_file)

    @property
    def faults(self) -> Faults:
        return self.injector.settings

    def set_faults(self, faults: Faults) -> None:
        self.injector.configure(faults)

    def request_log(self) -> list[dict[str, Any]]:
        with self._requests_lock:
            return [asdict(r) for r in self.requests]

    def clear_request_log(self) -> None:
        with self._requests_lock:
            self.requests.clear()

    # -- routing --

    def _build_map(self) -> tuple[Map, dict[str, Route]]:
        rules: list[Rule] = []
        routes: dict[str, Route] = {}
        for index, route in enumerate([*self.hooks.routes, *self._control_routes]):
            endpoint = f"r{index}"
            routes[endpoint] = route
            rules.append(Rule(route.rule, methods=[route.method], endpoint=endpoint))
        return Map(rules, strict_slashes=False, merge_slashes=False), routes

    # -- WSGI --

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        is_control = request.path.startswith("/_sandbox/")
        record = RequestRecord(
            method=request.method,
            path=request.path,
            status=0,
            user_id=None,
            as_user=request.headers.get("As-User"),
            duration_ms=0.0,
            request_id=uuid.uuid4().hex[:16],
        )
        route, reply = self._answer(request, record, is_control)
        response = to_response(reply, record.request_id)
        record.status = response.status_code
        record.duration_ms = round((time.perf_counter() - started) * 1000, 3)
        if not is_control:
            with self._requests_lock:
                self.requests.append(record)
            if self.response_observer is not None and route is not None:
                self.response_observer(
                    request.method, route.rule, request.path, reply.status, reply.body
                )
        return response

    def _answer(
        self, request: Request, record: RequestRecord, is_control: bool
    ) -> tuple[Route | None, Reply]:
        """The reply, and the route that gave it (None when no route matched)."""
        route: Route | None = None
        try:
            self._admit(request, is_control)
            route, args = self._match(request)
            if not is_control:
                self._inject_faults(record)
            reply = self._dispatch(request, route, args, record)
            if (
                route.writes
                and not is_control
                and self.injector.settings.applies_to(record.path)
                and self.injector.roll_fail_after_commit()
            ):
                record.injected = "fail_after_commit"
                raise InternalError("Internal Server Error (injected after the write was stored)")
        except SandboxError as err:
            reply = error_reply(err, record.request_id)
        except Exception:  # a bug in the sandbox must still answer like Box: a 500 body
            log.exception("sandbox handler failed: %s %s", request.method, request.path)
            reply = error_reply(InternalError(), record.request_id)
        return route, reply

    def _match(self, request: Request) -> tuple[Route, dict[str, str]]:
        adapter = self._map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except WzNotFound:
            unserved(request)
            raise NotFound(f"Not Found: {request.method} {request.path}") from None
        except WzMethodNotAllowed:
            unserved(request)
            raise MethodNotAllowed(
                f"Method {request.method} is not allowed on {request.path}"
            ) from None
        return self._routes[str(endpoint)], {k: str(v) for k, v in args.items()}

    def _dispatch(
        self, request: Request, route: Route, args: dict[str, str], record: RequestRecord
    ) -> Reply:
        query = {k: v for k, v in request.args.items()}
        check_params(route, query)
        if route.box_version is not None:
            check_box_version(request, route.box_version)
        body = read_body(request)
        state = self.state
        with state.lock:
            if route.rule.startswith("/_sandbox/") or is_public(route):
                caller = actor = anonymous()
            else:
                caller = authenticate(self.state, request)
                actor = as_user(self.state, request, caller)
            record.user_id = actor.id or None
            sweep(state)  # collaborations whose expires_at has passed are gone, as on Box
            call = Call(
                state=state,
                method=request.method,
                path=request.path,
                args=args,
                query=query,
                # handlers read headers with get() (case-insensitive); werkzeug's Headers
                # does that, though it is not typed as a Mapping
                headers=cast("Mapping[str, str]", request.headers),
                actor=actor,
                caller=caller,
                raw_body=body.raw,
                form=body.form,
                files=body.files,
            )
            reply = route.handler(call)
            if route.writes:
                self.persist()
            events = list(call.events)
        # Box-Notifications: off suppresses emails and webhooks for the call, as on Box
        quiet = request.headers.get("Box-Notifications", "").strip().lower() == "off"
        if events and self.hooks.on_events is not None and not quiet:
            self.hooks.on_events(state, events)
        return reply

    # -- admission --

    def _admit(self, request: Request, is_control: bool) -> None:
        """Only requests addressed to this server by its loopback name (DNS rebinding sends a
        foreign Host), and control-plane calls only as ``control.admit`` allows."""
        port = self._server.server_port if self._server is not None else None
        if not host_is_served(request.host, port, self.allowed_hosts):
            raise Forbidden(
                f"Requests for host '{request.host}' are refused: use 127.0.0.1:{port}, or "
                "serve with --allow-host NAME for a front that keeps its own Host"
            )
        if is_control:
            origins = tuple(f"http://{name}:{port}" for name in LOOPBACK_NAMES)
            headers = cast("Mapping[str, str]", request.headers)
            control.admit(request.method, headers, self.admin_token, origins)

    def _inject_faults(self, record: RequestRecord) -> None:
        injector = self.injector
        if not injector.settings.applies_to(record.path):
            return
        injector.delay()
        if injector.over_rate_limit():
            record.injected = "rate_limit"
            raise injector.rate_limited()
        status = injector.roll_error()
        if status is not None:
            record.injected = "error"
            raise injector.injected_error(status)


def unserved(request: Request) -> None:
    """A route Box has and the sandbox does not serve answers 501 naming it, never 404 or 405."""
    route = box_route(request.method, request.path)
    if route is not None:
        raise NotImplementedInSandbox(f"{route} is a Box API route the sandbox does not implement")
