"""A small RepoContext over a folder written by the test, for Terraform helpers that need one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers import write_tree
from opsmith.audit.source import SourceFile
from opsmith.parse.terraform import TerraformDoc, parse


class TreeRepo:
    def __init__(self, root: Path, files: dict[str, str | bytes], settings: dict[str, Any] | None = None):
        write_tree(root, files)
        self.root = root
        self.files = sorted(files)
        self._settings = settings or {}
        self._docs: list[tuple[str, Any]] = []
        for path in self.files:
            if path.endswith(".tf"):
                doc = parse(SourceFile(path, (root / path).read_text()))
                if isinstance(doc, TerraformDoc):
                    self._docs.append((path, doc))

    def documents(self, family: str) -> list[tuple[str, Any]]:
        return self._docs if family == "terraform" else []

    def read_text(self, path: str) -> str | None:
        target = self.root / path
        return target.read_text() if target.is_file() else None

    def exists(self, path: str) -> bool:
        return (self.root / path).is_file()

    def setting(self, key: str, default: Any = None) -> Any:
        return self._settings.get(key, default)
