"""The values of HCL string pieces and heredocs, shared by both Terraform readers so they agree."""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
# The body ends where the closing line's indent starts (tried only there: from every blank of a
# long run of them, `[ \t]*` would rescan the run).
_HEREDOC = re.compile(r"^<<-?([A-Za-z][A-Za-z0-9._-]*)\r?\n(.*?)(?<![ \t])[ \t]*\1\r?\n?$", re.DOTALL)
_INTERPOLATION = re.compile(r"(?<![$%])[$%]\{")


def unescape(text: str) -> str:
    """The characters a run of quoted-string text stands for (`\\n`, `\\u00e9`, ...)."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            try:
                return chr(int(code[1:], 16))
            except (ValueError, OverflowError):
                return match.group(0)
        return _SIMPLE_ESCAPES.get(code, match.group(0))

    return _ESCAPE.sub(one, text) if "\\" in text else text


def heredoc_value(token: str) -> str | None:
    """The text of a heredoc token (`<<EOT` ... `EOT`, `<<-` trimming the common indent), or None
    when its body interpolates or has directives."""
    match = _HEREDOC.match(token)
    body = match.group(2) if match else ""
    if _INTERPOLATION.search(body):
        return None
    body = body.replace("$${", "${").replace("%%{", "%{")
    if token.startswith("<<-"):
        lines = body.split("\n")
        indents = [len(x) - len(x.lstrip()) for x in lines if x.strip()]
        cut = min(indents, default=0)
        body = "\n".join(x[cut:] for x in lines)
    return body


def number_value(raw: str, *, is_float: bool) -> int | float:
    """A number literal's value. HCL numbers have any precision, but int() refuses 4,300 digits or
    more: a whole number that long is kept as a float (infinity), as a rule would compare it."""
    if is_float or len(raw) > 4000:
        return float(raw)
    return int(raw)


def last_line(text: str) -> int:
    return max(1, len(text.splitlines()))
