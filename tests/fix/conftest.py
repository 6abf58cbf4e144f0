"""Runs `opsmith audit --fix/--diff` on a small repository, as a user would, and reads the result."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import write_tree
from opsmith.cli import main


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    root: Path

    def text(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def findings(self, rule: str) -> list[str]:
        """The messages of `rule`'s findings in the repository as it is now."""
        code = main(["audit", str(self.root), "-f", "json", "--fail-on", "never", "--select", rule])
        assert code == 0
        return [f["message"] for f in json.loads(self._capsys.readouterr().out)["findings"]]

    _capsys: pytest.CaptureFixture[str]


Run = Callable[..., Outcome]


@pytest.fixture
def fix_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """`fix_run(files, *flags)`: writes the files (dedented) and runs `opsmith audit ROOT *flags`."""

    def run(files: dict[str, str | bytes], *flags: str) -> Outcome:
        root = write_tree(tmp_path, files) if files else tmp_path
        capsys.readouterr()
        code = main(["audit", str(root), "--fail-on", "never", *flags])
        out = capsys.readouterr()
        return Outcome(code, out.out, out.err, root, capsys)

    return run
