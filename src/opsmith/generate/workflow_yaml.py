"""A small block-style YAML writer for generated workflows: plain data in, YAML with comments out.

PyYAML cannot write comments, and generated workflows need them (why a permission is granted, which
release a pinned SHA is). Mappings and lists are written in block style, scalars are quoted by PyYAML
whenever they need it, multi-line strings become `|` block scalars, and two wrappers carry comments:
`Note` (comment lines above a mapping entry or a list item) and `Trail` (a comment after a scalar,
such as `# v4.1.0` after a pinned action).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import Any

import yaml

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_WIDTH = 100


@dataclass(frozen=True)
class Note:
    """A value with comment lines written above its entry."""

    value: Any
    text: str


@dataclass(frozen=True)
class Trail:
    """A scalar with a comment written after it on the same line."""

    value: Any
    text: str


def dump(node: dict[str, Any], header: str = "") -> str:
    """The document for `node`, preceded by `header` as comment lines."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()] if header else []
    _mapping(node, 0, lines)
    return "\n".join(lines) + "\n"


def plain(node: Any) -> Any:
    """`node` without its comment wrappers: what a YAML parser reads back."""
    if isinstance(node, Note | Trail):
        return plain(node.value)
    if isinstance(node, dict):
        return {k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


def _comment(text: str, indent: int, out: list[str]) -> None:
    pad = " " * indent
    for paragraph in text.splitlines():
        for line in textwrap.wrap(paragraph, _WIDTH - indent - 2) or [""]:
            out.append(f"{pad}# {line}".rstrip())


def _unwrap(value: Any) -> tuple[str | None, Any, str | None]:
    note = trail = None
    if isinstance(value, Note):
        note, value = value.text, value.value
    if isinstance(value, Trail):
        trail, value = value.text, value.value
    return note, value, trail


def _mapping(node: dict[str, Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for key, raw in node.items():
        note, value, trail = _unwrap(raw)
        if note:
            _comment(note, indent, out)
        name = key if _PLAIN_KEY.match(key) else _scalar(key)
        _entry(f"{pad}{name}:", value, trail, indent, out)


def _entry(prefix: str, value: Any, trail: str | None, indent: int, out: list[str]) -> None:
    """`prefix` (a `key:` or a `-`) followed by `value`, nested one level deeper."""
    after = f"  # {trail}" if trail else ""
    if isinstance(value, dict) and value:
        out.append(prefix + after)
        _mapping(value, indent + 2, out)
    elif isinstance(value, list) and value:
        out.append(prefix + after)
        _sequence(value, indent + 2, out)
    elif isinstance(value, str) and "\n" in value.rstrip("\n"):
        body = value if value.endswith("\n") else value + "\n"
        chomp = "" if value.endswith("\n") else "-"
        out.append(f"{prefix} |{chomp}{after}")
        for line in body.rstrip("\n").split("\n"):
            out.append(f"{' ' * (indent + 2)}{line}".rstrip() if line else "")
    else:
        if isinstance(value, str):
            value = value.rstrip("\n")  # a one-line script: no block scalar needed
        out.append(f"{prefix} {_scalar(value)}{after}")


def _sequence(items: list[Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for raw in items:
        note, value, trail = _unwrap(raw)
        if note:
            _comment(note, indent, out)
        if isinstance(value, dict) and value:
            first, *_ = value
            lead_note, _, _ = _unwrap(value[first])
            if lead_note:  # a note on the first key belongs above the dash
                _comment(lead_note, indent, out)
                value = {first: _strip_note(value[first]), **{k: v for k, v in value.items() if k != first}}
            inner: list[str] = []
            _mapping(value, indent + 2, inner)
            out.append(f"{pad}- {inner[0].lstrip()}")
            out.extend(inner[1:])
        else:
            _entry(f"{pad}-", value, trail, indent, out)


def _strip_note(value: Any) -> Any:
    return value.value if isinstance(value, Note) else value


def _scalar(value: Any) -> str:
    if isinstance(value, dict | list):  # only empty ones reach here
        return "{}" if isinstance(value, dict) else "[]"
    text = yaml.safe_dump(value, default_flow_style=True, width=10**9, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()
