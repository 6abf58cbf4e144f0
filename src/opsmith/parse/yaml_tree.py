"""YAML loaded into plain dicts and lists that remember where each key and item was written.

Loaded once per file with libyaml (when available) and shared by every family that reads the file
(compose, workflows, Kubernetes, Prometheus rules, Alertmanager). Booleans follow YAML 1.2
(`true`/`false` only), the way GitHub Actions, Compose and most modern tools read them, so keys such
as `on:` stay strings.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from opsmith.parse.errors import ParseFailure

try:  # the C loader is several times faster; fall back for builds of PyYAML without libyaml
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _Loader(_SafeLoader):
    """The safe loader with each plain scalar's tag worked out once per distinct text: PyYAML tries
    its implicit-type patterns on every scalar, a large share of loading a big file."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._tags: dict[str, str] = {}

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode or not implicit[0]:
            return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        tag = self._tags.get(value)
        if tag is None:
            tag = self._tags[value] = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return tag


_BOOL_WORDS = {"true", "false"}
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
# How many mappings and sequences may sit inside one another. libyaml scans flow collections
# (`[{a: [{a: ...`) in time quadratic in their depth (8,000 levels take seconds), and rules walk
# documents recursively; real files stay far below this.
MAX_DEPTH = 400
# Where a line's block nesting shows: indentation and the `- `, `? `, `: ` of compact collections.
_LINE_LEAD = re.compile(r"^[ \t?:-]*", re.MULTILINE)
# How many nodes aliases and merge keys may add to what the text itself spells out. Rules walk a
# document as a tree, so a few lines of nested aliases ("billion laughs") would cost them billions.
MAX_EXPANSION = 200_000
_TEXT_PER_NODE = 80  # a long string costs a rule's regexes about as much as this many small nodes
# Characters of a node's repr. Messages (jsonschema's among them) quote values by their repr, and
# written in full an aliased tree is as large as its expansion: hundreds of thousands of nodes.
REPR_ROOM = 1000


class YMap(dict[Any, Any]):
    """A mapping with 1-based positions of itself, its keys and its values."""

    __slots__ = ("column", "duplicate_keys", "key_pos", "line", "value_pos")

    def __init__(self, line: int, column: int) -> None:
        super().__init__()
        self.line = line
        self.column = column
        self.key_pos: dict[Any, tuple[int, int]] = {}
        self.value_pos: dict[Any, tuple[int, int]] = {}
        self.duplicate_keys: list[tuple[Any, int]] = []

    def key_line(self, key: Any) -> int:
        return self.key_pos.get(key, (self.line, self.column))[0]

    def value_line(self, key: Any) -> int:
        return self.value_pos.get(key, (self.line, self.column))[0]

    def __repr__(self) -> str:
        return short_repr(self)


class YSeq(list[Any]):
    """A sequence with 1-based positions of itself and each item."""

    __slots__ = ("column", "item_pos", "line")

    def __init__(self, line: int, column: int) -> None:
        super().__init__()
        self.line = line
        self.column = column
        self.item_pos: list[tuple[int, int]] = []

    def item_line(self, index: int) -> int:
        return self.item_pos[index][0] if 0 <= index < len(self.item_pos) else self.line

    def __repr__(self) -> str:
        return short_repr(self)


class _Token(str):
    """Punctuation of a repr, told apart from the string values it surrounds."""


_DONE = object()


def _parts(node: dict[Any, Any] | list[Any]) -> Iterator[Any]:
    if isinstance(node, dict):
        yield _Token("{")
        for index, (key, value) in enumerate(node.items()):
            yield from (_Token(", "), key, _Token(": "), value) if index else (key, _Token(": "), value)
        yield _Token("}")
    else:
        yield _Token("[")
        for index, value in enumerate(node):
            yield from (_Token(", "), value) if index else (value,)
        yield _Token("]")


def short_repr(node: Any, room: int = REPR_ROOM) -> str:
    """`repr(node)` as far as `room` characters, then `…`: work bounded by the room, not the size
    of the tree (read without recursion, so a deep tree cannot overflow the stack)."""
    out: list[str] = []
    size = 0
    stack: list[Iterator[Any]] = [iter((node,))]
    while stack and size <= room:
        item = next(stack[-1], _DONE)
        if item is _DONE:
            stack.pop()
        elif isinstance(item, dict | list):
            stack.append(_parts(item))
        else:
            text = item if isinstance(item, _Token) else repr(item)
            out.append(text)
            size += len(text)
    text = "".join(out)
    return text if not stack else text[:room] + "…"


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Refused(Exception):
    """The YAML is well formed but too costly to hand to rules."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _too_large(budget: int, line: int) -> _Refused:
    return _Refused(f"the YAML expands to more than {budget:,} nodes through aliases or merge keys", line)


def flow_text(node: yaml.Node, limit: int = 80) -> str:
    """A node written back in YAML's flow style (`{{name}}` for the template `{{ name }}`), cut
    at about `limit` characters."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)[:limit]
    parts: list[str] = []
    room = limit
    for item in node.value:
        if room <= 0:
            parts.append("…")
            break
        if isinstance(node, yaml.MappingNode):
            key, value = item
            text = flow_text(key, room)
            if not (isinstance(value, yaml.ScalarNode) and value.value == ""):
                text += ": " + flow_text(value, room)
        else:
            text = flow_text(item, room)
        parts.append(text)
        room -= len(text) + 2
    inner = ", ".join(parts)
    return f"{{{inner}}}" if isinstance(node, yaml.MappingNode) else f"[{inner}]"


class _Builder:
    def __init__(self, budget: int) -> None:
        self._scalars = yaml.constructor.SafeConstructor()
        self._memo: dict[int, Any] = {}  # aliases share one object instead of copying it
        self._limit = budget
        self._budget = budget  # entries merge keys may still copy (a chain of merges is quadratic)
        self.aliased = False  # only aliases make a document larger than its text

    def build(self, node: yaml.Node) -> Any:
        known = self._memo.get(id(node))
        if known is not None:
            self.aliased = True
            return known
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node)
        if isinstance(node, yaml.SequenceNode):
            seq = YSeq(*_pos(node))
            self._memo[id(node)] = seq
            for item in node.value:
                seq.append(self.build(item))
                seq.item_pos.append(_pos(item))
            return seq
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == _STR_TAG:  # most scalars: the constructor would return the text as it is
            return node.value
        if node.tag == "tag:yaml.org,2002:bool" and str(node.value).lower() not in _BOOL_WORDS:
            return str(node.value)
        try:
            return self._scalars.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            return str(node.value)  # e.g. an impossible timestamp: keep the text

    def _mapping(self, node: yaml.MappingNode) -> YMap:
        out = YMap(*_pos(node))
        self._memo[id(node)] = out
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                self._merge(out, self.build(value_node))
                continue
            key = self.build(key_node)
            if isinstance(key, (YMap, YSeq)):  # complex keys are legal YAML but never meaningful here
                key = flow_text(key_node)  # e.g. an unrendered `{{ name }}` template: say it as written
            if key in out:
                out.duplicate_keys.append((key, _pos(key_node)[0]))
            out[key] = self.build(value_node)
            out.key_pos[key] = _pos(key_node)
            out.value_pos[key] = _pos(value_node)
        return out

    def _merge(self, out: YMap, source: Any) -> None:
        sources = source if isinstance(source, list) else [source]
        for src in sources:
            if not isinstance(src, YMap):
                continue
            self._budget -= len(src)
            if self._budget < 0:
                raise _too_large(self._limit, out.line)
            for key, value in src.items():
                if key not in out:
                    out[key] = value
                    out.key_pos[key] = src.key_pos.get(key, (src.line, src.column))
                    out.value_pos[key] = src.value_pos.get(key, (src.line, src.column))


@dataclass(frozen=True)
class Shape:
    depth: int  # the deepest nesting read, at most one past the limit asked for
    collections: int  # mappings and sequences read
    deep_line: int | None  # where the nesting first went past the limit


def shape(text: str, limit: int = MAX_DEPTH) -> Shape | None:
    """How deep the YAML nests and how many mappings and sequences it writes (aliases not
    followed), read from the parser's events without building anything; None when it is not YAML.
    Reading stops where the nesting passes `limit`, before libyaml's cost of deep flow collections
    grows."""
    depth = deepest = collections = 0
    try:
        for event in yaml.parse(text, Loader=_SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                collections += 1
                deepest = max(deepest, depth)
                if depth > limit:
                    return Shape(
                        deepest, collections, event.start_mark.line + 1 if event.start_mark else None
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except (yaml.YAMLError, ValueError):
        return None
    return Shape(deepest, collections, None)


def _too_deep(text: str) -> ParseFailure | None:
    """A failure naming the line where the text nests past MAX_DEPTH, else None.

    Each `[` or `{` opens at most one flow collection and a line's lead (indentation and compact
    `- ` items) bounds its block nesting, so most files are cleared by counting characters; the
    others are read as events up to the limit, which keeps libyaml's work linear.
    """
    openers = text.count("[") + text.count("{")
    if openers < MAX_DEPTH // 2:
        lead = max(map(len, _LINE_LEAD.findall(text)), default=0)
        if openers + lead + 2 < MAX_DEPTH:  # + 2: a top-level mapping and a sequence beside it
            return None
    measured = shape(text)
    if measured is None or measured.deep_line is None:
        return None  # a syntax error is worded by the loader
    return ParseFailure(f"YAML nests more than {MAX_DEPTH} mappings and lists deep", measured.deep_line)


def load_documents(text: str) -> list[Any] | ParseFailure:
    """All documents of a YAML stream, or where the stream stops being YAML."""
    deep = _too_deep(text)
    if deep is not None:
        return deep
    collecting = gc.isenabled()
    gc.disable()  # nodes are never cyclic garbage: collections while building only cost time
    try:
        return _load(text)
    finally:
        if collecting:
            gc.enable()


def _load(text: str) -> list[Any] | ParseFailure:
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        return ParseFailure(f"YAML syntax error: {problem}", line, column)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        return ParseFailure(f"YAML syntax error: {exc}", None, None)
    budget = MAX_EXPANSION + len(text)
    builder = _Builder(budget)
    try:
        documents = [builder.build(node) for node in nodes if node is not None]
        if builder.aliased:
            _check_expansion(documents, budget)
    except RecursionError:
        return ParseFailure("YAML nesting is too deep to read", None, None)
    except _Refused as exc:
        return ParseFailure(exc.message, exc.line)
    return documents


def _check_expansion(documents: list[Any], budget: int) -> None:
    """Raise when walking the documents as trees (aliases expanded) costs more than `budget`.

    Each shared node is sized once, so this is linear in the written nodes, whatever the expansion.
    For alias-free documents the cost is below the length of their text.
    """
    sizes: dict[int, int] = {}
    in_progress = -1

    def size(node: Any) -> int:
        if isinstance(node, str):
            return 1 + len(node) // _TEXT_PER_NODE
        if not isinstance(node, (YMap, YSeq)):
            return 1
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = in_progress
        count = 1
        for child in node.values() if isinstance(node, YMap) else node:
            if sizes.get(id(child)) == in_progress:  # PyYAML gives an alias its anchor's position
                raise _Refused("an alias refers to a node that contains it (a cycle)", child.line)
            count += size(child)
        sizes[id(node)] = count = min(count, budget + 1)  # keeps the numbers small
        return count

    total = 0
    for document in documents:
        total += size(document)
        if total > budget:
            break
    else:
        return
    # Name the innermost node whose expansion alone is too large: where the aliases pile up.
    node = document
    while isinstance(node, (YMap, YSeq)):
        children = node.values() if isinstance(node, YMap) else node
        bigger = next((c for c in children if isinstance(c, (YMap, YSeq)) and sizes[id(c)] > budget), None)
        if bigger is None:
            break
        node = bigger
    raise _too_large(budget, getattr(node, "line", 1))
