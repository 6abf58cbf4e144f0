"""YAML loaded into plain dicts and lists that remember where each key and item was written.

Loaded once per file with libyaml (when available) and shared by every family that reads the file
(compose, workflows, Kubernetes, Prometheus rules, Alertmanager). Booleans follow YAML 1.2
(`true`/`false` only), the way GitHub Actions, Compose and most modern tools read them, so keys such
as `on:` stay strings.
"""

from __future__ import annotations

from typing import Any

import yaml

from opsmith.parse.errors import ParseFailure

try:  # the C loader is several times faster; fall back for builds of PyYAML without libyaml
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_BOOL_WORDS = {"true", "false"}
_MERGE_TAG = "tag:yaml.org,2002:merge"


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


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    def __init__(self) -> None:
        self._scalars = yaml.constructor.SafeConstructor()
        self._memo: dict[int, Any] = {}  # aliases share one object; also stops alias bombs

    def build(self, node: yaml.Node) -> Any:
        known = self._memo.get(id(node))
        if known is not None:
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
                key = str(key_node.value)
            if key in out:
                out.duplicate_keys.append((key, _pos(key_node)[0]))
            out[key] = self.build(value_node)
            out.key_pos[key] = _pos(key_node)
            out.value_pos[key] = _pos(value_node)
        return out

    @staticmethod
    def _merge(out: YMap, source: Any) -> None:
        sources = source if isinstance(source, list) else [source]
        for src in sources:
            if not isinstance(src, YMap):
                continue
            for key, value in src.items():
                if key not in out:
                    out[key] = value
                    out.key_pos[key] = src.key_pos.get(key, (src.line, src.column))
                    out.value_pos[key] = src.value_pos.get(key, (src.line, src.column))


def load_documents(text: str) -> list[Any] | ParseFailure:
    """All documents of a YAML stream, or where the stream stops being YAML."""
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
    builder = _Builder()
    try:
        return [builder.build(node) for node in nodes if node is not None]
    except RecursionError:
        return ParseFailure("YAML nesting is too deep to read", None, None)
