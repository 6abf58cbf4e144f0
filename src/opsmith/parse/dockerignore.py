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


def _compile(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            if i < len(pattern) and pattern[i] == "/":
                i += 1
                out[-1] = "(?:.*/)?"
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i)
            if end == -1:
                out.append(re.escape(char))
            else:
                out.append("[" + pattern[i + 1 : end].replace("!", "^", 1) + "]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    # A match on a folder covers everything under it.
    return re.compile("^" + "".join(out) + "(?:/.*)?$")


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
            if body:
                self.patterns.append(_Pattern(_compile(body), negated))

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
