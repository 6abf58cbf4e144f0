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


_STAR = "[^/]*"  # `*`: any part of one name
_ANY = ".*"  # anything, folders included
_FOLDERS = "(?:.*/)?"  # any leading folders: Docker's `**` before more pattern
# Each wildcard tried shortest first, for the atomic form below.
_SHORTEST = {_STAR: "[^/]*?", _ANY: ".*?", _FOLDERS: "(?:.*?/)??"}
# After a `[` with no `]` later, no later `[` starts a class either.
_WILDCARD = re.compile(r"[*?]")
_WILDCARD_OR_CLASS = re.compile(r"[*?\[]")
_SPECIAL = frozenset("*?[]\\")  # what makes Docker match a pattern as a regex, not as text


def _compile(pattern: str) -> re.Pattern[str] | None:
    """The pattern as a regex; None for one Docker refuses (`[]`, `[z-a]`), which excludes nothing."""
    pieces: list[str] = []
    i = 0
    while i < len(pattern):
        piece, i = _token(pattern, i)
        if piece is None:
            return None
        pieces.append(piece)
    try:  # a match on a folder covers everything under it
        return re.compile("^" + _committed(pieces) + "(?:/.*)?$")
    except re.error:  # a reversed range
        return None


def _committed(pieces: list[str]) -> str:
    """The pieces joined, with a wildcard made atomic where the first place its fixed-width run
    fits is as good as any: a line of many wildcards (`*a*a*a*b`) would otherwise backtrack over
    every way to share a name among them, a power of the name's length."""
    out: list[str] = []
    at = 0
    while at < len(pieces):
        wildcard = pieces[at]
        end = at + 1
        while end < len(pieces) and pieces[end] not in _SHORTEST:
            end += 1
        run = "".join(pieces[at + 1 : end])
        if (
            wildcard in _SHORTEST
            and end < len(pieces)
            and _earliest_is_best(wildcard, pieces[at + 1 : end], pieces[end])
        ):
            out.append(f"(?>{_SHORTEST[wildcard]}{run})")
        else:
            out.append(wildcard + run)
        at = end
    return "".join(out)


def _earliest_is_best(wildcard: str, run: list[str], following: str) -> bool:
    """Whether ending `wildcard` + `run` as early as possible leaves `following` every way on that a
    later end would: true before `.*`, before leading folders when the run ends a folder, and
    between two `*` of one name."""
    if following == _ANY:
        return True
    if following == _FOLDERS:
        return bool(run) and run[-1].endswith("/")
    return wildcard == following == _STAR and not any(_may_match_slash(piece) for piece in run)


def _may_match_slash(piece: str) -> bool:
    return piece != "[^/]" and ("/" in piece or piece.startswith("[^"))


def _token(pattern: str, i: int) -> tuple[str | None, int]:
    """The regex for the token at `i` and where the next one starts; None for a class Docker
    refuses."""
    char = pattern[i]
    if char == "*":
        return _stars(pattern, i)
    if char == "?":
        return "[^/]", i + 1
    end = pattern.find("]", i) if char == "[" else -1
    if end == -1:  # plain text up to the next wildcard or class, in one piece
        found = (_WILDCARD if char == "[" else _WILDCARD_OR_CLASS).search(pattern, i + 1)
        stop = found.start() if found else len(pattern)
        return re.escape(pattern[i:stop]), stop
    members = pattern[i + 1 : end]
    negated = members[:1] == "^"  # Go's syntax: `[!a]` holds `!` and `a`
    members = members[1:] if negated else members
    if not members:
        return None, end + 1
    # Only ranges keep their meaning: anything else is a literal, never regex syntax. A `-` after a
    # `-` is escaped: Python reads `--` as set syntax to come (and warns), Go as a range ending at it.
    literal = "".join(
        "-" if c == "-" and members[at - 1 : at] != "-" else re.escape(c) for at, c in enumerate(members)
    )
    return ("[^" if negated else "[") + literal + "]", end + 1


def _stars(pattern: str, i: int) -> tuple[str, int]:
    """A run of `*` as one wildcard. Docker reads it two at a time: each `**` is any leading folders
    (eating a `/` after it), or anything at the end of the pattern, and a `*` left over is part of a
    name. Leading folders followed by part of a name (`***`) is anything, and so is a leading `**`
    before plain text, which Docker matches as a suffix of the path."""
    end = i
    while end < len(pattern) and pattern[end] == "*":
        end += 1
    count, rest = end - i, pattern[end:]
    if count == 1:
        return _STAR, end
    if (
        count % 2
        or not rest
        or (i == 0 and count == 2 and rest[0] != "/" and not _SPECIAL.intersection(rest))
    ):
        return _ANY, end
    return _FOLDERS, end + 1 if rest.startswith("/") else end


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
