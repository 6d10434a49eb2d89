"""PyYAML's node tree, composed the way manifests need it: positions counted as editors count
them, aliases recorded as problems rather than shared, nesting limited, and libyaml's parser
where PyYAML has it."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate
from typing import Protocol, cast

import yaml
from yaml.composer import Composer
from yaml.nodes import Node, ScalarNode
from yaml.resolver import Resolver

#: (line, column), both 1-based, as editors show them.
Position = tuple[int, int]

#: Deeper YAML is refused; a manifest nests four levels, and Python's recursion limit is near.
MAX_DEPTH = 64

TAG = "tag:yaml.org,2002:"


class Lines:
    """Positions counted as editors and git count them: a line ends at ``\\n`` only.

    (YAML also breaks lines at U+0085, U+2028 and U+2029; a file's positions must not.)
    """

    def __init__(self, text: str) -> None:
        lengths = (len(line) + 1 for line in text.split("\n")[:-1])
        self.starts = [0, *accumulate(lengths)]  # where each line begins

    def at(self, index: int) -> Position:
        line = bisect_right(self.starts, index)
        return (line, index - self.starts[line - 1] + 1)

    def of(self, node: Node | yaml.Mark) -> Position:
        mark = node.start_mark if isinstance(node, Node) else node
        return self.at(mark.index)


#: What YAML takes for a line break but editors and git do not: NEL, LINE and PARAGRAPH SEPARATOR.
FOREIGN_BREAKS = "\u0085\u2028\u2029"


def hide_breaks(text: str) -> tuple[str, dict[int, str]]:
    """``text`` with each foreign break swapped for a private-use character the text does not
    use, so that a comment stays one line; and the table that puts them back into values."""
    present = [c for c in FOREIGN_BREAKS if c in text]
    if not present:
        return text, {}
    spares = (chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)
    swap = {ord(c): spare for c, spare in zip(present, spares, strict=False)}
    return text.translate(swap), {ord(spare): chr(code) for code, spare in swap.items()}


class TooDeep(Exception):
    """Nesting beyond MAX_DEPTH, raised where the node that goes too deep starts."""

    def __init__(self, mark: yaml.Mark) -> None:
        self.mark = mark


class _Event(Protocol):
    """A parser event: where it starts and ends in the document."""

    start_mark: yaml.Mark
    end_mark: yaml.Mark


class _Events(Protocol):
    """The parser's event queue, as the composer mixed with it reads it (PyYAML leaves these
    methods unannotated)."""

    def check_event(self, *choices: type[yaml.Event]) -> bool: ...
    def get_event(self) -> _Event: ...
    def peek_event(self) -> _Event: ...


class NodeComposer(Composer):
    """Builds the node tree, recording aliases as problems instead of sharing nodes."""

    alias_marks: list[yaml.Mark]
    depth: int

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        parser = cast(_Events, self)  # the parser this composer is mixed with
        if parser.check_event(yaml.AliasEvent):
            event = parser.get_event()
            self.alias_marks.append(event.start_mark)
            return ScalarNode(f"{TAG}null", "", event.start_mark, event.end_mark)
        if self.depth >= MAX_DEPTH:
            raise TooDeep(parser.peek_event().start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class PythonLoader(
    yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, NodeComposer, Resolver
):
    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        Composer.__init__(self)
        Resolver.__init__(self)
        self.alias_marks = []
        self.depth = 0


def loader_class() -> Callable[[str], NodeComposer]:
    """libyaml's parser (several times faster) under our composer, when PyYAML has it."""
    try:
        from yaml._yaml import CParser
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        return PythonLoader

    class _LibyamlLoader(NodeComposer, CParser, Resolver):
        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            Composer.__init__(self)
            Resolver.__init__(self)
            self.alias_marks = []
            self.depth = 0

    return _LibyamlLoader
