"""Gate 1: a person approves the design before anything is generated from it.

`opsmith approve` records who approved, when, and the SHA-256 of the design's content (the parsed
YAML without the approval block, as canonical JSON: comments, key order and line endings do not
count, every value does). `check_approved` recomputes it: any change to any value after approval
is a mismatch, and generation refuses with the gate's name and the command to run.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from opsmith.design.model import Approval, Design
from opsmith.design.render_yaml import DESIGN_FILE, DesignFileError, load_data, read_design, validate
from opsmith.writer import repository_target, write_atomic

GATE = "gate 1 (design approval)"
APPROVAL_KEY = "approval"
_APPROVAL_COMMENT = (
    "# Gate 1, recorded by `opsmith approve`: who approved, when, and the hash of everything above."
)
State = Literal["approved", "missing", "invalid", "unapproved", "changed", "unresolved"]


class ApprovalError(Exception):
    """Approval cannot be recorded; the message says why and what to do."""


@dataclass(frozen=True)
class ApprovalStatus:
    state: State
    message: str
    design: Design | None = None
    approval: Approval | None = None

    @property
    def approved(self) -> bool:
        return self.state == "approved"


def design_path(path: Path) -> Path:
    """A repository folder means its opsmith.yaml; a file is the design itself."""
    return path / DESIGN_FILE if path.is_dir() else path


def content_hash(data: Mapping[str, Any]) -> str:
    content = {k: v for k, v in data.items() if k != APPROVAL_KEY}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_approved(path: Path) -> ApprovalStatus:
    """Whether the design at `path` (a repository folder or the design file) is approved as it is
    now. Generation calls this and refuses unless `.approved`."""
    file = design_path(path)
    if not file.is_file():
        return ApprovalStatus(
            "missing", f"{GATE} is not passed: there is no {file.name}; run `opsmith design`"
        )
    try:
        data = load_data(read_design(file), str(file))
        design = validate(data, str(file))
    except DesignFileError as exc:
        return ApprovalStatus("invalid", f"{GATE} is not passed: {exc}; fix it, then run `opsmith approve`")
    approval = design.approval
    if approval is None:
        return ApprovalStatus(
            "unapproved",
            f"{GATE} is not passed: {file.name} has not been approved; review it and run `opsmith approve`",
            design,
        )
    if approval.sha256 != content_hash(data):
        return ApprovalStatus(
            "changed",
            f"{GATE} is not passed: {file.name} changed after {approval.by} approved it at {approval.at};"
            " review the change and run `opsmith approve` again",
            design,
            approval,
        )
    unresolved = design.unresolved()
    if unresolved:
        return ApprovalStatus(
            "unresolved", f"{GATE} is not passed: {file.name} still needs {unresolved[0]}", design
        )
    return ApprovalStatus(
        "approved", f"{GATE} passed: approved by {approval.by} at {approval.at}", design, approval
    )


def approve(path: Path, by: str, now: datetime | None = None) -> tuple[Approval, bool]:
    """Record approval of the design as it is now. Returns (approval, written); written is False
    when a valid approval of this same content is already there. Raises DesignFileError for a
    missing or invalid design, ApprovalError for one that still needs input, WriteError when the
    file cannot be written (or is a symlink leading out of its folder)."""
    file = design_path(path)
    target = repository_target(file.parent, file.name)
    text = read_design(file)
    data = load_data(text, str(file))
    design = validate(data, str(file))
    unresolved = design.unresolved()
    if unresolved:
        listing = "; ".join(unresolved)
        raise ApprovalError(f"{file.name} cannot be approved yet, it still needs: {listing}")
    digest = content_hash(data)
    if design.approval is not None and design.approval.sha256 == digest:
        return design.approval, False
    moment = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    approval = Approval(by=by, at=moment, sha256=digest)
    updated = with_approval(text, approval)
    check = load_data(updated, str(file))
    if content_hash(check) != digest:  # never let recording the approval change the design
        raise ApprovalError(f"{file.name}: the approval block could not be added without changing the design")
    write_atomic(target, updated)
    return approval, True


def with_approval(text: str, approval: Approval) -> str:
    """`text` with its approval block (if any) replaced by `approval`, appended at the end; every
    other line is kept as it was."""
    import yaml

    body = strip_approval(text).rstrip("\n")
    block = yaml.safe_dump(
        {APPROVAL_KEY: approval.model_dump(mode="json")}, sort_keys=False, allow_unicode=True
    )
    return f"{body}\n\n{_APPROVAL_COMMENT}\n{block}"


_TOP_LEVEL = re.compile(r"^[^\s#]")


def strip_approval(text: str) -> str:
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(rf"^{APPROVAL_KEY}\s*:", line)), None)
    if start is None:
        return text
    end = start + 1
    while end < len(lines) and not _TOP_LEVEL.match(lines[end]):
        end += 1
    while end > start + 1 and lines[end - 1].lstrip().startswith("#"):
        end -= 1  # comments right before the next key belong to that key
    head = start
    if head > 0 and lines[head - 1].rstrip("\r\n") == _APPROVAL_COMMENT:
        head -= 1
    return "".join(lines[:head] + lines[end:])


def git_identity(root: Path) -> str | None:
    """`Name <email>` from git config (what a commit would record), or None."""
    values = []
    for key in ("user.name", "user.email"):
        try:
            result = subprocess.run(
                ["git", "config", "--get", key],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        values.append(result.stdout.strip())
    name, email = values
    if name and email:
        return f"{name} <{email}>"
    return name or email or None
