"""`terraform fmt -check` over the audited files, in one invocation (TF013, opt-in).

Run offline (CHECKPOINT_DISABLE=1; `fmt` never needs the network) from the audited root with the
files as arguments, so results come back as the same relative paths. `-diff` gives the first line
that would change in each file. When Terraform rejects one of the files (its parser is stricter than
python-hcl2 in places), the check is retried per directory so the other directories still count.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from posixpath import dirname

TIMEOUT_SECONDS = 60
_OLD_FILE = re.compile(r"^--- old/(.+?)\s*$")
_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@")


def terraform_binary() -> str | None:
    return shutil.which("terraform")


def unformatted(root: Path, paths: Sequence[str], binary: str | None = None) -> dict[str, int]:
    """{path: first line `terraform fmt` would change} for the given .tf files."""
    binary = binary or terraform_binary()
    if binary is None or not paths:
        return {}
    result = _run(binary, root, paths)
    if result is not None:
        return result
    merged: dict[str, int] = {}
    by_dir: dict[str, list[str]] = {}
    for path in paths:
        by_dir.setdefault(dirname(path), []).append(path)
    if len(by_dir) > 1:
        for group in by_dir.values():
            merged.update(_run(binary, root, group) or {})
    return merged


def _run(binary: str, root: Path, paths: Sequence[str]) -> dict[str, int] | None:
    """The files that need formatting, or None when Terraform could not read them all."""
    import subprocess  # TF013 is opt-in (--terraform-fmt): other audits never start a process

    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    try:
        done = subprocess.run(
            [binary, "fmt", "-check", "-diff", "-no-color", "--", *paths],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode not in (0, 3):
        return None
    return first_changed_lines(done.stdout)


def first_changed_lines(diff: str) -> dict[str, int]:
    """{path: first changed old line} from the unified diff `terraform fmt -diff` prints."""
    out: dict[str, int] = {}
    current: str | None = None
    line = 0
    for raw in diff.splitlines():
        file_match = _OLD_FILE.match(raw)
        if file_match:
            current = file_match.group(1)
            continue
        if current is None or current in out or raw.startswith("+++"):
            continue
        hunk = _HUNK.match(raw)
        if hunk:
            line = int(hunk.group(1))
        elif raw.startswith(("-", "+")):
            out[current] = max(line, 1)
        elif raw.startswith(" "):
            line += 1
    return out
