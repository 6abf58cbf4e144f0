"""Fixes as data: a fixer reads a file's text and one finding and returns the edits that fix it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from opsmith.findings import Finding


@dataclass(frozen=True)
class Edit:
    """Replace `text[start:end]` with `replacement` (offsets into the file's decoded text)."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Fixer:
    """What a rule declares about its automatic fix. `safe` fixes keep the artifact's behaviour (or
    check the precondition that makes it so before offering an edit); the others change behaviour
    and only run with `--unsafe-fixes`. `make` returns None when the finding cannot be fixed
    mechanically, or not safely."""

    title: str
    safe: bool
    make: Callable[[str, Finding], Sequence[Edit] | None]
    # What the fix needs beyond the file's text, checked in the repository first: (root, the
    # file's path under it, its text, the finding) -> whether the fix may be offered.
    holds: Callable[[Path, str, str, Finding], bool] | None = None


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """The text with non-overlapping edits applied (from the end, so offsets stay valid)."""
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text


class Lines:
    """A text's lines with their offsets, for edits that replace or insert whole lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.newline = "\r\n" if "\r\n" in text else "\n"

    def __len__(self) -> int:
        return len(self.lines)

    def get(self, number: int) -> str:
        """Line `number` (1-based) without its line break; "" past the end."""
        if not 1 <= number <= len(self.lines):
            return ""
        return self.lines[number - 1].rstrip("\r\n")

    def replace(self, number: int, new: str) -> Edit:
        """An edit that replaces line `number`'s content, keeping its line break."""
        start = self.starts[number - 1]
        return Edit(start, start + len(self.get(number)), new)

    def insert_before(self, number: int, new_lines: Sequence[str]) -> Edit:
        """An edit that inserts whole lines before line `number` (len + 1: at the end)."""
        start = self.starts[min(number, len(self.lines) + 1) - 1]
        prefix = self.newline if start and not self.text[:start].endswith("\n") else ""
        return Edit(start, start, prefix + "".join(line + self.newline for line in new_lines))


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
