"""What a request carries and a reply sends: body, forms, parts, box-version, Box's error body."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from reconciler.sandbox.errors import BadRequest, SandboxError
from reconciler.sandbox.routing import Reply, UploadPart

HELP_URL = "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/"


@dataclass(frozen=True)
class Body:
    """A request's body as a handler reads it: the raw bytes, form fields, uploaded parts."""

    raw: bytes = b""
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadPart] = field(default_factory=dict)


def read_body(request: Request) -> Body:
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("multipart/form-data"):
        form = {k: v for k, v in request.form.items()}
        files = {
            k: UploadPart(filename=v.filename or "", content=v.read())
            for k, v in request.files.items()
        }
        return Body(form=form, files=files)
    # Keep the raw body even for form-encoded requests: only the token endpoint reads forms, and
    # a JSON body sent by `curl -d` must still reach the control plane.
    raw = request.get_data(cache=False)
    if content_type.startswith("application/x-www-form-urlencoded"):
        return Body(raw, dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)))
    return Body(raw)


def check_box_version(request: Request, expected: str) -> None:
    given = request.headers.get("box-version")
    if given is None:
        raise BadRequest("Missing required box-version header.", code="invalid_api_version")
    if given.strip() != expected:
        raise BadRequest(
            f"Unsupported box-version header value '{given}'.", code="invalid_api_version"
        )


def error_reply(err: SandboxError, request_id: str) -> Reply:
    body: dict[str, Any] = {
        "type": "error",
        "status": err.status,
        "code": err.code,
        "message": err.message,
        "help_url": HELP_URL,
        "request_id": request_id,
    }
    if err.context_info is not None:
        body["context_info"] = err.context_info
    return Reply(err.status, body, dict(err.headers))


OCTET_STREAM = "application/octet-stream"


def to_response(reply: Reply, request_id: str) -> Response:
    headers = {"box-request-id": request_id, **reply.headers}
    if reply.body is None:
        return Response(b"", status=reply.status, headers=headers)
    if isinstance(reply.body, bytes):  # a file's content
        return Response(reply.body, status=reply.status, headers=headers, content_type=OCTET_STREAM)
    return Response(
        json.dumps(reply.body, separators=(",", ":")),
        status=reply.status,
        headers=headers,
        content_type="application/json",
    )
