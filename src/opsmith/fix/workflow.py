"""Fixes for GitHub Actions workflows, as line edits so comments and layout stay as written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from opsmith.findings import Finding
from opsmith.fix.action_pins import commit_for
from opsmith.fix.edits import Edit, Fixer, Lines, indent_of
from opsmith.fix.yaml_document import mapping_of, strings_in

_USES = re.compile(r"^(\s*(?:-\s+)?uses:\s*)([\"']?)([\w.-]+/[\w./-]+)@([\w.-]+)\2\s*$")
_JOBS_KEY = re.compile(r"^[\"']?jobs[\"']?\s*:\s*(#.*)?$")
# Actions that need nothing from GITHUB_TOKEN beyond reading the repository.
_READ_ONLY_ACTIONS = re.compile(
    r"(actions/(checkout|cache|setup-[\w-]+|upload-artifact)|astral-sh/setup-uv|pnpm/action-setup"
    r"|ruby/setup-ruby|dtolnay/rust-toolchain|hashicorp/setup-terraform|azure/setup-(helm|kubectl)"
    r"|docker/setup-(buildx|qemu)-action)(@|$)",
    re.IGNORECASE,
)
# Anything that may use the token to write, or hand it to a tool that might.
_WRITES = re.compile(
    r"github\.token|GITHUB_TOKEN|GH_TOKEN|id-token|\bgit\s+push\b|\bgh\s|\bgh$|api\.github\.com"
    r"|\bdeploy|\brelease|\bpublish",
    re.IGNORECASE | re.MULTILINE,
)
TIMEOUT_MINUTES = 60


def _pin(text: str, finding: Finding) -> Sequence[Edit] | None:
    if finding.line is None:
        return None
    lines = Lines(text)
    match = _USES.match(lines.get(finding.line))
    if match is None:
        return None  # a trailing comment (maybe already a tag note) or a form we do not rewrite
    lead, quote, action, ref = match.groups()
    known = commit_for(action, ref)
    if known is None:
        return None
    sha, tag = known
    return [lines.replace(finding.line, f"{lead}{quote}{action}@{sha}{quote} # {tag}")]


def _read_permissions(text: str, finding: Finding) -> Sequence[Edit] | None:
    workflow = mapping_of(text)
    if workflow is None or "permissions" in workflow or not _reads_only(workflow):
        return None
    lines = Lines(text)
    jobs = next((n for n in range(1, len(lines) + 1) if _JOBS_KEY.match(lines.get(n))), None)
    if jobs is None:
        return None
    step = _child_indent(lines, jobs) or 2
    above = jobs
    while above > 1 and lines.get(above - 1).startswith("#"):
        above -= 1  # keep a comment with the key it introduces
    return [lines.insert_before(above, ["permissions:", " " * step + "contents: read", ""])]


def _reads_only(workflow: dict[Any, Any]) -> bool:
    jobs = workflow.get("jobs")
    if not isinstance(jobs, dict) or any(_WRITES.search(text) for text in strings_in(jobs)):
        return False  # job names, scripts, inputs and env included
    for job in jobs.values():
        if not isinstance(job, dict) or "uses" in job or "environment" in job:
            return False  # a called workflow or a deployment may need more
        for step in job.get("steps") or []:
            if not isinstance(step, dict):
                return False
            uses = step.get("uses")
            if uses is not None and not _READ_ONLY_ACTIONS.match(str(uses)):
                return False
    return True


def _timeout(text: str, finding: Finding) -> Sequence[Edit] | None:
    if finding.line is None:
        return None
    lines = Lines(text)
    key = lines.get(finding.line)
    if not key.rstrip().endswith(":") and "#" not in key:
        return None  # a flow mapping on the job's line
    step = _child_indent(lines, finding.line)
    if step is None:
        return None
    insert = [" " * (indent_of(key) + step) + f"timeout-minutes: {TIMEOUT_MINUTES}"]
    return [lines.insert_before(finding.line + 1, insert)]


def _child_indent(lines: Lines, number: int) -> int | None:
    """How much deeper than line `number` its block's first entry is indented (None: no block)."""
    for n in range(number + 1, len(lines) + 1):
        line = lines.get(n)
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        deeper = indent_of(line) - indent_of(lines.get(number))
        return deeper if deeper > 0 else None
    return None


PIN_ACTION = Fixer("pin the action to the commit of its release tag", safe=True, make=_pin)
READ_PERMISSIONS = Fixer(
    "restrict GITHUB_TOKEN to `permissions: {contents: read}`", safe=True, make=_read_permissions
)
JOB_TIMEOUT = Fixer(f"add `timeout-minutes: {TIMEOUT_MINUTES}` to the job", safe=False, make=_timeout)
