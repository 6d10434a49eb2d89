"""The packaged JSON Schemas, and schema errors turned into located problems in plain words."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from reconciler.errors import Problem, ReconcilerError
from reconciler.manifest.load import Document

#: Patterns in our schemas, in words.
_PATTERN_WORDS = {
    "^[a-z0-9]+(-[a-z0-9]+)*$": (
        "lowercase letters, digits and single dashes (e.g. acme-spring-2026)"
    ),
    "^[0-9]+$": 'a Box id made of digits, quoted (e.g. "213534631621")',
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "a date, YYYY-MM-DD (e.g. 2027-01-31)",
    "^([0-9]{4}-[0-9]{2}-[0-9]{2}|never)$": (
        "a date, YYYY-MM-DD (e.g. 2027-01-31), or never (access does not end)"
    ),
}
_TYPE_WORDS = {
    "object": "a mapping (key: value)",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


def schema_text(name: str) -> str:
    """The packaged schema ``name`` (delivery, config or seed) as JSON text."""
    resource = resources.files("reconciler.schemas").joinpath(f"{name}.schema.json")
    try:
        return resource.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReconcilerError(
            f"the {name} schema is not part of this installation ({name}.schema.json is missing)"
        ) from None


@cache
def validator(name: str) -> Draft202012Validator:
    """The schema ``name``'s validator (uniqueness checked in linear time)."""
    schema = json.loads(schema_text(name))
    # Resolving $ref on every value is most of the validation time; our manifest schemas are
    # not recursive, so their local references are written out once here.
    return _Validator(_inline(schema, schema.get("$defs", {}), depth=0))


def _marker(item: Any) -> str:
    """One text per distinct item, so that repeats are found by hashing."""
    return json.dumps(item, sort_keys=True, default=str)


def _unique_items(
    validator: Draft202012Validator, unique: bool, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    # jsonschema compares every pair when a list mixes types (ids and numbers): quadratic in
    # the length of folders/files/hubs. One pass over hashed markers instead.
    if not unique or not validator.is_type(instance, "array"):
        return
    markers = [_marker(item) for item in instance]
    if len(set(markers)) != len(markers):
        yield ValidationError("the list has repeated items")


_Validator = validators.extend(Draft202012Validator, {"uniqueItems": _unique_items})


def _inline(node: Any, defs: dict[str, Any], depth: int) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs, depth) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and depth < 8:
        target = defs.get(ref.removeprefix("#/$defs/"))
        if isinstance(target, dict):
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return _inline(merged, defs, depth + 1)
    return {k: _inline(v, defs, depth) for k, v in node.items()}


def check(doc: Document, name: str) -> list[Problem]:
    """Validate a loaded document against schema ``name``; one problem per thing wrong."""
    if doc.data is None and doc.problems:  # nothing was read; the loader said why
        return []
    errors = _leaf_errors(validator(name).iter_errors(doc.data))
    problems: list[Problem] = []
    for error in errors:
        problems.extend(_describe(doc, error))
    return sorted(set(problems))


def _leaf_errors(errors: Iterable[ValidationError]) -> list[ValidationError]:
    """Drop errors that only repeat a type error at the same place."""
    errors = list(errors)
    mistyped = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    return [e for e in errors if e.validator == "type" or tuple(e.absolute_path) not in mistyped]


def where(path: Sequence[str | int]) -> str:
    """A path such as ``clients[1].role``, or ``the top level``."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "the top level"


def found(value: Any) -> str:
    """A short description of a value a person wrote."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"'{shown}'" if value else "an empty text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def suggest(word: str, choices: Iterable[str]) -> str:
    """ "; did you mean 'x'?" for the nearest choice, or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _describe(doc: Document, error: ValidationError) -> Iterator[Problem]:
    path = list(error.absolute_path)
    here = doc.position_of(path)
    kind = error.validator
    value = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if kind == "additionalProperties" and isinstance(value, dict):
        yield from _unknown_keys(doc, path, value, schema.get("properties", {}))
    elif kind == "required":
        missing = [k for k in error.validator_value if isinstance(value, dict) and k not in value]
        for key in missing:
            yield doc.problem(here, "missing-key", f"missing required key '{key}' in {where(path)}")
    elif kind == "type":
        yield _wrong_type(doc, path, here, error)
    elif kind in ("enum", "const"):
        yield _not_a_choice(doc, path, here, error)
    elif kind in ("oneOf", "anyOf") and isinstance(value, dict):
        yield _one_of(doc, path, here, error)
    elif kind == "pattern":
        words = _PATTERN_WORDS.get(
            str(error.validator_value), f"text matching {error.validator_value}"
        )
        yield doc.problem(
            here, "invalid-value", f"{where(path)}: expected {words}, found {found(value)}"
        )
    elif kind == "not" and isinstance(value, dict) and "required" in error.validator_value:
        # the schema's only "not" forbids keys that exclude each other
        keys = [k for k in error.validator_value["required"] if k in value]
        yield doc.problem(
            doc.position_of([*path, keys[-1]], key=True),
            "exclusive-keys",
            f"{where(path)}: give {' or '.join(keys)}, not both",
        )
    elif kind == "uniqueItems" and isinstance(value, list):
        yield from _repeats(doc, path, value)
    else:
        yield doc.problem(here, "invalid-value", f"{where(path)}: {_plain(error)}")


def _unknown_keys(
    doc: Document, path: list[str | int], value: dict[str, Any], known: dict[str, Any]
) -> Iterator[Problem]:
    for key in value:
        if key not in known:
            yield doc.problem(
                doc.position_of([*path, key], key=True),
                "unknown-key",
                f"unknown key '{key}' in {where(path)}{suggest(key, known)}"
                f" (known keys: {', '.join(known)})",
            )


def _wrong_type(
    doc: Document, path: list[str | int], here: tuple[int, int], error: ValidationError
) -> Problem:
    value = error.instance
    expected = error.validator_value
    names = [expected] if isinstance(expected, str) else list(expected)
    words = " or ".join(_TYPE_WORDS.get(n, n) for n in names)
    hint = ""
    if isinstance(value, int) and not isinstance(value, bool) and "string" in names:
        hint = f' (quote it: "{value}")'
    return doc.problem(
        here, "wrong-type", f"{where(path)}: expected {words}, found {found(value)}{hint}"
    )


def _not_a_choice(
    doc: Document, path: list[str | int], here: tuple[int, int], error: ValidationError
) -> Problem:
    """A value outside an ``enum``, or other than a ``const``."""
    value = error.instance
    is_enum = error.validator == "enum"
    choices = error.validator_value if is_enum else [error.validator_value]
    listed = ", ".join(str(c) for c in choices)
    near = suggest(value, [str(c) for c in choices]) if isinstance(value, str) else ""
    return doc.problem(
        here,
        "invalid-value",
        f"{where(path)}: expected {'one of ' if is_enum else ''}{listed}, "
        f"found {found(value)}{near}",
    )


def _one_of(
    doc: Document, path: list[str | int], here: tuple[int, int], error: ValidationError
) -> Problem:
    keys = [
        key
        for option in error.validator_value
        for key in (option.get("required", []) if isinstance(option, dict) else [])
    ]
    given = [k for k in keys if k in error.instance]
    options = ", ".join(f"'{k}'" for k in keys)
    if not given:
        return doc.problem(
            here, "missing-key", f"{where(path)} needs exactly one of {options}; found none"
        )
    return doc.problem(
        doc.position_of([*path, given[1]], key=True),
        "conflicting-keys",
        f"{where(path)} gives {' and '.join(repr(k) for k in given)}; "
        f"give exactly one of {options}",
    )


def _repeats(doc: Document, path: list[str | int], items: list[Any]) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        marker = _marker(item)
        if marker in seen:
            yield doc.problem(
                doc.position_of([*path, index]),
                "duplicate-item",
                f"{where(path)}: {found(item)} is listed twice (first as item {seen[marker] + 1})",
            )
        else:
            seen[marker] = index


def _plain(error: ValidationError) -> str:
    limits = {
        "minLength": "at least {} characters",
        "maxLength": "at most {} characters",
        "minimum": "at least {}",
        "maximum": "at most {}",
        "exclusiveMinimum": "more than {}",
        "exclusiveMaximum": "less than {}",
        "minItems": "at least {} items",
    }
    template = limits.get(str(error.validator))
    if template is None:
        return str(error.message)
    return f"expected {template.format(error.validator_value)}, found {found(error.instance)}"
