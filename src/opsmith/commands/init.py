"""`opsmith init [PATH]`: the three steps a newcomer needs, stopping at each gate.

analyze -> design (asks the scale questions in a terminal) -> gate 1, approval (asked, or `--yes`,
which is recorded as such) -> generate -> gate 2, audit of everything generated -> gate 3, monitoring
covers every critical service -> next steps.

On a repository that has a design, inputs that would change it show the difference and ask in a
terminal; elsewhere init refuses (exit 3) unless `--force`. A value that only fills what the design
lacked (a port, a health path from .opsmith.toml) is taken without asking.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from opsmith import exit_codes
from opsmith.commands.errors import internal_error, usage_error
from opsmith.findings import Severity
from opsmith.writer import WriteError, repository_target

if TYPE_CHECKING:
    from opsmith.audit.engine import AuditResult
    from opsmith.design.model import Approval

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
    force: bool = False,
    k8s: bool = False,
    pin_digests: str | None = None,
    debug: bool = False,
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
    from opsmith.design.approval import check_approved
    from opsmith.generate.apply import MANIFEST

    try:  # opsmith's own folder must not lead out of the repository before any step writes
        log = repository_target(root, APPROVAL_LOG)
        repository_target(root, MANIFEST)
    except WriteError as exc:
        return usage_error(str(exc))

    _step(stream, 1, "design", f"analysing {root} and deciding the infrastructure")
    earlier = check_approved(root).approval  # to tell an approval over a changed design
    answers = {"users": users, "regions": regions, "compliance": compliance, "cloud": cloud, "name": name}
    code, replaced = _design(root, answers, force=force, interactive=interactive, ask=ask, stream=stream)
    if code != 0:
        return code
    _step(stream, 2, "gate 1", "approval of the design")
    status = check_approved(root)
    if not status.approved:
        code = _approve(
            root,
            log,
            status.message,
            yes,
            interactive=interactive,
            ask=ask,
            stream=stream,
            earlier=earlier,
            replaced=replaced,
        )
        if code != 0:
            return code
    _step(stream, 3, "generate", "containers, CI/CD, infrastructure and runbooks")
    from opsmith.commands.generate import run_generate

    code = run_generate(str(root), k8s=k8s, pin_digests=pin_digests, out=stream)
    if code != 0:
        return code
    _step(stream, 4, "gate 2", "audit of what was generated")
    result = _audit_generated(root, stream)
    serious = sum(1 for f in result.findings if f.severity >= Severity.WARNING)
    _step(stream, 5, "gate 3", "monitoring of every critical service")
    covered = _verify_monitoring(root, stream)
    _next_steps(root, serious, covered, stream)
    if result.crashes:  # every finding is shown, but a crashed rule must not pass gate 2
        return internal_error(result.crashes[0].where, [c.error for c in result.crashes], debug=debug)
    return exit_codes.FINDINGS if serious or not covered else exit_codes.OK


def _design(
    root: Path,
    answers: dict[str, Any],
    *,
    force: bool,
    interactive: bool,
    ask: Callable[[str], str],
    stream: TextIO,
) -> tuple[int, bool]:
    """Step 1: (exit code, whether an existing design was replaced). An existing design is kept
    as it is (hand edits included) unless the inputs given differ from its own, or a re-design
    only fills what it lacked."""
    from opsmith.commands.design import design_repository
    from opsmith.commands.errors import CommandError
    from opsmith.design.render_yaml import DESIGN_FILE

    existed = (root / DESIGN_FILE).is_file()

    def confirm() -> bool:
        reply = ask(f"? Replace {DESIGN_FILE} with the design above (its approval is cleared)? [y/N]: ")
        return reply.strip().lower() in ("y", "yes")

    try:
        done = design_repository(
            str(root),
            **answers,
            force=force,
            interactive=interactive,
            ask=ask,
            out=stream,
            confirm=confirm if interactive else None,
            keep_differing=existed and not _inputs_differ(root, answers),
        )
    except CommandError as exc:
        return exc.report(), False
    if done.outcome == "refused":
        return exit_codes.REFUSED, False
    return exit_codes.OK, existed and done.outcome == "written"


def _inputs_differ(root: Path, answers: dict[str, Any]) -> bool:
    """Whether an answer given differs from what the existing design was made for (a design
    that does not load counts as differing: it is not kept silently)."""
    from opsmith.design.render_yaml import DESIGN_FILE, DesignFileError, load, read_design

    try:
        design = load(read_design(root / DESIGN_FILE), DESIGN_FILE)
    except DesignFileError:
        return True
    given = {k: v for k, v in answers.items() if v is not None and k != "name"}
    if any(getattr(design.inputs, key) != value for key, value in given.items()):
        return True
    return answers.get("name") is not None and answers["name"] != design.app


def _verify_monitoring(root: Path, stream: TextIO) -> bool:
    """Gate 3 on what was generated (and any monitoring the repository already had)."""
    from opsmith.commands.errors import CommandError
    from opsmith.commands.verify import verify_coverage
    from opsmith.monitoring.report import to_text

    try:
        coverage, _ = verify_coverage(str(root))
    except CommandError as exc:
        print(f"gate 3 not checked: {exc}", file=stream)
        return False
    stream.write(to_text(coverage))
    return coverage.covered


def _step(stream: TextIO, number: int, title: str, what: str) -> None:
    print(f"\n== {number}/5 {title}: {what}", file=stream)


def _approve(
    root: Path,
    log: Path,
    message: str,
    yes: bool,
    *,
    interactive: bool,
    ask: Callable[[str], str],
    stream: TextIO,
    earlier: Approval | None = None,
    replaced: bool = False,
) -> int:
    from opsmith.commands.approve import run_approve
    from opsmith.design.approval import git_identity

    who = git_identity(root) or "unknown user"
    if yes:
        by = f"{who} (opsmith init --yes)"
        print(f"approved as is because of --yes (logged in {APPROVAL_LOG})", file=stream)
    elif interactive:
        print(message, file=stream)
        reply = ask("? Approve this design (opsmith.yaml, docs/infrastructure.md)? [y/N]: ").strip().lower()
        if reply not in ("y", "yes"):
            print(
                "stopped at gate 1: edit opsmith.yaml as you see fit, then run `opsmith approve` and "
                "`opsmith generate`",
                file=stream,
            )
            return exit_codes.REFUSED
        by = who
    else:
        print(message, file=stream)
        print(
            "stopped at gate 1: review opsmith.yaml and docs/infrastructure.md, then run "
            "`opsmith approve` and `opsmith generate` (or `opsmith init --yes` to approve as is)",
            file=stream,
        )
        return exit_codes.REFUSED
    code = run_approve(str(root), by)
    if code == 0 and yes:
        try:
            _log_bypass(root, log, by, earlier, replaced)
        except OSError as exc:
            return usage_error(f"cannot write {log}: {exc.strerror or exc}")
    return code


def _log_bypass(root: Path, log: Path, by: str, earlier: Approval | None, replaced: bool) -> None:
    """`--yes` skips a person's review: leave a trace a reviewer will find, and say so louder when
    what it approves is not the design approved before (replaced by init or edited since)."""
    from opsmith.design.approval import check_approved

    status = check_approved(root)
    digest = status.approval.sha256 if status.approval else "?"
    event = f"gate 1 approved without review by {by}, design sha256 {digest}"
    if earlier is not None and earlier.sha256 != digest:
        event += f", over a changed design (approved before as sha256 {earlier.sha256} by {earlier.by})"
    elif replaced:
        event += ", over a changed design (the earlier design was replaced by this run)"
    append_approval_log(log, event)


def append_approval_log(log: Path, event: str) -> None:
    """One timestamped line in .opsmith/approvals.log, for approvals no terminal saw."""
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    line = f"{moment} {event}\n"
    log.parent.mkdir(parents=True, exist_ok=True)
    # O_NONBLOCK: a FIFO planted at this name fails at once instead of waiting for a reader
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o666)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def _audit_generated(root: Path, stream: TextIO) -> AuditResult:
    from opsmith.audit.engine import Target, audit
    from opsmith.config import find_config, load_config
    from opsmith.generate.apply import load_manifest
    from opsmith.report.text import render_text

    files = tuple(root / rel for rel in sorted(load_manifest(root)) if (root / rel).is_file())
    result = audit(Target(root, files), load_config(find_config(root)))
    result.notes = [n for n in result.notes if "not a file type opsmith audits" not in n]
    stream.write(render_text(result, color=False))
    return result


def _next_steps(root: Path, serious: int, covered: bool, stream: TextIO) -> None:
    from opsmith.design.render_yaml import DESIGN_FILE, DesignFileError, load_file
    from opsmith.generate.bootstrap_doc import next_steps

    print("\nNext steps:", file=stream)
    if serious:
        print(
            f"  - fix the {serious} finding(s) above (or tell opsmith why with `opsmith: ignore[ID]`)",
            file=stream,
        )
    if not covered:
        print("  - close the monitoring gaps above, then run `opsmith verify monitoring`", file=stream)
    try:  # per tier: what comes next differs between one server and a multi-region mesh
        steps = next_steps(load_file(root / DESIGN_FILE))
    except DesignFileError as exc:  # changed since generate read it a moment ago
        steps = [f"fix {DESIGN_FILE}: {exc}"]
    for step in steps:
        print(f"  - {step}", file=stream)
