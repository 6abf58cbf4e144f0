"""`.dockerignore` patterns matched as Docker matches them.

Unlike .gitignore, patterns are anchored at the build context root (`*.pem` excludes only top-level
files), `**` crosses folders, a pattern that matches a folder excludes everything in it, and the last
matching line (a `!` line re-includes) wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    negated: bool


_STAR = "[^/]*"


def _compile(pattern: str) -> re.Pattern[str] | None:
    """The pattern as a regex; None for one Docker refuses (`[]`, `[z-a]`), which excludes nothing."""
    out = []
    i = 0
    while i < len(pattern):
        piece, i = _token(pattern, i)
        if piece == _STAR:
            # The fixed-width run up to the next `*`: when a plain star follows and the run cannot
            # match a `/`, the first place it fits in the name is as good as any, so it is taken for
            # good (atomic). Backtracking over every place would cost a power of the name's length
            # for a line like `*a*a*a*a*b`.
            run, end = "", i
            while end < len(pattern) and pattern[end] not in "*/":
                member, end = _token(pattern, end)
                if member is None:
                    return None
                run += member
            written = pattern[i:end]
            in_name = "[^" not in written and "/" not in written
            starred = pattern.startswith("*", end) and not pattern.startswith("**", end)
            piece = f"(?>{_STAR}?{run})" if starred and in_name else _STAR + run
            i = end
        if piece is None:
            return None
        out.append(piece)
    try:  # a match on a folder covers everything under it
        return re.compile("^" + "".join(out) + "(?:/.*)?$")
    except re.error:  # a reversed range
        return None


def _token(pattern: str, i: int) -> tuple[str | None, int]:
    """The regex for the token at `i` and where the next one starts; None for a class Docker
    refuses."""
    if pattern.startswith("**/", i):
        return "(?:.*/)?", i + 3
    if pattern.startswith("**", i):
        return ".*", i + 2
    char = pattern[i]
    if char == "*":
        return _STAR, i + 1
    if char == "?":
        return "[^/]", i + 1
    end = pattern.find("]", i) if char == "[" else -1
    if end == -1:
        return re.escape(char), i + 1
    members = pattern[i + 1 : end]
    negated = members[:1] == "^"  # Go's syntax: `[!a]` holds `!` and `a`
    members = members[1:] if negated else members
    if not members:
        return None, end + 1
    # Only ranges keep their meaning: anything else is a literal, never regex syntax.
    literal = "".join(c if c == "-" else re.escape(c) for c in members)
    return ("[^" if negated else "[") + literal + "]", end + 1


class DockerIgnore:
    def __init__(self, lines: list[str]) -> None:
        self.patterns: list[_Pattern] = []
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            body = line[1:].strip() if negated else line
            body = re.sub(r"^(\./|/)+", "", body).rstrip("/")
            regex = _compile(body) if body else None
            if regex is not None:
                self.patterns.append(_Pattern(regex, negated))

    @classmethod
    def from_text(cls, text: str) -> DockerIgnore:
        return cls(text.splitlines())

    def excludes(self, path: str) -> bool:
        """Whether `path` (relative to the build context, '/' separators) stays out of the context."""
        verdict = False
        for pattern in self.patterns:
            if pattern.regex.match(path):
                verdict = not pattern.negated
        return verdict
