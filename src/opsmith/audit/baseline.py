"""Baselines: adopt opsmith on a repository with a history, failing only on what is new.

A baseline records each accepted finding as its rule, its path and a fingerprint: a hash of the
rule, the path and the offending line's text with its spacing normalised (the message when the
finding has no line). Lines that move keep their fingerprint; an edited line gets a new one and is
reported again. Only hashes are stored, never the text, so a secret on a baselined line does not
end up in the file. Identical findings are counted: two accepted copies of a line do not hide a
third.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from opsmith.audit.engine import AuditResult
from opsmith.findings import Finding
from opsmith.report.safe_text import json_path
from opsmith.safe_read import NotReadable, read_text_limited

VERSION = 1
_MAX_BASELINE = 64 * 1024 * 1024

Key = tuple[str, str, str]  # rule, path, fingerprint
_FIELDS = ("rule", "path", "fingerprint")


class BaselineError(Exception):
    """The baseline file cannot be read or is not one."""


def keys(result: AuditResult) -> list[Key]:
    """The baseline key of each finding, in the result's order."""
    lines: dict[str, list[str]] = {}
    out = []
    for finding in result.findings:
        if finding.path not in lines:
            lines[finding.path] = result.source_lines(finding.path)
        out.append(_key(finding, lines[finding.path]))
    return out


def _key(finding: Finding, lines: list[str]) -> Key:
    if finding.line is not None and 0 < finding.line <= len(lines):
        subject = " ".join(lines[finding.line - 1].split())
    else:
        subject = " ".join(finding.message.split())
    digest = hashlib.sha256("\0".join((finding.rule, finding.path, subject)).encode("utf-8", "surrogatepass"))
    return finding.rule, finding.path, digest.hexdigest()[:32]


def render(entries: list[Key]) -> str:
    rows = [
        {"rule": rule, "path": json_path(path), "fingerprint": fingerprint}
        for rule, path, fingerprint in sorted(entries, key=lambda k: (k[1], k[0], k[2]))
    ]
    return json.dumps({"version": VERSION, "tool": "opsmith", "findings": rows}, indent=2) + "\n"


def load(path: Path) -> Counter[Key]:
    try:
        data = json.loads(read_text_limited(path, _MAX_BASELINE))
    except FileNotFoundError:
        raise BaselineError(f"no such baseline file: {path} (create it with --write-baseline)") from None
    except (NotReadable, OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"cannot read the baseline {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}: not a baseline file: {exc.msg}") from None
    rows = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(rows, list):
        raise BaselineError(f"{path}: not an opsmith baseline (version {VERSION})")
    found: Counter[Key] = Counter()
    for row in rows:
        if not isinstance(row, dict) or not all(
            isinstance(row.get(k), str) for k in ("rule", "path", "fingerprint")
        ):
            raise BaselineError(f"{path}: every finding needs rule, path and fingerprint strings")
        found[(row["rule"], _unquoted(row["path"]), row["fingerprint"])] += 1
    return found


def _unquoted(path: str) -> str:
    """The path as findings carry it (json_path's `%XX` written back as the bytes they stand for)."""
    if "%" not in path:
        return path
    from urllib.parse import unquote

    return unquote(path, errors="surrogateescape")


def apply(result: AuditResult, remaining: Counter[Key]) -> int:
    """Drops the findings the baseline accepts from `result`, using up their entries in
    `remaining` (what is left afterwards no longer occurs); returns how many were dropped."""
    kept = []
    for finding, key in zip(result.findings, keys(result), strict=True):
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            kept.append(finding)
    hidden = len(result.findings) - len(kept)
    result.findings[:] = kept
    return hidden
