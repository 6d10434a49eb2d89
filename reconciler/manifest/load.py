"""Reading YAML into plain data that remembers the line and column of every key and item."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.errors import Problem, printable
from reconciler.manifest.regular import NotReadable, read_regular
from reconciler.manifest.yaml_compose import (
    MAX_DEPTH,
    TAG,
    Lines,
    Position,
    PythonLoader,
    TooDeep,
    hide_breaks,
    loader_class,
)

_PLAIN_TAGS = {f"{TAG}{name}" for name in ("null", "bool", "int", "float", "str")}
#: Resolved implicitly from plain scalars; kept as the text written (no manifest value is a date).
_TEXT_TAGS = {f"{TAG}{name}" for name in ("timestamp", "merge", "value", "str")}
_SAFE = yaml.constructor.SafeConstructor()


class Mapping(dict[str, Any]):
    """A YAML mapping with the position of itself, of each key and of each value."""

    position: Position
    key_positions: dict[str, Position]
    value_positions: dict[str, Position]


class Sequence(list[Any]):
    """A YAML sequence with the position of itself and of each item."""

    position: Position
    item_positions: list[Position]


@dataclass
class Document:
    """One YAML file: its display path, its data (None when unreadable), and load problems."""

    file: str
    data: Any = None
    problems: list[Problem] = field(default_factory=list)
    position: Position = (1, 1)  # where the document's content starts

    def problem(self, position: Position, code: str, message: str) -> Problem:
        return Problem(self.file, position[0], position[1], code, printable(message))

    def position_of(self, path: Iterable[str | int], *, key: bool = False) -> Position:
        """Where the value at ``path`` was written (or its key, with ``key=True``).

        Falls back to the nearest enclosing node the path can still reach.
        """
        node = self.data
        position: Position = getattr(node, "position", self.position)
        steps = list(path)
        for index, step in enumerate(steps):
            last = index == len(steps) - 1
            if isinstance(node, Mapping) and isinstance(step, str) and step in node:
                if last and key:
                    return node.key_positions[step]
                position = node.value_positions[step]
                node = node[step]
            elif isinstance(node, Sequence) and isinstance(step, int) and 0 <= step < len(node):
                position = node.item_positions[step]
                node = node[step]
            else:
                break
        return position


_Loader = loader_class()


class _Builder:
    """Turns a node tree into Mapping/Sequence/scalars, collecting problems as it goes."""

    def __init__(self, doc: Document, lines: Lines, restore: dict[int, str]) -> None:
        self.doc = doc
        self.lines = lines
        self.restore = restore

    def build(self, node: Node) -> Any:
        if isinstance(node, MappingNode):
            self._check_tag(node, f"{TAG}map")
            return self._mapping(node)
        if isinstance(node, SequenceNode):
            self._check_tag(node, f"{TAG}seq")
            return self._sequence(node)
        if self.restore and isinstance(node.value, str):
            node.value = node.value.translate(self.restore)
        return self._scalar(node)

    def _check_tag(self, node: Node, expected: str) -> None:
        if node.tag != expected:
            self._unsupported_tag(node)

    def _report(self, node: Node, code: str, message: str) -> None:
        self.doc.problems.append(self.doc.problem(self.lines.of(node), code, message))

    def _unsupported_tag(self, node: Node) -> None:
        tag = node.tag.replace(TAG, "!!")
        self._report(
            node,
            "yaml-unsupported-tag",
            f"the YAML tag {tag} is not supported: manifests use plain values, lists and "
            "mappings only",
        )

    def _scalar(self, node: Node) -> Any:
        tag = node.tag
        if tag in _TEXT_TAGS:
            return str(node.value)
        if tag in _PLAIN_TAGS:
            try:
                value = _SAFE.yaml_constructors[tag](_SAFE, node)
            except (ValueError, KeyError, yaml.YAMLError):  # e.g. "!!int abc", "!!bool maybe"
                tag_name = tag.replace(TAG, "!!")
                self._report(
                    node, "yaml-bad-value", f"'{node.value}' is not a valid {tag_name} value"
                )
                return str(node.value)
            if isinstance(value, float) and not math.isfinite(value):
                # .nan would switch a limit off (every comparison with it is false), .inf too.
                self._report(
                    node,
                    "yaml-bad-value",
                    f"'{node.value}' is not a finite number; write a number such as 0.25",
                )
                return str(node.value)
            return value
        self._unsupported_tag(node)
        return str(node.value)

    def _mapping(self, node: MappingNode) -> Mapping:
        out = Mapping()
        out.position = self.lines.of(node)
        out.key_positions = {}
        out.value_positions = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self._report(
                    key_node, "invalid-key", "a key must be plain text, not a list or a mapping"
                )
                continue
            # Keys stay as written, so "no:" or "1:" is reported as an unknown key, not a bool.
            key = str(key_node.value).translate(self.restore)
            if key in out:
                first = out.key_positions[key]
                self._report(
                    key_node,
                    "duplicate-key",
                    f"duplicate key '{key}' (first given at line {first[0]}); "
                    "YAML would silently keep only one",
                )
                continue
            out[key] = self.build(value_node)
            out.key_positions[key] = self.lines.of(key_node)
            out.value_positions[key] = self.lines.of(value_node)
        return out

    def _sequence(self, node: SequenceNode) -> Sequence:
        out = Sequence(self.build(item) for item in node.value)
        out.position = self.lines.of(node)
        out.item_positions = [self.lines.of(item) for item in node.value]
        return out


def _syntax_problem(doc: Document, err: yaml.YAMLError, text: str, lines: Lines) -> Problem:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    words = str(err)
    if isinstance(err, yaml.MarkedYAMLError):
        words = err.problem or "invalid YAML"
        context = err.context_mark
        if mark is not None and text[mark.index : mark.index + 1] == "\t":
            words += " (a tab: YAML indents with spaces only)"
        if _noticed_late(err) and context is not None and mark is not None:
            # PyYAML notices a missing ':', quote or bracket only on a later line: the
            # mistake is where the key, the quoted text or the list began.
            line, column = lines.of(mark)
            words = f"{words} ({err.context}; noticed at line {line}, column {column})"
            mark = context
        elif err.context and context is not None and (mark is None or context.index != mark.index):
            line, column = lines.of(context)
            words = f"{err.context} (line {line}, column {column}): {words}"
    position: Position = lines.of(mark) if mark is not None else (1, 1)
    return doc.problem(position, "yaml-syntax", f"YAML syntax error: {words}")


def _noticed_late(err: yaml.MarkedYAMLError) -> bool:
    """An error found past the line where the text it was reading starts: a key without its
    ':', an unclosed quote (the scanner) or an unclosed '[' or '{' (the parser)."""
    context = err.context or ""
    return (
        (context.startswith("while scanning") or context.startswith("while parsing a flow"))
        and err.context_mark is not None
        and err.problem_mark is not None
        and err.context_mark.line < err.problem_mark.line
    )


def _decode(doc: Document, raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        before = raw[: err.start]
        line = before.count(b"\n") + 1
        column = err.start - (before.rfind(b"\n") + 1) + 1
        doc.problems.append(doc.problem((line, column), "not-utf8", "the file is not UTF-8 text"))
        return None


def _reader_position(text: str, index: int, *, in_bytes: bool) -> Position:
    if in_bytes:  # libyaml counts UTF-8 bytes, Python's reader counts characters
        index = len(text.encode("utf-8", "surrogatepass")[:index].decode("utf-8", "ignore"))
    before = text[:index]
    return (before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1)


def parse(text: str, file: str) -> Document:
    """Parse YAML text into located data; every problem ends up in ``Document.problems``."""
    doc = Document(file)
    lines = Lines(text)
    text, restore = hide_breaks(text)
    try:
        loader = _Loader(text)  # the pure-Python reader already checks characters here
        node = loader.get_single_node()
    except yaml.reader.ReaderError as err:
        doc.problems.append(
            doc.problem(
                _reader_position(text, err.position, in_bytes=_Loader is not PythonLoader),
                "yaml-syntax",
                f"YAML syntax error: character #x{err.character:04x} is not allowed in YAML",
            )
        )
        return doc
    except yaml.YAMLError as err:
        doc.problems.append(_syntax_problem(doc, err, text, lines))
        return doc
    except TooDeep as err:
        doc.problems.append(
            doc.problem(
                lines.of(err.mark),
                "yaml-syntax",
                f"YAML nesting is too deep: more than {MAX_DEPTH} levels of lists and mappings",
            )
        )
        return doc
    for mark in loader.alias_marks:
        doc.problems.append(
            doc.problem(
                lines.of(mark),
                "yaml-alias",
                "YAML aliases (*name) are not supported: write the value out",
            )
        )
    if node is None:
        doc.problems.append(doc.problem((1, 1), "empty-file", "the file has no YAML content"))
        return doc
    doc.position = lines.of(node)
    doc.data = _Builder(doc, lines, restore).build(node)
    return doc


def read(path: str) -> Document:
    """Read and parse one file; an unreadable file becomes a problem, never an exception.

    Only regular files are read: a FIFO would block forever and a device never ends. Files
    over MAX_FILE_BYTES are refused.
    """
    doc = Document(path)
    try:
        raw = read_regular(path)
    except NotReadable as err:
        doc.problems.append(doc.problem((1, 1), "unreadable-file", str(err)))
        return doc
    except OSError as err:
        reason = err.strerror or type(err).__name__
        doc.problems.append(doc.problem((1, 1), "unreadable-file", f"cannot read file: {reason}"))
        return doc
    text = _decode(doc, raw)
    if text is None:
        return doc
    return parse(text, path)


__all__ = [
    "Document",
    "Mapping",
    "Sequence",
    "parse",
    "printable",
    "read",
]
