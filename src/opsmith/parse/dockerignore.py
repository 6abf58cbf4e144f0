"""`.dockerignore` patterns matched as Docker matches them.

Unlike .gitignore, patterns are anchored at the build context root (`*.pem` excludes only top-level
files), `**` crosses folders, a pattern that matches a folder excludes everything in it, and the last
matching line (a `!` line re-includes) wins.

Matching runs over the pattern once, carrying the set of places in the path where the pattern read so
far can end (a bit set): a line of many wildcards costs its length times the path's, never the
backtracking a regex would do over every way to share the path among its `**`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_STAR = "*"  # any part of one name
_ANY = "**"  # anything, folders included
_FOLDERS = "**/"  # any leading folders, or none: Docker's `**` before more pattern
_ONE_CHAR = "[^/]"  # `?`
_SPECIAL = frozenset("*?[]\\")  # what makes Docker match a pattern as a regex, not as text
# Stars, `?`, a class (a `[` with a `]` later), then text: up to the next wildcard or `[`, or past
# a `[` with no `]` later, after which no `[` starts a class.
_TOKEN = re.compile(r"(\*+)|(\?)|(\[[^\]]*\])|([^*?\[]+|\[[^*?]*)")


@dataclass(frozen=True, slots=True)
class _Piece:
    kind: str  # "text", "char" (one character of a class) or one of the wildcards
    text: str = ""  # the text; for "char", the class as a regex
    char: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class _Pattern:
    pieces: tuple[_Piece, ...]
    negated: bool


def _compile(pattern: str) -> tuple[_Piece, ...] | None:
    """The pattern as pieces; None for one Docker refuses (`[]`, `[z-a]`), which excludes nothing.
    Equal pieces are one object: a long line of repeats costs a reference per piece."""
    pieces: list[_Piece] = []
    known: dict[tuple[str, str], _Piece] = {}
    folders_end = -1  # a `/` right after leading folders is theirs
    for found in _TOKEN.finditer(pattern):
        stars, _one, members, text = found.groups()
        if stars:
            kind, value = _stars(pattern, found.start(), found.end()), ""
            folders_end = found.end() if kind == _FOLDERS else -1
        elif text:
            kind, value = "text", text[1:] if found.start() == folders_end and text[0] == "/" else text
            if not value:
                continue
        else:
            kind, value = "char", _ONE_CHAR if members is None else _class(members[1:-1])
            if not value:
                return None
        if kind in (_ANY, _FOLDERS) and pieces and pieces[-1].kind == kind:
            continue  # twice in a row matches what once does
        piece = known.get((kind, value))
        if piece is None:
            try:
                char = re.compile(value) if kind == "char" else None
            except re.error:  # a reversed range
                return None
            piece = known[kind, value] = _Piece(kind, value, char)
        pieces.append(piece)
    return tuple(pieces)


def _class(members: str) -> str:
    """A class as a regex for one character; empty for one Docker refuses (`[]`)."""
    negated = members[:1] == "^"  # Go's syntax: `[!a]` holds `!` and `a`
    members = members[1:] if negated else members
    if not members:
        return ""
    # Only ranges keep their meaning: anything else is a literal, never regex syntax. A `-` after a
    # `-` is escaped: Python reads `--` as set syntax to come (and warns), Go as a range ending at it.
    literal = "".join(
        "-" if c == "-" and members[at - 1 : at] != "-" else re.escape(c) for at, c in enumerate(members)
    )
    return ("[^" if negated else "[") + literal + "]"


def _stars(pattern: str, start: int, end: int) -> str:
    """A run of `*` as one wildcard. Docker reads it two at a time: each `**` is any leading folders
    (eating a `/` after it), or anything at the end of the pattern, and a `*` left over is part of a
    name. Leading folders followed by part of a name (`***`) is anything, and so is a leading `**`
    before plain text, which Docker matches as a suffix of the path."""
    count = end - start
    if count == 1:
        return _STAR
    if (
        count % 2
        or end == len(pattern)
        or (start == 0 and count == 2 and pattern[end] != "/" and not _SPECIAL.intersection(pattern[end:]))
    ):
        return _ANY
    return _FOLDERS


def _pattern(raw: str) -> _Pattern | None:
    line = raw.strip()
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    body = line[1:].strip() if negated else line
    body = re.sub(r"^(\./|/)+", "", body).rstrip("/")
    pieces = _compile(body) if body else None
    return _Pattern(pieces, negated) if pieces is not None else None


@lru_cache(maxsize=1)  # the rules of one build context read the same file one after another
def _patterns(text: str) -> tuple[_Pattern, ...]:
    return tuple(p for p in map(_pattern, text.splitlines()) if p is not None)


class _Path:
    """One path as bit sets over its places 0..len (place k: after the first k characters), and
    the places where each text or class of the patterns can start, worked out once per path."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.size = len(path)
        self.every = (1 << (self.size + 1)) - 1
        slash_at = sum(1 << k for k, c in enumerate(path) if c == "/")
        self.in_name = self.every & ~(slash_at << 1) & ~1  # k: the character before k is not `/`
        self.after_slash = slash_at << 1
        self.ends = (1 << self.size) | slash_at  # a match on a folder covers everything under it
        self._starts: dict[str, int] = {}

    def starts(self, piece: _Piece) -> int:
        """The places where the piece's text (or one character of its class) is found."""
        key = piece.kind + piece.text
        known = self._starts.get(key)
        if known is None:
            known = 0
            if piece.char is not None:
                for k, c in enumerate(self.path):
                    if piece.char.fullmatch(c):
                        known |= 1 << k
            else:
                k = self.path.find(piece.text)
                while k != -1:
                    known |= 1 << k
                    k = self.path.find(piece.text, k + 1)
            self._starts[key] = known
        return known

    def matches(self, pieces: tuple[_Piece, ...]) -> bool:
        reach = 1  # the places where the pieces read so far can end
        for piece in pieces:
            if piece.kind == _STAR:
                reach = _spread(reach, self.in_name)
            elif piece.kind in (_ANY, _FOLDERS):
                later = self.every & ~((reach & -reach) - 1)  # the first place reached and beyond
                reach = later if piece.kind == _ANY else reach | (self.after_slash & (later << 1))
            else:
                reach = (reach & self.starts(piece)) << (len(piece.text) if piece.kind == "text" else 1)
            if not reach:
                return False
        return bool(reach & self.ends)


def _spread(reach: int, step: int) -> int:
    """`reach` and every place to its right joined by `step` (bit k: a move from k - 1 to k is
    allowed), in a logarithmic number of shifts."""
    width = 1
    while step and width <= reach.bit_length():
        reach |= (reach << width) & step
        step &= step << width
        width *= 2
    return reach


class DockerIgnore:
    def __init__(self, patterns: Iterable[_Pattern]) -> None:
        self.patterns = list(patterns)

    @classmethod
    def from_text(cls, text: str) -> DockerIgnore:
        return cls(_patterns(text))

    def excludes(self, path: str) -> bool:
        """Whether `path` (relative to the build context, '/' separators) stays out of the context."""
        places = _Path(path)
        for pattern in reversed(self.patterns):  # the last line that matches decides
            if places.matches(pattern.pieces):
                return not pattern.negated
        return False
