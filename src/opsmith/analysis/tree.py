"""The repository as the detectors see it: the files `opsmith audit` would discover, read lazily
and at most once, with helpers that turn a match into evidence (path, line, what was seen)."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from opsmith.analysis.facts import Evidence
from opsmith.audit.discovery import discover
from opsmith.audit.source import BinaryFile, decode
from opsmith.safe_read import NotReadable, read_limited
from opsmith.secrets.masking import mask_secrets

MAX_READ = 512 * 1024  # larger files are not read: manifests and sources worth reading are smaller
_SHOWN = 120


def shown(text: str) -> str:
    """A line as evidence shows it: trimmed, shortened, with any credential masked."""
    line = mask_secrets(text.strip())
    return line if len(line) <= _SHOWN else line[: _SHOWN - 1] + "…"


class TextFile:
    def __init__(self, relpath: str, text: str) -> None:
        self.relpath = relpath
        self.text = text

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def evidence(self, line: int | None, text: str | None = None) -> Evidence:
        if text is None:
            text = self.lines[line - 1] if line is not None and 0 < line <= len(self.lines) else ""
        return Evidence(self.relpath, line, shown(text))

    def whole(self) -> Evidence:
        return Evidence(self.relpath, None, "")

    def find(self, pattern: str | re.Pattern[str], start: int = 1) -> int | None:
        """1-based number of the first line at or after `start` matching `pattern`."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        for number in range(max(start, 1), len(self.lines) + 1):
            if regex.search(self.lines[number - 1]):
                return number
        return None

    def at(self, pattern: str | re.Pattern[str], start: int = 1) -> Evidence:
        """Evidence for the first line matching `pattern`, or the whole file when none does."""
        line = self.find(pattern, start)
        return self.evidence(line) if line is not None else self.whole()

    def matches(self, regex: re.Pattern[str]) -> Iterator[tuple[re.Match[str], int]]:
        """Every match of `regex` in the text with its 1-based line."""
        starts = _line_starts(self.text)
        for match in regex.finditer(self.text):
            yield match, _line_of(starts, match.start())

    def json_key(self, *keys: str) -> Evidence:
        """Evidence for a nested JSON key such as ("scripts", "start"): each key is looked for
        after the line of its parent (good enough for the way manifests are written)."""
        line = 1
        found: int | None = None
        for key in keys:
            found = self.find(re.compile(rf'"{re.escape(key)}"\s*:'), line)
            if found is None:
                return self.whole()
            line = found + 1
        return self.evidence(found)

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    def toml(self) -> dict[str, Any]:
        try:
            return tomllib.loads(self.text)
        except (tomllib.TOMLDecodeError, ValueError):
            return {}


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return starts


def _line_of(starts: list[int], offset: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1


class Tree:
    """The discovered files of a root, addressed by '/'-separated relative paths."""

    def __init__(self, root: Path, files: Iterable[str] | None = None) -> None:
        self.root = root
        self.files: list[str] = sorted(files) if files is not None else [d.relpath for d in discover(root)]
        self._set = set(self.files)
        self._cache: dict[str, TextFile | None] = {}

    def exists(self, relpath: str) -> bool:
        return relpath in self._set

    def read(self, relpath: str) -> TextFile | None:
        """The file's text, or None when it is missing, binary, unreadable or too large."""
        if relpath in self._cache:
            return self._cache[relpath]
        result: TextFile | None = None
        if relpath in self._set:
            try:
                result = TextFile(relpath, decode(read_limited(self.root / relpath, MAX_READ)))
            except (OSError, NotReadable, BinaryFile):
                result = None
        self._cache[relpath] = result
        return result

    def first(self, folder: str, *names: str) -> TextFile | None:
        """The first of `names` (relative to `folder`) that exists and reads."""
        for name in names:
            found = self.read(join(folder, name))
            if found is not None:
                return found
        return None

    def under(self, folder: str) -> list[str]:
        if folder in ("", "."):
            return self.files
        prefix = folder.rstrip("/") + "/"
        return [f for f in self.files if f.startswith(prefix)]


def join(folder: str, name: str) -> str:
    return name if folder in ("", ".") else f"{folder}/{name}"


def parent(relpath: str) -> str:
    value = str(PurePosixPath(relpath).parent)
    return "." if value in ("", ".") else value
