"""`opsmith approve [PATH] [--by NAME]`: gate 1, record approval of the design as it is now."""

from __future__ import annotations

from pathlib import Path

from opsmith import exit_codes
from opsmith.commands.errors import CommandError
from opsmith.design.approval import ApprovalError, approve, design_path, git_identity
from opsmith.design.model import Approval
from opsmith.design.render_yaml import DesignFileError
from opsmith.writer import WriteError


def run_approve(path: str = ".", by: str | None = None) -> int:
    try:
        file, approval, written = approve_design(path, by)
    except CommandError as exc:
        return exc.report()
    if written:
        print(f"approved {file.name} as {approval.by} at {approval.at} (sha256 {approval.sha256[:12]}…)")
        print("gate 1 passed: `opsmith generate` can build from this design; an edit needs a new approval.")
    else:
        print(f"{file.name} is already approved by {approval.by} at {approval.at}; nothing changed.")
    return 0


def approve_design(path: str, by: str | None) -> tuple[Path, Approval, bool]:
    """Records the approval (the design file, the approval, whether it was written now);
    CommandError when nobody can be named, the design is invalid or still needs input."""
    target = Path(path)
    if not target.exists():
        raise CommandError(f"no such file or folder: {path}")
    file = design_path(target)
    root = file.parent
    who = (by or "").strip() or git_identity(root)
    if not who:
        raise CommandError(
            "cannot tell who approves: set git config user.name and user.email, or pass --by NAME"
        )
    try:
        approval, written = approve(file, who)
    except ApprovalError as exc:
        raise CommandError(str(exc), exit_codes.REFUSED) from None
    except (DesignFileError, WriteError) as exc:
        raise CommandError(str(exc)) from None
    return file, approval, written
