"""What a rule or a parser may know about the file or the repository it reads.

Kept below `parse/` and `rules/`: parsers that read companion files (kustomize, helm) and rules
both take a `RepoContext`, and the audit engine provides it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol


class FileContext(Protocol):
    """What a per-file rule may know besides its document."""

    @property
    def path(self) -> str: ...  # relative to the scanned root, '/' separators

    @property
    def lines(self) -> Sequence[str]: ...

    def setting(self, key: str, default: Any = None) -> Any: ...


class RepoContext(Protocol):
    """What a repository-wide rule may know: every discovered file and every parsed document."""

    @property
    def root(self) -> Path: ...

    @property
    def files(self) -> Sequence[str]: ...

    @property
    def focus(self) -> Sequence[str]: ...  # the files findings are wanted for: named ones, or all

    def documents(self, family: str) -> Sequence[tuple[str, Any]]: ...

    def read_text(self, path: str) -> str | None: ...

    def exists(self, path: str) -> bool: ...

    def setting(self, key: str, default: Any = None) -> Any: ...
