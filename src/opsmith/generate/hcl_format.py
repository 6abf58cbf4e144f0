"""HCL written the way `terraform fmt` writes it, so generated files pass `terraform fmt -check`.

Templates take care of indentation; what they cannot know is how wide the keys of neighbouring
attributes are once conditionals have chosen which lines appear. `terraform fmt` aligns the `=` of
a run of consecutive one-line attributes at the same indentation; a blank line, a comment line, a
block, a closing brace or an attribute whose value spans several lines ends the run. `align` does
exactly that, and `literal` writes Python values as HCL literals.
"""

from __future__ import annotations

import json
import re
from typing import Any

_ASSIGN = re.compile(r'^(?P<indent>[ ]*)(?P<key>[A-Za-z_][\w-]*|"[^"\n]*")[ ]*=(?![=>])[ ]*(?P<value>.*)$')
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_OPEN = "([{"
_CLOSE = ")]}"


def _depth_change(value: str) -> int:
    """Brackets opened minus brackets closed, outside string literals and comments."""
    code = _STRING.sub('""', value)
    for marker in (" #", " //"):
        if marker in code:
            code = code[: code.index(marker)]
    return sum(code.count(c) for c in _OPEN) - sum(code.count(c) for c in _CLOSE)


def align(text: str) -> str:
    """Align the `=` of consecutive one-line attributes, as `terraform fmt` does."""
    lines = text.split("\n")
    out: list[str] = []
    run: list[tuple[str, str, str]] = []  # (indent, key, value)

    def flush() -> None:
        width = max((len(key) for _, key, _ in run), default=0)
        out.extend(f"{indent}{key.ljust(width)} = {value}" for indent, key, value in run)
        run.clear()

    for line in lines:
        match = _ASSIGN.match(line)
        if match and _depth_change(match["value"]) == 0:
            if run and run[0][0] != match["indent"]:
                flush()
            run.append((match["indent"], match["key"], match["value"].rstrip()))
            continue
        flush()
        if match:  # an attribute whose value continues on the next lines
            out.append(f"{match['indent']}{match['key']} = {match['value'].rstrip()}")
        else:
            out.append(line.rstrip())
    flush()
    return "\n".join(out)


def literal(value: Any, indent: int = 0) -> str:
    """A Python value as an HCL literal: strings, numbers, booleans, null, lists and maps (one
    entry per line; `align` then lines them up)."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        pad = " " * (indent + 2)
        keys = {k: (k if re.fullmatch(r"[A-Za-z_][\w-]*", k) else _string(k)) for k in value}
        body = "\n".join(f"{pad}{keys[k]} = {literal(v, indent + 2)}" for k, v in value.items())
        return "{\n" + body + "\n" + " " * indent + "}"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v, indent) for v in value) + "]"
    if isinstance(value, str):
        return _string(value)
    return json.dumps(value)


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string(text: str) -> str:
    """A quoted HCL string that reads back as `text`: HCL's escapes, and `$${` / `%%{` so that
    Terraform never evaluates an interpolation or a template directive found in the text."""
    body = "".join(
        _ESCAPES.get(c) or (f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c) for c in text
    )
    return '"' + body.replace("${", "$${").replace("%{", "%%{") + '"'
