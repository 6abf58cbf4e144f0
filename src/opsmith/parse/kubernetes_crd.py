"""A cheap read of large CustomResourceDefinitions.

An operator's CRD is mostly its `openAPIV3Schema`: hundreds of kilobytes of nested properties and
descriptions (kube-prometheus ships 4 MB of them) that no rule reads, yet loading them into
position-tracking YAML trees took most of an audit's time. Before such a file is loaded, the body
of each `openAPIV3Schema:` is reduced to its line breaks, so the document keeps every line number
and everything else it says, and the schema reads as empty.
"""

from __future__ import annotations

import re
from functools import lru_cache

from opsmith.regex import lazy

# Below this size loading everything costs little, and a syntax error anywhere is still reported.
LARGE = 32 * 1024
_SCHEMA_KEY = lazy(r"^( *)openAPIV3Schema:[ \t]*(?:#[^\n]*)?\r?$", re.MULTILINE)
# Everything but the characters YAML counts as line breaks.
_NOT_A_BREAK = lazy("[^\n\r\x85\u2028\u2029]+")


@lru_cache(maxsize=64)
def _outdented(indent: int) -> re.Pattern[str]:
    """The first line of content indented no deeper than `indent`: where a key's body ends
    (blank and comment lines belong to the body)."""
    return re.compile(rf"^ {{0,{indent}}}[^ \r\n#]", re.MULTILINE)


def _breaks_of(body: str) -> str:
    if any(c in body for c in "\r\x85\u2028\u2029"):
        return _NOT_A_BREAK().sub("", body)
    return "\n" * body.count("\n")  # the common case, without a regex over megabytes


def without_schema_bodies(text: str) -> str:
    """`text` with the block-style body of every `openAPIV3Schema:` key of a large
    CustomResourceDefinition emptied (line breaks kept); any other text unchanged."""
    if len(text) < LARGE or "openAPIV3Schema:" not in text or "CustomResourceDefinition" not in text:
        return text
    parts: list[str] = []
    done = 0
    for key in _SCHEMA_KEY().finditer(text):
        if key.start() < done:
            continue  # inside a body already emptied
        start = key.end()
        end = _outdented(len(key.group(1))).search(text, start)
        stop = end.start() if end else len(text)
        parts += [text[done:start], _breaks_of(text[start:stop])]
        done = stop
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)
