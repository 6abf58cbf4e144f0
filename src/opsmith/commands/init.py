"""`opsmith init [PATH]`: the three steps a newcomer needs, stopping at each gate.

analyze -> design (asks the scale questions in a terminal) -> gate 1, approval (asked, or `--yes`,
which is recorded as such) -> generate -> gate 2, audit of everything generated -> next steps.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from opsmith.commands.errors import usage_error

EXIT_STOPPED = 1
APPROVAL_LOG = ".opsmith/approvals.log"


def run_init(
    path: str = ".",
    *,
    users: int | None = None,
    regions: int | None = None,
    compliance: str | None = None,
    cloud: str | None = None,
    name: str | None = None,
    yes: bool = False,
    k8s: bool = False,
    interactive: bool | None = None,
    ask: Callable[[str], str] = input,
    out: TextIO | None = None,
) -> int:
    stream = out or sys.stdout
    root = Path(path)
    if not root.is_dir():
        return usage_error(f"not a folder: {path}")
    if interactive is None:
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
    from opsmith.commands.design import run_design
    from opsmith.design.approval import check_approved
    from opsmith.design.render_yaml import DESIGN_FILE

    _step(stream, 1, "design", f"analysing {root} and deciding the infrastructure")
    if (root / DESIGN_FILE).is_file():
        print(f"using the existing {DESIGN_FILE} (run `opsmith design --force` to redo it)", file=stream)
    else:
        code = run_design(
            str(root),
            users=users,
            regions=regions,
            compliance=compliance,
            cloud=cloud,
            name=name,
            interactive=interactive,
            ask=ask,
            out=stream,
        )
        if code != 0:
            return code
    _step(stream, 2, "gate 1", "approval of the design")
    status = check_approved(root)
    if not status.approved:
        code = _approve(root, status.message, yes, interactive=interactive, ask=ask, stream=stream)
        if code != 0:
            return code
    _step(stream, 3, "generate", "containers, CI/CD, infrastructure and runbooks")
    from opsmith.commands.generate import run_generate

    code = run_generate(str(root), k8s=k8s, out=stream)
    if code != 0:
        return code
    _step(stream, 4, "gate 2", "audit of what was generated")
    serious = _audit_generated(root, stream)
    _next_steps(root, serious, stream)
    return 1 if serious else 0


def _step(stream: TextIO, number: int, title: str, what: str) -> None:
    print(f"\n== {number}/4 {title}: {what}", file=stream)


def _approve(
    root: Path, message: str, yes: bool, *, interactive: bool, ask: Callable[[str], str], stream: TextIO
) -> int:
    from opsmith.commands.approve import run_approve
    from opsmith.design.approval import git_identity

    print(message, file=stream)
    who = git_identity(root) or "unknown user"
    if yes:
        by = f"{who} (opsmith init --yes)"
    elif interactive:
        reply = ask("? Approve this design (opsmith.yaml, docs/infrastructure.md)? [y/N]: ").strip().lower()
        if reply not in ("y", "yes"):
            print(
                "stopped at gate 1: edit opsmith.yaml as you see fit, then run `opsmith approve` and "
                "`opsmith generate`",
                file=stream,
            )
            return EXIT_STOPPED
        by = who
    else:
        print(
            "stopped at gate 1: review opsmith.yaml and docs/infrastructure.md, then run "
            "`opsmith approve` and `opsmith generate` (or `opsmith init --yes` to approve as is)",
            file=stream,
        )
        return EXIT_STOPPED
    code = run_approve(str(root), by)
    if code == 0 and yes:
        _log_bypass(root, by)
    return code


def _log_bypass(root: Path, by: str) -> None:
    """`--yes` skips a person's review: leave a trace a reviewer will find."""
    from opsmith.design.approval import check_approved

    status = check_approved(root)
    digest = status.approval.sha256 if status.approval else "?"
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    log = root / APPROVAL_LOG
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"{moment} gate 1 approved without review by {by}, design sha256 {digest}\n")


def _audit_generated(root: Path, stream: TextIO) -> int:
    from opsmith.audit.engine import Target, audit
    from opsmith.config import find_config, load_config
    from opsmith.findings import Severity
    from opsmith.generate.apply import load_manifest
    from opsmith.report.text import render_text

    files = tuple(root / rel for rel in sorted(load_manifest(root)) if (root / rel).is_file())
    result = audit(Target(root, files), load_config(find_config(root)))
    result.notes = [n for n in result.notes if "not a file type opsmith audits" not in n]
    stream.write(render_text(result, color=False))
    return sum(1 for f in result.findings if f.severity >= Severity.WARNING)


def _next_steps(root: Path, serious: int, stream: TextIO) -> None:
    print("\nNext steps:", file=stream)
    if serious:
        print(
            f"  - fix the {serious} finding(s) above (or tell opsmith why with `opsmith: ignore[ID]`)",
            file=stream,
        )
    print(
        "  - copy .env.example to .env, fill in the secrets, and `docker compose up -d` to try it",
        file=stream,
    )
    print(
        "  - commit the generated files; add the CI secrets and protect the `production` "
        "environment in GitHub (Settings > Environments: required reviewers)",
        file=stream,
    )
    print(
        "  - read docs/rollback.md before the first deploy, and `opsmith audit` on every change", file=stream
    )
