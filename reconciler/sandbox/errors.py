"""The sandbox's error classes: each carries Box's HTTP status and error ``code``.

The state model raises these; the HTTP layer turns them into Box's error body
``{"type":"error","status","code","message","request_id","context_info"?,"help_url"}``.
They know nothing about HTTP libraries.
"""

from __future__ import annotations

from typing import Any


class SandboxError(Exception):
    status = 400
    code = "bad_request"
    default_message = "Bad Request"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        context_info: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.context_info = context_info
        self.headers = headers or {}
        super().__init__(self.message)


def invalid_parameter(name: str, value: object, message: str | None = None) -> dict[str, Any]:
    """Box's ``context_info`` for a parameter it refused."""
    return {
        "errors": [
            {
                "reason": "invalid_parameter",
                "name": name,
                "message": message or f"Invalid value '{value}'.",
            }
        ]
    }


class BadRequest(SandboxError):
    pass


class Unauthorized(SandboxError):
    status = 401
    code = "unauthorized"
    default_message = "Unauthorized"


class Forbidden(SandboxError):
    status = 403
    code = "access_denied_insufficient_permissions"
    default_message = "Access denied - insufficient permission"


class NotFound(SandboxError):
    status = 404
    code = "not_found"
    default_message = "Not Found"


class MethodNotAllowed(SandboxError):
    status = 405
    code = "method_not_allowed"
    default_message = "Method Not Allowed"


class Conflict(SandboxError):
    status = 409
    code = "conflict"
    default_message = "Conflict"


class PreconditionFailed(SandboxError):
    status = 412
    code = "precondition_failed"
    default_message = "The resource has been modified. Please retrieve the resource again and retry"


class RateLimited(SandboxError):
    status = 429
    code = "rate_limit_exceeded"
    default_message = "Request rate limit exceeded, please try again later"


class InternalError(SandboxError):
    status = 500
    code = "internal_server_error"
    default_message = "Internal Server Error"


class NotImplementedInSandbox(SandboxError):
    """Box would honour this, the sandbox does not: say so instead of silently ignoring it."""

    status = 501
    code = "not_implemented"
    default_message = "Not implemented by the reconciler sandbox"
