"""`opsmith audit --fix` and `--diff`: apply, or only show, the automatic fixes that pass their
check (fix/apply.py)."""

from __future__ import annotations

import codecs
import sys
from collections.abc import Sequence

from opsmith import exit_codes
from opsmith.audit.engine import AuditResult
from opsmith.config import Config
from opsmith.fix.apply import FileFixes, plan_fixes
from opsmith.report.safe_text import shown
from opsmith.writer import WriteError, repository_target, write_atomic


def fix_or_diff(
    configs: Sequence[Config], results: Sequence[AuditResult], *, write: bool, unsafe: bool
) -> int | None:
    """With `write`, applies the fixes and returns None (the audit then runs again to report what
    is left); otherwise prints their diff and returns the exit code: 1 when anything would change."""
    planned = [
        fixes
        for config, result in zip(configs, results, strict=True)
        for fixes in plan_fixes(result, config, unsafe=unsafe)
    ]
    for fixes in planned:
        for note in fixes.refused:
            _say(f"{shown(fixes.path)}: {note}")
    changed = [fixes for fixes in planned if fixes.after != fixes.before]
    count = sum(len(fixes.applied) for fixes in changed)
    if not write:
        from opsmith.fix.diff import render_diff

        sys.stdout.write(render_diff(changed))
        _say(f"{count} fix(es) in {len(changed)} file(s) would be applied by --fix")
        return exit_codes.FINDINGS if changed else exit_codes.OK
    written = [fixes for fixes in changed if _written(fixes)]
    _say(f"fixed {sum(len(fixes.applied) for fixes in written)} finding(s) in {len(written)} file(s)")
    return None


def _written(fixes: FileFixes) -> bool:
    problem = _write(fixes)
    if problem is not None:
        _say(f"{shown(fixes.path)}: not fixed, {shown(problem)}")
    return problem is None


def _write(fixes: FileFixes) -> str | None:
    """Writes the fixed text over the file, unless it changed meanwhile; why not, or None."""
    try:
        target = repository_target(fixes.root, fixes.path)
        raw = target.read_bytes()
        if raw.decode("utf-8-sig") != fixes.before:
            return "it changed while it was being fixed"
        bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
        write_atomic(target, bom + fixes.after.encode("utf-8"))
    except (OSError, UnicodeDecodeError, WriteError) as exc:
        return str(exc)
    return None


def _say(text: str) -> None:
    print(f"opsmith: {text}", file=sys.stderr)
