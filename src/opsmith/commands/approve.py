"""`opsmith approve [PATH] [--by NAME]`: gate 1, record approval of the design as it is now."""

from __future__ import annotations

import sys
from pathlib import Path

from opsmith import exit_codes
from opsmith.commands.errors import usage_error
from opsmith.design.approval import ApprovalError, approve, design_path, git_identity
from opsmith.design.render_yaml import DesignFileError
from opsmith.writer import WriteError


def run_approve(path: str = ".", by: str | None = None) -> int:
    target = Path(path)
    if not target.exists():
        return usage_error(f"no such file or folder: {path}")
    file = design_path(target)
    root = file.parent
    who = (by or "").strip() or git_identity(root)
    if not who:
        return usage_error(
            "cannot tell who approves: set git config user.name and user.email, or pass --by NAME"
        )
    try:
        approval, written = approve(file, who)
    except ApprovalError as exc:
        print(f"opsmith: {exc}", file=sys.stderr)
        return exit_codes.REFUSED
    except (DesignFileError, WriteError) as exc:
        return usage_error(str(exc))
    if written:
        print(f"approved {file.name} as {approval.by} at {approval.at} (sha256 {approval.sha256[:12]}…)")
        print("gate 1 passed: `opsmith generate` can build from this design; an edit needs a new approval.")
    else:
        print(f"{file.name} is already approved by {approval.by} at {approval.at}; nothing changed.")
    return 0
