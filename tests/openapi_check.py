"""Checks sandbox responses against Box's OpenAPI description, with its documented deviations.

``ResponseChecker`` is installed as ``Sandbox.response_observer`` by ``tests/conftest.py``: every
response the suite receives is validated, and a test fails at teardown when any did not conform.
Coverage is total: an operation the description does not have, a status it does not document,
or a JSON body where it declares none are failures too.

The description is OpenAPI 3.0; it is translated once into JSON Schema 2020-12 (``nullable``
becomes a ``null`` alternative, ``oneOf`` becomes ``anyOf``) and validated with ``jsonschema``
over a ``referencing`` registry that holds the whole document.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_FILE = Path(__file__).resolve().parent / "box_openapi" / "box-openapi.json"
SPEC_URI = "urn:box-openapi:subset"
CLIENT_ERROR = "/components/schemas/ClientError"
#: werkzeug rule prefixes: the upload server (``/api/2.0``) and the API server (``/2.0``)
RULE_PREFIXES = ("/api/2.0", "/2.0")
#: maps whose keys are names chosen by the spec's authors, never keywords
NAME_MAPS = ("properties", "patternProperties", "schemas", "parameters", "headers", "mapping")


@dataclass(frozen=True)
class Deviation:
    """A place where Box's observed behaviour differs from its own description."""

    pointer: str  # JSON pointer into box-openapi.json, at the schema relaxed
    relax: str  # "nullable" | "open_enum" | "open_object" | "any_format" | "may_be_empty"
    #   | "ok_not_created" (at an operation's responses: Box answers 200 where 201 is described)
    why: str
    source: str


DEVIATIONS: list[Deviation] = [
    # Reading a metadata instance creates nothing; Box answers 200, its description says 201.
    *(
        Deviation(
            f"/paths/~1{kind}s~1{{{kind}_id}}~1metadata~1{{scope}}~1{{template_key}}/get/responses",
            "ok_not_created",
            "GET of a metadata instance answers 200, not the 201 the description documents",
            "box/box-openapi#392 ('OK Response Code should be 200, not 201')",
        )
        for kind in ("file", "folder")
    ),
    # An invitation of an email with no Box account is pending with nobody to point at; the
    # description does not mark accessible_by nullable, but Box returns null there.
    Deviation(
        "/components/schemas/Collaboration/properties/accessible_by",
        "nullable",
        "accessible_by is null for a pending invitation of an email with no Box account",
        "box/box-windows-sdk-v2#98 (a Box engineer: 'Inviting a user that does "
        "not have a box account will result in a null AccessibleBy field') and the forum answer",
    ),
    # The 2024.0 description already marks item nullable; kept so that a description
    # regenerated from an older or stricter spec cannot silently reject the invitee's view.
    Deviation(
        "/components/schemas/Collaboration/properties/item",
        "nullable",
        "item is null in the invitee's view of a pending collaboration "
        "(GET /collaborations?status=pending)",
        "box/box-java-sdk fixture GetPendingCollaborationInfo200.json",
    ),
    # acknowledged_at is only set once a collaboration is accepted or rejected.
    Deviation(
        "/components/schemas/Collaboration/properties/acknowledged_at",
        "nullable",
        "acknowledged_at is null while a collaboration is pending",
        "the pending invitation documented for unregistered invitees ('acknowledged_at': null)",
    ),
    # The description of GET /users/{user_id} itself says that for external users "disallowed
    # fields will return null instead"; an external user has no enterprise to show.
    Deviation(
        "/components/schemas/User--Full/allOf/1/properties/enterprise",
        "nullable",
        "enterprise is null for an external user (a free Box account outside the enterprise)",
        "openapi.json, description of get_users_id",
    ),
    # Real responses carry many codes beyond the description's generic enum
    # (user_already_collaborator, rate_limit_exceeded, invalid_api_version, ...).
    Deviation(
        "/components/schemas/ClientError/properties/code",
        "open_enum",
        "code is an open set of strings",
        "developer.box.com/guides/api-calls/permissions-and-errors/common-errors",
    ),
    # No patch: the API returns an undocumented 'status' on task assignments, which the
    # description allows because TaskAssignment does not forbid additional properties. The
    # check fails loudly if a regenerated description ever forbids them.
    Deviation(
        "/components/schemas/TaskAssignment",
        "open_object",
        "task assignments carry an undocumented 'status' field",
        "box/box-java-sdk#674",
    ),
    # Assignments that are not completed or reminded have no time to report.
    Deviation(
        "/components/schemas/TaskAssignment/properties/completed_at",
        "nullable",
        "completed_at is null until the assignment is completed",
        "developer.box.com/guides/tasks/assignments ('completed_at' is null until done)",
    ),
    Deviation(
        "/components/schemas/TaskAssignment/properties/reminded_at",
        "nullable",
        "reminded_at is null until a reminder is sent",
        "developer.box.com/guides/tasks/assignments (no reminder yet: null)",
    ),
    # A pending hub invitation hides who it is for: the login is an empty string, which the
    # description's format: email refuses.
    Deviation(
        "/components/schemas/HubCollaborationUser/allOf/1/properties/login",
        "any_format",
        "login is an empty string on a pending hub collaboration",
        "the HubCollaborationUser field descriptions in Box's 2025.0 API "
        "('If the collaboration status is pending, an empty string is returned')",
    ),
    # An item without tags, asked for them, shows an empty list (the SDK's own integration
    # test asserts it against Box); the description says at least one.
    *(
        Deviation(
            f"/components/schemas/{schema}/allOf/1/properties/tags/allOf/0",
            "may_be_empty",
            "tags is [] on an item that has none",
            "box/box-python-sdk test/folders.py, test_get_folder_full_info_with_extra_fields",
        )
        for schema in ("Folder--Full", "File--Full")
    ),
]


# --- loading -------------------------------------------------------------------------------


def resolve_pointer(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.lstrip("/").split("/"):
        key = token.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def apply_deviation(document: dict[str, Any], deviation: Deviation) -> None:
    node = resolve_pointer(document, deviation.pointer)
    if deviation.relax == "nullable":
        node["nullable"] = True
    elif deviation.relax == "open_enum":
        node.pop("enum", None)
    elif deviation.relax == "any_format":
        node.pop("format", None)
    elif deviation.relax == "may_be_empty":
        node.pop("minItems", None)
    elif deviation.relax == "ok_not_created":
        node["200"] = node.pop("201")
    elif deviation.relax == "open_object":
        if node.get("additionalProperties") is False:
            raise ValueError(f"{deviation.pointer} forbids additional properties: {deviation.why}")
    else:
        raise ValueError(f"unknown relaxation {deviation.relax!r} at {deviation.pointer}")


def to_json_schema(node: Any, *, names: bool = False) -> Any:
    """OpenAPI 3.0 schema objects -> JSON Schema 2020-12 (``nullable``, ``oneOf``)."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    if names:
        return {key: to_json_schema(value) for key, value in node.items()}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "nullable":
            continue
        # Box's unions are told apart by their 'type' enums; anyOf avoids false failures
        # where two variants happen to accept the same object.
        target = "anyOf" if key == "oneOf" else key
        out[target] = to_json_schema(value, names=key in NAME_MAPS)
    if node.get("nullable") is True:
        out = nullable(out)
    return out


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if any(k in schema for k in ("$ref", "allOf", "anyOf")):
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema.get("type")
    if isinstance(kind, str):
        schema = {**schema, "type": [kind, "null"]}
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
    return schema


@functools.lru_cache(maxsize=1)
def load_spec() -> dict[str, Any]:
    """The subset with the deviations applied (OpenAPI form)."""
    document = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    for deviation in DEVIATIONS:
        apply_deviation(document, deviation)
    return document


@functools.lru_cache(maxsize=1)
def load_registry() -> Registry:
    schema = to_json_schema(copy.deepcopy(load_spec()))
    resource = Resource.from_contents(schema, default_specification=DRAFT202012)
    return Registry().with_resource(SPEC_URI, resource)


def is_box_datetime(value: object) -> bool:
    """Box's date-times are ISO 8601 with an explicit offset."""
    if not isinstance(value, str):
        return True
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return moment.tzinfo is not None


FORMATS = FormatChecker(formats=("email",))
FORMATS.checks("date-time")(is_box_datetime)


# --- operations ----------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"<[^>]+>|\{[^}]+\}")


def path_shape(path: str) -> str:
    """``/folders/<folder_id>/items`` and ``/folders/{id}/items`` -> ``/folders/{}/items``."""
    return _PLACEHOLDER.sub("{}", path.rstrip("/") or "/")


_WERKZEUG_ARG = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


def spec_path_of(rule: str) -> str:
    """``/2.0/folders/<folder_id>/items`` -> ``/folders/{folder_id}/items``."""
    for prefix in RULE_PREFIXES:
        if rule == prefix or rule.startswith(prefix + "/"):
            rule = rule[len(prefix) :]
            break
    # else: /oauth2/token is served at the root
    return _WERKZEUG_ARG.sub(r"{\1}", rule)


def pointer_to(*tokens: str) -> str:
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


@dataclass(frozen=True)
class Operation:
    path: str  # as the description writes it, e.g. /folders/{folder_id}/items
    method: str  # lowercase
    responses: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"


@functools.lru_cache(maxsize=1)
def operation_index() -> dict[tuple[str, str], Operation]:
    index: dict[tuple[str, str], Operation] = {}
    for path, item in load_spec()["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                index[(method, path_shape(path))] = Operation(path, method, operation["responses"])
    return index


def find_operation(method: str, rule: str) -> Operation | None:
    return operation_index().get((method.lower(), path_shape(spec_path_of(rule))))


# --- checking ------------------------------------------------------------------------------


def response_schema_pointer(operation: Operation, status: int) -> tuple[str | None, str | None]:
    """(pointer to the JSON body schema or None when no body is declared, problem or None)."""
    key = str(status)
    if key not in operation.responses:
        if status < 400:
            documented = ", ".join(sorted(k for k in operation.responses if k != "default"))
            return None, f"status {status} is not a documented response (documented: {documented})"
        # Box's 'default' is its error body; errors it does not list are ClientErrors too.
        key = "default" if "default" in operation.responses else ""
        if not key:
            return CLIENT_ERROR, None
    content = operation.responses[key].get("content") or {}
    if "application/json" not in content:
        if status >= 400:
            return CLIENT_ERROR, None
        return None, None
    base = pointer_to(
        "paths",
        operation.path,
        operation.method,
        "responses",
        key,
        "content",
        "application/json",
        "schema",
    )
    return base, None


@functools.lru_cache(maxsize=512)
def validator_for(pointer: str) -> Draft202012Validator:
    ref = f"{SPEC_URI}#{quote(pointer, safe='/~')}"
    return Draft202012Validator({"$ref": ref}, registry=load_registry(), format_checker=FORMATS)


def describe(error: ValidationError) -> str:
    leaf = best_match([error])
    return f"at {leaf.json_path}: {leaf.message}"


#: what Box serves outside the API its description covers: the realtime server that
#: ``OPTIONS /events`` points to (on Box another host) answers only this (developer.box.com
#: guide events/user-events/polling: "new_change", or "reconnect" after a timeout)
OUTSIDE_DESCRIPTION: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/subscribe"): {
        "type": "object",
        "properties": {"message": {"enum": ["new_change", "reconnect"]}},
        "required": ["message"],
        "additionalProperties": False,
    },
}


def check_response(method: str, route_rule: str, status: int, body: Any) -> list[str]:
    """Problems with one response; an empty list when it conforms."""
    if method.upper() == "HEAD":
        method = "GET"  # the handler's body is GET's; the server leaves it off the wire
    outside = OUTSIDE_DESCRIPTION.get((method.upper(), route_rule))
    if outside is not None:
        if status != 200:
            return [f"the realtime server answers 200, not {status}"]
        return [describe(e) for e in Draft202012Validator(outside).iter_errors(body)]
    operation = find_operation(method, route_rule)
    if operation is None:
        return [f"the description has no operation {method.upper()} {spec_path_of(route_rule)}"]
    pointer, problem = response_schema_pointer(operation, status)
    if problem is not None:
        return [problem]
    if pointer is None:
        if body is not None and not isinstance(body, bytes):  # bytes: a file's content
            return [f"a JSON body was sent, but the description declares none for {status}"]
        return []
    if body is None:
        return [f"no body was sent, but the description declares a JSON body for {status}"]
    errors = sorted(validator_for(pointer).iter_errors(body), key=lambda e: e.json_path)
    return [describe(e) for e in errors]


class ResponseChecker:
    """Collects, thread-safely, every non-conforming response a sandbox sends."""

    def __init__(self, check: Callable[[str, str, int, Any], list[str]] = check_response) -> None:
        self._check = check
        self._lock = threading.Lock()
        self.failures: list[str] = []
        self.checked = 0

    def __call__(self, method: str, route_rule: str, path: str, status: int, body: Any) -> None:
        try:
            problems = self._check(method, route_rule, status, body)
        except Exception as exc:  # the sandbox calls this while serving: record, never raise
            problems = [f"the checker itself failed: {exc!r}"]
        lines = [f"{method} {path} (rule {route_rule}) -> {status}: {p}" for p in problems]
        with self._lock:
            self.checked += 1
            self.failures.extend(lines)
