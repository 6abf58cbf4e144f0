"""Shared test helpers: write a small repository, audit it, look at what came out."""

from __future__ import annotations

import contextlib
import io
import textwrap
from pathlib import Path

import pytest

from opsmith.audit.engine import AuditResult, Target, audit
from opsmith.config import Config


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def audit_tree(root: Path, config: Config | None = None) -> AuditResult:
    return audit(Target(root), config or Config())


def found(result: AuditResult, rule: str | None = None) -> list[tuple[str, str, int | None]]:
    """(rule, path, line) of every finding, optionally of one rule only."""
    return [(f.rule, f.path, f.line) for f in result.findings if rule is None or f.rule == rule]


def files_under(folder: Path) -> set[str]:
    """Every file and folder below `folder`, relative: to show a command wrote nothing."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def plant_rule_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make DF003 raise, as a bug in a rule would: the engine must note it and go on."""
    from opsmith.rules import dockerfile_facts

    def planted_bug(*_: object) -> bool:
        raise RuntimeError("planted bug")

    monkeypatch.setattr(dockerfile_facts, "is_root_user", planted_bug)


def init_generated(repo: Path, **needs: object) -> str:
    """`opsmith init --yes` on `repo` (500 users on AWS unless `needs` says otherwise); asserts
    that it generated everything and passed gate 2. Gate 3 may still name monitoring gaps (exit 1):
    most example apps export no metrics. Returns init's output."""
    from opsmith.commands.init import run_init

    out = io.StringIO()
    answers = {"users": 500, "cloud": "aws", **needs}
    with contextlib.redirect_stdout(out):  # the approval notice goes to stdout, not to `out`
        code = run_init(str(repo), yes=True, interactive=False, out=out, **answers)  # type: ignore[arg-type]
    text = out.getvalue()
    only_gate_3 = code == 1 and "close the monitoring gaps above" in text and "finding(s) above" not in text
    assert code == 0 or only_gate_3, text
    return text
