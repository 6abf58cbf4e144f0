"""Text from the audited repository made safe to print: file names and lines can hold terminal
escape sequences, bytes that are not UTF-8 (read with surrogateescape, as Python lists them) and
secrets.

Human formats (text, github) show a control character, a bidirectional override or a byte that is
not UTF-8 as a `\\x1b`-style escape, so nothing a file name holds can colour, move or rewrite the
terminal. Machine formats (json, sarif) keep control characters as JSON escapes and write each byte
that is not UTF-8 as `%XX`; in paths `%` itself becomes `%25`, so the original name can always be
recovered (percent-decoding the path gives its bytes).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from opsmith.secrets.masking import mask_secrets, mask_value_part, mentions_masked

# C0 controls but tab, DEL, C1 controls, bidirectional embeddings/overrides/isolates, lone surrogates.
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as surrogateescape keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control character shown as an escape (`ESC[31m` -> `\\x1b[31m`)."""
    return _UNPRINTABLE.sub(_escape, text) if _UNPRINTABLE.search(text) else text


def shown(text: str) -> str:
    """Repository text for a person: secrets masked, control characters escaped."""
    return printable(mask_secrets(text))


def source_line(raw: str, message: str) -> str:
    """An audited line shown beside a finding. A finding about a secret masks the whole value it
    points at (`value: "..."` under a secret-named `name:` has no secret-looking name of its own);
    other lines, anything credential-shaped."""
    return printable(mask_value_part(raw) if mentions_masked(message) else mask_secrets(raw))


def _percent(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if 0xDC80 <= code <= 0xDCFF:
        return f"%{code - 0xDC00:02X}"
    return "%" + "%".join(f"{b:02X}" for b in match.group(0).encode("utf-8", "surrogatepass"))


def valid_text(text: str) -> str:
    """`text` as valid Unicode for JSON: each byte that was not UTF-8 written as `%XX`."""
    return _SURROGATE.sub(_percent, text) if _SURROGATE.search(text) else text


def json_path(path: str) -> str:
    """A path for JSON: readable, valid and lossless (`%` -> `%25`, non-UTF-8 bytes -> `%XX`)."""
    return valid_text(path.replace("%", "%25"))


def uri(path: str) -> str:
    """A relative path as a URI reference (SARIF's `artifactLocation.uri`): its bytes percent-encoded."""
    try:
        data = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no byte stands for: keep its code point
        data = path.encode("utf-8", "surrogatepass")
    return quote(data, safe="/")
